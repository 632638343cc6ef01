"""Staff pages for QR surveys: each counter's poster, and one-time links for a single transaction."""

from flask import Blueprint

bp = Blueprint("qr", __name__, url_prefix="/qr")

from . import routes  # noqa: E402,F401
