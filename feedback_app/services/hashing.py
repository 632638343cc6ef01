"""Secret checks that take as long when there is nothing to check against as when there is."""

import functools
import secrets

from werkzeug.security import check_password_hash, generate_password_hash


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def check_against_nothing(secret: str, method: str) -> bool:
    """Spend the time of a real check of `secret` against a hash made with `method`, and fail: a look-up of an
    unknown username or case number must take as long as one with a wrong password or code."""
    check_password_hash(_dummy_hash(method), secret or "")
    return False
