"""Kiosks (滿意度評分機): registration, one-time pairing codes, device tokens and revocation."""

import secrets
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..links import public_url
from ..models import Counter, Device, Office, Rating, Unit, utcnow
from ..security import hash_token, new_token
from .errors import AccessDenied, DomainError, NotFound, ValidationFailed
from .ratings import KIOSK_QUESTIONNAIRE, Source
from .service_questionnaires import kiosk_code_column, sent_kiosk_code

PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class DeviceUnauthorized(DomainError):
    status = 401
    code = "unauthorized"
    default_message = _l("This kiosk is not paired; pair it again.")


class CounterClosed(DomainError):
    """The kiosk's counter (or its unit or office) was closed: the kiosk shows so instead of the questionnaire."""

    status = 403
    code = "counter_closed"
    default_message = _l("This counter is closed and no longer takes ratings.")


def _new_pairing_code() -> str:
    return "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(10))


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def register_device(
    counter: Counter, name: str | None = None, created_by_id: int | None = None
) -> tuple[Device, str]:
    """A new kiosk for a counter with a one-time pairing code; returns the device and the plain code."""
    if counter is None or not counter.open_for_ratings:
        raise ValidationFailed(details={"counter": str(_l("Unknown or inactive counter."))})
    name = (name or "").strip() or f"{counter.code} kiosk"
    if len(name) > 64:
        raise ValidationFailed(details={"name": str(_l("The name is limited to 64 characters."))})
    device = Device(
        office_id=counter.office_id, counter_id=counter.id, name=name, created_by_id=created_by_id
    )
    code = _set_pairing_code(device)
    db.session.add(device)
    db.session.flush()
    return device, code


def _set_pairing_code(device: Device) -> str:
    code = _new_pairing_code()
    device.pairing_code_hash = hash_token(code)
    minutes = current_app.config.get("KIOSK_PAIRING_MINUTES", 60 * 24)
    device.pairing_expires_at = utcnow() + timedelta(minutes=minutes)
    return code


def new_pairing_code(device: Device) -> str:
    """A fresh pairing code for a device (moving it to a new screen); the old token stops working."""
    device.token_hash = None
    device.revoked_at = None
    return _set_pairing_code(device)


def pairing_url(code: str) -> str:
    return public_url(f"/kiosk/pair/{code}")


def pair(code: str) -> tuple[Device, str]:
    """Exchange a one-time pairing code for a device token (plain, shown once); the code is spent."""
    normalised = _normalise_code(code)
    device = (
        db.session.scalar(
            sa.select(Device).where(Device.pairing_code_hash == hash_token(normalised)).with_for_update()
        )
        if normalised
        else None
    )
    if device is None or device.revoked_at is not None:
        raise NotFound(_l("This pairing code is not valid or was used already."))
    if device.pairing_expires_at is None or device.pairing_expires_at <= utcnow():
        raise NotFound(_l("This pairing code has expired; ask for a new one."))
    token = new_token("kiosk")
    device.token_hash = hash_token(token)
    device.pairing_code_hash = None
    device.pairing_expires_at = None
    device.paired_at = utcnow()
    return device, token


def revoke(device: Device) -> None:
    """Stop a kiosk: its token and any pairing code stop working at once."""
    device.revoked_at = utcnow()
    device.pairing_code_hash = None
    device.pairing_expires_at = None


def device_for_token(token: str | None) -> Device:
    """The live device holding this token; 401 when unknown, 403 when revoked."""
    if not token:
        raise DeviceUnauthorized()
    device = db.session.scalar(
        sa.select(Device)
        .where(Device.token_hash == hash_token(token))
        .options(so.joinedload(Device.counter).joinedload(Counter.office))
    )
    if device is None:
        raise DeviceUnauthorized()
    if device.revoked_at is not None:
        raise AccessDenied(_l("This kiosk was revoked."))
    if not device.counter.open_for_ratings:
        raise CounterClosed()
    return device


# Built once: the ingestion hot path only binds the token hash.
_SOURCE_BY_TOKEN = (
    sa.select(
        Device.id,
        Device.revoked_at,
        Device.last_seen_at,
        Device.paired_at,
        Counter.id.label("counter_id"),
        sa.and_(Counter.active, Unit.active, Office.active).label("active"),
        Counter.office_id,
        Counter.unit_id,
        Office.city_id,
        # The kiosk's latest stored tap, so that ratings arriving in order need no further lookup.
        sa.select(sa.func.max(Rating.tapped_at))
        .where(Rating.device_id == Device.id)
        .scalar_subquery()
        .label("last_tapped_at"),
        kiosk_code_column(Counter.id).label("kiosk_questionnaire"),
    )
    .join(Counter, Counter.id == Device.counter_id)
    .join(Unit, Unit.id == Counter.unit_id)
    .join(Office, Office.id == Counter.office_id)
    .where(Device.token_hash == sa.bindparam("token_hash"))
)


def kiosk_source(token: str | None, questionnaire=None) -> Source:
    """The rating source of a device token in one query (the ingestion hot path); 401 unknown, 403 revoked.

    questionnaire: the code the kiosk says its batch was answered against (see service_questionnaires)."""
    if not token:
        raise DeviceUnauthorized()
    row = db.session.connection().execute(_SOURCE_BY_TOKEN, {"token_hash": hash_token(token)}).one_or_none()
    if row is None:
        raise DeviceUnauthorized()
    if row.revoked_at is not None:
        raise AccessDenied(_l("This kiosk was revoked."))
    if not row.active:
        raise CounterClosed()
    now = utcnow()
    if row.last_seen_at is None or now - row.last_seen_at > timedelta(minutes=1):
        db.session.execute(sa.update(Device).where(Device.id == row.id).values(last_seen_at=now))
    return Source(
        channel="kiosk",
        city_id=row.city_id,
        office_id=row.office_id,
        unit_id=row.unit_id,
        counter_id=row.counter_id,
        questionnaire_code=sent_kiosk_code(row.city_id, questionnaire, row.kiosk_questionnaire or KIOSK_QUESTIONNAIRE),
        device_id=row.id,
        last_tapped_at=row.last_tapped_at,
        paired_at=row.paired_at,
    )
