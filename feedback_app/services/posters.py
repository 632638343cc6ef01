"""Printable QR posters for a counter's survey link: PNG, SVG and an A4 PDF with the office's name."""

import io

import qrcode
import qrcode.image.svg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

A4_INCHES = (8.27, 11.69)


def poster_font() -> FontProperties:
    """The Traditional Chinese face of the bundled CJK font, registered where every chart's is (charts.py)."""
    from .. import charts

    return charts.font_properties()


def _qr(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    return code


def png(url: str) -> bytes:
    out = io.BytesIO()
    _qr(url).make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def svg(url: str) -> bytes:
    out = io.BytesIO()
    _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue()


def pdf(url: str, office_name: str, counter_name: str) -> bytes:
    """An A4 poster: office and counter name, the QR code and a call to rate, in Chinese and English."""
    font = poster_font()
    matrix = _qr(url).get_matrix()
    figure = Figure(figsize=A4_INCHES)
    figure.text(0.5, 0.92, office_name, ha="center", va="center", fontsize=34, fontproperties=font)
    figure.text(0.5, 0.86, counter_name, ha="center", va="center", fontsize=24, fontproperties=font)
    axes = figure.add_axes((0.2, 0.33, 0.6, 0.6 * A4_INCHES[0] / A4_INCHES[1]))
    axes.imshow(
        [[0 if cell else 1 for cell in row] for row in matrix],
        cmap="gray",
        interpolation="nearest",
        vmin=0,
        vmax=1,
    )
    axes.set_axis_off()
    figure.text(0.5, 0.25, "請掃描 QR Code，為今天的服務評分", ha="center", fontsize=24, fontproperties=font)
    figure.text(
        0.5, 0.20, "Scan the code to rate today's service", ha="center", fontsize=18, fontproperties=font
    )
    figure.text(
        0.5,
        0.15,
        "匿名填寫，約需 1 分鐘 · Anonymous, about one minute",
        ha="center",
        fontsize=14,
        fontproperties=font,
    )
    figure.text(0.5, 0.06, url, ha="center", fontsize=7, fontproperties=font, color="#333333")
    out = io.BytesIO()
    figure.savefig(out, format="pdf")
    return out.getvalue()
