"""Staff survey: the rounds a director or admin opens and closes, their results, and the one-time answer page."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..i18n import current_language
from ..models import Office, Role, StaffSurveyRound
from ..services import staff_survey
from ..services.access import require_role, visible_office_ids
from ..services.errors import AccessDenied, DomainError, NotFound, ValidationFailed
from ..services.staff_survey.rounds import MANAGERS, counts
from . import bp
from .forms import CloseForm, RoundForm, answer_form

READERS = (*MANAGERS, Role.MONITOR)


def _round_form(formdata=None) -> RoundForm:
    form = RoundForm(formdata=formdata)
    offices = db.session.scalars(
        sa.select(Office).where(Office.id.in_(visible_office_ids(current_user)), Office.active.is_(True))
        .order_by(Office.code)).all()
    choices = [SelectChoice("", _("Every office of the city"))] if current_user.office_id is None else []
    form.office.choices = choices + [SelectChoice(str(o.id), o.name) for o in offices]
    return form


def _round_page(form: RoundForm, status: int = 200):
    rounds = staff_survey.rounds_for(current_user)
    return render_template(
        "staff_survey/rounds.html", form=form, close_form=CloseForm(),
        rows=[(r, *counts(r.id)) for r in rounds],
        can_manage=current_user.role in MANAGERS), status


@bp.get("/staff-surveys/")
@login_required
def rounds():
    require_role(current_user, *READERS)
    return _round_page(_round_form())


@bp.post("/staff-surveys/")
@login_required
def open_round():
    require_role(current_user, *MANAGERS)
    form = _round_form(request.form)
    if form.validate_on_submit():
        values = {"title": form.title.data, "starts_on": form.starts_on.data, "ends_on": form.ends_on.data,
                  "office_id": int(form.office.data) if form.office.data else None}
        try:
            survey_round, invited = staff_survey.open_round(current_user, values)
        except ValidationFailed as error:
            for name, message in error.details.items():
                field = {"office_id": "office"}.get(name, name)
                getattr(form, field).errors = [message]
            db.session.rollback()
            return _round_page(form, 400)
        db.session.commit()
        flash(_("The round %(title)s is open; %(n)d staff members get their link.", title=survey_round.title,
                n=invited))
        return redirect(url_for("staff_survey.rounds"))
    return _round_page(form, 400)


def _round(round_id: int) -> StaffSurveyRound:
    survey_round = db.session.get(StaffSurveyRound, round_id)
    if survey_round is None or survey_round not in staff_survey.rounds_for(current_user):
        raise NotFound()
    return survey_round


@bp.post("/staff-surveys/<int:round_id>/close")
@login_required
def close_round(round_id: int):
    survey_round = _round(round_id)
    if CloseForm().validate_on_submit():
        staff_survey.close_round(survey_round, current_user)
        db.session.commit()
        flash(_("The round %(title)s is closed; its links no longer work.", title=survey_round.title))
    return redirect(url_for("staff_survey.rounds"))


@bp.get("/staff-surveys/<int:round_id>")
@login_required
def results(round_id: int):
    survey_round = _round(round_id)
    if survey_round.is_open:
        raise AccessDenied(_("Results are shown once the round is closed, so that early answers cannot be told "
                             "apart."))
    scope = None if current_user.office_id is None else [current_user.office_id]
    return render_template("staff_survey/results.html", results=staff_survey.round_results(survey_round, scope),
                           min_cell=staff_survey.MIN_CELL, interval_label=_("95% interval"))


@bp.route("/staff-survey/<token>", methods=["GET", "POST"])
def answer(token: str):
    """The one-time answer page, reached from the mailed link; no sign-in, so nothing ties the answer to a login."""
    try:
        _invitation, survey_round = staff_survey.invitation_for(token)
    except DomainError as error:
        return render_template("staff_survey/message.html", message=error.message), error.status
    questions = staff_survey.staff_questions(survey_round.questionnaire_version_id)
    form = answer_form(questions, current_language(), request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        scores = {q.code: getattr(form, f"q_{q.code}").data for q in questions}
        try:
            staff_survey.answer(token, scores)
        except ValidationFailed as error:
            db.session.rollback()
            for code, message in error.details.items():
                field = getattr(form, f"q_{code}", None)
                if field is not None:
                    field.errors = [message]
        except DomainError as error:
            db.session.rollback()
            return render_template("staff_survey/message.html", message=error.message), error.status
        else:
            db.session.commit()
            return render_template("staff_survey/message.html", message=_("Thank you: your answers are saved."),
                                   more=_("They are stored without your name; this link now no longer works."))
    status = 400 if request.method == "POST" else 200
    return render_template("staff_survey/answer.html", form=form, round=survey_round, token=token,
                           questions=questions), status
