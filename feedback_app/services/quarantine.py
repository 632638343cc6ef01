"""Quarantine: every rating the server refused, kept as it arrived until an admin stores a correction or dismisses it.

A kiosk sends what it holds and forgets it once the server has answered for it; a refusal is an answer about the
data, not permission to lose a citizen's answer. So a refused rating is kept here with the reason, the device and
its payload, and the kiosk is told "quarantined". A correction goes through the normal ingestion (services/ratings.py),
so it is stored once under its UUID and counted in the figures once, however often it is stored.

Contact details in a payload are personal data: shown masked, erased from the payload once the corrected rating
is stored (its follow-up case holds them from then on), and erased after the retention period otherwise."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db, upsert_insert
from ..models import Device, Office, QuarantinedRating, Rating, Role, User, utcnow
from .access import ensure_access, require_role, scoped
from .errors import Conflict, ValidationFailed
from .privacy import mask_email, mask_phone
from .ratings import (
    DUPLICATE,
    FLAG_BEFORE_PAIRING,
    FLAG_FUTURE,
    REJECTED,
    STORED,
    Outcome,
    Source,
    ingest,
)
from .service_questionnaires import questionnaire_code_for

STORED_RESOLUTION = "stored"
DISMISSED = "dismissed"
REASON_LABELS = {"invalid": _l("Not valid"), "conflict": _l("Another rating holds its UUID")}
RESOLUTION_LABELS = {STORED_RESOLUTION: _l("Stored after correction"), DISMISSED: _l("Dismissed")}
FLAG_LABELS = {
    FLAG_FUTURE: _l("Ahead of the server's clock"),
    FLAG_BEFORE_PAIRING: _l("Before the kiosk was paired"),
}
MAX_NOTE = 1000
MAX_PAYLOAD = 20000


def _dumps(raw) -> str:
    """The payload as JSON text, ASCII-escaped: whatever the device sent (a lone surrogate too) survives."""
    return json.dumps(raw, ensure_ascii=True, sort_keys=True, separators=(",", ":"), default=str)


def keep(source: Source, refused: list[tuple[object, Outcome]], offset: timedelta | None, now: datetime) -> None:
    """Keep each refused rating of a send (outcome status rejected) and answer it "quarantined". Flushes.

    The same rating sent again from the same source is kept once."""
    rows = []
    for raw, outcome in refused:
        if outcome.status != REJECTED:
            continue
        payload = _dumps(raw)
        origin = f"{source.channel}|{source.counter_id}|{source.device_id}|{source.qr_token_id}|"
        raw_uuid = raw.get("uuid") if isinstance(raw, dict) else None
        rows.append(
            {
                "office_id": source.office_id,
                "unit_id": source.unit_id,
                "counter_id": source.counter_id,
                "device_id": source.device_id,
                "qr_token_id": source.qr_token_id,
                "channel": source.channel,
                "uuid": str(raw_uuid)[:64] if raw_uuid is not None else None,
                "reason": outcome.reason or "invalid",
                "message": outcome.message or "",
                "details": {str(k): str(v) for k, v in (outcome.details or {}).items()},
                "payload": payload,
                "payload_hash": hashlib.sha256((origin + payload).encode()).hexdigest(),
                "has_contact": isinstance(raw, dict) and bool(raw.get("contact")),
                "clock_offset_ms": None if offset is None else offset // timedelta(milliseconds=1),
                "received_at": now,
            }
        )
        outcome.status = "quarantined"
    if rows:
        stmt = upsert_insert(QuarantinedRating).values(rows)
        db.session.execute(stmt.on_conflict_do_nothing(index_elements=["payload_hash"]))


# --- the admin's page -------------------------------------------------------------------------------------


@dataclass
class QuarantineView:
    """A quarantined rating as the page shows it: contact masked, the rest of the payload editable."""

    item: QuarantinedRating
    editable: str
    contact: dict | None
    tapped_at: str | None
    tapped_at_time: datetime | None = None


def _payload(item: QuarantinedRating):
    return json.loads(item.payload)


def view_of(item: QuarantinedRating) -> QuarantineView:
    raw = _payload(item)
    contact = None
    editable = raw
    if isinstance(raw, dict):
        editable = {k: v for k, v in raw.items() if k != "contact"}
        given = raw.get("contact")
        if isinstance(given, dict):
            contact = {
                "phone": mask_phone(given.get("phone") if isinstance(given.get("phone"), str) else None),
                "email": mask_email(given.get("email") if isinstance(given.get("email"), str) else None),
                "consent": given.get("consent") is True,
            }
        elif given:
            contact = {"phone": "***", "email": "", "consent": False}
    text = json.dumps(editable, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    # A lone surrogate cannot be shown or sent back as it is; the page shows its escape instead.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    tapped_at = raw.get("tapped_at") if isinstance(raw, dict) else None
    tapped_at = tapped_at if isinstance(tapped_at, str) else None
    try:
        moment = datetime.fromisoformat(tapped_at.replace("Z", "+00:00")) if tapped_at else None
        moment = moment if moment is not None and moment.tzinfo is not None else None
    except ValueError:
        moment = None
    return QuarantineView(item, text, contact, tapped_at, moment)


def open_items(user: User, limit: int = 200) -> list[QuarantineView]:
    """Quarantined ratings of the offices the admin reaches, waiting for a decision, newest first."""
    require_role(user, Role.ADMIN)
    items = db.session.scalars(
        scoped(sa.select(QuarantinedRating), QuarantinedRating, user)
        .where(QuarantinedRating.resolved_at.is_(None))
        .order_by(QuarantinedRating.received_at.desc(), QuarantinedRating.id.desc())
        .limit(limit)
    ).all()
    return [view_of(item) for item in items]


def resolved_items(user: User, limit: int = 50) -> list[QuarantinedRating]:
    require_role(user, Role.ADMIN)
    return db.session.scalars(
        scoped(sa.select(QuarantinedRating), QuarantinedRating, user)
        .where(QuarantinedRating.resolved_at.is_not(None))
        .order_by(QuarantinedRating.resolved_at.desc(), QuarantinedRating.id.desc())
        .limit(limit)
    ).all()


def flagged_ratings(user: User, limit: int = 50) -> list[Rating]:
    """Stored ratings whose tap time is implausible even after correcting the device's clock, for review."""
    require_role(user, Role.ADMIN)
    return db.session.scalars(
        scoped(sa.select(Rating), Rating, user)
        .where(Rating.tap_time_flag.is_not(None))
        .order_by(Rating.received_at.desc(), Rating.id.desc())
        .limit(limit)
    ).all()


def _open_item(user: User, item_id: int) -> QuarantinedRating:
    require_role(user, Role.ADMIN)
    item = db.session.scalar(
        sa.select(QuarantinedRating).where(QuarantinedRating.id == item_id).with_for_update()
    )
    ensure_access(user, item)
    if item.resolved_at is not None:
        raise Conflict(_l("This quarantined rating was handled already."))
    return item


def _source(item: QuarantinedRating) -> Source:
    office = db.session.get(Office, item.office_id)
    device = db.session.get(Device, item.device_id) if item.device_id is not None else None
    last_tapped_at = None
    if device is not None:
        last_tapped_at = db.session.scalar(
            sa.select(sa.func.max(Rating.tapped_at)).where(Rating.device_id == device.id)
        )
    return Source(
        channel=item.channel,
        city_id=office.city_id,
        office_id=item.office_id,
        unit_id=item.unit_id,
        counter_id=item.counter_id,
        questionnaire_code=questionnaire_code_for(item.channel, item.counter_id, item.qr_token_id),
        device_id=item.device_id,
        qr_token_id=item.qr_token_id,
        last_tapped_at=last_tapped_at,
        paired_at=device.paired_at if device is not None else None,
    )


def store_corrected(user: User, item_id: int, text: str, *, drop_contact: bool = False) -> Outcome:
    """Store a quarantined rating as the admin corrected it (its contact details kept unless dropped). Commits.

    It goes through the normal ingestion with the clock offset of the send that brought it; the quarantined
    rating is marked stored in the same transaction. A correction still refused changes nothing."""
    item = _open_item(user, item_id)
    if len(text or "") > MAX_PAYLOAD:
        db.session.rollback()
        raise ValidationFailed(details={"payload": str(_l("The rating is too long."))})
    try:
        corrected = json.loads(text or "")
    except ValueError:
        db.session.rollback()
        raise ValidationFailed(
            _l("The corrected rating is not valid JSON."), details={"payload": str(_l("Not valid JSON."))}
        ) from None
    if not isinstance(corrected, dict):
        db.session.rollback()
        raise ValidationFailed(
            _l("The corrected rating must be one JSON object."), details={"payload": str(_l("Not an object."))}
        )
    corrected.pop("contact", None)
    original = _payload(item)
    if not drop_contact and isinstance(original, dict) and original.get("contact"):
        corrected["contact"] = original["contact"]
    source = _source(item)
    offset = None if item.clock_offset_ms is None else timedelta(milliseconds=item.clock_offset_ms)
    note = str(_l("Stored after correction."))

    def resolve(outcomes: list[Outcome]) -> None:
        if outcomes[0].status not in (STORED, DUPLICATE):
            return
        item.resolution = STORED_RESOLUTION
        item.resolution_note = note
        item.resolved_at = utcnow()
        item.resolved_by_id = user.id
        item.rating_id = db.session.scalar(sa.select(Rating.id).where(Rating.uuid == outcomes[0].uuid))
        if item.has_contact:
            # From here on the follow-up case holds them, if the rating called for one.
            kept = _payload(item)
            kept.pop("contact", None)
            item.payload = _dumps(kept)
            item.has_contact = False

    outcome = ingest(source, [corrected], offset=offset, before_commit=resolve)[0]
    if outcome.status == REJECTED:
        db.session.rollback()
        raise ValidationFailed(outcome.message, details=outcome.details or {"payload": outcome.message})
    return outcome


def dismiss(user: User, item_id: int, note: str | None) -> QuarantinedRating:
    """Set a quarantined rating aside with the admin's reason; it stays listed as dismissed. Flushes."""
    item = _open_item(user, item_id)
    note = (note or "").strip()
    if not note:
        db.session.rollback()
        raise ValidationFailed(details={"note": str(_l("Say why the rating is dismissed."))})
    if len(note) > MAX_NOTE:
        db.session.rollback()
        raise ValidationFailed(details={"note": str(_l("The reason is limited to 1,000 characters."))})
    item.resolution = DISMISSED
    item.resolution_note = note
    item.resolved_at = utcnow()
    item.resolved_by_id = user.id
    db.session.flush()
    return item


# --- retention --------------------------------------------------------------------------------------------


def erase_contacts(before: datetime, batch: int = 500) -> int:
    """Erase the contact details of quarantined ratings handled (or, never handled, received) before the
    cut-off of the retention period; the rest of the payload stays. Commits each batch; returns how many."""
    erased = 0
    while True:
        items = db.session.scalars(
            sa.select(QuarantinedRating)
            .where(
                QuarantinedRating.has_contact.is_(True),
                sa.func.coalesce(QuarantinedRating.resolved_at, QuarantinedRating.received_at) < before,
            )
            .order_by(QuarantinedRating.id)
            .limit(batch)
        ).all()
        if not items:
            return erased
        for item in items:
            raw = _payload(item)
            if isinstance(raw, dict):
                raw.pop("contact", None)
            item.payload = _dumps(raw)
            item.has_contact = False
        erased += len(items)
        db.session.commit()
