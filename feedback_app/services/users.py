"""Staff accounts: creating them and signing in, with throttling that holds across workers."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import City, LoginThrottle, Office, Unit, User, utcnow
from .errors import TooManyAttempts, ValidationFailed
from .hashing import check_against_nothing

MIN_PASSWORD_LENGTH = 10
# Stored instead of a hash for accounts whose password is not set yet: no password matches it.
UNUSABLE_PASSWORD = "!"
# Passwords people pick first; refused whatever their length.
COMMON_PASSWORDS = {
    "1234567890", "12345678910", "0123456789", "1111111111", "0000000000", "password12", "password123",
    "password1234", "qwertyuiop", "qwerty1234", "1qaz2wsx3edc", "iloveyou12", "abcdefghij", "abc1234567",
    "admin12345", "admin123456", "administrator", "changeme123", "letmein123", "welcome123", "taipei1234",
}


def password_problem(password: str | None, username: str | None = None) -> str | None:
    """Why a password may not be used (empty, short, common, the username), or None when it will do."""
    password = password or ""
    if not password.strip():
        return str(_l("A password is required."))
    if len(password) < MIN_PASSWORD_LENGTH:
        return str(_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4 or (username and username.strip().lower() in lowered):
        return str(_l("This password is too easy to guess; choose a longer phrase of your own."))
    return None


def set_password(user: User, password: str) -> None:
    """Give an account a new password (ValidationFailed when it is too weak; nothing changes then)."""
    problem = password_problem(password, user.username)
    if problem:
        raise ValidationFailed(code="weak_password", details={"password": problem})
    user.set_password(password)
    db.session.flush()


def has_password(user: User) -> bool:
    return bool(user.password_hash) and user.password_hash != UNUSABLE_PASSWORD


def create_user(
    *,
    username: str,
    password: str,
    display_name: str,
    role: str,
    city: City,
    office: Office | None = None,
    unit: Unit | None = None,
    email: str | None = None,
) -> User:
    """Add a staff member with a password, checked as every other way of adding staff is (services.staff)."""
    from .staff import save_staff  # staff builds on this module's password rules

    errors = {}
    if problem := password_problem(password, username):
        errors["password"] = problem
    if db.session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == (username or "").strip().lower())):
        errors["username"] = str(_l("That username is taken."))
    if office is not None and office.city_id != city.id:
        errors["office"] = str(_l("The office is not in this city."))
    if unit is not None and (office is None or unit.office_id != office.id):
        errors["unit"] = str(_l("The unit is not in this office."))
    values = {"username": username, "name": display_name or username, "role": role, "email": email,
              "office": office.code if office else "", "unit": unit.code if unit else ""}
    try:
        with db.session.begin_nested():  # undone when any check, here or in save_staff, fails
            user = save_staff(city, values).record
            if errors:
                raise ValidationFailed(details=errors)
    except ValidationFailed as error:
        raise ValidationFailed(details=error.details | errors) from None
    user.set_password(password)
    db.session.flush()
    return user


def _throttle_keys(username: str, remote_addr: str | None) -> list[str]:
    keys = [f"user:{username.strip().lower()}"]
    if remote_addr:
        keys.append(f"addr:{remote_addr}")
    return keys


def authenticate(username: str, password: str, remote_addr: str | None) -> User | None:
    """The user if the credentials are right; None if not; TooManyAttempts while locked out."""
    now = utcnow()
    keys = _throttle_keys(username, remote_addr)
    throttles = {t.key: t for t in db.session.scalars(sa.select(LoginThrottle).where(LoginThrottle.key.in_(keys)))}
    if any(t.locked_until and t.locked_until > now for t in throttles.values()):
        raise TooManyAttempts()

    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        # Spend the time of a real check, so timing does not tell which usernames exist.
        right = check_against_nothing(password, current_app.config["PASSWORD_HASH_METHOD"])
    else:
        right = user.check_password(password) and user.active
    if right:
        for throttle in throttles.values():
            db.session.delete(throttle)
        user.last_login_at = now
        db.session.commit()
        return user

    max_failures = current_app.config["LOGIN_MAX_FAILURES"]
    for key in keys:
        # The address limit is looser: many staff may share one office gateway.
        limit = max_failures if key.startswith("user:") else max_failures * 4
        record_failure(key, limit, throttles.get(key), now)
    db.session.commit()
    return None


def record_failure(key: str, limit: int, throttle: LoginThrottle | None = None, now=None) -> LoginThrottle:
    """Count one failed attempt under a key (sign-in, case look-up); at the limit the key is locked."""
    now = now or utcnow()
    lockout = timedelta(seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"])
    if throttle is None:
        throttle = db.session.get(LoginThrottle, key)
    if throttle is None or now - throttle.first_failure_at > lockout:
        if throttle is not None:
            db.session.delete(throttle)
            db.session.flush()
        throttle = LoginThrottle(key=key, failures=0, first_failure_at=now)
        db.session.add(throttle)
    throttle.failures += 1
    if throttle.failures >= limit:
        throttle.locked_until = now + lockout
    return throttle


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every copy of every session of theirs stops working."""
    user.end_sessions()
    db.session.flush()
