"""Case lists for staff: work queues, filters and keyset pagination, always office-scoped and masked.

A list is a `view` (which cases) plus filters; pages follow each other by an opaque cursor holding the sort
key of the last row shown, so page 1000 costs what page 1 costs and rows added meanwhile never shift a page.
"""

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from ..extensions import db
from ..labels import CASE_CHANNEL_LABELS, STATE_LABELS, label_for
from ..models import Case, CaseChannel, CaseState, User, utcnow
from .access import scoped
from .calendar import TAIPEI, WorkCalendar, end_of_day
from .errors import ValidationFailed
from .privacy import petitioner_view

VIEWS = ("mine", "unit", "due_soon", "overdue", "unassigned", "all")
VIEW_LABELS = {
    "mine": _l("My cases"),
    "unit": _l("My unit's cases"),
    "due_soon": _l("Due soon"),
    "overdue": _l("Overdue"),
    "unassigned": _l("Not yet assigned"),
    "all": _l("All cases"),
}
FIELD_LABELS = {
    "view": _l("List"),
    "state": _l("State"),
    "channel": _l("Channel"),
    "category": _l("Category"),
    "unit": _l("Unit"),
    "received_from": _l("Received from"),
    "received_to": _l("Received until"),
    "q": _l("Case number or subject"),
    "days": _l("Due within (working days)"),
    "per_page": _l("Rows a page"),
    "cursor": _l("Page"),
}
OPEN = "open"  # the state filter that means every open state
DUE_ORDERED = ("due_soon", "overdue")  # these lists show the most urgent first: (due_at, id)
DEFAULT_DUE_SOON_DAYS = 2
MAX_DUE_SOON_DAYS = 30
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_SEARCH = 100


@dataclass(frozen=True)
class CaseQuery:
    """Which cases a list shows; built from request arguments by `parse_query`."""

    view: str = "all"
    state: str = ""  # "", "open" or one CaseState
    channel: str = ""
    category_id: int | None = None
    unit_id: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    search: str = ""
    days: int = DEFAULT_DUE_SOON_DAYS
    cursor: str = ""
    limit: int = PAGE_SIZE

    def args(self, **changes) -> dict[str, str]:
        """The query as URL arguments (empty ones left out), e.g. for the next page or the CSV link."""
        query = replace(self, **changes)
        values = {
            "view": query.view,
            "state": query.state,
            "channel": query.channel,
            "category": query.category_id,
            "unit": query.unit_id,
            "received_from": query.received_from.isoformat() if query.received_from else "",
            "received_to": query.received_to.isoformat() if query.received_to else "",
            "q": query.search,
            "days": query.days if query.view == "due_soon" else "",
            "cursor": query.cursor,
        }
        if query.limit != PAGE_SIZE:
            values["per_page"] = query.limit
        args = {key: str(value) for key, value in values.items() if value not in ("", None)}
        if query.state == "" and default_state(query.view) != "":
            args["state"] = ""  # "any state" differs from this view's default, so say it explicitly
        return args


@dataclass
class CaseRow:
    """One line of a list: the case and its petitioner as this viewer may see them."""

    case: Case
    petitioner: dict
    overdue: bool


@dataclass
class CasePage:
    query: CaseQuery
    rows: list[CaseRow] = field(default_factory=list)
    next_cursor: str | None = None


def default_state(view: str) -> str:
    """Work queues show open cases unless asked otherwise; the full list shows every state."""
    return OPEN if view in ("mine", "unit") else ""


def _int(value: str, name: str, errors: dict) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        errors[name] = str(_l("Must be a whole number."))
        return None
    return int(value)


def _date(value: str, name: str, errors: dict) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = str(_l("Must be a date written YYYY-MM-DD."))
        return None


def parse_query(args: Mapping[str, str], default_view: str = "all") -> CaseQuery:
    """Check list arguments (view, filters, cursor); a bad value raises ValidationFailed naming the field."""
    errors: dict[str, str] = {}
    view = (args.get("view") or default_view).strip()
    if view not in VIEWS:
        errors["view"] = str(_l("Unknown list."))
        view = "all"
    state = (args.get("state") if "state" in args else default_state(view)) or ""
    state = state.strip()
    if state and state != OPEN and state not in CaseState.ALL:
        errors["state"] = str(_l("Unknown state."))
    channel = (args.get("channel") or "").strip()
    if channel and channel not in CaseChannel.ALL:
        errors["channel"] = str(_l("Unknown channel."))
    category_id = _int(args.get("category", ""), "category", errors)
    unit_id = _int(args.get("unit", ""), "unit", errors)
    received_from = _date(args.get("received_from", ""), "received_from", errors)
    received_to = _date(args.get("received_to", ""), "received_to", errors)
    if received_from and received_to and received_from > received_to:
        errors["received_to"] = str(_l("The end date is before the start date."))
    search = (args.get("q") or "").strip()
    if len(search) > MAX_SEARCH:
        errors["q"] = str(_l("The search is limited to %(n)d characters.", n=MAX_SEARCH))
    days = _int(args.get("days", ""), "days", errors)
    if days is None:
        days = DEFAULT_DUE_SOON_DAYS
    elif not 1 <= days <= MAX_DUE_SOON_DAYS:
        errors["days"] = str(_l("Between 1 and %(n)d working days.", n=MAX_DUE_SOON_DAYS))
    limit = _int(args.get("per_page", ""), "per_page", errors)
    if limit is None:
        limit = PAGE_SIZE
    elif not 1 <= limit <= MAX_PAGE_SIZE:
        errors["per_page"] = str(_l("Between 1 and %(n)d rows a page.", n=MAX_PAGE_SIZE))
    cursor = (args.get("cursor") or "").strip()
    if cursor:
        try:
            decode_cursor(cursor, view)
        except ValidationFailed as error:
            if not errors:
                raise
            errors.update(error.details)
    if errors:
        raise ValidationFailed(_l("Some of the list settings are not valid."), details=errors)
    return CaseQuery(
        view=view,
        state=state,
        channel=channel,
        category_id=category_id,
        unit_id=unit_id,
        received_from=received_from,
        received_to=received_to,
        search=search,
        days=days,
        cursor=cursor,
        limit=limit,
    )


def _ordering(view: str) -> str:
    return "due" if view in DUE_ORDERED else "received"


def encode_cursor(view: str, row: Case) -> str:
    """An opaque token for the position after `row` in a list of this kind."""
    key = row.due_at if _ordering(view) == "due" else row.received_at
    payload = json.dumps({"o": _ordering(view), "t": key.isoformat(), "i": row.id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, view: str) -> tuple[datetime, int]:
    """The (sort time, id) a cursor holds; ValidationFailed if damaged or made for another ordering."""
    bad = ValidationFailed(
        _l("This page link is damaged or out of date; start from the first page."),
        details={"cursor": str(_l("Not a valid page position."))},
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw.decode())
        key = datetime.fromisoformat(payload["t"])
        row_id = payload["i"]
        ordering = payload["o"]
    except (binascii.Error, ValueError, UnicodeDecodeError, KeyError, TypeError):
        raise bad from None
    if (
        ordering != _ordering(view)
        or key.tzinfo is None
        or not isinstance(row_id, int)
        or isinstance(row_id, bool)
    ):
        raise bad
    return key, row_id


def due_soon_limit(now: datetime, days: int, calendar: WorkCalendar | None = None) -> datetime:
    """The end of the Nth working day after today (Asia/Taipei): due-soon cases fall due by then."""
    today = now.astimezone(TAIPEI).date()
    calendar = calendar or WorkCalendar.around(today)
    last_day, _ = calendar.add_working_days(today, days)
    return end_of_day(last_day)


def open_states() -> sa.ColumnElement[bool]:
    """Open states written into the SQL itself, so PostgreSQL can match the partial open-case indexes
    even under a prepared statement's generic plan."""
    return Case.state.in_([sa.literal(state, literal_execute=True) for state in CaseState.OPEN])


def _taipei_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=TAIPEI)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def build_select(user: User, query: CaseQuery, now: datetime) -> sa.Select:
    """The office-scoped, filtered and ordered select of a list (no cursor, no limit)."""
    stmt = scoped(sa.select(Case), Case, user)
    view = query.view
    if view == "mine":
        stmt = stmt.where(Case.assignee_id == user.id)
    elif view == "unit":
        if user.unit_id is None:
            raise ValidationFailed(_l("You do not belong to a unit."), details={"view": str(_l("No unit."))})
        stmt = stmt.where(Case.unit_id == user.unit_id)
    elif view == "overdue":
        stmt = stmt.where(open_states(), Case.due_at < now)
    elif view == "due_soon":
        stmt = stmt.where(open_states(), Case.due_at >= now, Case.due_at <= due_soon_limit(now, query.days))
    elif view == "unassigned":
        stmt = stmt.where(
            Case.state == sa.literal(CaseState.RECEIVED, literal_execute=True), Case.assignee_id.is_(None)
        )

    if query.state == OPEN:
        if view not in (
            "overdue",
            "due_soon",
        ):  # already limited to the open states, in the index's own terms
            stmt = stmt.where(open_states())
    elif query.state:
        stmt = stmt.where(Case.state == query.state)
    if query.channel:
        stmt = stmt.where(Case.channel == query.channel)
    if query.category_id is not None:
        stmt = stmt.where(Case.category_id == query.category_id)
    if query.unit_id is not None:
        stmt = stmt.where(Case.unit_id == query.unit_id)
    if query.received_from:
        stmt = stmt.where(Case.received_at >= _taipei_midnight(query.received_from))
    if query.received_to:
        stmt = stmt.where(Case.received_at < _taipei_midnight(query.received_to + timedelta(days=1)))
    if query.search:
        pattern = f"%{_escape_like(query.search)}%"
        stmt = stmt.where(
            sa.or_(
                Case.number.ilike(pattern, escape="\\"),
                Case.subject.ilike(pattern, escape="\\"),
                Case.external_ref.ilike(pattern, escape="\\"),
            )
        )

    if _ordering(view) == "due":
        return stmt.order_by(Case.due_at, Case.id)
    return stmt.order_by(Case.received_at.desc(), Case.id.desc())


def _after(stmt: sa.Select, view: str, cursor: str) -> sa.Select:
    key, row_id = decode_cursor(cursor, view)
    if _ordering(view) == "due":
        return stmt.where(Case.due_at >= key, sa.or_(Case.due_at > key, Case.id > row_id))
    return stmt.where(Case.received_at <= key, sa.or_(Case.received_at < key, Case.id < row_id))


def page_select(user: User, query: CaseQuery, now: datetime) -> sa.Select:
    """The select of one page: the list from the cursor on, one row more than shown to tell if more follow."""
    stmt = build_select(user, query, now)
    if query.cursor:
        stmt = _after(stmt, query.view, query.cursor)
    return stmt.limit(query.limit + 1)


def list_cases(user: User, query: CaseQuery, now: datetime | None = None) -> CasePage:
    """One page of a list, as this user may see it."""
    now = now or utcnow()
    stmt = page_select(user, query, now).options(
        so.joinedload(Case.unit),
        so.joinedload(Case.assignee),
        so.joinedload(Case.category),
        so.joinedload(Case.office),
    )
    cases = list(db.session.scalars(stmt).unique())
    page = CasePage(query=query)
    for case in cases[: query.limit]:
        page.rows.append(
            CaseRow(case=case, petitioner=petitioner_view(user, case), overdue=_is_overdue(case, now))
        )
    if len(cases) > query.limit:
        page.next_cursor = encode_cursor(query.view, cases[query.limit - 1])
    return page


def iter_cases(
    user: User, query: CaseQuery, now: datetime | None = None, batch: int = 500
) -> Iterator[CaseRow]:
    """Every row of a list from the query's position on, page by page (for exports of any size)."""
    now = now or utcnow()
    query = replace(query, limit=batch)
    while True:
        page = list_cases(user, query, now=now)
        yield from page.rows
        if page.next_cursor is None:
            return
        query = replace(query, cursor=page.next_cursor)


def _is_overdue(case: Case, now: datetime) -> bool:
    return case.state in CaseState.OPEN and case.due_at < now


CSV_COLUMNS = (
    _l("Case number"),
    lazy_pgettext("time", "Received"),
    _l("Channel"),
    _l("Category"),
    _l("Subject"),
    _l("State"),
    _l("Office"),
    _l("Unit"),
    _l("Case officer"),
    _l("Due"),
    _l("Overdue"),
    _l("Original reference"),
    _l("Petitioner"),
    _l("Phone"),
    _l("Email"),
    _l("Address"),
)


def _local(value: datetime | None) -> str:
    return value.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M") if value else ""


def category_label(case: Case, locale: str) -> str:
    if case.category is None:
        return ""
    names = case.category.names or {}
    return names.get(locale) or names.get("zh_TW") or case.category.code


def csv_lines(
    user: User, query: CaseQuery, locale: str = "zh_TW", now: datetime | None = None
) -> Iterator[list[str]]:
    """The list as CSV rows (header first), masked exactly as the page masks it; no notes, no descriptions.

    Written through services/spreadsheet.py, which keeps a subject like =HYPERLINK(...) from running as a formula."""
    yield [str(label) for label in CSV_COLUMNS]
    for row in iter_cases(user, replace(query, cursor=""), now=now):
        case, person = row.case, row.petitioner
        yield [
            case.number,
            _local(case.received_at),
            label_for(CASE_CHANNEL_LABELS, case.channel),
            category_label(case, locale),
            case.subject,
            label_for(STATE_LABELS, case.state),
            case.office.name if case.office else "",
            case.unit.name if case.unit else "",
            case.assignee.display_name if case.assignee else "",
            _local(case.due_at),
            str(_l("Yes")) if row.overdue else "",
            case.external_ref or "",
            person["name"],
            person["phone"],
            person["email"],
            person["address"],
        ]
