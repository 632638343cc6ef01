"""Every CSV the app writes goes through here, so no cell runs as a formula when a spreadsheet opens it.

Text that begins with = + - @, a tab or a carriage return is what Excel and LibreOffice take for a formula
(=HYPERLINK(...) sends the sheet's other cells to whoever wrote it); such text gets a leading apostrophe, which
spreadsheets show as text. Numbers, and the figures the app itself formats from numbers ("-3.2%", "+1.5 pts"),
are written as they are: a negative number stays a number.

Every CSV a person uploads (staff, cases) is read through `read_table`, with one header rule.
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


def read_table(data: bytes, columns, required, header_message, fold_case: bool = False
               ) -> tuple[list[tuple[int, dict]], str]:
    """(line number, {column: text}) for each non-blank row of an uploaded CSV, and the file's encoding.

    UTF-8 (with or without BOM) or Big5, LF or CRLF. The first line names the columns: an unknown, missing
    required or repeated name (in lower case with `fold_case`) refuses the file with `header_message`; a column with
    a blank name is ignored. A row
    with more cells than the header comes back as {"_extra": True}, for the caller to report on its line."""
    from flask_babel import lazy_gettext as _l

    from .calendar import decode_calendar
    from .errors import ValidationFailed

    text, encoding = decode_calendar(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower() if fold_case else cell.strip() for cell in next(reader, [])]
    unknown = [name for name in header if name and name not in columns]
    missing = [name for name in required if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise ValidationFailed(
            header_message,
            code="bad_header",
            details={"header": ", ".join(missing + unknown) or str(_l("A column appears twice."))},
        )
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            rows.append((line, {"_extra": True}))
            continue
        cells = cells + [""] * (len(header) - len(cells))
        rows.append((line, {name: cells[i].strip() for i, name in enumerate(header) if name}))
    return rows, encoding
