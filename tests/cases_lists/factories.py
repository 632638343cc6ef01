"""Builders for case list tests: cases with exactly the times, states and people a test needs."""

from datetime import datetime
from itertools import count

from feedback_app.extensions import db
from feedback_app.models import Case, CaseChannel, CaseState, Office, User
from feedback_app.services.calendar import TAIPEI

_numbers = count(1)


def taipei(year, month, day, hour=0, minute=0, second=0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TAIPEI)


def make_case(
    office: Office,
    *,
    due_at: datetime,
    received_at: datetime | None = None,
    state: str = CaseState.ASSIGNED,
    assignee: User | None = None,
    subject: str = "櫃檯等候太久",
    channel: str = CaseChannel.HOTLINE_1999,
    name: str | None = "王小明",
    phone: str | None = "0912345678",
    email: str | None = None,
    confidential: bool = False,
    unit_id: int | None = None,
    category_id: int | None = None,
    external_ref: str | None = None,
    number: str | None = None,
) -> Case:
    """A case inserted as it stands (no due-date computation), so lists can be checked at exact edges."""
    received_at = received_at or taipei(2025, 1, 2, 9)
    case = Case(
        number=number or f"{office.code}-1140102-{next(_numbers):04d}",
        city_id=office.city_id,
        office_id=office.id,
        unit_id=unit_id if unit_id is not None else (assignee.unit_id if assignee else None),
        assignee_id=assignee.id if assignee else None,
        channel=channel,
        category_id=category_id,
        subject=subject,
        received_at=received_at,
        due_at=due_at,
        working_days=6,
        state=state,
        petitioner_name=name,
        petitioner_phone=phone,
        petitioner_email=email,
        confidential=confidential,
        external_ref=external_ref,
    )
    db.session.add(case)
    db.session.flush()
    return case
