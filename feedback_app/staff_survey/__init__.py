from flask import Blueprint

bp = Blueprint("staff_survey", __name__)

from . import routes  # noqa: E402,F401
