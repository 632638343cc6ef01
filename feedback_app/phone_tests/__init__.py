"""電話禮貌測試: recording test calls, the quarter's plan, results and follow-ups."""

from flask import Blueprint

bp = Blueprint("phone_tests", __name__, url_prefix="/phone-tests")

from . import routes  # noqa: E402,F401
