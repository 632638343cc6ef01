"""Flask extensions, created once here and bound to the app in create_app()."""

from http import HTTPStatus

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .api.schemas import API_DESCRIPTION, ERROR_RESPONSES, ApiErrorSchema

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def upsert_insert(model):
    """An INSERT that takes ON CONFLICT clauses, in the dialect of the database in use (PostgreSQL or SQLite)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


class JsonErrorApi(Api):
    """flask-smorest without its own error handlers: errors.py answers every error the same way."""

    ERROR_SCHEMA = ApiErrorSchema  # the document describes the error body errors.py really sends

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        """The error answers described as errors.py sends them: when each comes, and the 405's Allow header."""
        super()._register_responses()
        for status, (description, headers) in ERROR_RESPONSES.items():
            response = {"description": description, "schema": self.ERROR_SCHEMA}
            if headers:
                response["headers"] = headers
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(HTTPStatus(status).name, response, lazy=status != 405)
        self.spec.options.setdefault("info", {}).setdefault("description", API_DESCRIPTION)


api = JsonErrorApi()
