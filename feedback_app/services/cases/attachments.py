"""Attachments: kept only when their real type (by content, never by name) and size are acceptable."""

import hashlib
import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    Attachment,
    Case,
    User,
    utcnow,
)
from ..errors import ValidationFailed
from .workflow import begin, record_event, touch

ATTACHMENT_TYPES = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "text/plain": ".txt",
}
# Text that a browser would take for HTML, SVG or XML (WHATWG MIME sniffing) is markup, not plain text.
MARKUP_STARTS = (
    "<!doctype", "<html", "<head", "<body", "<script", "<iframe", "<svg", "<?xml", "<!--", "<div", "<a ",
    "<img", "<object", "<embed", "<style", "<meta", "<title", "<form", "<table",
)


def sniff_content_type(data: bytes) -> str | None:
    """The type of a file by its first bytes (never by its name): PDF, PNG, JPEG or plain text that is not markup."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp950"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.lstrip().lower().startswith(MARKUP_STARTS):
            return None
        if all(ch.isprintable() or ch in "\t\r\n\f" for ch in text):
            return "text/plain"
    return None


def max_attachment_bytes() -> int:
    return int(current_app.config.get("CASE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def safe_filename(filename: str | None) -> str:
    """The last part of an uploaded name, kept to letters (Chinese too), digits and a few marks."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isalnum() or ch in "-_. ()").strip(" .")
    return name[:200] or "attachment"


def check_attachment(filename: str | None, data: bytes) -> tuple[str, str]:
    """(safe file name, content type) of an acceptable attachment; ValidationFailed otherwise."""
    name = safe_filename(filename)
    if not data:
        raise ValidationFailed(details={"attachments": str(_l("%(name)s is empty.", name=name))})
    limit = max_attachment_bytes()
    if len(data) > limit:
        raise ValidationFailed(details={"attachments": str(_l(
            "%(name)s is larger than %(mb)s MB.", name=name, mb=f"{limit / 1024 / 1024:g}"))})
    content_type = sniff_content_type(data)
    if content_type is None:
        raise ValidationFailed(details={"attachments": str(_l(
            "%(name)s is not a PDF, PNG, JPEG or plain text file.", name=name))})
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem[:240] + ATTACHMENT_TYPES[content_type], content_type


def add_attachment(case: Case, actor: User | None, version, filename: str | None, data: bytes) -> Attachment:
    """Keep a file with the case once its size and its real type (by content) are acceptable."""
    if actor is not None:
        begin(case, actor, version, None)
    name, content_type = check_attachment(filename, data)
    attachment = Attachment(case_id=case.id, filename=name, content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), data=data,
                            uploaded_by_id=actor.id if actor is not None else None, created_at=utcnow())
    db.session.add(attachment)
    touch(case)
    record_event(case, actor, "attachment_added", None,
                 {"attachment_id": attachment.id, "filename": name, "size": len(data), "type": content_type})
    return attachment
