"""Case intake and handling pages: thin views over services.cases."""

import io
import re

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..i18n import LANGUAGE_NAMES, current_language
from ..labels import CASE_CHANNEL_LABELS, CYCLE_END_LABELS, OUTCOME_LABELS, STATE_LABELS, label_for
from ..models import (
    Attachment,
    Case,
    CaseCategory,
    CaseChannel,
    CaseOutcome,
    Extension,
    RehandlingTask,
    Role,
    Unit,
    User,
)
from ..services import cases as svc
from ..services.access import ensure_access, scoped, visible_office_ids
from ..services.calendar import TAIPEI
from ..services.errors import Conflict, DomainError, NotFound, ValidationFailed
from ..services.org import open_offices
from ..services.privacy import petitioner_view
from . import bp
from .forms import (
    AssignForm,
    AttachForm,
    CaseForm,
    CloseForm,
    DecideForm,
    ExtensionForm,
    LinkForm,
    MergeForm,
    NoteForm,
    RehandlingForm,
    ReopenForm,
    ReplyForm,
    StartForm,
    TransferForm,
)
from .trail import case_trail

ACTION_FORMS = {
    "assign": AssignForm,
    "start": StartForm,
    "note": NoteForm,
    "reply": ReplyForm,
    "extension": ExtensionForm,
    "decide": DecideForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "transfer": TransferForm,
    "merge": MergeForm,
    "link": LinkForm,
    "attach": AttachForm,
}


def category_name(category: CaseCategory | None) -> str:
    if category is None:
        return ""
    names = category.names or {}
    return names.get(current_language()) or names.get("zh_TW") or category.code


RULE = re.compile(r"^rule (\d+): channel=(\S+) category=(\S+)$")


def describe_rule(rule: str | None) -> str:
    """The due-date rule a case was given, as svc.rule_for records it, in words: its channel and category."""
    found = RULE.match(rule or "")
    if not found:
        return _("the default number of working days")
    rule_id, channel, category_id = found.groups()
    category = db.session.get(CaseCategory, int(category_id)) if category_id.isdigit() else None
    return _("rule %(id)s: %(channel)s, %(category)s", id=rule_id,
             channel=_("any channel") if channel == "*" else label_for(CASE_CHANNEL_LABELS, channel),
             category=category_name(category) if category else _("any category"))


def _categories(city_id: int) -> list[CaseCategory]:
    return list(
        db.session.scalars(
            sa.select(CaseCategory)
            .where(CaseCategory.city_id == city_id, CaseCategory.active.is_(True))
            .order_by(CaseCategory.position)
        )
    )


def _load(number: str) -> Case:
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    if case is None:
        raise NotFound()
    return ensure_access(current_user, case)


def _uploads(field) -> list:
    return [f for f in (field.data or []) if getattr(f, "filename", "")]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Log a case from any channel, possibly back-dated from a 1999 dispatch or a letter."""
    form = CaseForm()
    offices = open_offices(visible_office_ids(current_user))
    form.office_id.choices = [(o.id, f"{o.code} {o.name}") for o in offices]
    form.channel.choices = [(c, str(CASE_CHANNEL_LABELS[c])) for c in CaseChannel.ALL]
    form.category_id.choices = [(0, "—")] + [
        (c.id, category_name(c)) for c in _categories(current_user.city_id)
    ]
    form.petitioner_locale.choices = [("", _("The office's language"))] + [
        (code, LANGUAGE_NAMES[code]) for code in svc.PETITIONER_LANGUAGES
    ]
    if current_user.office_id is not None:
        form.office_id.data = current_user.office_id
    status = 200
    if form.validate_on_submit():
        received = form.received_at.data.replace(tzinfo=TAIPEI) if form.received_at.data else None
        data = svc.CaseInput(
            office_id=form.office_id.data,
            channel=form.channel.data,
            category_id=form.category_id.data,
            subject=form.subject.data,
            description=form.description.data,
            received_at=received,
            external_ref=form.external_ref.data,
            petitioner_name=form.petitioner_name.data,
            petitioner_phone=form.petitioner_phone.data,
            petitioner_email=form.petitioner_email.data,
            petitioner_address=form.petitioner_address.data,
            confidential=form.confidential.data,
            petitioner_locale=form.petitioner_locale.data or None,
        )
        try:
            if data.office_id not in {o.id for o in offices}:
                raise ValidationFailed(details={"office_id": _("Choose one of your offices.")})
            case, code = svc.open_case(data, actor_id=current_user.id)
            for upload in _uploads(form.attachments):
                svc.add_attachment(case, current_user, case.version, upload.filename, upload.read())
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            _show_errors(form, error)
            status = 400
        else:
            flash(
                _(
                    "Case %(number)s logged. Lookup code for the petitioner: %(code)s",
                    number=case.number,
                    code=code,
                ),
                "success",
            )
            return redirect(url_for("cases.detail", number=case.number))
    elif form.is_submitted():
        status = 400
    return render_template("cases/new.html", form=form, city_wide=current_user.office_id is None), status


def _show_errors(form, error: DomainError) -> None:
    """Put a service's refusal next to the fields it names, and the rest at the top of the page."""
    shown = False
    for name, message in (error.details or {}).items():
        field = getattr(form, name, None) if form is not None else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + [message]
            shown = True
        else:
            flash(f"{message}", "error")
    if not shown or not error.details:
        flash(str(error.message), "error")


def _action_forms(case: Case, actions: set[str], submitted: tuple[str, object] | None = None) -> dict:
    forms = {}
    for action in actions:
        if submitted and submitted[0] == action:
            form = submitted[1]
        else:
            form = ACTION_FORMS[action](prefix=action, formdata=None)
            form.version.data = case.version
        _fill_choices(action, form, case)
        forms[action] = form
    return forms


def _fill_choices(action: str, form, case: Case) -> None:
    if action == "assign":
        units = db.session.scalars(
            sa.select(Unit).where(Unit.office_id == case.office_id, Unit.active | (Unit.id == case.unit_id))
            .order_by(Unit.code)
        )
        form.unit_id.choices = [(u.id, u.name) for u in units]
        staff = db.session.scalars(
            sa.select(User)
            .where(
                User.office_id == case.office_id,
                User.active.is_(True),
                User.role.in_([Role.OFFICER, Role.SUPERVISOR]),
            )
            .order_by(User.unit_id, User.display_name)
        )
        form.assignee_id.choices = [
            (u.id, f"{u.display_name} ({u.unit.name if u.unit else ''})") for u in staff
        ]
        if form.unit_id.data is None and case.unit_id:
            form.unit_id.data = case.unit_id
    elif action == "transfer":
        units = db.session.scalars(
            sa.select(Unit).where(Unit.office_id == case.office_id, Unit.active, Unit.id != case.unit_id)
            if case.unit_id
            else sa.select(Unit).where(Unit.office_id == case.office_id, Unit.active)
        )
        form.unit_id.choices = [(0, "—")] + [(u.id, u.name) for u in units]
    elif action == "close":
        form.outcome.choices = [(o, str(OUTCOME_LABELS[o])) for o in CaseOutcome.ALL]
    elif action == "reply":
        form.template.choices = [("", "—")] + [(str(t.id), t.title) for t in svc.templates_for(case)]
    elif action == "decide":
        pending = [e for e in case.extensions if e.state == "pending"]
        if pending and not form.extension_id.data:
            form.extension_id.data = pending[0].id


def _rehandling_forms(tasks: list[RehandlingTask], submitted: tuple[int, RehandlingForm] | None) -> dict:
    """A form to record what was done, for each open task the user may finish."""
    forms = {}
    for task in tasks:
        if task.done_at is None and svc.may_complete_rehandling(current_user, task):
            if submitted and submitted[0] == task.id:
                forms[task.id] = submitted[1]
            else:
                forms[task.id] = RehandlingForm(prefix=f"rehandling-{task.id}", formdata=None)
    return forms


def _render_detail(case: Case, submitted=None, status: int = 200, rehandling_submitted=None, conflict=None):
    actions = svc.available_actions(case, current_user)
    if submitted is not None:
        actions.add(submitted[0])
    tasks = db.session.scalars(
        sa.select(RehandlingTask).where(RehandlingTask.case_id == case.id).order_by(RehandlingTask.id)
    ).all()
    return render_template(
        "cases/detail.html",
        case=case,
        petitioner=petitioner_view(current_user, case),
        category=category_name(case.category),
        rule=describe_rule((case.due_basis or {}).get("rule")),
        channel=label_for(CASE_CHANNEL_LABELS, case.channel),
        state=label_for(STATE_LABELS, case.state),
        outcome=label_for(OUTCOME_LABELS, case.outcome),
        forms=_action_forms(case, actions, submitted),
        trail=case_trail(case),
        related=svc.related_cases(case),
        templates=svc.templates_for(case) if "reply" in actions else [],
        users={u.id: u for u in db.session.scalars(sa.select(User).where(User.city_id == case.city_id))},
        state_label=lambda state: label_for(STATE_LABELS, state),
        rehandling=tasks,
        rehandling_forms=_rehandling_forms(tasks, rehandling_submitted),
        conflict=conflict,
        cycles=svc.case_cycles(case),
        outcome_label=lambda outcome: label_for(OUTCOME_LABELS, outcome),
        cycle_end_label=lambda end: label_for(CYCLE_END_LABELS, end),
    ), status


@bp.get("/<number>")
@login_required
def detail(number: str):
    return _render_detail(_load(number))


def _run(action: str, case: Case, form) -> str:
    """Call the service behind one action form; returns the message to show."""
    version = form.version.data
    if action == "assign":
        svc.assign_case(case, current_user, version, form.unit_id.data, form.assignee_id.data)
        return _("Case assigned.")
    if action == "start":
        svc.start_work(case, current_user, version)
        return _("Work on the case has started.")
    if action == "note":
        svc.add_note(case, current_user, version, form.body.data)
        return _("Note added.")
    if action == "reply":
        svc.reply_case(case, current_user, version, form.reply.data, form.public_summary.data)
        return _("Reply recorded.")
    if action == "extension":
        svc.request_extension(case, current_user, version, form.reason.data, form.new_date.data)
        return _("Extension requested.")
    if action == "decide":
        extension = db.session.get(Extension, int(form.extension_id.data))
        if extension is None or extension.case_id != case.id:
            raise NotFound()
        svc.decide_extension(
            extension, current_user, version, form.decision.data == "approve", form.note.data
        )
        return _("Extension approved.") if form.decision.data == "approve" else _("Extension rejected.")
    if action == "close":
        svc.close_case(case, current_user, version, form.outcome.data)
        return _("Case closed.")
    if action == "reopen":
        svc.reopen_case(case, current_user, version, form.reason.data)
        return _("Case reopened.")
    if action == "transfer":
        svc.transfer_case(
            case, current_user, version, form.reason.data, unit_id=form.unit_id.data, agency=form.agency.data,
            contact=form.contact.data,
        )
        return _("Case transferred.")
    if action == "merge":
        svc.merge_case(case, current_user, version, form.into_number.data)
        return _("Case merged as a duplicate.")
    if action == "link":
        svc.link_cases(case, current_user, version, form.number.data)
        return _("Cases linked.")
    for upload in _uploads(form.file):
        svc.add_attachment(case, current_user, version, upload.filename, upload.read())
        version = case.version
    return _("File attached.")


@bp.post("/<number>/<action>")
@login_required
def act(number: str, action: str):
    """One action form of the detail page: validate, call the service, and show the case again."""
    if action not in ACTION_FORMS:
        abort(404)
    case = _load(number)
    form = ACTION_FORMS[action](prefix=action)
    _fill_choices(action, form, case)
    if not form.validate():
        flash(_("Some of the data is not valid."), "error")
        return _render_detail(case, (action, form), 400)
    try:
        message = _run(action, case, form)
        db.session.commit()
    except Conflict:
        db.session.rollback()
        return _refused_as_stale(number, action, form)
    except ValidationFailed as error:
        db.session.rollback()
        case = _load(number)
        _show_errors(form, error)
        return _render_detail(case, (action, form), 400)
    flash(message, "success")
    return redirect(url_for("cases.detail", number=case.number))


def _refused_as_stale(number: str, action: str, form):
    """Someone else changed the case after this form was opened: the form comes back with what its author
    typed, beside what changed since the version they saw, and now carries the current version, so sending it
    again, once read, is a choice made knowing the other change."""
    case = _load(number)
    try:
        seen = int(form.version.data)
    except (TypeError, ValueError):
        seen = None
    changes = case_trail(case, since_version=seen) if seen is not None else []
    form.version.data = case.version
    flash(_("Someone else changed this case while you were working on it. Your text is kept in the form: "
            "check what changed and send it again."), "error")
    return _render_detail(case, (action, form), 409, conflict={"action": action, "changes": changes})


@bp.post("/<number>/rehandling/<int:task_id>")
@login_required
def complete_rehandling(number: str, task_id: int):
    """Record a re-handling task of the case as done, with what was done."""
    case = _load(number)
    task = db.session.get(RehandlingTask, task_id)
    if task is None or task.case_id != case.id:
        raise NotFound()
    form = RehandlingForm(prefix=f"rehandling-{task_id}")
    if not form.validate():
        flash(_("Some of the data is not valid."), "error")
        return _render_detail(case, status=400, rehandling_submitted=(task_id, form))
    try:
        svc.complete_rehandling(current_user, task_id, form.outcome.data)
        db.session.commit()
    except Conflict as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _render_detail(_load(number), status=409)
    except ValidationFailed as error:
        db.session.rollback()
        _show_errors(form, error)
        return _render_detail(_load(number), status=400, rehandling_submitted=(task_id, form))
    flash(_("Re-handling task recorded as done."), "success")
    return redirect(url_for("cases.detail", number=case.number))


@bp.get("/<number>/attachments/<int:attachment_id>")
@login_required
def attachment(number: str, attachment_id: int):
    case = _load(number)
    found = db.session.get(Attachment, attachment_id)
    if found is None or found.case_id != case.id:
        raise NotFound()
    return send_file(
        io.BytesIO(found.data), mimetype=found.content_type, as_attachment=True, download_name=found.filename
    )


@bp.get("/extensions")
@login_required
def extensions():
    """Extensions waiting for this supervisor (their unit) or director (all, those past the cap first)."""
    if current_user.role not in (Role.SUPERVISOR, Role.DIRECTOR):
        abort(403)
    stmt = scoped(sa.select(Extension).join(Case, Case.id == Extension.case_id), Case, current_user).where(
        Extension.state == "pending"
    )
    if current_user.role == Role.SUPERVISOR:
        stmt = stmt.where(Case.unit_id == current_user.unit_id, Extension.needs_director.is_(False))
    pending = db.session.scalars(stmt.order_by(Extension.needs_director.desc(), Extension.requested_at)).all()
    return render_template("cases/extensions.html", pending=pending)
