"""What each indicator means, written once and attached as numbered footnotes to every table that shows it.

A column heading or a row's first cell naming an indicator gets a footnote number; the table lists the definitions
under it, numbered as marked, on the page, in the spreadsheet and in the printed report. The footnote on small
samples is added only where a row has too few answers to read a rate from.
"""

from flask_babel import lazy_gettext as _l

from .reports import Table

# (the indicator as headings and row labels name it, what it means); the same text serves every table.
DEFINITIONS = (
    (_l("Valid answers"), _l("Valid answers: answers to the chosen question, noise excluded.")),
    (
        _l("Satisfaction"),
        _l("Satisfaction: the share of valid answers that are Satisfied or Very satisfied (top-2-box)."),
    ),
    (
        _l("95% interval"),
        _l("95% interval: the Wilson score interval, which holds the true rate with 95 in 100 confidence."),
    ),
    (_l("Mean score"), _l("Mean score: the average of the 1 to 5 scores of the valid answers.")),
    (_l("vs previous period"), _l("Change: the later rate minus the earlier one, in percentage points.")),
    (_l("vs same period last year"), _l("Change: the later rate minus the earlier one, in percentage points.")),
    (
        _l("vs previous period (relative)"),
        _l("Relative change: the change divided by the earlier rate."),
    ),
    (
        _l("vs same period last year (relative)"),
        _l("Relative change: the change divided by the earlier rate."),
    ),
    (
        _l("Noise excluded"),
        _l("Noise: taps repeated within seconds on one kiosk, kept out of every figure."),
    ),
    (
        _l("On-time closure rate"),
        _l("On-time closure rate: cases closed by their due date divided by cases closed in the period."),
    ),
    (
        _l("Median working days to close"),
        _l("Working days to close: from the day a case was received to the day it was closed, on the office calendar."),
    ),
    (
        _l("Mean working days to close"),
        _l("Working days to close: from the day a case was received to the day it was closed, on the office calendar."),
    ),
    (
        _l("Extension rate"),
        _l("Extension rate: cases received in the period whose deadline was extended, divided by cases received."),
    ),
    (
        _l("Re-handling rate"),
        _l("Re-handling rate: cases closed in the period that were handled again, divided by cases closed."),
    ),
    (
        _l("Reply satisfaction"),
        _l("Reply satisfaction: petitioners' rating of the answer they got, by the date they rated it."),
    ),
    (
        _l("Position"),
        _l("Position: where the rate lies against the limits around the city rate expected for its number of answers."),
    ),
)
SAMPLE = (_l("Sample"), _l("Too few: fewer than 30 valid answers, too few to read a rate from."))
TOO_FEW = _l("Too few")


def _number(table: Table, text: str) -> int:
    if text not in table.footnotes:
        table.footnotes.append(text)
    return table.footnotes.index(text) + 1


def annotate(table: Table) -> Table:
    """Number the definitions of the indicators a table names in its headings and row labels, and of small samples
    where a row has too few answers."""
    meanings = {str(name): str(text) for name, text in DEFINITIONS}
    for i, heading in enumerate(table.header):
        if str(heading) in meanings:
            table.marks[i] = _number(table, meanings[str(heading)])
    for r, row in enumerate(table.rows):
        if row and row[0].text in meanings:
            table.row_marks[r] = _number(table, meanings[row[0].text])
    too_few = str(TOO_FEW)
    if str(SAMPLE[0]) in [str(h) for h in table.header] and any(c.text == too_few for row in table.rows for c in row):
        table.marks[[str(h) for h in table.header].index(str(SAMPLE[0]))] = _number(table, str(SAMPLE[1]))
    return table


def mark(number: int | None) -> str:
    """A footnote number as superscript digits, for text that cannot carry markup (spreadsheet cells)."""
    return "" if number is None else str(number).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
