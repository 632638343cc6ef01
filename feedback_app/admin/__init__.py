from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import org_routes, routes, staff_routes  # noqa: E402,F401
