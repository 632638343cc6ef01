"""Phone test pages: read the request, call services/phone_tests.py, render."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..forms import show_refusal
from ..models import PhoneFollowup, utcnow
from ..services import analytics, phone_tests, review_tables
from ..services.access import require_role
from ..services.calendar import TAIPEI
from ..services.errors import NotFound, ValidationFailed
from ..services.stats import Period
from . import bp
from .forms import FollowupForm, PhoneTestForm, PlanForm

FIELD_LABELS = {"period": _l("Period"), "office": _l("Office")}


def _unit_choices() -> list[SelectChoice]:
    return [SelectChoice(u.id, f"{u.office.name} {u.name}") for u in phone_tests.units_for(current_user)]


def _board(args) -> analytics.Dashboard:
    period = analytics.readable_period(args.get("period"))
    office = args.get("office", "").strip()
    if office and not office.isdigit():
        raise ValidationFailed(details={"office": _("Must be a number.")})
    scope = analytics.scope_for(current_user, int(office) if office else None)
    return analytics.Dashboard(scope, period, analytics.Selection(), utcnow())


@bp.get("/")
@login_required
def index():
    require_role(current_user, *phone_tests.READERS)
    error, status = None, 200
    try:
        board = _board(request.args)
    except ValidationFailed as refused:
        error, status, board = refused, 400, _board({})
    return render_template(
        "phone_tests/index.html",
        board=board,
        tables=review_tables.phone_tables(board),
        tests=phone_tests.tests_in(board.scope.office_ids, board.period),
        can_record=current_user.role in phone_tests.RECORDERS,
        periods=Period.containing(utcnow()).trailing(8)[::-1],
        error=error,
        field_labels=FIELD_LABELS,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require_role(current_user, *phone_tests.RECORDERS)
    form = PhoneTestForm()
    form.unit_id.choices = _unit_choices()
    status = 200
    if request.method == "GET":
        form.tester.data = current_user.display_name
        for item in phone_tests.OPTIONAL_ITEMS:
            getattr(form, item).data = phone_tests.NOT_APPLICABLE
    if form.validate_on_submit():
        data = phone_tests.PhoneTestInput(
            unit_id=form.unit_id.data,
            called_at=form.called_at.data.replace(tzinfo=TAIPEI) if form.called_at.data else None,
            tester=form.tester.data,
            scores=form.scores(),
            extension=form.extension.data,
            note=form.note.data,
            needs_followup=form.needs_followup.data,
        )
        try:
            test = phone_tests.record_test(data, current_user)
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            show_refusal(form, error)
            status = 400
        else:
            if test.followup is not None:
                flash(_("The test was recorded; a follow-up for the unit's supervisor is due on %(date)s.",
                        date=test.followup.due_date.isoformat()), "success")
            else:
                flash(_("The test was recorded."), "success")
            return redirect(url_for("phone_tests.detail", test_id=test.id))
    elif request.method == "POST":
        status = 400
    return render_template("phone_tests/new.html", form=form, items=phone_tests.ITEMS), status


@bp.get("/<int:test_id>")
@login_required
def detail(test_id: int):
    test = phone_tests.get_test(test_id, current_user)
    return render_template("phone_tests/detail.html", test=test, form=FollowupForm(), **_labels())


def _labels() -> dict:
    return {"items": phone_tests.ITEMS, "item_labels": phone_tests.ITEM_LABELS,
            "result_labels": phone_tests.RESULT_LABELS}


@bp.post("/<int:test_id>/followup")
@login_required
def complete_followup(test_id: int):
    test = phone_tests.get_test(test_id, current_user)
    task = db.session.get(PhoneFollowup, test.followup.id) if test.followup else None
    if task is None:
        raise NotFound()
    form = FollowupForm()
    if form.validate_on_submit():
        try:
            phone_tests.complete_followup(task, current_user, form.outcome.data)
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            flash(_("The follow-up is done."), "success")
            return redirect(url_for("phone_tests.detail", test_id=test.id))
    return render_template("phone_tests/detail.html", test=test, form=form, **_labels()), 400


@bp.route("/plan", methods=["GET", "POST"])
@login_required
def plan():
    require_role(current_user, *phone_tests.RECORDERS)
    form = PlanForm()
    form.unit_id.choices = _unit_choices()
    status = 200
    if request.method == "GET":
        form.period.data = request.args.get("period") or Period.containing(utcnow()).label
    if form.validate_on_submit():
        try:
            try:
                period = Period.parse(form.period.data)
            except ValueError:
                raise ValidationFailed(details={"period": _("Write a quarter as 115年第3季 or 2026-Q3.")}) from None
            phone_tests.save_plan(current_user, form.unit_id.data, period, form.planned.data)
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            show_refusal(form, error)
            status = 400
        else:
            flash(_("The plan was saved."), "success")
            return redirect(url_for("phone_tests.index", period=period.key))
    elif request.method == "POST":
        status = 400
    return render_template("phone_tests/plan.html", form=form), status


@bp.app_template_global("review_tables")
def dashboard_review_tables(board: analytics.Dashboard) -> list:
    """The dashboard's section of phone tests and improvement actions, for its scope and period."""
    return review_tables.report_tables(board)
