"""Open311 GeoReport v2 at /open311/v2/, in JSON and XML."""

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
# Requests are filed with an api_key, not a session cookie: there is no session for a forged form to ride on.
csrf.exempt(bp)

from . import routes  # noqa: E402,F401
