"""Statistics for integrators: the dashboard's 服務滿意 and 意見回應 figures, read with a `stats:read` token.

Thin views over services/analytics.py. A token reads what its user could read on the dashboard: an office's
token its own office, a city-wide token the city or any office of it.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..extensions import db
from ..models import Office
from ..services import analytics
from ..services.errors import ValidationFailed
from ..services.stats import Period
from .auth import ApiBlueprint, current_principal, token_required

blp = ApiBlueprint("api_stats", __name__, description="Statistics: satisfaction and responses to citizens")

SCOPE = "stats:read"
FORBIDDEN = "the office is outside the token's reach"


class StatsArgsSchema(Schema):
    period = fields.String(
        metadata={
            "description": "2025-03 (month), 2025-Q2 (quarter) or 2025 (year), Asia/Taipei; "
            f"from {analytics.FIRST_YEAR} up to the current one; default the current quarter",
            "example": "2025-Q2",
        }
    )
    office = fields.String(
        metadata={
            "description": "Office code; default the token's office, or the whole city for a city-wide token",
            "example": "AA",
        }
    )


class SatisfactionArgsSchema(StatsArgsSchema):
    channel = fields.String(
        load_default="separate",
        validate=validate.OneOf(analytics.CHANNEL_CHOICES),
        metadata={"description": "Kiosk and QR apart (separate), together (combined), or one of them"},
    )


class ScopeSchema(Schema):
    city = fields.String(required=True)
    office = fields.String(required=True, allow_none=True, metadata={"description": "Null for the whole city"})
    name = fields.String(required=True)


class PeriodSchema(Schema):
    key = fields.String(required=True, metadata={"example": "2025-Q2"})
    label = fields.String(required=True, metadata={"example": "114年第2季"})
    start = fields.Date(required=True, metadata={"description": "First day (Asia/Taipei)"})
    end = fields.Date(required=True, metadata={"description": "Last day (Asia/Taipei)"})
    previous = fields.String(required=True, metadata={"description": "The period compared as previous"})
    last_year = fields.String(required=True, metadata={"description": "The same period a year before"})


class SatisfactionSchema(Schema):
    answers = fields.Integer(required=True, attribute="n", metadata={"description": "Valid answers (noise excluded)"})
    satisfied = fields.Integer(required=True, metadata={"description": "滿意 + 非常滿意 (scores 4 and 5)"})
    rate = fields.Float(
        required=True, allow_none=True, metadata={"description": "satisfied / answers; null without answers"}
    )
    low = fields.Float(required=True, allow_none=True, metadata={"description": "95% Wilson interval, lower"})
    high = fields.Float(required=True, allow_none=True, metadata={"description": "95% Wilson interval, upper"})
    mean = fields.Float(required=True, allow_none=True, metadata={"description": "Mean score, 1 to 5"})
    distribution = fields.List(fields.Float(), required=True, metadata={"description": "Share of each score 1 to 5"})
    counts = fields.List(fields.Integer(), required=True, metadata={"description": "Answers per score 1 to 5"})
    noise = fields.Integer(required=True, metadata={"description": "Kiosk taps set aside as noise"})
    too_few = fields.Boolean(required=True, metadata={"description": "Fewer than 30 answers: read with care"})


class GrowthSchema(Schema):
    points = fields.Float(required=True, allow_none=True, metadata={"description": "Change in percentage points"})
    relative = fields.Float(
        required=True, allow_none=True, metadata={"description": "Change relative to the earlier rate"}
    )


class SatisfactionLineSchema(Schema):
    channel = fields.String(required=True, attribute="key", validate=validate.OneOf(("kiosk", "qr", "combined")))
    current = fields.Nested(SatisfactionSchema, required=True)
    previous = fields.Nested(SatisfactionSchema, required=True)
    last_year = fields.Nested(SatisfactionSchema, required=True)
    vs_previous = fields.Nested(GrowthSchema, required=True)
    vs_last_year = fields.Nested(GrowthSchema, required=True)


class SatisfactionReportSchema(Schema):
    scope = fields.Nested(ScopeSchema, required=True)
    period = fields.Nested(PeriodSchema, required=True)
    channel = fields.String(required=True, validate=validate.OneOf(analytics.CHANNEL_CHOICES))
    lines = fields.List(
        fields.Nested(SatisfactionLineSchema), required=True, metadata={"description": "One per channel group"}
    )


class ResponsesSchema(Schema):
    """意見回應 of one period, counted from the handling cycles as they happened (services/reply_figures.py)."""

    received = fields.Integer(required=True)
    due = fields.Integer(required=True, metadata={"description": "Cases whose due date fell in the period, up to now"})
    reply_on_time = fields.Integer(required=True, metadata={"description": "Of those, replied by the due date"})
    reply_late = fields.Integer(required=True, metadata={"description": "Of those, no reply by the due date"})
    reply_on_time_rate = fields.Float(
        required=True, allow_none=True, metadata={"description": "如期回應率: reply_on_time / due"}
    )
    reply_on_time_interval = fields.List(
        fields.Float(allow_none=True), required=True,
        metadata={"description": "95% Wilson interval of the on-time reply rate, [low, high]"},
    )
    reply_on_time_too_few = fields.Boolean(required=True, metadata={"description": "Fewer than 30 cases due"})
    replied = fields.Integer(required=True, metadata={"description": "First replies of a cycle in the period"})
    reply_mean_days = fields.Float(
        required=True, allow_none=True, metadata={"description": "Mean working days from receipt (or reopening) "
                                                                "to the first reply"}
    )
    reply_median_days = fields.Float(required=True, allow_none=True)
    closed = fields.Integer(required=True)
    on_time = fields.Integer(required=True, metadata={"description": "Closed by the due date"})
    on_time_rate = fields.Float(
        required=True, allow_none=True, metadata={"description": "如期結案率: on_time / closed"}
    )
    on_time_interval = fields.List(
        fields.Float(allow_none=True),
        required=True,
        metadata={"description": "95% Wilson interval of the on-time closure rate, [low, high]"},
    )
    on_time_too_few = fields.Boolean(required=True, metadata={"description": "Fewer than 30 cases closed"})
    mean_days = fields.Float(
        required=True, allow_none=True,
        metadata={"description": "Mean working days from receipt (or reopening) to closure"},
    )
    median_days = fields.Float(required=True, allow_none=True)
    extended = fields.Integer(
        required=True, metadata={"description": "Cases due in the period, extended before their due date passed"}
    )
    extension_rate = fields.Float(required=True, allow_none=True, metadata={"description": "extended / due"})
    extension_too_few = fields.Boolean(required=True)
    rated = fields.Integer(required=True, metadata={"description": "Replies rated in the period"})
    rehandled = fields.Integer(required=True, metadata={"description": "Rated replies sent back for re-handling"})
    rehandling_rate = fields.Float(required=True, allow_none=True, metadata={"description": "rehandled / rated"})
    rehandling_too_few = fields.Boolean(required=True)
    reply = fields.Nested(SatisfactionSchema, required=True, metadata={"description": "意見處理滿意度"})


class ResponsesReportSchema(Schema):
    scope = fields.Nested(ScopeSchema, required=True)
    period = fields.Nested(PeriodSchema, required=True)
    current = fields.Nested(ResponsesSchema, required=True)
    previous = fields.Nested(ResponsesSchema, required=True)
    last_year = fields.Nested(ResponsesSchema, required=True)
    reply_on_time_vs_previous = fields.Nested(GrowthSchema, required=True)
    reply_on_time_vs_last_year = fields.Nested(GrowthSchema, required=True)
    on_time_vs_previous = fields.Nested(GrowthSchema, required=True)
    on_time_vs_last_year = fields.Nested(GrowthSchema, required=True)
    reply_vs_previous = fields.Nested(GrowthSchema, required=True)
    reply_vs_last_year = fields.Nested(GrowthSchema, required=True)
    open_overdue = fields.Integer(
        required=True, metadata={"description": "Open cases without a reply, past their due date now"}
    )


def _scope(code: str | None) -> analytics.Scope:
    office_id = None
    if code:
        office_id = db.session.scalar(sa.select(Office.id).where(Office.code == code))
        if office_id is None:
            raise ValidationFailed(details={"office": str(_l("Unknown office."))})
    return analytics.scope_for(current_principal(), office_id)


def _heading(scope: analytics.Scope, period: Period) -> dict:
    return {
        "scope": {"city": scope.city.code, "office": scope.office.code if scope.office else None, "name": scope.name},
        "period": {
            "key": period.key,
            "label": period.label,
            "start": period.start_local.date(),
            "end": period.last_day,
            "previous": period.previous().key,
            "last_year": period.same_last_year().key,
        },
    }


@blp.route("/satisfaction")
@token_required(blp, SCOPE, FORBIDDEN)
@blp.arguments(SatisfactionArgsSchema, location="query")
@blp.response(200, SatisfactionReportSchema)
def satisfaction(args):
    """服務滿意: satisfaction per channel group, against the previous period and the same period last year."""
    period, scope = analytics.readable_period(args.get("period")), _scope(args.get("office"))
    lines = analytics.satisfaction_lines(scope, period, analytics.Selection(channel=args["channel"]))
    return {**_heading(scope, period), "channel": args["channel"], "lines": lines}


@blp.route("/responses")
@token_required(blp, SCOPE, FORBIDDEN)
@blp.arguments(StatsArgsSchema, location="query")
@blp.response(200, ResponsesReportSchema)
def responses(args):
    """意見回應: cases received and closed, on time, working days, extensions, re-handling, reply satisfaction."""
    period, scope = analytics.readable_period(args.get("period")), _scope(args.get("office"))
    return {**_heading(scope, period), **analytics.case_indicators(scope, period)}
