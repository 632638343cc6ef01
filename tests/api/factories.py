"""Builders for API tests: tokens and cases."""

from datetime import datetime

from feedback_app.extensions import db
from feedback_app.models import Office
from feedback_app.services.cases import CaseInput, open_case
from feedback_app.services.tokens import issue_token


def make_token(org, scopes: str, office: Office | None = None, name: str = "1999 dispatch") -> str:
    """A plain token for the city TPE (or one office of it)."""
    _, plain = issue_token(name=name, scopes=scopes, city=org.tpe, office=office)
    db.session.commit()
    return plain


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def make_case(office: Office, **fields):
    values = {
        "office_id": office.id,
        "channel": "counter",
        "subject": "櫃檯等候太久",
        "description": "等了四十分鐘",
        "petitioner_name": "王小明",
        "petitioner_phone": "0912345678",
        "petitioner_email": "wang@example.tw",
    }
    values.update(fields)
    case, code = open_case(CaseInput(**values))
    db.session.commit()
    return case, code


def aware(text: str) -> datetime:
    return datetime.fromisoformat(text)
