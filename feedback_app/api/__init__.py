"""The JSON API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json."""

from flask_smorest import Api


def register_api(api: Api) -> None:
    from .offices import blp as offices_blp
    from .opendata import blp as opendata_blp

    api.register_blueprint(offices_blp, url_prefix="/api/v1/offices")
    api.register_blueprint(opendata_blp, url_prefix="/api/v1/opendata")
