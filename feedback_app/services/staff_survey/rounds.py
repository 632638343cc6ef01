"""Running a staff survey round: opening it with a one-time link per staff member, answering, one reminder, closing.

The link's token is kept only hashed. Answering sets the invitation's `used` flag (once: a guarded update) and
writes an answer that carries the office and unit of the person at that moment, never the person. Invitation and
reminder mails go through the notification ledger under one key per round, kind and person, so a job run twice
queues nothing twice; they wait for office hours. Closing a round (by hand or, after its end date, by the job) makes
its links stop working and drops its mails still waiting in the ledger."""

import hashlib
import secrets
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...links import public_url
from ...models import (
    Notification,
    Office,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Role,
    StaffSurveyInvitation,
    StaffSurveyResponse,
    StaffSurveyRound,
    User,
    utcnow,
)
from ..access import can_access_office, require_role
from ..calendar import TAIPEI, WorkCalendar, next_office_moment, office_time
from ..errors import AccessDenied, DomainError, NotFound, ValidationFailed
from ..notify import queue_many

KIND = "staff-survey"
REMINDER_KIND = "staff-survey-reminder"
MANAGERS = (Role.ADMIN, Role.DIRECTOR)
# The reminder goes this many working days before the end date (not before the round starts).
REMIND_WORKING_DAYS_BEFORE_END = 3
MAX_DAYS = 92

SUBJECTS = {
    KIND: _l("Staff satisfaction survey: %(title)s"),
    REMINDER_KIND: _l("Reminder: the staff satisfaction survey %(title)s closes on %(end)s"),
}
BODIES = {
    KIND: _l(
        "You are invited to answer the staff satisfaction survey %(title)s, open until %(end)s.\n\n"
        "Your answer is anonymous: it is stored with your office and unit only, never with your name, and the "
        "results of a group of fewer than 5 people are never shown.\n\n"
        "Your personal link, which works once: %(link)s\n"
    ),
    REMINDER_KIND: _l(
        "The staff satisfaction survey %(title)s closes on %(end)s and we have not had your answer yet.\n\n"
        "Your personal link, which works once: %(link)s\n"
    ),
}


class LinkUsed(DomainError):
    status = 410
    code = "used"
    default_message = _l("This link has been used already: each staff member answers once.")


class LinkClosed(DomainError):
    status = 410
    code = "closed"
    default_message = _l("This survey round is closed; its links no longer work.")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def local_today(now: datetime) -> date:
    return now.astimezone(TAIPEI).date()


def staff_questions(version_id: int) -> list[Question]:
    """The scale questions of a round's questionnaire version, in order."""
    return list(db.session.scalars(
        sa.select(Question).where(Question.version_id == version_id, Question.kind == "scale5")
        .order_by(Question.position)))


def _staff_version(city_id: int) -> QuestionnaireVersion | None:
    return db.session.scalar(
        sa.select(QuestionnaireVersion)
        .join(Questionnaire, QuestionnaireVersion.questionnaire_id == Questionnaire.id)
        .where(Questionnaire.city_id == city_id, Questionnaire.kind == "staff",
               QuestionnaireVersion.published_at.is_not(None))
        .order_by(QuestionnaireVersion.version.desc()).limit(1))


def _remind_on(starts_on: date, ends_on: date) -> date:
    calendar = WorkCalendar(starts_on.year - 1, ends_on.year + 1)
    day, counted = ends_on, 0
    while counted < REMIND_WORKING_DAYS_BEFORE_END and day > starts_on:
        day -= timedelta(days=1)
        counted += calendar.is_working_day(day)
    return max(day, starts_on)


def _may_manage(by: User, office_id: int | None) -> None:
    """A director or admin runs rounds for their office; a city-wide one also for the whole city."""
    require_role(by, *MANAGERS)
    if office_id is None:
        if by.office_id is not None:
            raise AccessDenied()
    elif not can_access_office(by, office_id):
        raise AccessDenied()


def open_round(by: User, values: dict, now: datetime | None = None) -> tuple[StaffSurveyRound, int]:
    """Open a round for an office (office_id) or the whole city (None) from starts_on to ends_on, and queue each
    active staff member in scope their one-time link; returns the round and how many were invited."""
    now = now or utcnow()
    office_id = values.get("office_id")
    _may_manage(by, office_id)
    errors = {}
    title = str(values.get("title") or "").strip()
    if not title:
        errors["title"] = str(_l("Required."))
    elif len(title) > 100:
        errors["title"] = str(_l("At most %(n)d characters.", n=100))
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if not isinstance(starts_on, date):
        errors["starts_on"] = str(_l("Required."))
    if not isinstance(ends_on, date):
        errors["ends_on"] = str(_l("Required."))
    if not errors:
        if ends_on < starts_on:
            errors["ends_on"] = str(_l("The end date cannot be before the start date."))
        elif ends_on < local_today(now):
            errors["ends_on"] = str(_l("The end date has passed already."))
        elif (ends_on - starts_on).days > MAX_DAYS:
            errors["ends_on"] = str(_l("A round lasts at most %(n)d days.", n=MAX_DAYS))
    office = db.session.get(Office, office_id) if office_id is not None else None
    if office is not None and not office.active:
        errors["office_id"] = str(_l("Office %(code)s is closed.", code=office.code))
    version = _staff_version(by.city_id)
    if version is None:
        errors["title"] = str(_l("The city has no published staff questionnaire."))
    if errors:
        raise ValidationFailed(details=errors)
    survey_round = StaffSurveyRound(
        city_id=by.city_id, office_id=office_id, questionnaire_version_id=version.id, title=title,
        starts_on=starts_on, ends_on=ends_on, remind_on=_remind_on(starts_on, ends_on), opened_at=now,
        opened_by_id=by.id)
    db.session.add(survey_round)
    db.session.flush()
    # The offices' staff are the internal customers: city-wide accounts (研考, admins) are not asked.
    staff = sa.select(User).where(User.active.is_(True), User.city_id == by.city_id, User.office_id.is_not(None))
    if office_id is not None:
        staff = staff.where(User.office_id == office_id)
    people = list(db.session.scalars(staff.order_by(User.id)))
    opening = datetime.combine(starts_on, office_time(), tzinfo=TAIPEI)
    not_before = next_office_moment(max(now, opening))
    messages = []
    for person in people:
        token = secrets.token_urlsafe(24)
        db.session.add(StaffSurveyInvitation(round_id=survey_round.id, user_id=person.id, token_hash=_hash(token)))
        messages.append(_message(survey_round, person, KIND, public_url(f"/staff-survey/{token}"), not_before))
    db.session.flush()
    queue_many(messages)
    return survey_round, len(people)


def _message(survey_round: StaffSurveyRound, person: User, kind: str, link: str, not_before: datetime) -> dict:
    """One mail (or, without an address, an in-app message) to one staff member; theirs either way (user_id), so
    it shows on their landing page."""
    locale = person.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_TW")
    with force_locale(locale):
        values = {"title": survey_round.title, "end": survey_round.ends_on.isoformat(), "link": link}
        subject, body = str(SUBJECTS[kind]) % values, str(BODIES[kind]) % values
    message = {"key": f"{kind}:{survey_round.id}:{person.id}", "channel": "email" if person.email else "inapp",
               "kind": kind, "subject": subject, "body": body, "link": link, "user_id": person.id,
               "office_id": person.office_id, "not_before": not_before}
    if person.email:
        message["recipient"] = person.email
    return message


def _open_on(survey_round: StaffSurveyRound, today: date) -> bool:
    return survey_round.is_open and survey_round.starts_on <= today <= survey_round.ends_on


def invitation_for(token: str, now: datetime | None = None) -> tuple[StaffSurveyInvitation, StaffSurveyRound]:
    """The invitation a link's token belongs to, while it can still be answered."""
    now = now or utcnow()
    invitation = db.session.scalar(
        sa.select(StaffSurveyInvitation).where(StaffSurveyInvitation.token_hash == _hash(token or "")))
    if invitation is None:
        raise NotFound(_l("This survey link is not valid."))
    survey_round = db.session.get(StaffSurveyRound, invitation.round_id)
    if invitation.used:
        raise LinkUsed()
    if not _open_on(survey_round, local_today(now)):
        raise LinkClosed()
    return invitation, survey_round


def answer(token: str, scores: dict, now: datetime | None = None) -> StaffSurveyResponse:
    """Store one staff member's answers ({question code: 1–5}) without the person; the link works once."""
    invitation, survey_round = invitation_for(token, now)
    questions = staff_questions(survey_round.questionnaire_version_id)
    cleaned, errors = {}, {}
    for question in questions:
        value = scores.get(question.code)
        if value in (None, ""):
            if question.required:
                errors[question.code] = str(_l("Please choose an answer."))
            continue
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            errors[question.code] = str(_l("Choose one of the five answers."))
            continue
        cleaned[question.code] = value
    if "overall" not in cleaned and "overall" not in errors:
        errors["overall"] = str(_l("Please choose an answer."))
    if errors:
        raise ValidationFailed(details=errors)
    # Guarded: of two submissions with the same link at once, exactly one finds it unused.
    taken = db.session.execute(
        sa.update(StaffSurveyInvitation)
        .where(StaffSurveyInvitation.id == invitation.id, StaffSurveyInvitation.used.is_(False))
        .values(used=True).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise LinkUsed()
    person = db.session.get(User, invitation.user_id)
    response = StaffSurveyResponse(round_id=survey_round.id, office_id=person.office_id, unit_id=person.unit_id,
                                   score=cleaned["overall"], scores=cleaned)
    db.session.add(response)
    db.session.flush()
    return response


def _close(survey_round: StaffSurveyRound, now: datetime, by: User | None = None) -> None:
    survey_round.closed_at = now
    survey_round.closed_by_id = by.id if by else None
    # Mails of the round not sent yet would carry links that no longer work.
    db.session.execute(
        sa.update(Notification)
        .where(Notification.kind.in_((KIND, REMINDER_KIND)), Notification.status == "queued",
               Notification.key.in_([f"{kind}:{survey_round.id}:{uid}" for kind in (KIND, REMINDER_KIND)
                                     for uid in _invited_ids(survey_round.id)]))
        .values(status="obsolete").execution_options(synchronize_session=False))
    db.session.flush()


def _invited_ids(round_id: int) -> list[int]:
    return list(db.session.scalars(
        sa.select(StaffSurveyInvitation.user_id).where(StaffSurveyInvitation.round_id == round_id)))


def close_round(survey_round: StaffSurveyRound, by: User, now: datetime | None = None) -> None:
    """Close a round by hand: its links stop working and its results can be read."""
    _may_manage(by, survey_round.office_id)
    if survey_round.city_id != by.city_id:
        raise AccessDenied()
    if not survey_round.is_open:
        raise ValidationFailed(_l("This round is closed already."), code="closed")
    _close(survey_round, now or utcnow(), by)


def close_ended_rounds(now: datetime) -> int:
    """Close every open round whose end date (Asia/Taipei) has passed; how many were closed."""
    ended = list(db.session.scalars(
        sa.select(StaffSurveyRound).where(StaffSurveyRound.closed_at.is_(None),
                                          StaffSurveyRound.ends_on < local_today(now))))
    for survey_round in ended:
        _close(survey_round, now)
    return len(ended)


def remind(now: datetime) -> int:
    """Queue the one reminder of each open round that has reached its reminder day to those who have not answered,
    for office hours; the ledger's key makes a second run queue nothing. How many were queued."""
    today = local_today(now)
    due = list(db.session.scalars(
        sa.select(StaffSurveyRound).where(StaffSurveyRound.closed_at.is_(None), StaffSurveyRound.remind_on <= today,
                                          StaffSurveyRound.ends_on >= today, StaffSurveyRound.starts_on <= today)))
    not_before = next_office_moment(now)
    messages = []
    for survey_round in due:
        waiting = list(db.session.scalars(
            sa.select(User)
            .join(StaffSurveyInvitation, StaffSurveyInvitation.user_id == User.id)
            .where(StaffSurveyInvitation.round_id == survey_round.id, StaffSurveyInvitation.used.is_(False),
                   User.active.is_(True)).order_by(User.id)))
        # The link is the invitation's: only its hash is kept, and the ledger row that carried it.
        keys = {f"{KIND}:{survey_round.id}:{person.id}": person for person in waiting}
        links = dict(db.session.execute(
            sa.select(Notification.key, Notification.link).where(Notification.key.in_(list(keys)))).all())
        for key, person in keys.items():
            if links.get(key):
                messages.append(_message(survey_round, person, REMINDER_KIND, links[key], not_before))
    return queue_many(messages)


def rounds_for(user: User) -> list[StaffSurveyRound]:
    """The rounds a director or admin sees: their office's and the city's, newest first."""
    require_role(user, *MANAGERS, Role.MONITOR)
    stmt = sa.select(StaffSurveyRound).where(StaffSurveyRound.city_id == user.city_id)
    if user.office_id is not None:
        stmt = stmt.where(sa.or_(StaffSurveyRound.office_id == user.office_id, StaffSurveyRound.office_id.is_(None)))
    return list(db.session.scalars(stmt.order_by(StaffSurveyRound.starts_on.desc(), StaffSurveyRound.id.desc())))


def counts(round_id: int) -> tuple[int, int]:
    """(invited, answered) of a round."""
    invited, answered = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(StaffSurveyInvitation.used.is_(True)))
        .where(StaffSurveyInvitation.round_id == round_id)).one()
    return invited, answered or 0


def end_of(survey_round: StaffSurveyRound) -> datetime:
    return datetime.combine(survey_round.ends_on, time(23, 59, 59), tzinfo=TAIPEI)
