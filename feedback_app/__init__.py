"""counter-feedback: satisfaction ratings and 陳情 case handling for public service counters."""

import logging

from flask import Flask

from config import config_for


def create_app(config: str | type | dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints and CLI groups."""
    app = Flask(__name__, instance_relative_config=True)
    if isinstance(config, dict):
        app.config.from_object(config_for("testing" if config.get("TESTING") else None))
        app.config.update(config)
    elif isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(config_for(config))
    _check_config(app)
    _trust_proxy(app)

    from . import i18n, json_input, ratelimit, security
    from .extensions import api, csrf, db, login_manager, migrate

    json_input.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # The web and jobs processes write to one SQLite file: a writer waits for the other's commit (a roll-up
        # batch on a busy machine can take longer than the driver's 5 s default) instead of failing.
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options["connect_args"] = {"timeout": 30, **options.get("connect_args", {})}
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    ratelimit.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    app.config.setdefault("API_SPEC_OPTIONS", {})
    api.init_app(app)

    from kiosk import bp as kiosk_bp

    from . import errors, models  # noqa: F401  (models register their tables)
    from .admin import bp as admin_bp
    from .alerts import bp as alerts_bp
    from .analytics import bp as analytics_bp
    from .api import register_api
    from .api.docs import bp as api_docs_bp
    from .auth import bp as auth_bp
    from .cases import bp as cases_bp
    from .cases.public import bp as lookup_bp
    from .improvements import bp as improvements_bp
    from .main import bp as main_bp
    from .open311 import bp as open311_bp
    from .phone_tests import bp as phone_tests_bp
    from .qr import bp as qr_bp
    from .questionnaires import bp as questionnaires_bp
    from .reminders import bp as reminders_bp
    from .staff_survey import bp as staff_survey_bp
    from .survey import bp as survey_bp
    from .tokens import bp as tokens_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(api_docs_bp)
    app.register_blueprint(lookup_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(qr_bp)
    app.register_blueprint(questionnaires_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(reminders_bp)
    app.register_blueprint(analytics_bp)
    app.register_blueprint(staff_survey_bp)
    app.register_blueprint(phone_tests_bp)
    app.register_blueprint(improvements_bp)
    register_api(api)
    errors.init_app(app)

    from . import cli

    cli.init_app(app)
    logging.getLogger(__name__).debug("app created with %s", app.config.get("ENV_NAME"))
    return app


# Words of the placeholders people paste from examples; a random key holds none of them.
PLACEHOLDER_WORDS = ("change", "secret", "example", "default", "password", "dev-only", "test")
SECRET_KEY_RULE = (
    "SECRET_KEY must be at least 32 characters of random text (at least 12 different characters, no placeholder "
    "words such as 'change' or 'secret'); make one with: python -c 'import secrets; print(secrets.token_hex(32))'"
)


def weak_secret_key(key: str | None) -> bool:
    """True for a key that signs sessions poorly: short, repetitive, or a placeholder (32 random bytes in hex
    is 64 characters of 16 different ones)."""
    key = key or ""
    return len(key) < 32 or len(set(key)) < 12 or any(word in key.lower() for word in PLACEHOLDER_WORDS)


def _check_config(app: Flask) -> None:
    if app.config.get("ENV_NAME") == "production":
        if not app.config.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production; refusing to start without it. " + SECRET_KEY_RULE)
        if weak_secret_key(app.config["SECRET_KEY"]):
            raise RuntimeError("SECRET_KEY is too weak for production; refusing to start. " + SECRET_KEY_RULE)
    from .links import check_public_base_url

    check_public_base_url(app)


def _trust_proxy(app: Flask) -> None:
    """Behind PROXY_FIX_X_FOR trusted proxies the client is the address they forwarded: every throttle keys on it."""
    x_for, x_proto = int(app.config.get("PROXY_FIX_X_FOR") or 0), int(app.config.get("PROXY_FIX_X_PROTO") or 0)
    if x_for or x_proto:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto, x_host=0, x_port=0, x_prefix=0)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
