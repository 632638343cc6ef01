"""The petitioner's pages (no sign-in): look a case up with its number and lookup code, and rate the reply."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from ..extensions import db
from ..models import Case
from ..services import cases as svc
from ..services.errors import TooManyAttempts, ValidationFailed
from .forms import LookupForm, RateForm

bp = Blueprint("lookup", __name__)


def _not_found(form, status=404):
    # The same words whether the number exists or not: a wrong code reveals nothing.
    return render_template(
        "cases/lookup.html",
        form=form,
        case=None,
        error=_("No case matches that case number and lookup code."),
    ), status


@bp.route("/lookup", methods=["GET", "POST"])
def index():
    form = LookupForm()
    if not form.validate_on_submit():
        return render_template("cases/lookup.html", form=form, case=None), 400 if form.is_submitted() else 200
    try:
        case = svc.lookup_case(form.number.data, form.code.data, request.remote_addr)
    except TooManyAttempts:
        return render_template(
            "cases/lookup.html",
            form=form,
            case=None,
            error=_("Too many attempts; wait a while and try again."),
        ), 429
    if case is None:
        return _not_found(form)
    return _show(form, case)


def _show(form, case, status=200, message=None):
    rate = None
    if case.reply and case.reply_score is None:
        rate = RateForm(formdata=None, number=case.number, code=form.code.data)
    return render_template(
        "cases/lookup.html",
        form=form,
        case=case,
        state=svc.state_label(case.state),
        rate=rate,
        message=message,
    ), status


@bp.post("/lookup/rate")
def rate():
    """意見處理滿意度: the petitioner rates the reply once."""
    rate_form = RateForm()
    form = LookupForm(formdata=None, number=rate_form.number.data, code=rate_form.code.data)
    try:
        case = svc.lookup_case(rate_form.number.data, rate_form.code.data, request.remote_addr)
    except TooManyAttempts:
        return render_template(
            "cases/lookup.html",
            form=form,
            case=None,
            error=_("Too many attempts; wait a while and try again."),
        ), 429
    if case is None:
        return _not_found(form)
    if not rate_form.validate():
        return _show(form, case, 400, _("Choose a score from 1 to 5."))
    try:
        svc.rate_reply(case, rate_form.score.data)
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        case = db.session.get(Case, case.id)
        return _show(form, case, 400, str(error.message))
    return _show(form, case, 200, _("Thank you for rating the reply."))
