from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..services.alerts import acknowledge, alerts_for
from . import bp


@bp.get("/")
@login_required
def index():
    return render_template("alerts/index.html", alerts=alerts_for(current_user))


@bp.post("/<int:alert_id>/acknowledge")
@login_required
def acknowledge_alert(alert_id):
    acknowledge(current_user, alert_id, request.form.get("comment", ""))
    flash(_("Alert acknowledged."), "success")
    return redirect(url_for("alerts.index"))
