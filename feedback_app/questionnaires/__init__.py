"""Admin pages for questionnaire versions."""

from flask import Blueprint

bp = Blueprint("questionnaires", __name__, url_prefix="/questionnaires")

from . import routes, service_routes  # noqa: E402,F401
