"""The base of every form: WTForms' own messages in the page's language."""

from babel import support
from flask import g
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from .i18n import current_language


def wtforms_translations() -> support.Translations:
    """WTForms' catalog for the request's locale, loaded once per request.

    Babel names Traditional Chinese zh_Hant_TW; WTForms ships it as zh_TW. Looked up by Babel's name, gettext falls
    back to WTForms' zh catalog, which is Simplified Chinese.
    """
    translations = g.get("wtforms_translations")
    if translations is None:
        translations = support.Translations.load(messages_path(), [current_language()], domain="wtforms")
        g.wtforms_translations = translations
    return translations


class _Translations:
    def gettext(self, string):
        return wtforms_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return wtforms_translations().ungettext(singular, plural, n)


class Form(FlaskForm):
    """Every form of the app derives from this one, so its messages are never in Simplified Chinese."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _Translations()


def show_refusal(form, error) -> None:
    """A service's refusal (DomainError) beside the fields it names; the rest, and its message, at the top."""
    from flask import flash

    for name, message in (error.details or {}).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + [message]
        else:
            flash(message, "error")
    flash(str(error.message), "error")
