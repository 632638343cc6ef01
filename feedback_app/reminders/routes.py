"""Reminders: marking in-app reminders read, and the admin's chase ladder and retention report."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..models import ChaseSettings
from ..services import reminders
from ..services.errors import ValidationFailed
from . import bp
from .forms import LadderForm, MarkReadForm


@bp.post("/reminders/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    if MarkReadForm().validate_on_submit():
        reminders.mark_read(current_user, notification_id)
    return redirect(url_for("main.index"))


@bp.post("/reminders/read")
@login_required
def mark_all_read():
    if MarkReadForm().validate_on_submit():
        reminders.mark_read(current_user)
    return redirect(url_for("main.index"))


@bp.route("/admin/reminders", methods=["GET", "POST"])
@login_required
def settings():
    status = 200
    submitted = LadderForm() if request.method == "POST" else None
    if submitted is not None:
        if submitted.validate_on_submit() and submitted.office_id.data.isdigit():
            try:
                reminders.update_ladder(current_user, int(submitted.office_id.data), submitted.data)
                flash(_("The reminder settings were saved."))
                return redirect(url_for("reminders.settings"))
            except ValidationFailed as error:
                for field, message in error.details.items():
                    getattr(submitted, field).errors = [message]
        status = 400
    rows = []
    for office, ladder in reminders.ladders_for(current_user):
        if submitted is not None and submitted.office_id.data == str(office.id):
            form = submitted
        else:
            form = LadderForm(formdata=None, obj=ladder, data=None if ladder else ChaseSettings.DEFAULTS)
            form.office_id.data = str(office.id)
        rows.append((office, form))
    runs = reminders.retention_runs(current_user)
    return render_template("reminders/settings.html", rows=rows, runs=runs), status
