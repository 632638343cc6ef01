"""Schemas every API blueprint shares: the error body errors.py sends."""

from marshmallow import Schema, fields


class StrictBoolean(fields.Boolean):
    """JSON's true or false: marshmallow would also take 0, 1, "yes" or "off", which the document does not allow."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"example": "invalid"})
    message = fields.String(required=True)
    details = fields.Dict(
        keys=fields.String(), metadata={"description": "Field name to message, when a field is at fault"}
    )


class ApiErrorSchema(Schema):
    """`{"error": {"code", "message", "details"}}`, the one shape of every API error."""

    error = fields.Nested(ErrorDetailSchema, required=True)


# How the API answers the errors any operation may meet; errors.py and api/auth.py send exactly these.
LANGUAGE_NOTE = (
    "`message` and the messages in `details` are in the request's language: Accept-Language `zh-TW` "
    "(the default) or `en`."
)
ERROR_RESPONSES = {
    400: (
        "The request cannot be read (a body that is not JSON, or a character no field may hold): nothing "
        "changed. " + LANGUAGE_NOTE,
        None,
    ),
    422: (
        "A well-formed request whose fields are not valid, whether the schema or the service refused them: "
        "nothing changed. `details` maps each field (`petitioner.phone`, `limit` ...) to its message. "
        + LANGUAGE_NOTE,
        None,
    ),
    405: (
        "The path does not take this method. " + LANGUAGE_NOTE,
        {"Allow": {"description": "The methods the path takes", "schema": {"type": "string"}}},
    ),
}
API_DESCRIPTION = (
    "Every error answers `{\"error\": {\"code\", \"message\", \"details\"}}` (`details` only when fields are "
    "at fault): 400 when the request cannot be read (bad JSON), 422 when a well-formed request has fields "
    "that are not valid, 405 with an `Allow` header when a path does not take the method. " + LANGUAGE_NOTE
)
