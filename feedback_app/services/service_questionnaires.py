"""Questionnaires per service (業務別): the services, questionnaires made for one, and which questionnaire each
counter asks on its kiosk and its QR poster, and each one-time link asks.

A questionnaire made for a service starts as a draft copied from the city's shipped questionnaire of its kind
(kiosk or counter survey) and is then edited, translated and published with the version editor like any other.
The service belongs to the questionnaire, so every rating (which keeps its questionnaire version) is counted
under the service it was asked for, whichever counter asked it. A counter with nothing assigned asks the
shipped questionnaire, as before.

A kiosk names the questionnaire its queued ratings were answered against: an assignment changed while ratings
wait on a kiosk never reads them against another questionnaire's versions."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Counter,
    CounterQuestionnaire,
    QrToken,
    Questionnaire,
    QuestionnaireVersion,
    Role,
    Service,
    User,
    utcnow,
)
from .access import ensure_access, require_city_admin, require_role, scoped
from .errors import NotFound, ValidationFailed
from .org import open_counters_stmt
from .questionnaires import copy_question
from .ratings import KIOSK_QUESTIONNAIRE, SURVEY_QUESTIONNAIRE, current_version

LANGUAGES = ("zh_TW", "en", "vi", "id", "th")
CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_NAME = 120
# Where a counter asks, and the questionnaire kind (and shipped questionnaire) that slot takes.
SLOTS = {"kiosk": KIOSK_QUESTIONNAIRE, "qr": SURVEY_QUESTIONNAIRE}
KIND_LABELS = {"kiosk": _l("Kiosk (overall score and reasons)"), "counter": _l("QR survey")}
CODE_RULE = _l("Lowercase letters, digits and underscores, starting with a letter; at most 32 characters.")


def _names(names: dict) -> tuple[dict, dict]:
    """The names kept (languages given) and what is wrong with them, by field."""
    kept, errors = {}, {}
    for lang in LANGUAGES:
        value = (names.get(lang) or "").strip()
        if len(value) > MAX_NAME:
            errors[f"name_{lang}"] = _l("A name is limited to 120 characters.")
        elif value:
            kept[lang] = value
    if "zh_TW" not in kept and "name_zh_TW" not in errors:
        errors["name_zh_TW"] = _l("The Chinese name is required.")
    return kept, errors


def _fail(errors: dict):
    raise ValidationFailed(details={field: str(message) for field, message in errors.items()})


# --- services -----------------------------------------------------------------------------------------------


def services_for(city_id: int) -> list[Service]:
    return list(db.session.scalars(sa.select(Service).where(Service.city_id == city_id).order_by(Service.code)))


def create_service(user: User, *, code: str, names: dict) -> Service:
    """A new service of the user's city, named in the counter's languages (Chinese required)."""
    require_city_admin(user)
    code = (code or "").strip()
    kept, errors = _names(names)
    if not CODE_RE.fullmatch(code):
        errors["code"] = CODE_RULE
    elif db.session.scalar(sa.select(Service.id).where(Service.city_id == user.city_id, Service.code == code)):
        errors["code"] = _l("This code is in use already.")
    if errors:
        _fail(errors)
    service = Service(city_id=user.city_id, code=code, names=kept)
    db.session.add(service)
    db.session.flush()
    return service


# --- questionnaires made for a service ----------------------------------------------------------------------


def create_questionnaire(user: User, *, code: str, kind: str, names: dict, service_id) -> QuestionnaireVersion:
    """A questionnaire for one service, with a first draft copied from the shipped questionnaire of its kind."""
    require_city_admin(user)
    code = (code or "").strip()
    kept, errors = _names(names)
    if not CODE_RE.fullmatch(code):
        errors["code"] = CODE_RULE
    elif db.session.scalar(
        sa.select(Questionnaire.id).where(Questionnaire.city_id == user.city_id, Questionnaire.code == code)
    ):
        errors["code"] = _l("This code is in use already.")
    if kind not in KIND_LABELS:
        errors["kind"] = _l("Choose one of the listed kinds.")
    service = db.session.get(Service, service_id) if isinstance(service_id, int) else None
    if service is None or service.city_id != user.city_id:
        errors["service"] = _l("Choose the service this questionnaire is for.")
    if errors:
        _fail(errors)
    base = current_version(user.city_id, KIOSK_QUESTIONNAIRE if kind == "kiosk" else SURVEY_QUESTIONNAIRE)
    questionnaire = Questionnaire(
        city_id=user.city_id, code=code, kind=kind, names=kept, anonymous=True, service_id=service.id
    )
    draft = QuestionnaireVersion(questionnaire=questionnaire, version=1)
    for q in base.questions:
        draft.questions.append(copy_question(q))
    db.session.add_all([questionnaire, draft])
    db.session.flush()
    return draft


def assignable(city_id: int, slot: str) -> list[Questionnaire]:
    """The questionnaires a counter's kiosk or QR poster can ask: of the slot's kind, with a published version."""
    published = sa.exists().where(
        QuestionnaireVersion.questionnaire_id == Questionnaire.id, QuestionnaireVersion.published_at.is_not(None)
    )
    return list(
        db.session.scalars(
            sa.select(Questionnaire)
            .where(Questionnaire.city_id == city_id, Questionnaire.kind == _kind(slot), published)
            .order_by(Questionnaire.service_id.is_not(None), Questionnaire.code)
        )
    )


def _kind(slot: str) -> str:
    return "kiosk" if slot == "kiosk" else "counter"


def _assignable_one(city_id: int, slot: str, questionnaire_id) -> Questionnaire | None:
    if questionnaire_id in (None, ""):
        return None
    found = next((q for q in assignable(city_id, slot) if q.id == questionnaire_id), None)
    if found is None:
        _fail({slot: _l("Choose a published questionnaire of this kind.")})
    return found


# --- what each counter asks ---------------------------------------------------------------------------------


def counters_for(user: User) -> list[tuple[Counter, CounterQuestionnaire | None]]:
    """The counters taking ratings that the user may set up, with what they are assigned."""
    require_role(user, Role.ADMIN)
    counters = db.session.scalars(scoped(open_counters_stmt(), Counter, user).order_by(Counter.code)).all()
    rows = {
        row.counter_id: row
        for row in db.session.scalars(
            sa.select(CounterQuestionnaire).where(CounterQuestionnaire.counter_id.in_([c.id for c in counters]))
        )
    }
    return [(counter, rows.get(counter.id)) for counter in counters]


def assign(user: User, counter_id: int, *, kiosk_questionnaire_id=None, qr_questionnaire_id=None) -> None:
    """Set the questionnaires a counter asks (None: the shipped one); an admin of the counter's office."""
    require_role(user, Role.ADMIN)
    counter = ensure_access(user, db.session.get(Counter, counter_id))
    city_id = counter.office.city_id
    kiosk = _assignable_one(city_id, "kiosk", kiosk_questionnaire_id)
    survey = _assignable_one(city_id, "qr", qr_questionnaire_id)
    row = db.session.get(CounterQuestionnaire, counter.id)
    wanted = (kiosk.id if kiosk else None, survey.id if survey else None)
    if wanted == ((row.kiosk_questionnaire_id, row.qr_questionnaire_id) if row else (None, None)):
        return  # unchanged: who set it and when stay as they were
    if kiosk is None and survey is None:
        if row is not None:
            db.session.delete(row)
        db.session.flush()
        return
    if row is None:
        row = CounterQuestionnaire(counter_id=counter.id)
        db.session.add(row)
    row.kiosk_questionnaire_id = kiosk.id if kiosk else None
    row.qr_questionnaire_id = survey.id if survey else None
    row.updated_at = utcnow()
    row.updated_by_id = user.id
    db.session.flush()


def kiosk_code_column(counter_id):
    """SQL for the code of the kiosk questionnaire assigned to a counter (NULL: the shipped one)."""
    return (
        sa.select(Questionnaire.code)
        .join(CounterQuestionnaire, CounterQuestionnaire.kiosk_questionnaire_id == Questionnaire.id)
        .where(CounterQuestionnaire.counter_id == counter_id)
        .scalar_subquery()
    )


def kiosk_code(counter: Counter) -> str:
    """The code of the questionnaire the counter's kiosk asks."""
    return db.session.scalar(sa.select(kiosk_code_column(counter.id))) or KIOSK_QUESTIONNAIRE


def sent_kiosk_code(city_id: int, sent, assigned: str) -> str:
    """The questionnaire a kiosk's batch was answered against: the one it names if that is a kiosk
    questionnaire of its city (assigned earlier, say), else the one assigned now."""
    if not isinstance(sent, str) or sent == assigned:
        return assigned
    known = db.session.scalar(
        sa.select(Questionnaire.code).where(
            Questionnaire.city_id == city_id, Questionnaire.code == sent, Questionnaire.kind == "kiosk"
        )
    )
    return known or assigned


def qr_code(counter: Counter, record: QrToken | None = None) -> str:
    """The code of the questionnaire a QR link asks: the one chosen for a one-time link's service, else the
    counter's QR questionnaire, else the shipped survey."""
    questionnaire_id = record.questionnaire_id if record is not None else None
    if questionnaire_id is None:
        row = db.session.get(CounterQuestionnaire, counter.id)
        questionnaire_id = row.qr_questionnaire_id if row is not None else None
    if questionnaire_id is None:
        return SURVEY_QUESTIONNAIRE
    return db.session.get(Questionnaire, questionnaire_id).code


def onetime_questionnaire(counter: Counter, questionnaire_id) -> int | None:
    """The questionnaire chosen for a one-time link's service (checked), or None for the counter's own."""
    if questionnaire_id in (None, ""):
        return None
    questionnaire = _assignable_one(counter.office.city_id, "qr", questionnaire_id)
    if questionnaire.service_id is None:
        _fail({"qr": _l("Choose a questionnaire made for a service.")})
    return questionnaire.id


def service_questionnaires(city_id: int, slot: str = "qr") -> list[Questionnaire]:
    """Published questionnaires made for a service, as one-time links offer them."""
    return [q for q in assignable(city_id, slot) if q.service_id is not None]


def get_service(city_id: int, service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None or service.city_id != city_id:
        raise NotFound()
    return service


def questionnaire_code_for(channel: str, counter_id: int | None, qr_token_id: int | None = None) -> str:
    """The questionnaire a counter asks now on a channel (a refused rating stored again is read against it)."""
    counter = db.session.get(Counter, counter_id) if counter_id is not None else None
    if channel == "kiosk":
        return kiosk_code(counter) if counter is not None else KIOSK_QUESTIONNAIRE
    if counter is None:
        return SURVEY_QUESTIONNAIRE
    return qr_code(counter, db.session.get(QrToken, qr_token_id) if qr_token_id is not None else None)
