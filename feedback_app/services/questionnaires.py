"""Questionnaire versions: a new draft from the current version, its questions, options and translated texts
edited, then published.

A published version never changes, so every answer keeps the wording it was given against. Every change to
a draft locks the version's row first, so two admins editing at once take turns and lose nothing."""

import copy
import re
from typing import NoReturn

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Question, Questionnaire, QuestionnaireVersion, Rating, Role, User, utcnow
from .access import require_city_admin, require_role
from .defaults import SCALE
from .errors import AccessDenied, Conflict, NotFound, ValidationFailed
from .ratings import forget_published_versions

LANGUAGES = ("zh_TW", "en", "vi", "id", "th")
MAX_TEXT = 300
CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
# The answer types each purpose works with (ratings.py and analytics read them so).
ROLE_KINDS = {"rating": ("scale5",), "reason": ("single", "multi"), "demographic": ("single",), "comment": ("text",)}
# Ingestion copies these answers into Rating.sex / Rating.age_group; an option code must fit the column.
DEMOGRAPHIC_CODES = {"sex": Rating.__table__.c.sex.type.length, "age_group": Rating.__table__.c.age_group.type.length}
KIND_LABELS = {
    "scale5": _l("5-point scale"),
    "single": _l("Single choice"),
    "multi": _l("Multiple choice"),
    "text": _l("Short text"),
}
ROLE_LABELS = {
    "rating": _l("Counts toward satisfaction"),
    "reason": _l("Reasons for dissatisfaction"),
    "demographic": _l("Sex or age group"),
    "comment": _l("Free comment"),
}
CODE_RULE = _l("Lowercase letters, digits and underscores, starting with a letter; at most 32 characters.")
ROLE_RULE = _l(
    "This purpose takes another answer type: satisfaction a 5-point scale, reasons a single or multiple choice, "
    "sex or age group a single choice, a comment a short text."
)
DEMOGRAPHIC_RULE = _l("A sex or age group question has the code sex or age_group; analytics reads only these.")
KIOSK_RULE = _l("A kiosk shows only the overall score and one optional multiple-choice reason question.")


def questionnaires_for(user: User) -> list[Questionnaire]:
    require_role(user, Role.ADMIN)
    return list(
        db.session.scalars(
            sa.select(Questionnaire).where(Questionnaire.city_id == user.city_id).order_by(Questionnaire.code)
        )
    )


def get_version(user: User, version_id: int) -> QuestionnaireVersion:
    require_role(user, Role.ADMIN)
    version = db.session.get(QuestionnaireVersion, version_id)
    if version is None:
        raise NotFound()
    if version.questionnaire.city_id != user.city_id:
        raise AccessDenied()
    return version


def new_draft(user: User, questionnaire_id: int) -> QuestionnaireVersion:
    """A draft copied from the newest version; only one draft at a time."""
    require_city_admin(user)
    questionnaire = db.session.scalars(
        sa.select(Questionnaire).where(Questionnaire.id == questionnaire_id).with_for_update()
    ).one_or_none()
    if questionnaire is None or questionnaire.city_id != user.city_id:
        raise NotFound()
    latest = questionnaire.versions[-1]
    if latest.published_at is None:
        raise Conflict(_l("There is a draft already; edit or publish it first."))
    draft = QuestionnaireVersion(questionnaire_id=questionnaire.id, version=latest.version + 1)
    for q in latest.questions:
        draft.questions.append(copy_question(q))
    db.session.add(draft)
    db.session.commit()
    return draft


def _locked(user: User, version_id: int) -> QuestionnaireVersion:
    """The version reloaded with its row locked until commit: a second admin waits, then sees the first's changes.

    Every change goes through here: what every office's kiosks and surveys ask is changed by a city admin only."""
    require_city_admin(user)
    version = get_version(user, version_id)
    db.session.refresh(version, with_for_update=True)
    return version


def _locked_draft(user: User, version_id: int) -> QuestionnaireVersion:
    version = _locked(user, version_id)
    if version.published_at is not None:
        db.session.rollback()
        raise Conflict(_l("A published version cannot be changed; make a new version."))
    return version


def _question(version: QuestionnaireVersion, code: str) -> Question:
    question = next((q for q in version.questions if q.code == code), None)
    if question is None:
        db.session.rollback()
        raise NotFound()
    return question


def _fail(errors: dict) -> NoReturn:
    db.session.rollback()
    raise ValidationFailed(details={field: str(message) for field, message in errors.items()})


def _text_problem(value: str):
    if not value:
        return _l("The Chinese text is required.")
    if len(value) > MAX_TEXT:
        return _l("A text is limited to 300 characters.")
    return None


def update_texts(user: User, version_id: int, texts: dict[tuple[str, str | None, str], str]) -> None:
    """Set translated texts of a draft: {(question code, option code or None, language): text}."""
    version = _locked_draft(user, version_id)
    questions = {q.code: q for q in version.questions}
    errors = {}
    for (code, option, lang), value in texts.items():
        field = f"{code}.{option}.{lang}" if option else f"{code}.{lang}"
        value = (value or "").strip()
        question = questions.get(code)
        if question is None or lang not in LANGUAGES:
            errors[field] = str(_l("Unknown question or language."))
            continue
        if len(value) > MAX_TEXT:
            errors[field] = str(_l("A text is limited to 300 characters."))
            continue
        if not value and lang == "zh_TW":
            errors[field] = str(_l("The Chinese text is required."))
            continue
        if option is None:
            question.texts = {**question.texts, lang: value}
        else:
            options = [dict(o) for o in question.options]
            match = next((o for o in options if o["code"] == option), None)
            if match is None:
                errors[field] = str(_l("Unknown question or language."))
                continue
            match["texts"] = {**match["texts"], lang: value}
            question.options = options
    if errors:
        db.session.rollback()
        raise ValidationFailed(details=errors)
    db.session.commit()


def add_question(
    user: User, version_id: int, *, code: str, kind: str, role: str, required: bool, text: str
) -> Question:
    """Add a question at the end of a draft, with its Chinese text; other languages go through update_texts."""
    version = _locked_draft(user, version_id)
    code, text = (code or "").strip(), (text or "").strip()
    errors = {}
    if not CODE_RE.fullmatch(code):
        errors["code"] = CODE_RULE
    elif any(q.code == code for q in version.questions):
        errors["code"] = _l("This code is in use already in this version.")
    elif role == "demographic" and code not in DEMOGRAPHIC_CODES:
        errors["code"] = DEMOGRAPHIC_RULE
    if kind not in Question.KINDS:
        errors["kind"] = _l("Choose one of the listed answer types.")
    if role not in Question.ROLES:
        errors["role"] = _l("Choose one of the listed purposes.")
    elif kind in Question.KINDS and kind not in ROLE_KINDS[role]:
        errors["role"] = ROLE_RULE
    elif version.questionnaire.kind == "kiosk" and (role != "reason" or kind != "multi" or required):
        errors["role"] = KIOSK_RULE
    if problem := _text_problem(text):
        errors["text"] = problem
    if errors:
        _fail(errors)
    question = Question(
        position=len(version.questions) + 1,
        code=code,
        kind=kind,
        role=role,
        required=bool(required),
        texts={"zh_TW": text},
        # The survey shows a scale as its five options, worded as the shipped ones until translated otherwise.
        options=copy.deepcopy(SCALE) if kind == "scale5" else [],
    )
    version.questions.append(question)
    db.session.commit()
    return question


def remove_question(user: User, version_id: int, code: str) -> None:
    version = _locked_draft(user, version_id)
    question = _question(version, code)
    if question.code == "overall":
        _fail({"code": _l("The overall question stays: the kiosk, analytics and alerts read it.")})
    version.questions.remove(question)
    db.session.delete(question)
    for position, q in enumerate(version.questions, start=1):
        q.position = position
    db.session.commit()


def move_question(user: User, version_id: int, code: str, step: int) -> None:
    """Swap a question with the one before (step -1) or after (step 1) it."""
    version = _locked_draft(user, version_id)
    question = _question(version, code)
    questions = list(version.questions)
    index = questions.index(question)
    other = index + step
    if step not in (-1, 1) or not 0 <= other < len(questions):
        _fail({"position": _l("The question cannot move further that way.")})
    questions[index], questions[other] = questions[other], questions[index]
    for position, q in enumerate(questions, start=1):
        q.position = position
    db.session.commit()


def add_option(user: User, version_id: int, question_code: str, *, code: str, text: str) -> None:
    """Add an option, with its Chinese text, at the end of a single or multiple choice question of a draft."""
    version = _locked_draft(user, version_id)
    question = _question(version, question_code)
    code, text = (code or "").strip(), (text or "").strip()
    if question.kind not in ("single", "multi"):
        _fail({"question": _l("Only single and multiple choice questions have options to edit.")})
    errors = {}
    limit = DEMOGRAPHIC_CODES.get(question.code) if question.role == "demographic" else None
    if not CODE_RE.fullmatch(code):
        errors["code"] = CODE_RULE
    elif any(o["code"] == code for o in question.options):
        errors["code"] = _l("This code is in use already in this question.")
    elif limit is not None and len(code) > limit:
        errors["code"] = _l("An option code of this question is limited to %(n)d characters.", n=limit)
    if problem := _text_problem(text):
        errors["text"] = problem
    if errors:
        _fail(errors)
    question.options = [*question.options, {"code": code, "texts": {"zh_TW": text}}]
    db.session.commit()


def remove_option(user: User, version_id: int, question_code: str, option_code: str) -> None:
    version = _locked_draft(user, version_id)
    question = _question(version, question_code)
    if question.kind not in ("single", "multi"):
        _fail({"question": _l("Only single and multiple choice questions have options to edit.")})
    options = [o for o in question.options if o["code"] != option_code]
    if len(options) == len(question.options):
        db.session.rollback()
        raise NotFound()
    question.options = options
    db.session.commit()


def draft_problems(version: QuestionnaireVersion) -> dict[str, str]:
    """What keeps a draft from being published, by field; empty when it can be."""
    errors = {}
    kiosk = version.questionnaire.kind == "kiosk"
    overall = next((q for q in version.questions if q.code == "overall"), None)
    if overall is None or overall.kind != "scale5":
        errors["overall"] = _l("The overall question must stay a 5-point scale.")
    reasons = 0
    for q in version.questions:
        if not (q.texts.get("zh_TW") or "").strip():
            errors[f"{q.code}.zh_TW"] = _l("The Chinese text is required.")
        if q.kind in ("single", "multi"):
            if len(q.options) < 2:
                errors[f"{q.code}.options"] = _l("A choice question needs at least 2 options.")
            if any(not (o["texts"].get("zh_TW") or "").strip() for o in q.options):
                errors[f"{q.code}.options.zh_TW"] = _l("The Chinese text is required.")
        if q.kind not in ROLE_KINDS.get(q.role, ()):
            errors[f"{q.code}.role"] = ROLE_RULE
        elif q.role == "demographic" and q.code not in DEMOGRAPHIC_CODES:
            errors[f"{q.code}.code"] = DEMOGRAPHIC_RULE
        if q.role == "reason":
            reasons += 1
            if reasons > 1:
                errors[f"{q.code}.role"] = _l("At most one question asks for reasons.")
        if kiosk and q.code != "overall" and (q.role != "reason" or q.kind != "multi" or q.required):
            errors[f"{q.code}.role"] = KIOSK_RULE
    return {field: str(message) for field, message in errors.items()}


def publish(user: User, version_id: int) -> QuestionnaireVersion:
    version = _locked(user, version_id)
    if version.published_at is None and (errors := draft_problems(version)):
        _fail(errors)
    done = db.session.execute(
        sa.update(QuestionnaireVersion)
        .where(QuestionnaireVersion.id == version.id, QuestionnaireVersion.published_at.is_(None))
        .values(published_at=utcnow())
    ).rowcount
    if done != 1:
        db.session.rollback()
        raise Conflict(_l("This version is published already."))
    db.session.commit()
    forget_published_versions()
    return version


def copy_question(q: Question) -> Question:
    """A question with its texts and options, for a new draft (of the same questionnaire or a new one)."""
    return Question(
        position=q.position,
        code=q.code,
        kind=q.kind,
        role=q.role,
        required=q.required,
        texts=dict(q.texts),
        options=[{"code": o["code"], "texts": dict(o["texts"])} for o in q.options],
    )
