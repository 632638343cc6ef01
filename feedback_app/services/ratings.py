"""Rating ingestion: validate, store each client UUID once, flag noise, open follow-up cases, raise alerts.

Kiosks and QR surveys send ratings with a client-generated UUID and the tap time. Each rating is answered
separately: stored, already stored (same UUID, same content) or rejected (conflict or invalid) with a reason.
A rejected rating changes nothing; the good ratings of a batch are stored all the same. Where the caller asks
(a kiosk's batch, whose sender cannot correct it), a rejected rating is kept in quarantine as it arrived and
answered "quarantined" instead: see services/quarantine.py.

Device clocks are wrong in every way (an hour fast, a year slow, reset to 1970). A send may carry the device's
clock at the moment of sending (sent_at); the difference to the server's receipt time is the device's clock
offset, and every tap time of the send is corrected by it, as ODK and SurveyCTO do. The device's own time is
kept beside the corrected one (and is what the content hash covers, so a resend with another offset is still
the same rating). Tap times still implausible after correction are stored and flagged, never refused.
"""

import hashlib
import json
import threading
import time
import uuid as uuidlib
import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    Answer,
    CaseChannel,
    Channel,
    Counter,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Rating,
    UTCDateTime,
    utcnow,
)
from . import alerts
from .alerts import UNHAPPY_MAX_SCORE
from .cases import CaseInput, language_of, open_case
from .contact import contact_errors
from .errors import DomainError, NotFound, ValidationFailed
from .rollups import unfold
from .staff_language import in_office_language
from .validation import OutOfRange, holds_lone_surrogate, iso_datetime

STORED = "stored"
DUPLICATE = "already_stored"
REJECTED = "rejected"
QUARANTINED = "quarantined"
# Why a tap time is implausible even after correcting the device's clock (Rating.tap_time_flag).
FLAG_FUTURE = "future"
FLAG_BEFORE_PAIRING = "before_pairing"
MAX_TEXT = 1000


@dataclass(frozen=True)
class Source:
    """Where a batch of ratings comes from: a kiosk or a QR survey, bound to one counter."""

    channel: str
    city_id: int
    office_id: int
    unit_id: int
    counter_id: int
    questionnaire_code: str
    device_id: int | None = None
    qr_token_id: int | None = None
    last_tapped_at: datetime | None = None  # a kiosk's latest stored tap, read with the device
    paired_at: datetime | None = None  # a kiosk's pairing: no tap can be earlier


@dataclass
class Outcome:
    uuid: str | None
    status: str
    reason: str | None = None
    message: str | None = None
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = {"uuid": self.uuid, "status": self.status}
        if self.reason:
            data["reason"] = self.reason
            data["message"] = str(self.message)
            if self.details:
                data["details"] = self.details
        return data


class _Rejected(Exception):
    def __init__(self, reason: str, message, details: dict | None = None):
        self.reason = reason
        self.message = str(message)
        self.details = details or {}


@dataclass
class _Prepared:
    uuid: str
    tapped_at: datetime
    device_tapped_at: datetime
    tap_time_flag: str | None
    locale: str | None
    version_id: int
    answers: list[tuple["QuestionSpec", dict]]
    score: int | None
    sex: str | None
    age_group: str | None
    content_hash: str
    contact: dict | None


# --- questionnaire versions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpec:
    """A published question as ingestion needs it: published versions never change, so it can be kept."""

    id: int
    version_id: int
    position: int
    code: str
    kind: str
    role: str
    required: bool
    options: tuple


Versions = dict[int, tuple[int, dict[str, QuestionSpec]]]
# Per engine (so each app and database has its own), (city, questionnaire) -> (loaded at, versions).
_VERSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_VERSIONS_LOCK = threading.Lock()


def published_versions(city_id: int, code: str, *, fresh: bool = False) -> Versions:
    """{version number: (version id, {question code: question})} of a city's questionnaire, published only.

    One query, kept for RATING_QUESTIONNAIRE_CACHE_SECONDS: a newly published version is taken up within
    that time by every server process, or at once when asked for fresh (a rating names a version not kept)."""
    ttl = current_app.config.get("RATING_QUESTIONNAIRE_CACHE_SECONDS", 60)
    key = (city_id, code)
    now = time.monotonic()
    if ttl > 0 and not fresh:
        with _VERSIONS_LOCK:
            kept = _VERSIONS.get(db.engine, {}).get(key)
        if kept is not None and now - kept[0] < ttl:
            return kept[1]
    rows = db.session.execute(
        sa.select(QuestionnaireVersion.version, Question)
        .join(Question, Question.version_id == QuestionnaireVersion.id)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .where(
            Questionnaire.city_id == city_id,
            Questionnaire.code == code,
            QuestionnaireVersion.published_at.is_not(None),
        )
    ).all()
    versions: Versions = {}
    for number, q in sorted(rows, key=lambda row: (row[0], row[1].position)):
        spec = QuestionSpec(
            q.id, q.version_id, q.position, q.code, q.kind, q.role, q.required, tuple(q.options or ())
        )
        versions.setdefault(number, (q.version_id, {}))[1][q.code] = spec
    if ttl > 0 and versions:
        with _VERSIONS_LOCK:
            _VERSIONS.setdefault(db.engine, {})[key] = (now, versions)
    return versions


def forget_published_versions() -> None:
    """Drop this process's kept questionnaire versions (after publishing a new one)."""
    with _VERSIONS_LOCK:
        _VERSIONS.pop(db.engine, None)


def current_version(city_id: int, code: str) -> QuestionnaireVersion:
    """The newest published version of a city's questionnaire."""
    version = db.session.scalar(
        sa.select(QuestionnaireVersion)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .where(
            Questionnaire.city_id == city_id,
            Questionnaire.code == code,
            QuestionnaireVersion.published_at.is_not(None),
        )
        .order_by(QuestionnaireVersion.version.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(_l("This questionnaire has no published version."))
    return version


def published_version(city_id: int, code: str, number) -> QuestionnaireVersion | None:
    """A published version of a city's questionnaire by its number (what a form was rendered with), or None."""
    if isinstance(number, str) and number.isdigit():
        number = int(number)
    if isinstance(number, bool) or not isinstance(number, int):
        return None
    return db.session.scalar(
        sa.select(QuestionnaireVersion)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .where(
            Questionnaire.city_id == city_id,
            Questionnaire.code == code,
            QuestionnaireVersion.version == number,
            QuestionnaireVersion.published_at.is_not(None),
        )
    )


# --- device clocks ----------------------------------------------------------------------------------------


def clock_offset(sent_at, now: datetime) -> timedelta | None:
    """How far the device's clock is behind the server's (negative: ahead), from the device's clock at the
    moment of sending; None when no clock was sent or it is within RATING_CLOCK_TOLERANCE_SECONDS (a clock
    that right is left alone, so a tap keeps the very time the device gave it).

    The receipt time stands for the sending time: the offset is exact within the network delay."""
    if sent_at is None:
        return None
    offset = None
    if isinstance(sent_at, str):
        try:
            device_now = datetime.fromisoformat(sent_at.replace("Z", "+00:00"))
            if device_now.tzinfo is not None:
                offset = now - device_now
        except (ValueError, OverflowError):
            offset = None
    if offset is None:
        raise ValidationFailed(
            _l("The device's clock (sent_at) must be an ISO date and time with a time zone."),
            details={"sent_at": str(_l("Not an ISO date and time with a time zone."))},
        )
    tolerance = timedelta(seconds=current_app.config["RATING_CLOCK_TOLERANCE_SECONDS"])
    if abs(offset) <= tolerance:
        return None
    return timedelta(milliseconds=offset // timedelta(milliseconds=1))


def _corrected(device_time: datetime, offset: timedelta | None, source: Source, now: datetime):
    """The tap time on the server's clock, and why it is still implausible (or None)."""
    try:
        tapped_at = device_time + offset if offset else device_time
    except OverflowError:
        raise _Rejected(
            "invalid", _l("The tap time is out of range."), {"tapped_at": str(_l("Out of range."))}
        ) from None
    margin = timedelta(seconds=current_app.config.get("RATING_CLOCK_SKEW_SECONDS", 120))
    if tapped_at > now + margin:
        return tapped_at, FLAG_FUTURE
    if source.paired_at is not None and tapped_at < source.paired_at - margin:
        return tapped_at, FLAG_BEFORE_PAIRING
    return tapped_at, None


# --- validation -------------------------------------------------------------------------------------------


def _parse_tapped_at(value, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise _Rejected("invalid", _l("The tap time is missing."), {"tapped_at": str(_l("Required."))})
    try:
        tapped_at = iso_datetime(value)
    except OutOfRange:
        raise _Rejected(
            "invalid",
            _l("The tap time is out of range."),
            {"tapped_at": str(_l("Not a date any clock shows."))},
        ) from None
    except ValueError:
        raise _Rejected(
            "invalid",
            _l("The tap time is not an ISO date and time."),
            {"tapped_at": str(_l("Not an ISO date and time."))},
        ) from None
    if tapped_at.tzinfo is None:
        raise _Rejected(
            "invalid",
            _l("The tap time needs a time zone."),
            {"tapped_at": str(_l("A time zone is required."))},
        )
    try:
        tapped_at = tapped_at.astimezone(now.tzinfo)
    except OverflowError:
        raise _Rejected(
            "invalid", _l("The tap time is out of range."), {"tapped_at": str(_l("Out of range."))}
        ) from None
    return tapped_at.replace(microsecond=tapped_at.microsecond // 1000 * 1000)


def _option_codes(question: QuestionSpec) -> set[str]:
    return {str(option["code"]) for option in question.options or []}


def _check_answer(question: QuestionSpec, value) -> dict:
    """The stored form of one answer ({score|choices|text}), or _Rejected."""

    def wrong():
        return _Rejected(
            "invalid", _l("An answer is not valid."), {question.code: str(_l("Not a valid answer."))}
        )

    if question.kind == "scale5":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise _Rejected(
                "invalid",
                _l("A score must be a whole number from 1 to 5."),
                {question.code: str(_l("A score must be a whole number from 1 to 5."))},
            )
        return {"score": value}
    if question.kind == "single":
        if not isinstance(value, str) or value not in _option_codes(question):
            raise wrong()
        return {"choices": [value]}
    if question.kind == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise wrong()
        allowed = _option_codes(question)
        if any(v not in allowed for v in value):
            raise wrong()
        return {"choices": sorted(set(value))}
    if question.kind == "text":
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise _Rejected(
                "invalid",
                _l("A comment is limited to 1,000 characters."),
                {question.code: str(_l("A comment is limited to 1,000 characters."))},
            )
        return {"text": value.strip()}
    raise wrong()


def _check_contact(raw) -> dict | None:
    if raw in (None, {}):
        return None
    if not isinstance(raw, dict):
        raise _Rejected(
            "invalid", _l("The contact details are not valid."), {"contact": str(_l("Not valid."))}
        )
    phone = (raw.get("phone") or "").strip() if isinstance(raw.get("phone"), str | type(None)) else None
    email = (raw.get("email") or "").strip() if isinstance(raw.get("email"), str | type(None)) else None
    if phone is None or email is None:
        raise _Rejected(
            "invalid", _l("The contact details are not valid."), {"contact": str(_l("Not valid."))}
        )
    if not phone and not email:
        return None
    errors = contact_errors(phone, email, "contact.phone", "contact.email")
    if raw.get("consent") is not True:
        errors["contact.consent"] = str(_l("Contact details are kept only with consent."))
    if errors:
        raise _Rejected("invalid", _l("The contact details are not valid."), errors)
    return {"phone": phone or None, "email": email or None}


def _content_hash(source: Source, version_id: int, tapped_at: datetime, answers: dict, locale) -> str:
    canonical = json.dumps(
        {
            "channel": source.channel,
            "counter": source.counter_id,
            "version": version_id,
            "tapped_at": tapped_at.isoformat(timespec="milliseconds"),
            "answers": answers,
            "locale": locale,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _missing(questions: dict[str, QuestionSpec], given: dict | None = None) -> dict[str, str]:
    """{question code: "Required."} for each required question without an answer."""
    given = given or {}
    return {
        code: str(_l("Required."))
        for code, question in questions.items()
        if question.required and given.get(code) in (None, [], "")
    }


def _answers(questions: dict[str, QuestionSpec], given) -> tuple[list, dict]:
    """The stored answers and their canonical form for the content hash, checked against one version."""
    if not isinstance(given, dict) or not given:
        details = _missing(questions) or {"answers": str(_l("Required."))}
        raise _Rejected("invalid", _l("A rating needs its answers."), details)
    unknown = [code for code in given if code not in questions]
    if unknown:
        raise _Rejected(
            "invalid", _l("Unknown question."), {code: str(_l("Unknown question.")) for code in unknown}
        )
    missing = _missing(questions, given)
    if missing:  # every one of them, so a form can mark them all at once
        raise _Rejected("invalid", _l("A required question has no answer."), missing)
    stored_answers = []
    canonical = {}
    for code, question in questions.items():
        value = given.get(code)
        if value is None or value == [] or value == "":
            if question.required:
                raise _Rejected(
                    "invalid", _l("A required question has no answer."), {code: str(_l("Required."))}
                )
            continue
        answer = _check_answer(question, value)
        if answer.get("text") == "":
            continue
        stored_answers.append((question, answer))
        canonical[code] = next(iter(answer.values()))
    if not stored_answers:
        raise _Rejected("invalid", _l("A rating needs its answers."), {"answers": str(_l("Required."))})
    return stored_answers, canonical


def _prepare(raw, source: Source, versions: dict, now, offset: timedelta | None = None) -> _Prepared:
    if not isinstance(raw, dict):
        raise _Rejected("invalid", _l("A rating must be an object."))
    if holds_lone_surrogate(raw):
        message = _l("The text holds a character that is not valid Unicode (a lone surrogate).")
        raise _Rejected("invalid", message, {"body": str(message)})
    try:
        rating_uuid = str(uuidlib.UUID(str(raw.get("uuid"))))
    except ValueError:
        raise _Rejected(
            "invalid", _l("Each rating needs a UUID."), {"uuid": str(_l("Not a UUID."))}
        ) from None
    device_tapped_at = _parse_tapped_at(raw.get("tapped_at"), now)
    tapped_at, flag = _corrected(device_tapped_at, offset, source, now)
    version_number = raw.get("version")
    if version_number is None:
        # A sender that names no version answered the newest, or else the newest one its answers fit.
        first = None
        for number in sorted(versions, reverse=True):
            try:
                stored_answers, canonical = _answers(versions[number][1], raw.get("answers"))
            except _Rejected as rejected:
                first = first or rejected
                continue
            version_number = number
            break
        else:
            raise first
    elif (
        isinstance(version_number, bool)
        or not isinstance(version_number, int)
        or version_number not in versions
    ):
        raise _Rejected(
            "invalid", _l("Unknown questionnaire version."), {"version": str(_l("Unknown version."))}
        )
    else:
        stored_answers, canonical = _answers(versions[version_number][1], raw.get("answers"))
    version_id = versions[version_number][0]
    locale = raw.get("locale")
    if locale is not None and locale not in current_app.config["LANGUAGES"]:
        locale = None
    overall = next((a["score"] for q, a in stored_answers if q.code == "overall"), None)
    if overall is None:
        overall = next(
            (a["score"] for q, a in reversed(stored_answers) if q.role == "rating" and "score" in a), None
        )
    demographic = {
        q.code: a["choices"][0] for q, a in stored_answers if q.role == "demographic" and a.get("choices")
    }
    return _Prepared(
        uuid=rating_uuid,
        tapped_at=tapped_at,
        device_tapped_at=device_tapped_at,
        tap_time_flag=flag,
        locale=locale,
        version_id=version_id,
        answers=stored_answers,
        score=overall,
        sex=demographic.get("sex"),
        age_group=demographic.get("age_group"),
        content_hash=_content_hash(source, version_id, device_tapped_at, canonical, locale),
        contact=_check_contact(raw.get("contact")),
    )


# --- ingestion --------------------------------------------------------------------------------------------


def ingest(
    source: Source,
    items: list,
    *,
    max_batch: int | None = None,
    before_commit: Callable[[list[Outcome]], None] | None = None,
    sent_at=None,
    offset: timedelta | None = None,
    quarantine: bool = False,
) -> list[Outcome]:
    """Store a batch of ratings from one source; one outcome per item, in the order given. Commits.

    sent_at is the device's clock when it sent the batch (or offset, the device clock's offset measured
    before): every tap time is corrected by it. With quarantine, every rejected rating is kept in quarantine
    as it arrived and answered "quarantined". before_commit runs in the same transaction once outcomes are
    known (spends a one-time link)."""
    max_batch = max_batch or current_app.config.get("RATING_MAX_BATCH", 500)
    if not isinstance(items, list) or not items:
        raise DomainError(_l("Send one rating or a list of ratings."), code="invalid")
    if len(items) > max_batch:
        raise DomainError(
            _l("Too many ratings in one request."),
            code="invalid",
            details={"ratings": str(_l("At most %(n)d ratings per request.", n=max_batch))},
        )
    now = utcnow()
    if sent_at is not None:
        offset = clock_offset(sent_at, now)
    versions = published_versions(source.city_id, source.questionnaire_code)
    if any(isinstance(raw, dict) and _unknown_version(raw.get("version"), versions) for raw in items):
        # Published since this process kept its versions: a rating is never refused for that.
        versions = published_versions(source.city_id, source.questionnaire_code, fresh=True)
    if not versions:
        raise NotFound(_l("This questionnaire has no published version."))
    outcomes: list[Outcome] = []
    prepared: dict[str, tuple[_Prepared, Outcome]] = {}
    for raw in items:
        raw_uuid = raw.get("uuid") if isinstance(raw, dict) else None
        try:
            item = _prepare(raw, source, versions, now, offset)
        except _Rejected as rejected:
            outcomes.append(
                Outcome(
                    str(raw_uuid) if raw_uuid else None,
                    REJECTED,
                    rejected.reason,
                    rejected.message,
                    rejected.details,
                )
            )
            continue
        outcome = Outcome(item.uuid, STORED)
        earlier = prepared.get(item.uuid)
        if earlier is not None:
            if earlier[0].content_hash == item.content_hash:
                outcome.status = DUPLICATE
            else:
                _conflict(outcome)
        else:
            prepared[item.uuid] = (item, outcome)
        outcomes.append(outcome)
    if prepared:
        try:
            _store(source, prepared, now)
            if before_commit is not None:
                before_commit(outcomes)
            db.session.commit()
        except IntegrityError:
            # Some of these UUIDs were stored meanwhile, or under other content: store them one by one.
            db.session.rollback()
            for item, outcome in prepared.values():
                outcome.status = STORED
                _store(source, {item.uuid: (item, outcome)}, now, careful=True)
                if before_commit is not None:
                    before_commit(outcomes)
                try:
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
                    _store(source, {item.uuid: (item, outcome)}, now, careful=True)
                    if before_commit is not None:
                        before_commit(outcomes)
                    db.session.commit()
    if quarantine and any(outcome.status == REJECTED for outcome in outcomes):
        from .quarantine import keep  # quarantine stores its corrections through ingest

        keep(source, list(zip(items, outcomes, strict=True)), offset, now)
        db.session.commit()
    return outcomes


def _unknown_version(number, versions: Versions) -> bool:
    return isinstance(number, int) and not isinstance(number, bool) and number not in versions


def _conflict(outcome: Outcome) -> None:
    outcome.status = REJECTED
    outcome.reason = "conflict"
    outcome.message = str(_l("A different rating was already stored under this UUID; it was kept."))


_INSERT_RATING = sa.insert(Rating).returning(Rating.id)
_INSERT_RATINGS = sa.insert(Rating).returning(Rating.id, sort_by_parameter_order=True)
_INSERT_ANSWER = sa.insert(Answer)


def _store(
    source: Source, prepared: dict[str, tuple[_Prepared, Outcome]], now: datetime, careful: bool = False
) -> None:
    items = [item for item, _ in prepared.values()]
    if not careful and _after_last_tap(source, items):
        # The usual case, a kiosk sending what was just tapped: a resent rating keeps its tap time, so none of
        # these can be stored yet (a UUID reused for other content, or resent with its time corrected by another
        # clock reading, hits the unique index, and ingest then stores the batch carefully), and the device's
        # last tap is the only stored one that decides noise.
        existing = {}
        last = source.last_tapped_at
        neighbours = [] if last is None else [_StoredTap(id=None, uuid="", tapped_at=last, is_noise=False)]
    else:
        existing, neighbours = _existing_and_neighbours(source, items)
    new: list[tuple[_Prepared, Outcome]] = []
    for rating_uuid, (item, outcome) in prepared.items():
        if rating_uuid in existing:
            if existing[rating_uuid] == item.content_hash:
                outcome.status = DUPLICATE
            else:
                _conflict(outcome)
        else:
            new.append((item, outcome))
    if not new:
        return
    noise = _noise_flags(neighbours, [item for item, _ in new]) if source.device_id is not None else {}
    cases = {
        item.uuid: _open_followup(source, item).id
        for item, _ in new
        if item.contact and item.score is not None and item.score <= UNHAPPY_MAX_SCORE
    }
    rows = [
        {
            "uuid": item.uuid,
            "office_id": source.office_id,
            "unit_id": source.unit_id,
            "counter_id": source.counter_id,
            "device_id": source.device_id,
            "qr_token_id": source.qr_token_id,
            "questionnaire_version_id": item.version_id,
            "channel": source.channel,
            "tapped_at": item.tapped_at,
            "device_tapped_at": item.device_tapped_at,
            "tap_time_flag": item.tap_time_flag,
            "received_at": now,
            "score": item.score,
            "locale": item.locale,
            "is_noise": noise.get(item.uuid, False),
            "content_hash": item.content_hash,
            "sex": item.sex,
            "age_group": item.age_group,
            "case_id": cases.get(item.uuid),
            "rolled_up": False,
        }
        for item, _ in new
    ]
    # Core inserts: one round trip for the ratings, one for their answers, however large the batch.
    # Core on the session's connection: the ORM's bulk machinery costs more than the inserts themselves.
    conn = db.session.connection()
    if len(rows) == 1:
        ids = [conn.execute(_INSERT_RATING, rows[0]).scalar_one()]
    else:
        ids = conn.execute(_INSERT_RATINGS, rows).scalars().all()
    # Grouped by which column holds the answer, so the others stay SQL NULL (not JSON null).
    answers: dict[str, list[dict]] = defaultdict(list)
    for rating_id, (item, _) in zip(ids, new, strict=True):
        for question, answer in item.answers:
            answers[next(iter(answer))].append({"rating_id": rating_id, "question_id": question.id} | answer)
    for group in answers.values():
        conn.execute(_INSERT_ANSWER, group)
    unhappy = [
        row["tapped_at"]
        for row in rows
        if row["score"] is not None and row["score"] <= UNHAPPY_MAX_SCORE and not row["is_noise"]
    ]
    if unhappy:
        alerts.check_alert(source.counter_id, unhappy, now)


def _noise_gap() -> timedelta:
    return timedelta(seconds=current_app.config.get("RATING_NOISE_SECONDS", 5))


_COLUMNS = (Rating.id, Rating.uuid, Rating.content_hash, Rating.device_id, Rating.tapped_at, Rating.is_noise)
# Built once: the hot path only binds values (building statements costs more CPU than running them).
_BY_UUID = sa.select(*_COLUMNS).where(Rating.uuid.in_(sa.bindparam("uuids", expanding=True)))
_WINDOW_START = sa.bindparam("window_start", type_=UTCDateTime)
_BY_UUID_AND_DEVICE_WINDOW = sa.union_all(
    _BY_UUID,
    # UNION ALL rather than OR, so each half uses its own index; the window starts at the last tap before it.
    sa.select(*_COLUMNS).where(
        Rating.device_id == sa.bindparam("device_id"),
        Rating.tapped_at
        >= sa.func.coalesce(
            sa.select(sa.func.max(Rating.tapped_at))
            .where(Rating.device_id == sa.bindparam("device_id"), Rating.tapped_at < _WINDOW_START)
            .scalar_subquery(),
            _WINDOW_START,
        ),
        Rating.tapped_at <= sa.bindparam("window_end", type_=UTCDateTime),
    ),
)


class _StoredTap(NamedTuple):
    """A device's stored tap as noise flagging reads it (the columns of _COLUMNS it uses)."""

    id: int | None
    uuid: str
    tapped_at: datetime
    is_noise: bool


def _after_last_tap(source: Source, items: list[_Prepared]) -> bool:
    """A kiosk batch tapped entirely after the device's latest stored tap."""
    if source.device_id is None:
        return False
    return source.last_tapped_at is None or min(i.tapped_at for i in items) > source.last_tapped_at


def _existing_and_neighbours(source: Source, items: list[_Prepared]) -> tuple[dict[str, str], list]:
    """In one query: the content hash of every UUID already stored, and the device's stored taps around the
    batch (from the last tap before it), which decide what is noise."""
    uuids = [item.uuid for item in items]
    end = None
    conn = db.session.connection()
    if source.device_id is None:
        rows = conn.execute(_BY_UUID, {"uuids": uuids}).all()
    else:
        gap = _noise_gap()
        end = max(i.tapped_at for i in items) + gap
        params = {
            "uuids": uuids,
            "device_id": source.device_id,
            "window_end": end,
            "window_start": min(i.tapped_at for i in items) - gap,
        }
        rows = conn.execute(_BY_UUID_AND_DEVICE_WINDOW, params).all()
    wanted = set(uuids)
    existing = {row.uuid: row.content_hash for row in rows if row.uuid in wanted}
    neighbours = {
        row.id: row
        for row in rows
        if source.device_id is not None and row.device_id == source.device_id and row.tapped_at <= end
    }
    return existing, list(neighbours.values())


def _noise_flags(stored: list, items: list[_Prepared]) -> dict[str, bool]:
    """Kiosk taps within RATING_NOISE_SECONDS of the previous tap on the same device are noise.

    Ratings may arrive out of order from an offline queue, so the device's stored taps on both sides of the
    batch are considered, and a stored rating with a new close predecessor is flagged too."""
    if not stored and len(items) < 2:
        return {}
    gap = _noise_gap()
    timeline = [(row.tapped_at, False, row.uuid, row.id, row.is_noise) for row in stored]
    timeline += [(item.tapped_at, True, item.uuid, None, False) for item in items]
    timeline.sort(key=lambda entry: (entry[0], entry[1], entry[2]))
    flags: dict[str, bool] = {}
    flip: list[int] = []
    previous = None
    for tapped_at, is_new, rating_uuid, rating_id, was_noise in timeline:
        is_noise = previous is not None and tapped_at - previous <= gap
        if is_new:
            flags[rating_uuid] = is_noise
        elif is_noise and not was_noise:
            flip.append(rating_id)
        previous = tapped_at
    if flip:
        unfold(flip)
        db.session.execute(sa.update(Rating).where(Rating.id.in_(flip)).values(is_noise=True))
    return flags


def _open_followup(source: Source, item: _Prepared):
    reasons = []
    for question, answer in item.answers:
        if question.role == "reason":
            labels = {o["code"]: o["texts"].get("zh_TW", o["code"]) for o in question.options}
            reasons += [labels.get(code, code) for code in answer.get("choices", [])]
        elif question.role == "comment" and answer.get("text"):
            reasons.append(answer["text"])
    counter = db.session.get(Counter, source.counter_id)
    with in_office_language(source.office_id):  # a case for staff, not in the kiosk's language
        description = "\n".join(
            [
                str(_l("Score %(score)d at counter %(counter)s.", score=item.score, counter=counter.code)),
                str(_l("Reasons: %(reasons)s", reasons="、".join(reasons) if reasons else "-")),
            ]
        )
        subject = str(_l("Call back after a low rating at counter %(counter)s", counter=counter.code))
    case, _code = open_case(
        CaseInput(
            office_id=source.office_id,
            channel=CaseChannel.RATING_FOLLOWUP,
            subject=subject,
            description=description,
            received_at=min(item.tapped_at, utcnow()),
            petitioner_phone=item.contact["phone"],
            petitioner_email=item.contact["email"],
            petitioner_locale=language_of(item.locale),
        )
    )
    return case


def summarise(outcomes: list[Outcome]) -> dict:
    counts = defaultdict(int)
    for outcome in outcomes:
        counts[outcome.status] += 1
    return {
        "results": [o.as_dict() for o in outcomes],
        "stored": counts[STORED],
        "already_stored": counts[DUPLICATE],
        "quarantined": counts[QUARANTINED],
        "rejected": counts[REJECTED],
    }


KIOSK_QUESTIONNAIRE = "kiosk"
SURVEY_QUESTIONNAIRE = "counter"
CHANNELS_FROM_QR = (Channel.COUNTER_QR, Channel.ONETIME_QR, Channel.LINK)
