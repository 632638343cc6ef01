"""The quarterly report as an OpenDocument spreadsheet that reads as it prints: typed cells with number formats.

Each table is a sheet named by its Chinese title. A share is a percentage cell (value 0.679, shown 67.9%), a mean
a number shown with its decimals, a count an integer; the displayed text is kept too, but a spreadsheet program
shows the value through the cell's number format, as it would for a cell typed by hand.
"""

import io
import re
from dataclasses import replace

from odf.dc import Title
from odf.element import Element
from odf.number import Number, NumberStyle, PercentageStyle
from odf.number import Text as NumberText
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Map, Style, TableCellProperties, TableColumnProperties, TextProperties
from odf.table import Table as Sheet
from odf.table import TableCell, TableColumn, TableRow
from odf.text import P

from .definitions import mark

# What a sheet name may not hold in LibreOffice or Excel, and how long it may be.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
FIRST_COLUMN_WIDTH = "6cm"
COLUMN_WIDTH = "3cm"


def sheet_name(title: str, taken: set[str]) -> str:
    """A table title as a sheet name: forbidden characters replaced, at most 31 characters, unique in the file."""
    name = SHEET_NAME_FORBIDDEN.sub("_", title).strip("' ") or "Sheet"
    name = name[:SHEET_NAME_MAX]
    candidate, n = name, 2
    while candidate in taken:
        suffix = f"({n})"
        candidate = name[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


class _Styles:
    """The cell styles of the file, each number format made once and shared by every cell that needs it."""

    def __init__(self, doc: OpenDocumentSpreadsheet, points_suffix: str):
        self.doc = doc
        self.points_suffix = points_suffix
        self._cells: dict[tuple[str, int], Element] = {}
        self.header = self._style(
            "header",
            TextProperties(fontweight="bold", fontweightasian="bold"),
            TableCellProperties(backgroundcolor="#dce6f1", border="0.5pt solid #7f7f7f", wrapoption="wrap"),
        )
        self.title = self._style("title", TextProperties(fontweight="bold", fontweightasian="bold", fontsize="13pt"))
        self.note = self._style("note", TextProperties(fontsize="9pt", color="#444444"))
        self.first_column = self._column("first-column", FIRST_COLUMN_WIDTH)
        self.column = self._column("column", COLUMN_WIDTH)

    def _style(self, name: str, *properties, **attributes) -> Element:
        style = Style(name=name, family="table-cell", **attributes)
        for p in properties:
            style.addElement(p)
        self.doc.automaticstyles.addElement(style)
        return style

    def _column(self, name: str, width: str) -> Element:
        style = Style(name=name, family="table-column")
        style.addElement(TableColumnProperties(columnwidth=width))
        self.doc.automaticstyles.addElement(style)
        return style

    def number(self, kind: str, digits: int, signed: bool = False, mark: str = "") -> Element:
        """The cell style showing a percent, a count/mean or a change in points with `digits` decimals; a `signed`
        one (a change) shows "+" before a positive value, as the page does, while the cell keeps the number; `mark`
        follows the number (the too-few mark of a rate)."""
        key = (kind, digits, signed, mark)
        if key not in self._cells:
            data_name = f"N-{kind}-{digits}{'-signed' if signed else ''}" + (f"-m{len(self._cells)}" if mark else "")
            data = self._data_style(data_name, kind, digits, suffix=mark)
            if signed:
                positive = self._data_style(f"{data_name}-positive", kind, digits, prefix="+", suffix=mark)
                data.addElement(Map(condition="value()>0", applystylename=positive))
            self.doc.automaticstyles.addElement(data)
            self._cells[key] = self._style(f"cell-{data_name[2:]}", datastylename=data_name)
        return self._cells[key]

    def _data_style(self, name: str, kind: str, digits: int, prefix: str = "", suffix: str = "") -> Element:
        data = (PercentageStyle if kind == "percent" else NumberStyle)(name=name)
        if prefix:
            data.addElement(NumberText(text=prefix))
        data.addElement(Number(decimalplaces=digits, minintegerdigits=1, grouping="true"))
        if kind == "percent":
            data.addElement(NumberText(text="%"))
        elif kind == "points":
            data.addElement(NumberText(text=f" {self.points_suffix}"))
        if suffix:
            data.addElement(NumberText(text=suffix))
        if prefix:  # only a condition names it, and odfpy keeps automatic styles that cells name: a common style
            self.doc.styles.addElement(data)
        return data


def _cell(value, text: str, style: Element | None = None, kind: str = "", digits: int = 0) -> TableCell:
    attributes = {"stylename": style} if style is not None else {}
    if isinstance(value, int | float) and not isinstance(value, bool):
        if kind == "percent":
            cell = TableCell(valuetype="percentage", value=value, **attributes)
        else:
            cell = TableCell(valuetype="float", value=value, **attributes)
    else:
        cell = TableCell(valuetype="string", **attributes)
    cell.addElement(P(text=text))
    return cell


def render_ods(title: str, tables: list, points_suffix: str = "pts") -> bytes:
    """One sheet per table: the report's title, the table's title, a styled header row, typed rows, the note."""
    doc = OpenDocumentSpreadsheet()
    doc.meta.addElement(Title(text=title))
    styles = _Styles(doc, points_suffix)
    taken: set[str] = set()
    for table in tables:
        sheet = Sheet(name=sheet_name(table.title, taken))
        sheet.addElement(TableColumn(stylename=styles.first_column))
        if len(table.header) > 1:
            sheet.addElement(TableColumn(stylename=styles.column, numbercolumnsrepeated=len(table.header) - 1))
        for text, style in ((title, styles.title), (table.title, styles.title)):
            row = TableRow()
            row.addElement(_cell(None, text, style))
            sheet.addElement(row)
        header = TableRow()
        for i, text in enumerate(table.header):
            header.addElement(_cell(None, str(text) + mark(table.marks.get(i)), styles.header))
        sheet.addElement(header)
        for r, cells in enumerate(table.rows):
            row = TableRow()
            if r in table.row_marks:
                cells = [replace(cells[0], text=cells[0].text + mark(table.row_marks[r]))] + cells[1:]
            for cell in cells:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool) and cell.kind:
                    style = styles.number(cell.kind, cell.digits, cell.signed, cell.mark)
                    row.addElement(_cell(cell.value, cell.text, style, cell.kind, cell.digits))
                else:
                    row.addElement(_cell(None, cell.text))
            sheet.addElement(row)
        for text in [table.note] + [f"{mark(n)} {d}" for n, d in enumerate(table.footnotes, 1)]:
            note = TableRow()
            note.addElement(_cell(None, text, styles.note))
            sheet.addElement(note)
        doc.spreadsheet.addElement(sheet)
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()
