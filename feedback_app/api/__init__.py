"""The JSON API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json."""

from flask_smorest import Api


def register_api(api: Api) -> None:
    from .auth import register_security
    from .cases import blp as cases_blp
    from .offices import blp as offices_blp
    from .opendata import blp as opendata_blp
    from .ratings import RatingRequestSchema, RatingSchema
    from .ratings import blp as ratings_blp
    from .stats import blp as stats_blp

    register_security(api)
    api.register_blueprint(offices_blp, url_prefix="/api/v1/offices")
    api.register_blueprint(cases_blp, url_prefix="/api/v1/cases")
    api.register_blueprint(ratings_blp, url_prefix="/api/v1/ratings")
    for name, schema in (("Rating", RatingSchema), ("RatingRequest", RatingRequestSchema)):
        if name not in api.spec.components.schemas:
            api.spec.components.schema(name, schema=schema)
    if "deviceToken" not in api.spec.components.security_schemes:
        api.spec.components.security_scheme("deviceToken", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(opendata_blp, url_prefix="/api/v1/opendata")
    api.register_blueprint(stats_blp, url_prefix="/api/v1/stats")
