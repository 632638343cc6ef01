"""Schemas every API blueprint shares: the error body errors.py sends."""

from marshmallow import Schema, fields


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"example": "invalid"})
    message = fields.String(required=True)
    details = fields.Dict(
        keys=fields.String(), metadata={"description": "Field name to message, when a field is at fault"}
    )


class ApiErrorSchema(Schema):
    """`{"error": {"code", "message", "details"}}`, the one shape of every API error."""

    error = fields.Nested(ErrorDetailSchema, required=True)
