"""The petitioner's pages (no sign-in): look a case up with its number and lookup code, and rate the reply.

The pages speak the five languages of the counter (the petitioner's words in services.cases.petitioner_texts):
the one chosen on the page, else the one the petitioner used for the case, else the browser's, else zh_TW."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from ..extensions import db
from ..i18n import LANGUAGE_NAMES
from ..models import Case
from ..security import no_store
from ..services import cases as svc
from ..services.cases.petitioner_texts import scale_texts, state_text, text
from ..services.errors import TooManyAttempts, ValidationFailed
from .forms import LookupForm, RateForm

bp = Blueprint("lookup", __name__)
# The look-up result shows the case and its reply to whoever holds the number and code.
bp.after_request(no_store)


def _chosen_language() -> str | None:
    chosen = request.values.get("lang")
    return chosen if chosen in svc.PETITIONER_LANGUAGES else None


def _browser_language() -> str:
    best = request.accept_languages.best_match([code.replace("_", "-") for code in svc.PETITIONER_LANGUAGES])
    return best.replace("-", "_") if best else "zh_TW"


def _page(form, lang, case=None, status=200, **context):
    return render_template(
        "cases/lookup.html", form=form, case=case, lang=lang, text=lambda key, **values: text(key, lang, **values),
        languages=[(code, LANGUAGE_NAMES[code]) for code in svc.PETITIONER_LANGUAGES], **context,
    ), status


def _find(form, number, code):
    """(case, None) when number and code match; (None, the page to answer with) otherwise.

    A wrong code and an unknown number get the same words, so a wrong code reveals nothing."""
    lang = _chosen_language() or _browser_language()
    try:
        case = svc.lookup_case(number, code, request.remote_addr)
    except TooManyAttempts:
        return None, _page(form, lang, status=429, error=text("too_many", lang))
    if case is None:
        return None, _page(form, lang, status=404, error=text("not_found", lang))
    return case, None


def _show(form, case, status=200, message_key=None):
    typed = (form.number.data or "").strip().upper()
    merged_from = None
    if typed != case.number:
        merged_from = db.session.scalar(sa.select(Case).where(Case.number == typed))
    lang = _chosen_language() or svc.case_language(merged_from or case)
    rate = None
    if case.reply and case.reply_score is None:
        rate = RateForm(formdata=None, number=form.number.data, code=form.code.data)
    return _page(form, lang, case, status, state=state_text(case.state, lang), rate=rate,
                 scale=scale_texts(lang), message=text(message_key, lang) if message_key else None,
                 merged_from=merged_from, turns=svc.petitioner_turns(case, merged_from))


@bp.route("/lookup", methods=["GET", "POST"])
def index():
    form = LookupForm()
    if request.method == "GET" and request.args.get("number"):
        form.number.data = request.args["number"][:32]  # the link in the rating notice names the case
    if not form.validate_on_submit():
        lang = _chosen_language() or _browser_language()
        return _page(form, lang, status=400 if form.is_submitted() else 200)
    case, refusal = _find(form, form.number.data, form.code.data)
    return refusal or _show(form, case)


@bp.post("/lookup/rate")
def rate():
    """意見處理滿意度: the petitioner rates the reply once."""
    rate_form = RateForm()
    form = LookupForm(formdata=None, number=rate_form.number.data, code=rate_form.code.data)
    case, refusal = _find(form, rate_form.number.data, rate_form.code.data)
    if refusal:
        return refusal
    if not rate_form.validate():
        return _show(form, case, 400, "choose_score")
    try:
        svc.rate_reply(case, rate_form.score.data)
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        key = {"already_rated": "already_rated", "not_replied": "no_reply"}.get(error.code, "choose_score")
        return _show(form, db.session.get(Case, case.id), 400, key)
    return _show(form, case, 200, "rating_thanks")
