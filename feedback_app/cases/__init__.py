"""Staff pages for 陳情 cases: intake and handling (routes), lists and exports (lists)."""

from flask import Blueprint

from ..security import no_store

bp = Blueprint("cases", __name__, url_prefix="/cases")
# Every page here shows cases, most of them their petitioners too.
bp.after_request(no_store)

from . import lists, routes  # noqa: E402,F401
