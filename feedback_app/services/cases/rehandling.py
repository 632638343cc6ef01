"""意見處理滿意度: the petitioner rates the reply; a low score opens a re-handling task."""


import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    Case,
    CaseState,
    RehandlingTask,
    Role,
    User,
    utcnow,
)
from ...models.case import REHANDLING_OUTCOME_MAX
from .. import notify
from ..access import ensure_access
from ..calendar import due_date
from ..errors import Conflict, ValidationFailed
from .permissions import may_complete_rehandling
from .workflow import record_event, refuse_unless, required_text, touch, utc_iso

REHANDLING_WORKING_DAYS = 3


def rate_reply(case: Case, score: int) -> RehandlingTask | None:
    """意見處理滿意度: the petitioner rates the reply once; 2 or below opens a re-handling task."""
    if case.state not in (CaseState.REPLIED, CaseState.CLOSED) or not case.reply:
        raise ValidationFailed(_l("This case has no reply to rate yet."), code="not_replied")
    if case.reply_score is not None:
        raise ValidationFailed(_l("This reply has been rated already. Thank you."), code="already_rated")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed(details={"score": str(_l("Choose a score from 1 to 5."))})
    case.reply_score, case.reply_rated_at = score, utcnow()
    touch(case)
    record_event(case, None, "reply_rated", None, {"reply_score": score})
    if score > 2:
        return None
    supervisor = None
    if case.unit_id is not None:
        supervisor = db.session.scalar(sa.select(User).where(
            User.unit_id == case.unit_id, User.role == Role.SUPERVISOR, User.active.is_(True),
        ).order_by(User.id))
    task = RehandlingTask(case_id=case.id, office_id=case.office_id, unit_id=case.unit_id,
                          assignee_id=supervisor.id if supervisor else None, created_at=utcnow(),
                          due_at=due_date(utcnow(), REHANDLING_WORKING_DAYS).due_at)
    db.session.add(task)
    db.session.flush()
    record_event(case, None, "rehandling_opened", None,
                 {"task_id": task.id, "assignee_id": task.assignee_id, "due_at": utc_iso(task.due_at)})
    if supervisor is not None:
        notify.queue(key=f"case:{case.id}:rehandling:{task.id}", channel="inapp", kind="rehandling",
                     subject=str(_l("Case %(number)s: the reply was rated %(score)d", number=case.number,
                                    score=score)),
                     body=str(_l("Review the case within %(n)d working days.", n=REHANDLING_WORKING_DAYS)),
                     user_id=supervisor.id, office_id=case.office_id, case_id=case.id)
    return task


def complete_rehandling(actor: User, task_id: int, outcome: str | None) -> RehandlingTask:
    """The re-handling task is done: what was done is recorded once, and the chase stops reminding of it."""
    task = ensure_access(actor, db.session.get(RehandlingTask, task_id))
    refuse_unless(may_complete_rehandling(actor, task))
    text = required_text(outcome, "outcome", _l("Write what was done."))
    if len(text) > REHANDLING_OUTCOME_MAX:
        raise ValidationFailed(details={"outcome": str(_l("What was done is limited to %(n)d characters.",
                                                          n=REHANDLING_OUTCOME_MAX))})
    if "\x00" in text:
        raise ValidationFailed(details={"outcome": str(_l("The text holds characters that are not allowed."))})
    # Only an open task is updated, so of two people finishing it at once the second is refused.
    done_at = db.session.scalar(
        sa.update(RehandlingTask).where(RehandlingTask.id == task.id, RehandlingTask.done_at.is_(None))
        .values(done_at=utcnow(), outcome=text).returning(RehandlingTask.done_at)
        .execution_options(synchronize_session=False))
    if done_at is None:
        raise Conflict(_l("This re-handling task has been recorded as done already."))
    db.session.expire(task, ["done_at", "outcome"])
    record_event(task.case, actor, "rehandling_done", None, {"task_id": task.id}, note=text)
    return task
