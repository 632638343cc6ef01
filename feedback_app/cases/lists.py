"""Case lists, filters and CSV export and import."""

import base64
import binascii
import io

import sqlalchemy as sa
from flask import Response, current_app, flash, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField

from ..extensions import db
from ..forms import Form
from ..i18n import current_language
from ..labels import CASE_CHANNEL_LABELS, OPEN_STATES_LABEL, STATE_LABELS
from ..models import CaseCategory, CaseChannel, CaseState, Office, Role, Unit
from ..services import case_import, case_lists, spreadsheet
from ..services.access import can_access_office, require_role, scoped, visible_office_ids
from ..services.errors import AccessDenied, ValidationFailed
from ..services.planner import refresh_planner_statistics
from . import bp

IMPORT_ROLES = (Role.SUPERVISOR, Role.MONITOR, Role.ADMIN)


def _filter_options() -> dict:
    units = db.session.scalars(
        scoped(sa.select(Unit), Unit, current_user).order_by(Unit.office_id, Unit.code)
    )
    categories = db.session.scalars(
        sa.select(CaseCategory)
        .where(CaseCategory.city_id == current_user.city_id)
        .order_by(CaseCategory.position)
    )
    return {
        "views": case_lists.VIEW_LABELS,
        "states": {case_lists.OPEN: OPEN_STATES_LABEL} | {s: STATE_LABELS[s] for s in CaseState.ALL},
        "channels": {c: CASE_CHANNEL_LABELS[c] for c in CaseChannel.ALL},
        "units": list(units),
        "categories": list(categories),
    }


def _render_list(default_view: str):
    error = None
    try:
        query = case_lists.parse_query(request.args, default_view=default_view)
        page = case_lists.list_cases(current_user, query)
    except ValidationFailed as failure:
        error = failure
        view = request.args.get("view")
        query = case_lists.CaseQuery(view=view if view in case_lists.VIEWS else default_view)
        page = case_lists.CasePage(query=query)
    return render_template(
        "cases/list.html",
        page=page,
        query=query,
        error=error,
        options=_filter_options(),
        values=request.args.to_dict() if error else query.args(cursor=""),
        locale=current_language(),
        has_detail="cases.detail" in current_app.view_functions,
        can_import=current_user.role in IMPORT_ROLES,
        endpoint=request.endpoint,
        channel_labels=CASE_CHANNEL_LABELS,
        state_labels=STATE_LABELS,
        field_labels=case_lists.FIELD_LABELS,
    ), 400 if error else 200


@bp.get("/")
@login_required
def index():
    """Every list (view=mine, unit, due_soon, overdue, unassigned, all) with its filters."""
    return _render_list("all")


@bp.get("/mine")
@login_required
def my_cases():
    """The cases the signed-in officer handles, open ones first unless filtered otherwise."""
    return _render_list("mine")


@bp.get("/export.csv")
@login_required
def export_csv():
    """The current list as CSV (UTF-8 with BOM so Excel reads the Chinese), masked like the page."""
    query = case_lists.parse_query(request.args)
    locale = current_language()
    user = current_user._get_current_object()

    def generate():
        yield spreadsheet.BOM
        buffer = io.StringIO()
        writer = spreadsheet.writer(buffer, lineterminator="\r\n")
        for line in case_lists.csv_lines(user, query, locale=locale):
            writer.writerow(line)
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    filename = f"cases-{query.view}.csv"
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class ImportForm(Form):
    office = SelectField(coerce=int)
    file = FileField()
    payload = HiddenField()  # the checked file, sent back with the confirmation
    source_name = HiddenField()


def _import_offices() -> list[Office]:
    return list(
        db.session.scalars(
            sa.select(Office).where(Office.id.in_(visible_office_ids(current_user))).order_by(Office.code)
        )
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_cases():
    """Import a 1999 dispatch list: check first (nothing written), then import all rows or none."""
    require_role(current_user, *IMPORT_ROLES)
    offices = _import_offices()
    form = ImportForm()
    form.office.choices = [(office.id, f"{office.code} {office.name}") for office in offices]
    if request.method == "GET" and current_user.office_id:
        form.office.data = current_user.office_id
    report = error = None
    if request.method == "POST":
        confirm = request.form.get("action") == "import"
        try:
            office_id = _int_or_none(request.form.get("office"))
            office = db.session.get(Office, office_id) if office_id else None
            if office is None:
                raise ValidationFailed(details={"office": _("Choose an office.")})
            if not can_access_office(current_user, office.id):
                raise AccessDenied()
            data, source_name = _uploaded_file(confirm)
            report = case_import.import_cases(
                data, office, actor_id=current_user.id, dry_run=not confirm, source_name=source_name
            )
            if confirm:
                db.session.commit()
                if report.to_create:
                    refresh_planner_statistics(*case_import.IMPORTED_TABLES)
                flash(
                    _(
                        "%(n)d cases imported, %(skipped)d already there and skipped.",
                        n=len(report.to_create),
                        skipped=len(report.skipped),
                    ),
                    "success",
                )
            else:
                form.payload.data = base64.b64encode(data).decode()
                form.source_name.data = source_name
        except ValidationFailed as failure:
            db.session.rollback()
            error = failure
    status = 400 if error else 200
    return render_template(
        "cases/import.html",
        form=form,
        report=report,
        error=error,
        columns=case_import.COLUMNS,
        required=case_import.REQUIRED,
        channel_names=case_import.CHANNEL_WORDS,
        channel_labels=CASE_CHANNEL_LABELS,
    ), status


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _uploaded_file(confirm: bool) -> tuple[bytes, str]:
    """The file's bytes and name: uploaded to be checked, or sent back with the confirmation."""
    if confirm:
        try:
            data = base64.b64decode(request.form.get("payload", ""), validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(details={"file": _("Choose the file again.")}) from None
        return data, (request.form.get("source_name") or "")[:255]
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not data:
        raise ValidationFailed(details={"file": _("Choose a CSV file.")})
    return data, (upload.filename or "")[:255]


@bp.app_template_global("case_list_url")
def case_list_url(query: case_lists.CaseQuery, endpoint: str = "cases.index", **changes) -> str:
    """The URL of a list with some of its settings changed (next page, CSV export)."""
    return url_for(endpoint, **query.args(**changes))
