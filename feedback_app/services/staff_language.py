"""The language staff read: the staff member's own choice (User.locale), else the office's language.

What staff read (a follow-up case opened from a citizen's rating, alert mails, reminders) is written in it, never
in the language of the citizen's browser or kiosk that caused it. Offices have no language of their own yet: an
office's language is the installation's default (BABEL_DEFAULT_LOCALE, zh_TW)."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from flask_babel import force_locale


def office_language(office_id: int | None = None) -> str:
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_TW")


def staff_language(user, office_id: int | None = None) -> str:
    """A staff member's language: their own choice, else their office's (`user` may be None: the office's)."""
    return (getattr(user, "locale", None) or None) or office_language(office_id or getattr(user, "office_id", None))


@contextmanager
def in_office_language(office_id: int | None = None) -> Iterator[None]:
    """Words written for an office's staff, whatever language the request that causes them asked for."""
    with force_locale(office_language(office_id)):
        yield


@contextmanager
def in_staff_language(user, office_id: int | None = None) -> Iterator[None]:
    with force_locale(staff_language(user, office_id)):
        yield
