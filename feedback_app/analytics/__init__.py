"""Manager analytics: the satisfaction and response dashboard, its charts and tables, and quarterly
reports.
"""

from flask import Blueprint

bp = Blueprint("analytics", __name__, url_prefix="/analytics")

from . import routes  # noqa: E402,F401
