"""The mobile survey behind a QR code: a plain HTML form in five languages that works without JavaScript."""

from flask import Blueprint

bp = Blueprint("survey", __name__, url_prefix="/s")

from . import routes  # noqa: E402,F401
