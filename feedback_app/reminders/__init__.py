from flask import Blueprint

bp = Blueprint("reminders", __name__)

from . import routes  # noqa: E402,F401
