"""檢討改進: the improvement action register and the quarterly review."""

from flask import Blueprint

bp = Blueprint("improvements", __name__, url_prefix="/improvements")

from . import routes  # noqa: E402,F401
