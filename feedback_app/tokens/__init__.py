"""API tokens: the administrators' page and the command-line group."""

from flask import Blueprint

bp = Blueprint("tokens", __name__, url_prefix="/admin/tokens")

from . import routes  # noqa: E402,F401
