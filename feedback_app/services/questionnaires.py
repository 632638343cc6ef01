"""Questionnaire versions: a new draft from the current version, translated texts edited, then published.

A published version never changes, so every answer keeps the wording it was given against."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Question, Questionnaire, QuestionnaireVersion, Role, User, utcnow
from .access import require_role
from .errors import AccessDenied, Conflict, NotFound, ValidationFailed
from .ratings import forget_published_versions

LANGUAGES = ("zh_TW", "en", "vi", "id", "th")
MAX_TEXT = 300


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
    require_role(user, Role.ADMIN)
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
        draft.questions.append(
            Question(
                position=q.position,
                code=q.code,
                kind=q.kind,
                role=q.role,
                required=q.required,
                texts=dict(q.texts),
                options=[{"code": o["code"], "texts": dict(o["texts"])} for o in q.options],
            )
        )
    db.session.add(draft)
    db.session.commit()
    return draft


def update_texts(user: User, version_id: int, texts: dict[tuple[str, str | None, str], str]) -> None:
    """Set translated texts of a draft: {(question code, option code or None, language): text}."""
    version = get_version(user, version_id)
    if version.published_at is not None:
        raise Conflict(_l("A published version cannot be changed; make a new version."))
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


def publish(user: User, version_id: int) -> QuestionnaireVersion:
    version = get_version(user, version_id)
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
