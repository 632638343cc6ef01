"""The counter kiosk (滿意度評分機): an offline-first touch page, its pairing and its admin pages."""

from flask import Blueprint

bp = Blueprint(
    "kiosk",
    __name__,
    url_prefix="/kiosk",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

from . import cli, routes, sex_age  # noqa: E402,F401
