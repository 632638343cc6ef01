"""Languages, time zones and the ROC calendar: how dates and words are shown."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from .extensions import babel
from .labels import ROLE_LABELS, label_for

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGE_NAMES = {
    "zh_TW": "繁體中文",
    "en": "English",
    "vi": "Tiếng Việt",
    "id": "Bahasa Indonesia",
    "th": "ภาษาไทย",
}
# The pages written through the Babel catalogs (staff pages, sign-in, look-up) are in Chinese and English; the
# kiosk and the QR survey carry their own texts in all of LANGUAGES, the new immigrants' languages too.
PAGE_LANGUAGES = ("zh_TW", "en")


def init_app(app: Flask) -> None:
    compiled = Path(app.instance_path) / "translations"
    compile_catalogs(TRANSLATIONS, compiled)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES, PAGE_LANGUAGES=PAGE_LANGUAGES, role_label=role_label, html_lang=html_lang,
        roc_year=roc_year,
        roc_quarter=roc_quarter,
    )
    app.jinja_env.filters["local_dt"] = format_local


def current_language() -> str:
    """The page language as the app names it (zh_TW, en, vi ...); Babel's own name for zh_TW is zh_Hant_TW."""
    locale = get_locale()
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language


def html_lang() -> str:
    """The page language as HTML writes it: zh-TW, en, vi ..."""
    return current_language().replace("_", "-")


def role_label(role: str) -> str:
    return label_for(ROLE_LABELS, role)


def compile_catalogs(source: Path, target: Path) -> None:
    """Compile every .po catalog whose .mo is missing or older (the .mo files are build output)."""
    for po_path in source.glob("*/LC_MESSAGES/*.po"):
        # Flask-Babel looks catalogs up by Babel's canonical name: zh_TW is found as zh_Hant_TW.
        canonical = str(Locale.parse(po_path.parts[-3]))
        mo_path = target / canonical / "LC_MESSAGES" / po_path.with_suffix(".mo").name
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)


def select_locale() -> str:
    """The user's choice (session, then profile), then the browser, then zh_TW: always a language the pages have."""
    languages = PAGE_LANGUAGES
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    best = request.accept_languages.best_match([lang.replace("_", "-") for lang in languages])
    if best:
        return best.replace("-", "_")
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def local_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Taipei"))


def format_local(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)


def roc_year(value: date | int) -> int:
    """民國年: the Gregorian year less 1911."""
    year = value if isinstance(value, int) else value.year
    return year - 1911


def roc_quarter(year: int, quarter: int) -> str:
    """A quarter as Taiwanese reports write it: 114年第3季."""
    return f"{roc_year(year)}年第{quarter}季"


def roc_date(value: date) -> str:
    """A date as 114年3月5日."""
    return f"{roc_year(value)}年{value.month}月{value.day}日"
