"""Sessions, API tokens and the headers every response carries."""

import hashlib
import secrets
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l

from .extensions import db, login_manager
from .models import ApiToken, User, utcnow

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "strong"
    app.before_request(_refuse_nul_characters)
    app.after_request(_security_headers)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session's user while the account is active and the session's version is still the user's."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _refuse_nul_characters():
    """No field of this system may hold NUL (PostgreSQL cannot store it): such a request is bad input, not a crash.

    Uploaded files count by their names here; their content is judged by what reads it (a CSV import refuses
    text holding NUL with its own message, an attachment must be a PDF, image or plain text)."""
    values = [request.path]
    for fields in (request.args, request.form):
        values += [text for pair in fields.items(multi=True) for text in pair]
    values += [name + (upload.filename or "") for name, upload in request.files.items(multi=True)]
    if any("\x00" in value for value in values) or (
        request.is_json and b"\\u0000" in request.get_data(cache=True)
    ):
        abort(400)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def no_store(response):
    """For pages that show a case or its petitioner: no browser history, disk cache or proxy keeps a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response


# Browsers drop these anywhere in a URL (WHATWG URL parsing), so "/\t/evil.example" reaches them as "//evil.example".
URL_IGNORED = str.maketrans("", "", "\t\n\r")
# ... and these at either end.
URL_TRIMMED = "".join(chr(code) for code in range(0x21))


def safe_local_url(target: str | None, host: str | None = None) -> str | None:
    """`target` as a path on this site to redirect to, or None when a browser could read it as another site.

    The URL is judged as a browser would read it: tabs and newlines taken out, a backslash read as a slash.
    An absolute URL passes only when `host` is given and it names that host (a Referer of our own pages)."""
    if not target:
        return None
    cleaned = target.translate(URL_IGNORED).strip(URL_TRIMMED).replace("\\", "/")
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        if host is None or parts.scheme not in ("http", "https") or parts.netloc != host:
            return None
        cleaned = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    return cleaned


def hash_token(token: str) -> str:
    """Tokens are stored only as their SHA-256; they carry enough entropy for that to be safe."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str = "cf") -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def api_token_from_request() -> ApiToken | None:
    """The live API token of this request (Authorization: Bearer …), if any; cached per request."""
    if "api_token" in g:
        return g.api_token
    header = request.headers.get("Authorization", "")
    token = None
    if header.lower().startswith("bearer "):
        value = header[7:].strip()
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(value)))
        now = utcnow()
        if token is not None and (token.revoked_at or (token.expires_at and token.expires_at <= now)):
            token = None
        if token is not None:
            token.last_used_at = now
            db.session.commit()
    g.api_token = token
    return token
