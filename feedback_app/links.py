"""Absolute links (mail, QR posters, kiosk pairing, API discovery): the one place that decides their base.

PUBLIC_BASE_URL when it is set, and production refuses to start without it: a link built from the Host
header a client sent could point a petitioner's mail anywhere. Unset in development, a link made while
serving a request uses the address that request came in on (request.url_root), so the demo's posters and
pairing links work on whatever host and port it was started. A job or command outside any request, without
the setting, falls back to FALLBACK_BASE_URL, the address of the README's `flask --app wsgi run --port 5000`,
and says so once in the log."""

import logging

from flask import Flask, current_app, has_request_context, request

FALLBACK_BASE_URL = "http://127.0.0.1:5000"
log = logging.getLogger(__name__)
_warned = False


def check_public_base_url(app: Flask) -> None:
    """Production refuses to start without PUBLIC_BASE_URL."""
    if app.config.get("ENV_NAME") == "production" and not (app.config.get("PUBLIC_BASE_URL") or "").strip():
        raise RuntimeError(
            "PUBLIC_BASE_URL must be set in production (e.g. https://feedback.example.gov.tw): links in mail, "
            "on posters and for pairing kiosks are built from it; refusing to start without it."
        )


def public_base_url() -> str:
    """The base of absolute links, without a trailing slash."""
    global _warned
    configured = (current_app.config.get("PUBLIC_BASE_URL") or "").strip()
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    if not _warned:
        _warned = True
        log.warning("PUBLIC_BASE_URL is not set: links made outside a request point at %s", FALLBACK_BASE_URL)
    return FALLBACK_BASE_URL


def public_url(path: str) -> str:
    """An absolute link to a path of this app ("/lookup", "/s/<token>" ...)."""
    if not path.startswith("/"):
        raise ValueError(f"a path starts with '/': {path!r}")
    return public_base_url() + path
