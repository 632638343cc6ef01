"""Every CSV the app writes goes through here, so no cell runs as a formula when a spreadsheet opens it.

Text that begins with = + - @, a tab or a carriage return is what Excel and LibreOffice take for a formula
(=HYPERLINK(...) sends the sheet's other cells to whoever wrote it); such text gets a leading apostrophe, which
spreadsheets show as text. Numbers, and the figures the app itself formats from numbers ("-3.2%", "+1.5 pts"),
are written as they are: a negative number stays a number.
"""

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # spreadsheet programs then read the file as UTF-8, Chinese included


class Figure(str):
    """Text the app formatted from a number; written unescaped."""


def safe_cell(value) -> str | int | float:
    """The value as a CSV cell a spreadsheet shows as written; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Figure)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """csv.writer whose every text cell goes through `safe_cell`."""

    def __init__(self, buffer: io.StringIO, **options):
        self._writer = csv.writer(buffer, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def writer(buffer: io.StringIO, **options) -> SafeWriter:
    return SafeWriter(buffer, **options)


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    """Rows as a whole CSV file: UTF-8 with BOM, every cell made safe."""
    buffer = io.StringIO()
    writer(buffer).writerows(rows)
    return (BOM + buffer.getvalue()).encode("utf-8")
