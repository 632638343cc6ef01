"""The petitioner's look-up of their case by number and look-up code, throttled per address."""


import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...models import (
    Case,
    CaseState,
    LoginThrottle,
    utcnow,
)
from ..errors import TooManyAttempts
from ..hashing import check_against_nothing
from ..users import record_failure
from .intake import LOOKUP_CODE_HASH, check_lookup_code


def lookup_case(number: str | None, code: str | None, remote_addr: str | None) -> Case | None:
    """The case a petitioner may see with its number and lookup code; None when either is wrong.

    Wrong codes count against the address (LoginThrottle "lookup:<addr>"); while locked, TooManyAttempts."""
    now = utcnow()
    key = f"lookup:{remote_addr or 'unknown'}"
    throttle = db.session.get(LoginThrottle, key)
    if throttle is not None and throttle.locked_until and throttle.locked_until > now:
        raise TooManyAttempts()
    number = (number or "").strip().upper()
    case = db.session.scalar(sa.select(Case).where(Case.number == number)) if number else None
    if case is not None and case.state != CaseState.MERGED and case.purged_at is None \
            and check_lookup_code(case, code or ""):
        return case
    if case is None:
        # Spend the same time as a real check, so timing does not tell which numbers exist.
        check_against_nothing((code or "").strip().upper(), LOOKUP_CODE_HASH)
    record_failure(key, current_app.config["LOGIN_MAX_FAILURES"], throttle, now)
    db.session.commit()
    return None
