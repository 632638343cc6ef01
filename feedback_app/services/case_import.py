"""Import cases exported from another system (1999 dispatch lists) into one office.

The file is CSV, UTF-8 (with or without BOM) or Big5, LF or CRLF line ends, with this header row (column order
free, the first four columns required, the rest may be left out or empty):

    案件編號   the other system's case number, kept as the original reference (required, unique per office)
    受理時間   received time in Asia/Taipei: 2025-01-22 10:05, 2025/01/22 10:05[:00] or ROC 114/01/22 10:05
    管道       channel: 1999, 單一陳情系統, 市政信箱, 電子郵件, 電話, 書面, 臨櫃, 意見箱,
               Facebook, LINE, or a channel code
    主旨       subject (up to 200 characters)
    類別       category: its Chinese or English name or its code; empty for none
    內容       description
    陳情人     petitioner's name
    電話       petitioner's phone
    電子郵件   petitioner's email
    地址       petitioner's address
    身分保密   是/Y/1 when the petitioner's identity is confidential

Every row is checked before anything is written: one bad row refuses the whole file, naming the row and field.
Rows whose 案件編號 the office already has are skipped and reported: a file imported twice adds nothing twice.
Cases are opened through `open_case`: back-dated received time, due date from the rules and the calendar.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Case, CaseCategory, CaseChannel, CaseEvent, Notification, Office
from .calendar import TAIPEI, WorkCalendar
from .cases import CaseInput, open_case, validate_case_input
from .errors import Conflict, ValidationFailed
from .spreadsheet import read_table

COLUMNS = {
    "案件編號": "external_ref",
    "受理時間": "received_at",
    "管道": "channel",
    "類別": "category",
    "主旨": "subject",
    "內容": "description",
    "陳情人": "petitioner_name",
    "電話": "petitioner_phone",
    "電子郵件": "petitioner_email",
    "地址": "petitioner_address",
    "身分保密": "confidential",
}
REQUIRED = ("案件編號", "受理時間", "管道", "主旨")
FIELD_COLUMN = {name: column for column, name in COLUMNS.items()} | {"category_id": "類別"}
CHANNEL_NAMES = {
    "1999": CaseChannel.HOTLINE_1999,
    "1999市民熱線": CaseChannel.HOTLINE_1999,
    "市民熱線": CaseChannel.HOTLINE_1999,
    "單一陳情系統": CaseChannel.PETITION_SYSTEM,
    "市政信箱": CaseChannel.MAYOR_MAILBOX,
    "市長信箱": CaseChannel.MAYOR_MAILBOX,
    "電子郵件": CaseChannel.EMAIL,
    "email": CaseChannel.EMAIL,
    "電話": CaseChannel.PHONE,
    "書面": CaseChannel.LETTER,
    "信函": CaseChannel.LETTER,
    "臨櫃": CaseChannel.COUNTER,
    "意見箱": CaseChannel.COMMENT_BOX,
    "facebook": CaseChannel.FACEBOOK,
    "臉書": CaseChannel.FACEBOOK,
    "line": CaseChannel.LINE,
}
# The channel names a file usually holds, as the import page lists them (CHANNEL_NAMES takes a few more).
CHANNEL_WORDS = (
    "1999", "單一陳情系統", "市政信箱", "電子郵件", "電話", "書面", "臨櫃", "意見箱", "Facebook", "LINE",
)
TRUE_WORDS = {"是", "y", "yes", "1", "true"}
FALSE_WORDS = {"", "否", "n", "no", "0", "false"}
MAX_ROWS = 5000
MAX_REF = 64
TIME_PATTERN = re.compile(r"^(\d{2,4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


@dataclass
class ImportRow:
    line: int
    data: CaseInput
    category_name: str = ""
    case_number: str | None = None


@dataclass
class ImportReport:
    """What an import did, or (dry run) would do."""

    office: Office
    encoding: str
    dry_run: bool
    to_create: list[ImportRow] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, 案件編號) already in the office


def parse_received(value: str) -> datetime:
    """A received time in Asia/Taipei; a year below 1000 is a ROC year (114 = 2025)."""
    match = TIME_PATTERN.match(value.strip())
    if not match:
        raise ValueError(value)
    year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
    if year < 1000:
        year += 1911
    return datetime(year, month, day, hour, minute, second, tzinfo=TAIPEI)


def _categories(city_id: int) -> dict[str, int]:
    lookup: dict[str, int] = {}
    for category in db.session.scalars(
        sa.select(CaseCategory).where(CaseCategory.city_id == city_id, CaseCategory.active)
    ):
        lookup[category.code.lower()] = category.id
        for name in (category.names or {}).values():
            lookup[name.strip().lower()] = category.id
    return lookup


def _read(data: bytes) -> tuple[list[dict[str, str]], str]:
    """The rows of the file as {column: text}, with their encoding; a bad header refuses the file."""
    message = _l("The first line must name the columns: %(columns)s (the first four are required).",
                 columns=", ".join(COLUMNS))
    rows, encoding = read_table(data, COLUMNS, REQUIRED, message)
    return [{"_line": line} | values for line, values in rows], encoding


def check_file(data: bytes, office: Office) -> ImportReport:
    """Check a file for an office without writing; ValidationFailed lists every bad row and field."""
    rows, encoding = _read(data)
    if not rows:
        raise ValidationFailed(_l("The file has no cases."), code="empty")
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(
            _l("At most %(n)d cases per file; split the file.", n=MAX_ROWS), code="too_many"
        )
    categories = _categories(office.city_id)
    report = ImportReport(office=office, encoding=encoding, dry_run=True)
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    refs = [row.get("案件編號", "") for row in rows]
    existing = set(
        db.session.scalars(
            sa.select(Case.external_ref).where(
                Case.office_id == office.id, Case.external_ref.in_([r for r in refs if r])
            )
        )
    )

    for row in rows:
        line = row["_line"]

        def fail(column: str, message, line=line):
            errors.setdefault(str(_l("row %(n)d, %(column)s", n=line, column=column)), str(message))

        if row.get("_extra"):
            fail(str(_l("columns")), _l("The row has more cells than the header."))
            continue
        ref = row["案件編號"]
        if not ref:
            fail("案件編號", _l("Required."))
        elif len(ref) > MAX_REF:
            fail("案件編號", _l("At most %(n)d characters.", n=MAX_REF))
        elif ref in seen:
            fail("案件編號", _l("Already on row %(n)d of this file.", n=seen[ref]))
        else:
            seen[ref] = line
        received_at = None
        try:
            received_at = parse_received(row["受理時間"])
        except ValueError:
            fail("受理時間", _l("Not a date and time such as 2025-01-22 10:05 or 114/01/22 10:05."))
        channel_text = row["管道"]
        channel = CHANNEL_NAMES.get(
            channel_text.lower(), channel_text if channel_text in CaseChannel.ALL else None
        )
        if channel is None:
            fail("管道", _l("Unknown channel."))
        category_text = row.get("類別", "")
        category_id = categories.get(category_text.lower()) if category_text else None
        if category_text and category_id is None:
            fail("類別", _l("Unknown category."))
        confidential_text = row.get("身分保密", "").lower()
        if confidential_text not in TRUE_WORDS | FALSE_WORDS:
            fail("身分保密", _l("Write 是 or 否."))
        if channel is None or received_at is None:
            continue
        data = CaseInput(
            office_id=office.id,
            channel=channel,
            subject=row["主旨"],
            description=row.get("內容", ""),
            category_id=category_id,
            received_at=received_at,
            external_ref=ref,
            petitioner_name=row.get("陳情人"),
            petitioner_phone=row.get("電話"),
            petitioner_email=row.get("電子郵件"),
            petitioner_address=row.get("地址"),
            confidential=confidential_text in TRUE_WORDS,
        )
        if ref in existing:
            report.skipped.append((line, ref))
            continue
        try:
            validate_case_input(data)
        except ValidationFailed as error:
            for name, message in error.details.items():
                fail(FIELD_COLUMN.get(name, name), message)
            continue
        report.to_create.append(ImportRow(line=line, data=data, category_name=category_text))
    if errors:
        raise ValidationFailed(
            _l("The file has bad rows; nothing was imported."), code="bad_rows", details=errors
        )
    return report


# What an import writes to, for the planner statistics refreshed after it.
IMPORTED_TABLES = (Case, CaseEvent, Notification)


def import_cases(
    data: bytes, office: Office, actor_id: int | None = None, dry_run: bool = False, source_name: str = ""
) -> ImportReport:
    """Check a file, then (unless dry run) open every new case in the caller's transaction, all or none.

    Each case's audit trail says it was imported, from which file and row."""
    report = check_file(data, office)
    report.dry_run = dry_run
    if dry_run or not report.to_create:
        return report
    years = [row.data.received_at.astimezone(TAIPEI).year for row in report.to_create]
    calendar = WorkCalendar(min(years), max(years) + 1)
    try:
        with db.session.begin_nested():
            for row in report.to_create:
                case, _code = open_case(row.data, actor_id=actor_id, calendar=calendar)
                row.case_number = case.number
                db.session.add(
                    CaseEvent(
                        case_id=case.id,
                        actor_id=actor_id,
                        action="imported",
                        after={"external_ref": case.external_ref, "file": source_name, "row": row.line},
                    )
                )
    except IntegrityError:
        raise Conflict(
            _l(
                "Another import of these cases ran at the same time; nothing was imported. "
                "Try again to skip the cases it added."
            )
        ) from None
    return report
