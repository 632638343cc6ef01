"""Every interface string is translated to zh_TW; dates show in Taipei and the ROC year."""

from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from feedback_app.i18n import format_local, roc_date, roc_quarter, roc_year

ROOT = Path(__file__).resolve().parents[1]


def _extracted_ids() -> set[tuple[str | None, str]]:
    method_map = [("feedback_app/**.py", "python"), ("kiosk/**.py", "python"), ("jobs/**.py", "python"),
                  ("feedback_app/templates/**.html", "jinja2"), ("kiosk/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
                "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
    ids = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords):
        ids.add((context, message if isinstance(message, str) else message[0]))
    return ids


def test_every_interface_string_has_a_chinese_translation():
    with (ROOT / "feedback_app/translations/zh_TW/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f, locale="zh_TW")
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id and m.string
                  and "fuzzy" not in m.flags}
    missing = sorted(_extracted_ids() - translated)
    assert missing == []


def test_roc_year_and_quarter():
    assert roc_year(2025) == 114
    assert roc_year(date(2026, 1, 1)) == 115
    assert roc_quarter(2025, 3) == "114年第3季"
    assert roc_date(date(2025, 1, 22)) == "114年1月22日"


def test_times_show_in_taipei(app):
    with app.test_request_context(), force_locale("zh_TW"):
        assert format_local(datetime(2025, 1, 1, 16, 30, tzinfo=UTC)) == "2025-01-02 00:30"


def _simplified_wtforms_messages() -> set[str]:
    """WTForms' Simplified Chinese messages that its Traditional catalog words differently."""
    from babel import support
    from wtforms.i18n import messages_path

    simplified = support.Translations.load(messages_path(), ["zh"], domain="wtforms")
    traditional = support.Translations.load(messages_path(), ["zh_TW"], domain="wtforms")
    return {text for msgid, text in simplified._catalog.items()
            if isinstance(text, str) and msgid and text != traditional._catalog.get(msgid)}


def test_form_errors_on_chinese_pages_are_in_traditional_chinese(client, org):
    from tests.conftest import login

    login(client, "aa.officer")
    page = client.post(
        "/cases/new", data={"channel": "email", "subject": "", "received_at": "not a time", "petitioner_email": "x"},
    ).get_data(as_text=True)
    assert "此欄位是必需的。" in page and "不是有效的日期與時間值。" in page
    assert [text for text in _simplified_wtforms_messages() if text in page] == []


def test_every_form_of_the_app_speaks_traditional_chinese(app):
    from flask_wtf import FlaskForm

    from feedback_app.forms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    strays = [f"{cls.__module__}.{cls.__name__}" for cls in subclasses(FlaskForm)
              if cls.__module__.startswith(("feedback_app", "kiosk", "jobs")) and not issubclass(cls, Form)]
    assert strays == []


def test_a_browser_preferring_a_language_the_pages_lack_gets_a_page_in_one_they_have(client):
    for language in ("vi", "id", "th"):
        page = client.get("/login", headers={"Accept-Language": f"{language},en;q=0.5"}).get_data(as_text=True)
        assert '<html lang="en">' in page
        # The petitioner's look-up page has its own words in the five languages of the counter.
        page = client.get("/lookup", headers={"Accept-Language": language}).get_data(as_text=True)
        assert f'<html lang="{language}">' in page
    client.post("/locale/vi", data={"next": "/login"})
    assert '<html lang="zh-TW">' in client.get("/login").get_data(as_text=True)
