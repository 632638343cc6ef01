"""The petitioner's pages (no sign-in): look a case up with its number and lookup code, and rate the reply."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from ..extensions import db
from ..labels import STATE_LABELS, label_for
from ..models import Case
from ..security import no_store
from ..services import cases as svc
from ..services.errors import TooManyAttempts, ValidationFailed
from .forms import LookupForm, RateForm

bp = Blueprint("lookup", __name__)
# The look-up result shows the case and its reply to whoever holds the number and code.
bp.after_request(no_store)


def _page(form, case=None, status=200, **context):
    return render_template("cases/lookup.html", form=form, case=case, **context), status


def _find(form, number, code):
    """(case, None) when number and code match; (None, the page to answer with) otherwise.

    A wrong code and an unknown number get the same words, so a wrong code reveals nothing."""
    try:
        case = svc.lookup_case(number, code, request.remote_addr)
    except TooManyAttempts:
        return None, _page(form, status=429, error=_("Too many attempts; wait a while and try again."))
    if case is None:
        return None, _page(form, status=404, error=_("No case matches that case number and lookup code."))
    return case, None


def _show(form, case, status=200, message=None):
    rate = None
    if case.reply and case.reply_score is None:
        rate = RateForm(formdata=None, number=case.number, code=form.code.data)
    return _page(form, case, status, state=label_for(STATE_LABELS, case.state), rate=rate, message=message)


@bp.route("/lookup", methods=["GET", "POST"])
def index():
    form = LookupForm()
    if request.method == "GET" and request.args.get("number"):
        form.number.data = request.args["number"][:32]  # the link in the rating notice names the case
    if not form.validate_on_submit():
        return _page(form, status=400 if form.is_submitted() else 200)
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
        return _show(form, case, 400, _("Choose a score from 1 to 5."))
    try:
        svc.rate_reply(case, rate_form.score.data)
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        return _show(form, db.session.get(Case, case.id), 400, str(error.message))
    return _show(form, case, 200, _("Thank you for rating the reply."))
