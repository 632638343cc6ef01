"""Improvement action pages and the quarterly review: read the request, call services/improvements.py, render."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..forms import show_refusal
from ..models import ImprovementState, utcnow
from ..services import analytics, improvements, review_tables
from ..services.access import require_role, visible_office_ids
from ..services.errors import ValidationFailed
from ..services.org import open_offices
from ..services.stats import Period
from . import bp
from .forms import ActionForm

FIELD_LABELS = {"period": _l("Period"), "office": _l("Office")}


def _prepare(form: ActionForm) -> None:
    offices = open_offices(visible_office_ids(current_user))
    ids = [o.id for o in offices]
    form.office_id.choices = [SelectChoice(o.id, o.name) for o in offices]
    form.target.choices = [
        SelectChoice(value, label, optgroup=group)
        for group, choices in improvements.target_choices(ids, current_user.city_id).items()
        for value, label in choices
    ]
    form.owner_id.choices = [
        SelectChoice(u.id, f"{u.display_name}（{u.office.name if u.office else current_user.city.name}）")
        for u in improvements.owners_for(ids, current_user.city_id)
    ]
    form.state.choices = [SelectChoice(s, str(improvements.STATE_LABELS[s])) for s in ImprovementState.ALL]
    if current_user.office_id is not None and not form.office_id.data:
        form.office_id.data = current_user.office_id


def _input(form: ActionForm) -> improvements.ActionInput:
    return improvements.ActionInput(
        office_id=form.office_id.data,
        problem=form.problem.data,
        target=form.target.data,
        measure=form.measure.data,
        owner_id=form.owner_id.data,
        due_date=form.due_date.data,
        state=form.state.data,
        dropped_reason=form.dropped_reason.data,
    )


@bp.get("/")
@login_required
def index():
    state = request.args.get("state") or None
    actions = improvements.list_actions(current_user, state)
    return render_template(
        "improvements/index.html",
        actions=actions,
        state=state,
        states=improvements.STATE_LABELS,
        target_label=improvements.target_label,
    )


def _save(action=None):
    require_role(current_user, *improvements.WRITERS)
    form = ActionForm(obj=action) if action is not None and request.method == "GET" else ActionForm()
    if action is not None and request.method == "GET":
        form.target.data = f"{action.target_kind}:{action.target_ref}"
    _prepare(form)
    status = 200
    if form.validate_on_submit():
        try:
            if action is None:
                saved = improvements.create_action(current_user, _input(form))
            else:
                saved = improvements.update_action(current_user, action, _input(form))
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            show_refusal(form, error)
            status = 400
        else:
            flash(_("The improvement action was saved."), "success")
            return redirect(url_for("improvements.detail", action_id=saved.id))
    elif request.method == "POST":
        status = 400
    return render_template("improvements/edit.html", form=form, action=action), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    return _save()


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
@login_required
def edit(action_id: int):
    return _save(improvements.get_action(action_id, current_user))


@bp.get("/<int:action_id>")
@login_required
def detail(action_id: int):
    action = improvements.get_action(action_id, current_user)
    return render_template(
        "improvements/detail.html",
        action=action,
        target=improvements.target_label(action),
        state_label=improvements.STATE_LABELS.get(action.state, action.state),
        figures=improvements.before_after(action),
        window=improvements.WINDOW_DAYS,
        share_text=review_tables.share_text,
    )


@bp.get("/review")
@login_required
def review():
    """The quarter's top dissatisfaction reasons and case categories beside the actions taken on them."""
    require_role(current_user, *improvements.WRITERS)
    args, error, status = request.args, None, 200
    try:
        period = analytics.readable_period(args.get("period"))
        office = args.get("office", "").strip()
        if office and not office.isdigit():
            raise ValidationFailed(details={"office": _("Must be a number.")})
        scope = analytics.scope_for(current_user, int(office) if office else None)
    except ValidationFailed as refused:
        error, status = refused, 400
        period, scope = analytics.readable_period(None), analytics.scope_for(current_user)
    found = improvements.quarterly_review(scope.city, scope.office_ids, period)
    return render_template(
        "improvements/review.html",
        scope=scope,
        period=period,
        review=found,
        offices=open_offices(visible_office_ids(current_user)),
        periods=Period.containing(utcnow()).trailing(8)[::-1],
        target_label=improvements.target_label,
        states=improvements.STATE_LABELS,
        error=error,
        field_labels=FIELD_LABELS,
    ), status
