"""資料開放: public, de-identified satisfaction statistics per office and month (JSON and CSV)."""

from flask import Response
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..services import opendata
from ..services.stats import Period
from .auth import ApiBlueprint, InvalidRequest

blp = ApiBlueprint(
    "api_opendata",
    __name__,
    description=(
        "Open data (資料開放): satisfaction per office, month and channel, aggregated and de-identified. "
        f"Cells with fewer than {opendata.SUPPRESS_BELOW} valid answers are suppressed (figures null)."
    ),
)

MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="Use YYYY-MM.")


class SpanSchema(Schema):
    start = fields.String(validate=MONTH, metadata={"description": "First month, YYYY-MM (Asia/Taipei)."})
    end = fields.String(validate=MONTH, metadata={"description": "Last month, YYYY-MM; default last month."})


class SatisfactionRowSchema(Schema):
    city = fields.String(required=True)
    office_code = fields.String(required=True)
    office_name = fields.String(required=True)
    month = fields.String(required=True, metadata={"description": "YYYY-MM in Asia/Taipei, by tap time."})
    channel = fields.String(required=True, metadata={"description": "kiosk or qr, never mixed."})
    answers = fields.Integer(allow_none=True, metadata={"description": "Valid answers (noise excluded)."})
    satisfied = fields.Integer(allow_none=True, metadata={"description": "滿意 + 非常滿意."})
    satisfaction_rate = fields.Float(allow_none=True)
    suppressed = fields.Boolean(required=True, metadata={"description": "True when the cell is too small."})


def _rows(args) -> list[dict]:
    first, last = opendata.default_span()
    try:
        if args.get("end"):
            last = Period.parse(args["end"])
        if args.get("start"):
            first = Period.parse(args["start"])
        elif args.get("end"):
            first = last.trailing(12)[0]
        return opendata.satisfaction_rows(first, last)
    except ValueError:
        message = str(
            _l("Choose from one month to the same or a later one, at most %(n)d months.", n=opendata.MAX_MONTHS)
        )
        raise InvalidRequest(message, details={"start" if args.get("start") else "end": message}) from None


@blp.route("/satisfaction.json")
@blp.arguments(SpanSchema, location="query")
@blp.response(200, SatisfactionRowSchema(many=True))
def satisfaction_json(args):
    """Satisfaction per office, month and channel (JSON)."""
    return _rows(args)


@blp.route("/satisfaction.csv")
@blp.arguments(SpanSchema, location="query")
@blp.response(200, content_type="text/csv", description="The same rows as CSV (UTF-8 with BOM).")
def satisfaction_csv(args):
    """Satisfaction per office, month and channel (CSV)."""
    return Response(
        opendata.rows_csv(_rows(args)),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="satisfaction.csv"'},
    )
