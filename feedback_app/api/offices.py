"""Public directory of offices and counters: what kiosks, QR pages and integrators address."""

import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..extensions import db
from ..models import Office

blp = Blueprint("api_offices", __name__, description="Offices, units and counters (public directory)")


class CounterSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class UnitSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class OfficeSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    kind = fields.String(required=True)
    city = fields.Function(lambda office: office.city.code)
    units = fields.List(fields.Nested(UnitSchema))
    counters = fields.Function(
        lambda office: CounterSchema(many=True).dump([c for c in office.counters if c.active])
    )


@blp.route("")
@blp.response(200, OfficeSchema(many=True))
def list_offices():
    """Every office with its units and active counters."""
    return db.session.scalars(sa.select(Office).order_by(Office.code)).all()
