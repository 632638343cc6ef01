"""Builders for cases: opened through the one intake path, then walked along the real handling path."""

from datetime import datetime

from feedback_app.extensions import db
from feedback_app.models import Case, CaseChannel, Office, User
from feedback_app.services import cases as svc
from feedback_app.services.calendar import TAIPEI


def make_case(
    office: Office,
    *,
    channel: str = CaseChannel.COUNTER,
    received_at: datetime | None = None,
    subject: str = "櫃檯等候時間過長",
    **fields,
) -> tuple[Case, str]:
    """Open a case through open_case and commit it; returns the case and its plain lookup code."""
    data = svc.CaseInput(
        office_id=office.id,
        channel=channel,
        subject=subject,
        description=fields.pop("description", "上午十點到現場，等了一個多小時。"),
        received_at=received_at,
        **fields,
    )
    case, code = svc.open_case(data)
    db.session.commit()
    return case, code


def taipei(*args) -> datetime:
    return datetime(*args, tzinfo=TAIPEI)


def assigned(case: Case, supervisor: User, officer: User) -> Case:
    svc.assign_case(case, supervisor, case.version, officer.unit_id, officer.id)
    db.session.commit()
    return case


def replied(
    case: Case, supervisor: User, officer: User, text: str = "已改善櫃檯叫號流程，謝謝您的意見。"
) -> Case:
    assigned(case, supervisor, officer)
    svc.start_work(case, officer, case.version)
    svc.reply_case(case, officer, case.version, text)
    db.session.commit()
    return case
