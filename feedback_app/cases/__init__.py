"""Staff pages for 陳情 cases: intake and handling (routes), lists and exports (lists)."""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from . import lists, routes  # noqa: E402,F401
