"""Open311 GeoReport v2: our case categories as services, our cases as service requests.

A request filed through Open311 is a case like any other (channel `open311`), opened by `open_case`.
What goes back out is only what a public status page could show: never personal data, the description the
petitioner wrote, or internal notes.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import ApiToken, Case, CaseCategory, CaseChannel, CaseOutcome, CaseState, City, Office, utcnow
from ..security import hash_token
from .access import can_access_office
from .calendar import TAIPEI
from .cases import CaseInput, language_of, open_case
from .contact import contact_errors
from .errors import AccessDenied, NotFound, ValidationFailed
from .tokens import principal_for, token_owner_active
from .validation import OutOfRange, iso_datetime

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-23T00:00:00+08:00"
PETITIONER_SCOPE = "open311:petitioner"
WRITE_SCOPES = {"open311", "cases:write", PETITIONER_SCOPE}
OFFICE_ATTRIBUTE = "OFFICE"
MAX_DAYS = 90
MAX_ROWS = 1000
MAX_DESCRIPTION = 4000
SUBJECT_LENGTH = 80
# W3C-DTF's dates without a time: YYYY, YYYY-MM, YYYY-MM-DD.
W3C_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def iso(value: datetime | None) -> str | None:
    """Open311 datetimes: ISO 8601 with the offset, shown in Asia/Taipei."""
    return value.astimezone(TAIPEI).isoformat(timespec="seconds") if value is not None else None


def parse_datetime(name: str, value: str, end: bool = False) -> datetime:
    """A W3C date and time (with its offset), or a W3C date alone (2025-01-22, 2025-01 or 2025): that day,
    month or year in the jurisdiction's zone, Asia/Taipei, from its first moment, or to its last with `end`."""
    text = value.strip()
    try:
        if W3C_DATE.match(text):
            return _date_bound(text, end)
        parsed = iso_datetime(text)
    except OutOfRange:
        raise ValidationFailed(_l("%(name)s is out of range.", name=name)) from None
    except (ValueError, OverflowError):
        raise ValidationFailed(_l("%(name)s is not an ISO 8601 date and time.", name=name)) from None
    if parsed.tzinfo is None:
        raise ValidationFailed(_l("%(name)s needs a time zone (Z or an offset).", name=name))
    return parsed


def _date_bound(text: str, end: bool) -> datetime:
    """The first moment of a W3C date's day, month or year in Asia/Taipei, or (end) its last."""
    year, month, day = (int(part) for part in (text.split("-") + ["1", "1"])[:3])
    first = date(year, month, day)
    if not end:
        return datetime.combine(first, time(0), tzinfo=TAIPEI)
    if text.count("-") == 2:
        following = first + timedelta(days=1)
    elif text.count("-") == 1:
        following = date(year + month // 12, month % 12 + 1, 1)
    else:
        following = date(year + 1, 1, 1)
    return datetime.combine(following, time(0), tzinfo=TAIPEI) - timedelta(microseconds=1)


def jurisdiction(jurisdiction_id: str | None) -> City:
    """The city the request is about: jurisdiction_id is its code, needed only when we serve several."""
    if jurisdiction_id:
        city = db.session.scalar(sa.select(City).where(City.code == jurisdiction_id.strip()))
        if city is None:
            raise NotFound(_l("jurisdiction_id was not found."))
        return city
    cities = db.session.scalars(sa.select(City).limit(2)).all()
    if len(cities) != 1:
        raise ValidationFailed(_l("jurisdiction_id was not provided."))
    return cities[0]


def _name(category: CaseCategory, locale: str) -> str:
    names = category.names or {}
    return names.get(locale) or names.get(locale.split("_")[0]) or names.get("en") or category.code


def _categories(city: City) -> list[CaseCategory]:
    return list(
        db.session.scalars(
            sa.select(CaseCategory)
            .where(CaseCategory.city_id == city.id, CaseCategory.active.is_(True))
            .order_by(CaseCategory.position, CaseCategory.code)
        )
    )


def services(city: City, locale: str) -> list[dict]:
    """GET services: each active case category, with its group."""
    return [
        {
            "service_code": category.code,
            "service_name": _name(category, locale),
            "description": _("Feedback about %(name)s at a service counter.", name=_name(category, locale)),
            "metadata": True,
            "type": "realtime",
            "keywords": category.group or "",
            "group": category.group or "",
        }
        for category in _categories(city)
    ]


def _category(city: City, code: str | None) -> CaseCategory:
    if not code or not code.strip():
        raise ValidationFailed(_l("service_code was not provided."))
    category = db.session.scalar(
        sa.select(CaseCategory).where(
            CaseCategory.city_id == city.id, CaseCategory.code == code.strip(), CaseCategory.active.is_(True)
        )
    )
    if category is None:
        raise NotFound(_l("service_code was not found."))
    return category


def service_definition(city: City, code: str) -> dict:
    """GET service definition: the one attribute our services take, the office the feedback is about."""
    category = _category(city, code)
    offices = db.session.scalars(sa.select(Office).where(Office.city_id == city.id).order_by(Office.code))
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": OFFICE_ATTRIBUTE,
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": _(
                    "The office the feedback is about (optional when the API key is for one office)."
                ),
                "order": 1,
                "description": _("Which office is this about?"),
                "values": [{"key": office.code, "name": office.name} for office in offices],
            }
        ],
    }


def writer_token(api_key: str | None, jurisdiction_id: str | None) -> tuple[ApiToken, City]:
    """The live token behind an api_key that may file requests, and its city; 403 otherwise.

    The key names its city, so jurisdiction_id may be left out; when given it must be the key's.
    """
    if not api_key or not api_key.strip():
        raise AccessDenied(_l("api_key was not provided."))
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(api_key.strip())))
    now = utcnow()
    if (
        token is None
        or token.revoked_at
        or (token.expires_at and token.expires_at <= now)
        or not token_owner_active(token)
    ):
        raise AccessDenied(_l("Invalid api_key received -- can't proceed with create_request."))
    city = jurisdiction(jurisdiction_id) if jurisdiction_id else db.session.get(City, token.city_id)
    if not token.scope_set & WRITE_SCOPES or token.city_id != city.id:
        raise AccessDenied(_l("This api_key may not file service requests here."))
    token.last_used_at = now
    return token, city


@dataclass
class RequestForm:
    """The fields of a POST service request we use; the rest (device_id, account_id) is ignored."""

    service_code: str | None = None
    office: str | None = None
    lat: str | None = None
    long: str | None = None
    address_string: str | None = None
    address_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    description: str | None = None
    media_url: str | None = None
    locale: str | None = None  # the language the petitioner filed in (vi, vi_VN, zh-TW ...): their notices speak it


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _full_name(first: str, last: str) -> str:
    if not first or not last:
        return first or last
    if first.isascii() and last.isascii():
        return f"{first} {last}"
    return f"{last}{first}"


def _location(form: RequestForm) -> list[str]:
    lines = []
    lat, long = _clean(form.lat), _clean(form.long)
    if lat or long:
        try:
            lat_value, long_value = float(lat), float(long)
        except ValueError:
            raise ValidationFailed(_l("lat and long must both be numbers.")) from None
        if not (-90 <= lat_value <= 90 and -180 <= long_value <= 180):
            raise ValidationFailed(_l("lat and long are outside the WGS84 range."))
        lines.append(f"lat/long: {lat_value}, {long_value}")
    if _clean(form.address_string):
        lines.append(_("Location: %(place)s", place=_clean(form.address_string)[:200]))
    if _clean(form.address_id):
        lines.append(f"address_id: {_clean(form.address_id)[:64]}")
    return lines


def create_request(jurisdiction_id: str | None, api_key: str | None, form: RequestForm) -> dict:
    """POST service request: opens a case with channel open311; our counter services need no location."""
    token, city = writer_token(api_key, jurisdiction_id)
    category = _category(city, form.service_code)
    principal = principal_for(token)
    office_code = _clean(form.office)
    if office_code:
        office = db.session.scalar(
            sa.select(Office).where(Office.code == office_code, Office.city_id == city.id)
        )
        if office is None:
            raise NotFound(_l("attribute[OFFICE] was not found."))
        if not can_access_office(principal, office.id):
            raise AccessDenied(_l("This api_key may not file requests for that office."))
    elif token.office_id is not None:
        office = db.session.get(Office, token.office_id)
    else:
        raise ValidationFailed(_l("attribute[OFFICE] was not provided."))
    description = _clean(form.description)
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(_l("The description is limited to 4,000 characters."))
    email, phone = _clean(form.email), _clean(form.phone)
    errors = contact_errors(phone, email)
    if errors:
        raise ValidationFailed(details=errors)
    name = _full_name(_clean(form.first_name), _clean(form.last_name))[:100]
    extra = _location(form)
    if _clean(form.media_url):
        extra.append(_("Media: %(url)s", url=_clean(form.media_url)[:500]))
    first_line = description.splitlines()[0].strip() if description else ""
    subject = first_line[:SUBJECT_LENGTH] if first_line else _name(category, "zh_TW")
    body = "\n\n".join(part for part in (description, "\n".join(extra)) if part)
    case, code = open_case(
        CaseInput(
            office_id=office.id,
            channel=CaseChannel.OPEN311,
            subject=subject,
            description=body,
            category_id=category.id,
            petitioner_name=name or None,
            petitioner_phone=phone or None,
            petitioner_email=email or None,
            petitioner_locale=language_of(form.locale),
        )
    )
    return {
        "service_request_id": case.number,
        "service_notice": service_notice(case, code, token),
        "account_id": None,
    }


def service_notice(case: Case, code: str, token: ApiToken) -> str:
    """The notice of a new request: its due date and, only for the petitioner's own channel, the look-up code.

    The rule: the look-up code goes back only to a key whose scopes include `open311:petitioner`, one
    issued to an application the petitioner uses directly (the city's petition web form or app), whose
    answer reaches the petitioner and no one else. A key of an intermediary (the 1999 hotline's dispatch, a
    partner agency's system) never sees it: whoever holds the code can read the case's replies. Those
    petitioners get the code in the acknowledgement mail when they gave an e-mail address, or from the office.
    """
    due = case.due_at.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M")
    if PETITIONER_SCOPE in token.scope_set:
        return _("Due by %(due)s (Asia/Taipei). Look-up code for the petitioner: %(code)s", due=due, code=code)
    if case.petitioner_email:
        return _("Due by %(due)s (Asia/Taipei). The look-up code is mailed to the petitioner.", due=due)
    return _("Due by %(due)s (Asia/Taipei).", due=due)


OUTCOME_NOTES = {
    CaseOutcome.RESOLVED: _l("Closed: resolved."),
    CaseOutcome.EXPLAINED: _l("Closed: explained to the petitioner."),
    CaseOutcome.NOT_OUR_DUTY: _l("Closed: not within this office's duties."),
    CaseOutcome.DUPLICATE: _l("Closed: duplicate of another request."),
    CaseOutcome.WITHDRAWN: _l("Closed: withdrawn by the petitioner."),
}


def status_notes(case: Case) -> str | None:
    """The public summary of the reply: the one staff wrote for publication with the reply, or else a
    sentence for the state; never the reply's text (it may name the petitioner)."""
    if case.public_summary and case.state in (CaseState.REPLIED, CaseState.CLOSED):
        return case.public_summary
    if case.state == CaseState.CLOSED:
        return str(OUTCOME_NOTES.get(case.outcome, _l("Closed.")))
    if case.state == CaseState.REPLIED:
        return str(_l("Replied to the petitioner."))
    if case.state == CaseState.TRANSFERRED:
        return str(_l("Transferred to another agency."))
    if case.state == CaseState.MERGED:
        return str(_l("Merged with another request about the same matter."))
    return None


def request_view(case: Case, locale: str) -> dict:
    agency = case.office.name + (f" {case.unit.name}" if case.unit else "")
    return {
        "service_request_id": case.number,
        "status": "open" if case.state in CaseState.OPEN else "closed",
        "status_notes": status_notes(case),
        "service_name": _name(case.category, locale) if case.category else None,
        "service_code": case.category.code if case.category else None,
        "description": None,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": iso(case.received_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.due_at),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def find_requests(city: City, args: dict, locale: str) -> list[dict]:
    """GET service requests: by id, or by service, status and a window of at most 90 days (1,000 rows).

    Deployments may change both limits with OPEN311_MAX_DAYS and OPEN311_MAX_ROWS.
    """
    max_days = current_app.config.get("OPEN311_MAX_DAYS", MAX_DAYS)
    max_rows = current_app.config.get("OPEN311_MAX_ROWS", MAX_ROWS)
    stmt = (
        sa.select(Case)
        .where(Case.city_id == city.id)
        .options(so.selectinload(Case.office), so.selectinload(Case.unit), so.selectinload(Case.category))
    )
    ids = _split(args.get("service_request_id"))
    if ids:
        cases = db.session.scalars(
            stmt.where(Case.number.in_(ids[:max_rows])).order_by(Case.received_at.desc())
        )
        return [request_view(case, locale) for case in cases]
    start = parse_datetime("start_date", args["start_date"]) if args.get("start_date") else None
    end = parse_datetime("end_date", args["end_date"], end=True) if args.get("end_date") else None
    if start is None and end is None:
        end = utcnow()
    try:
        if start is None:
            start = end - timedelta(days=max_days)
        if end is None:
            end = start + timedelta(days=max_days)
    except OverflowError:
        raise ValidationFailed(
            _l("start_date and end_date may be at most %(n)d days apart.", n=max_days)
        ) from None
    if end < start:
        raise ValidationFailed(_l("end_date is before start_date."))
    if end - start > timedelta(days=max_days):
        raise ValidationFailed(_l("start_date and end_date may be at most %(n)d days apart.", n=max_days))
    stmt = stmt.where(Case.received_at >= start, Case.received_at <= end)
    statuses = set(_split(args.get("status")))
    if statuses - {"open", "closed"}:
        raise ValidationFailed(_l("status must be open, closed or both."))
    if statuses == {"open"}:
        stmt = stmt.where(Case.state.in_(CaseState.OPEN))
    elif statuses == {"closed"}:
        stmt = stmt.where(Case.state.not_in(CaseState.OPEN))
    codes = _split(args.get("service_code"))
    if codes:
        stmt = stmt.join(CaseCategory, Case.category_id == CaseCategory.id).where(
            CaseCategory.code.in_(codes)
        )
    cases = db.session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(max_rows))
    return [request_view(case, locale) for case in cases]


def one_request(city: City, number: str, locale: str) -> list[dict]:
    case = db.session.scalar(sa.select(Case).where(Case.city_id == city.id, Case.number == number))
    if case is None:
        raise NotFound(_l("service_request_id was not found."))
    return [request_view(case, locale)]


def discovery(base_url: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": _("Your city's 1999 hotline or the office's research and evaluation staff."),
        "key_service": _("Ask the city's administrator for an API key with the scope open311."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
