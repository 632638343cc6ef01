"""Staff accounts, their roles and scope, login throttling and API tokens."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import UTCDateTime, utcnow


class Role(StrEnum):
    OFFICER = "officer"  # 承辦人
    SUPERVISOR = "supervisor"  # 課長
    MONITOR = "monitor"  # 研考
    DIRECTOR = "director"  # 主任 / 秘書
    ADMIN = "admin"


# Roles that work inside one unit of one office.
UNIT_ROLES = {Role.OFFICER, Role.SUPERVISOR}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(64))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(16))
    city_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cities.id"), index=True)
    # None means city-wide (monitor, director or admin of the whole city).
    office_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    unit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id"), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Named in every sign-in session; raising it ends all of them, on every server (see get_id).
    session_version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    city = so.relationship("City")
    office = so.relationship("Office")
    unit = so.relationship("Unit")

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session cookie holds: the user and the session version it was signed in under."""
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Every session signed in before this stops working on its next request, wherever it is served."""
        self.session_version = (self.session_version or 0) + 1

    @so.validates("password_hash", "active")
    def _changing_credentials_ends_sessions(self, key, value):
        # A new password or a disabled account must not leave a copied or stolen session working.
        if getattr(self, key) is not None and getattr(self, key) != value:
            self.end_sessions()
        return value

    @property
    def is_city_wide(self) -> bool:
        return self.office_id is None

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class LoginThrottle(db.Model):
    """Failed logins per key (username or address), so throttling holds across workers."""

    __tablename__ = "login_throttles"

    key: so.Mapped[str] = so.mapped_column(sa.String(255), primary_key=True)
    failures: so.Mapped[int] = so.mapped_column(default=0)
    first_failure_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    locked_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class ApiToken(db.Model):
    """A revocable, scoped token for a user or an integrating system; only its hash is kept."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    city_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cities.id"), index=True)
    office_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    scopes: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user = so.relationship("User")

    @property
    def scope_set(self) -> set[str]:
        return set(self.scopes.split())
