"""陳情 cases for integrating systems: opened through the same service as the staff form, and read back."""

from functools import partial

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from ..extensions import db
from ..models import Case, CaseCategory, CaseChannel, CaseState, Office
from ..services.access import can_access_office, scoped
from ..services.cases import PETITIONER_LANGUAGES, CaseInput, open_case
from ..services.contact import EMAIL_MAX, EMAIL_PATTERN, PHONE_MAX, PHONE_PATTERN, email_error, phone_error
from ..services.errors import NotFound, ValidationFailed
from ..services.privacy import petitioner_view
from .auth import ApiBlueprint, InvalidRequest, current_principal, exempt_from_csrf, token_required
from .schemas import ApiErrorSchema, StrictBoolean

blp = exempt_from_csrf(
    ApiBlueprint("api_cases", __name__, description="陳情 cases: open them and follow them")
)

PERSONAL_SCOPE = "cases:personal"
# The case service's names of the fields it refuses, as this API's request body names them.
SERVICE_FIELDS = {
    "office_id": "office",
    "category_id": "category",
    "petitioner_name": "petitioner.name",
    "petitioner_phone": "petitioner.phone",
    "petitioner_email": "petitioner.email",
    "petitioner_address": "petitioner.address",
}
# What case_payload reads of each case, loaded with the page rather than one query per case.
CASE_RELATIONS = (so.selectinload(Case.office), so.selectinload(Case.unit), so.selectinload(Case.category))
MAX_PAGE = 200


def checked_by(check):
    """A field validator that asks the service's check, so the API says what every other entrance says."""

    def validate_value(value):
        message = check(value)
        if message:
            raise ValidationError(message)

    return validate_value


class PetitionerInSchema(Schema):
    name = fields.String(validate=validate.Length(max=100), allow_none=True)
    phone = fields.String(
        validate=checked_by(phone_error),
        allow_none=True,
        metadata={
            "maxLength": PHONE_MAX,
            "pattern": rf"^\s*$|{PHONE_PATTERN}",
            "description": "A Taiwanese number with its area code (02-2345-6789), a mobile (0912-345-678), "
            "either as +886, or another country's number starting with +; an extension may follow # or 分機.",
        },
    )
    email = fields.String(
        validate=checked_by(partial(email_error, blank_ok=False)),
        allow_none=True,
        metadata={
            "maxLength": EMAIL_MAX,
            "format": "email",
            "pattern": EMAIL_PATTERN,
            "description": "null or left out when there is none; not a special-use domain such as .test",
        },
    )
    address = fields.String(validate=validate.Length(max=200), allow_none=True)
    language = fields.String(
        validate=validate.OneOf(PETITIONER_LANGUAGES),
        allow_none=True,
        metadata={"description": "The language the petitioner used (zh_TW, en, vi, id or th): notices to them and "
                  "the look-up page speak it; left out, the office's"},
    )


class CaseCreateSchema(Schema):
    office = fields.String(
        metadata={"description": "Office code; may be left out when the token is for one office"}
    )
    channel = fields.String(required=True, validate=validate.OneOf(CaseChannel.ALL))
    category = fields.String(
        allow_none=True, metadata={"description": "Category code (see Open311 services)"}
    )
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=10000))
    received_at = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "When the case reached the office (back-dated from a 1999 dispatch or a letter)"
        },
    )
    external_ref = fields.String(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "The sending system's own reference number"},
    )
    petitioner = fields.Nested(PetitionerInSchema, load_default=dict)
    confidential = StrictBoolean(load_default=False, metadata={"description": "陳情人身分保密"})


class PetitionerOutSchema(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(required=True)
    address = fields.String(required=True)
    masked = fields.Boolean(required=True)


class CaseSchema(Schema):
    number = fields.String(required=True, metadata={"description": "案號"})
    office = fields.String(required=True)
    unit = fields.String(allow_none=True)
    channel = fields.String(required=True)
    category = fields.String(allow_none=True)
    subject = fields.String(required=True)
    description = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(CaseState.ALL))
    received_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(
        required=True, metadata={"description": "End of the last working day allowed"}
    )
    working_days = fields.Integer(required=True)
    external_ref = fields.String(allow_none=True)
    replied_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    confidential = fields.Boolean(required=True)
    petitioner = fields.Nested(PetitionerOutSchema, required=True)


class CaseCreatedSchema(CaseSchema):
    lookup_code = fields.String(
        required=True,
        metadata={"description": "The petitioner's look-up code; shown this once and never again"},
    )


class CaseListArgsSchema(Schema):
    state = fields.String(validate=validate.OneOf(CaseState.ALL))
    channel = fields.String(validate=validate.OneOf(CaseChannel.ALL))
    category = fields.String(validate=validate.Length(max=32))
    received_from = fields.AwareDateTime()
    received_to = fields.AwareDateTime()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    after = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The `next` value of the previous page"},
    )


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema), required=True)
    next = fields.Integer(
        allow_none=True, required=True, metadata={"description": "Cursor of the next page, if any"}
    )


# OpenAPI link: the case an answer holds, read back by its number (clients and stateful tests follow it).
READ_BACK = {
    "operationId": "getCase",
    "parameters": {"number": "$response.body#/number"},
    "description": "The case just opened, read back by its number",
}


def case_payload(case: Case, personal: bool) -> dict:
    """A case as the API shows it; personal data masked unless the token may see it and the case allows."""
    if personal and not case.confidential:
        petitioner = {
            "name": case.petitioner_name or "",
            "phone": case.petitioner_phone or "",
            "email": case.petitioner_email or "",
            "address": case.petitioner_address or "",
            "masked": False,
        }
    else:
        petitioner = petitioner_view(None, case)
    return {
        "number": case.number,
        "office": case.office.code,
        "unit": case.unit.code if case.unit else None,
        "channel": case.channel,
        "category": case.category.code if case.category else None,
        "subject": case.subject,
        "description": case.description,
        "state": case.state,
        "received_at": case.received_at,
        "due_at": case.due_at,
        "working_days": case.working_days,
        "external_ref": case.external_ref,
        "replied_at": case.replied_at,
        "closed_at": case.closed_at,
        "outcome": case.outcome,
        "confidential": case.confidential,
        "petitioner": petitioner,
    }


def _office_for(principal, code: str | None) -> Office:
    if not code:
        if principal.office_id is None:
            raise InvalidRequest(details={"office": str(_l("Give the office code."))})
        return db.session.get(Office, principal.office_id)
    office = db.session.scalar(sa.select(Office).where(Office.code == code))
    if office is None or not can_access_office(principal, office.id):
        raise InvalidRequest(details={"office": str(_l("Unknown office."))})
    return office


def _category_id(city_id: int, code: str | None) -> int | None:
    if not code:
        return None
    category_id = db.session.scalar(
        sa.select(CaseCategory.id).where(
            CaseCategory.city_id == city_id, CaseCategory.code == code, CaseCategory.active.is_(True)
        )
    )
    if category_id is None:
        raise InvalidRequest(details={"category": str(_l("Unknown category."))})
    return category_id


@blp.route("", methods=["POST"])
@token_required(blp, "cases:write")
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseCreatedSchema)
@blp.doc(operationId="createCase", responses={201: {"links": {"GetCaseByNumber": READ_BACK}}})
def create_case(data):
    """Open a case; the answer holds its number, due date and the petitioner's look-up code (shown once)."""
    principal = current_principal()
    office = _office_for(principal, data.get("office"))
    petitioner = data.get("petitioner") or {}
    try:
        case, code = _open(data, office, petitioner)
    except ValidationFailed as error:
        details = {SERVICE_FIELDS.get(name, name): message for name, message in error.details.items()}
        raise InvalidRequest(error.message, details=details) from None
    db.session.commit()
    return {**case_payload(case, PERSONAL_SCOPE in principal.scopes), "lookup_code": code}


def _open(data: dict, office: Office, petitioner: dict):
    return open_case(
        CaseInput(
            office_id=office.id,
            channel=data["channel"],
            subject=data["subject"],
            description=data.get("description") or "",
            category_id=_category_id(office.city_id, data.get("category")),
            received_at=data.get("received_at"),
            external_ref=data.get("external_ref"),
            petitioner_name=petitioner.get("name"),
            petitioner_phone=petitioner.get("phone"),
            petitioner_email=petitioner.get("email"),
            petitioner_address=petitioner.get("address"),
            petitioner_locale=petitioner.get("language"),
            confidential=data.get("confidential", False),
        )
    )


@blp.route("", methods=["GET"])
@token_required(blp, "cases:read")
@blp.arguments(CaseListArgsSchema, location="query")
@blp.response(200, CasePageSchema)
@blp.doc(
    operationId="listCases",
    responses={
        200: {
            "links": {
                "GetFirstCaseByNumber": {
                    "operationId": "getCase",
                    "parameters": {"number": "$response.body#/items/0/number"},
                    "description": "The first case of the page, read on its own",
                },
                "GetNextPage": {
                    "operationId": "listCases",
                    "parameters": {"after": "$response.body#/next"},
                    "description": "The next page, when `next` is not null",
                },
            }
        }
    },
)
def list_cases(args):
    """Cases of the token's offices, newest first, a page at a time (keyset: pass `next` as `after`)."""
    principal = current_principal()
    stmt = scoped(sa.select(Case), Case, principal)
    if "state" in args:
        stmt = stmt.where(Case.state == args["state"])
    if "channel" in args:
        stmt = stmt.where(Case.channel == args["channel"])
    if "category" in args:
        stmt = stmt.join(CaseCategory, Case.category_id == CaseCategory.id).where(
            CaseCategory.code == args["category"]
        )
    if "received_from" in args:
        stmt = stmt.where(Case.received_at >= args["received_from"])
    if "received_to" in args:
        stmt = stmt.where(Case.received_at < args["received_to"])
    if "after" in args:
        stmt = stmt.where(Case.id < args["after"])
    limit = args["limit"]
    stmt = stmt.options(*CASE_RELATIONS).order_by(Case.id.desc()).limit(limit + 1)
    cases = list(db.session.scalars(stmt))
    more = len(cases) > limit
    cases = cases[:limit]
    personal = PERSONAL_SCOPE in principal.scopes
    return {"items": [case_payload(case, personal) for case in cases], "next": cases[-1].id if more else None}


@blp.route("/<string:number>", methods=["GET"])
@token_required(blp, "cases:read")
@blp.response(200, CaseSchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such case among the token's offices")
@blp.doc(operationId="getCase")
def get_case(number: str):
    """One case by its number."""
    principal = current_principal()
    case = db.session.scalar(scoped(sa.select(Case).where(Case.number == number), Case, principal))
    if case is None:
        raise NotFound()
    return case_payload(case, PERSONAL_SCOPE in principal.scopes)
