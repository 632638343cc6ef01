"""Kiosk pages: the touch page, its service worker, pairing, the kiosk's config, admin's devices and the
ratings refused and kept in quarantine."""

import sqlalchemy as sa
from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from feedback_app.extensions import db
from feedback_app.i18n import LANGUAGE_NAMES
from feedback_app.models import Counter, Device, Role
from feedback_app.services import devices, kiosk_sex_age, quarantine
from feedback_app.services.access import ensure_access, require_role, scoped
from feedback_app.services.contact import EMAIL_SHAPE, PHONE_PATTERN
from feedback_app.services.defaults import QUESTIONNAIRES
from feedback_app.services.errors import NotFound, ValidationFailed
from feedback_app.services.org import open_counters_stmt
from feedback_app.services.ratings import KIOSK_QUESTIONNAIRE, current_version
from feedback_app.services.service_questionnaires import kiosk_code

from . import bp
from .texts import LANGUAGES, texts_for_page


def questionnaire_config(version=None) -> dict:
    """What the kiosk shows: the overall question and reasons in five languages, and their version."""
    if version is None:
        spec = next(q for q in QUESTIONNAIRES if q["code"] == KIOSK_QUESTIONNAIRE)
        questions, number = spec["questions"], None
    else:
        questions = [
            {"code": q.code, "kind": q.kind, "role": q.role, "texts": q.texts, "options": q.options}
            for q in version.questions
        ]
        number = version.version
    overall = next(q for q in questions if q["code"] == "overall")
    reasons = next((q for q in questions if q["role"] == "reason"), None)
    return {
        "version": number,
        "overall": {"texts": overall["texts"], "options": overall["options"]},
        "reasons": {"code": reasons["code"], "texts": reasons["texts"], "options": reasons["options"]}
        if reasons
        else None,
    }


def device_config(device: Device) -> dict:
    """The published kiosk questionnaire of the device's counter, as the kiosk renders and answers it, and
    the office's optional sex and age step (None when off)."""
    counter = device.counter
    code = kiosk_code(counter)
    data = questionnaire_config(current_version(counter.office.city_id, code))
    data["questionnaire"] = code
    data["sexAge"] = kiosk_sex_age.step_config(counter.office_id)
    data["counter"] = {"code": counter.code, "name": counter.name, "office": counter.office.name}
    return data


@bp.get("/")
def page():
    """The full-screen touch page; the service worker keeps it for when the network is down.

    The page is the same for every kiosk: the script renders the questionnaire of its own counter, kept on
    the device since pairing and refreshed from /kiosk/config, so the options shown are the version sent."""
    return render_template(
        "kiosk/page.html",
        config=questionnaire_config(),
        texts=texts_for_page(),
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        config_thanks_seconds=current_app.config["KIOSK_THANKS_SECONDS"],
        config_poll_seconds=current_app.config["KIOSK_CONFIG_POLL_SECONDS"],
        sex_age_seconds=current_app.config["KIOSK_SEX_AGE_SECONDS"],
        reason_screen={
            "seconds": current_app.config["KIOSK_REASON_SECONDS"],
            "warningSeconds": current_app.config["KIOSK_REASON_WARNING_SECONDS"],
            # The server's own checks, so a mistyped contact is fixed on the spot rather than refused later.
            "phonePattern": PHONE_PATTERN,
            "emailPattern": EMAIL_SHAPE,
        },
    )


@bp.get("/sw.js")
def service_worker():
    response = send_from_directory(bp.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/config")
def config():
    """The questionnaire of the kiosk's city and its counter (Authorization: Bearer device token).

    With an ETag: the kiosk asks again with If-None-Match while idle and gets 304 until a new version is out."""
    header = request.headers.get("Authorization", "")
    device = devices.device_for_token(header[7:].strip() if header.lower().startswith("bearer ") else None)
    response = jsonify(device_config(device))
    response.add_etag()
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


@bp.route("/pair/<code>", methods=["GET", "POST"])
def pair(code):
    """Pair this browser with a kiosk: the one-time code becomes a device token kept by the page."""
    if request.method == "GET":
        return render_template("kiosk/pair.html", code=code)
    device, token = devices.pair(code)
    db.session.commit()
    try:
        kiosk_config = device_config(device)
    except NotFound:
        kiosk_config = None  # no kiosk questionnaire published yet: the kiosk asks for it later
    return render_template("kiosk/paired.html", device=device, token=token, kiosk_config=kiosk_config)


# --- admin: devices -----------------------------------------------------------------------------------------


def _counters():
    return db.session.scalars(scoped(open_counters_stmt(), Counter, current_user).order_by(Counter.code)).all()


@bp.get("/devices")
@login_required
def device_list():
    require_role(current_user, Role.ADMIN)
    items = db.session.scalars(scoped(sa.select(Device), Device, current_user).order_by(Device.id)).all()
    return render_template("kiosk/devices.html", devices=items, counters=_counters())


@bp.post("/devices")
@login_required
def device_register():
    require_role(current_user, Role.ADMIN)
    counter = ensure_access(current_user, db.session.get(Counter, request.form.get("counter_id", type=int)))
    device, code = devices.register_device(counter, request.form.get("name"), created_by_id=current_user.id)
    db.session.commit()
    flash(
        _(
            "Kiosk %(name)s registered. Pairing code: %(code)s — open %(url)s on the kiosk.",
            name=device.name,
            code=code,
            url=devices.pairing_url(code),
        ),
        "success",
    )
    return redirect(url_for("kiosk.device_list"))


@bp.post("/devices/<int:device_id>/revoke")
@login_required
def device_revoke(device_id):
    require_role(current_user, Role.ADMIN)
    device = ensure_access(current_user, db.session.get(Device, device_id))
    devices.revoke(device)
    db.session.commit()
    flash(_("Kiosk %(name)s revoked; it can no longer send ratings.", name=device.name), "success")
    return redirect(url_for("kiosk.device_list"))


@bp.post("/devices/<int:device_id>/code")
@login_required
def device_new_code(device_id):
    require_role(current_user, Role.ADMIN)
    device = ensure_access(current_user, db.session.get(Device, device_id))
    code = devices.new_pairing_code(device)
    db.session.commit()
    flash(
        _(
            "New pairing code for %(name)s: %(code)s — open %(url)s on the kiosk.",
            name=device.name,
            code=code,
            url=devices.pairing_url(code),
        ),
        "success",
    )
    return redirect(url_for("kiosk.device_list"))


# --- admin: refused ratings in quarantine -------------------------------------------------------------------


@bp.get("/quarantine")
@login_required
def quarantine_list(errors=None, drafts=None, status=200):
    """Ratings the server refused, kept as they arrived, for the admin to correct and store or dismiss."""
    return (
        render_template(
            "kiosk/quarantine.html",
            items=quarantine.open_items(current_user),
            resolved=quarantine.resolved_items(current_user),
            flagged=quarantine.flagged_ratings(current_user),
            errors=errors or {},
            drafts=drafts or {},
            counters={counter.id: counter.code for counter in _counters()},
            reason_labels=quarantine.REASON_LABELS,
            resolution_labels=quarantine.RESOLUTION_LABELS,
            flag_labels=quarantine.FLAG_LABELS,
        ),
        status,
    )


@bp.post("/quarantine/<int:item_id>/store")
@login_required
def quarantine_store(item_id):
    text = request.form.get("payload", "")
    try:
        outcome = quarantine.store_corrected(
            current_user, item_id, text, drop_contact=request.form.get("drop_contact") == "yes"
        )
    except ValidationFailed as error:
        db.session.rollback()
        reasons = error.details or {"payload": str(error.message)}
        return quarantine_list(errors={item_id: reasons}, drafts={item_id: text}, status=400)
    if outcome.status == "already_stored":
        flash(_("This rating was stored already; it is counted once."), "success")
    else:
        flash(_("The corrected rating is stored and counted in the figures."), "success")
    return redirect(url_for("kiosk.quarantine_list"))


@bp.post("/quarantine/<int:item_id>/dismiss")
@login_required
def quarantine_dismiss(item_id):
    try:
        quarantine.dismiss(current_user, item_id, request.form.get("note"))
    except ValidationFailed as error:
        db.session.rollback()
        return quarantine_list(errors={item_id: error.details}, status=400)
    db.session.commit()
    flash(_("The refused rating is dismissed; it stays listed with your reason."), "success")
    return redirect(url_for("kiosk.quarantine_list"))
