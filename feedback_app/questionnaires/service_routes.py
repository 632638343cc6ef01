"""Admin pages for questionnaires per service: the services, a new questionnaire for one, what each counter
asks, and each office's optional kiosk step for sex and age."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Role
from ..services import kiosk_sex_age
from ..services import service_questionnaires as service
from ..services.access import is_city_admin, require_role
from ..services.errors import ValidationFailed
from . import bp

FIELD_LABELS = {
    "code": _l("Code"),
    "kind": _l("Asked on"),
    "service": _l("Service"),
    "kiosk": _l("Kiosk questionnaire"),
    "qr": _l("QR poster questionnaire"),
    **{f"name_{lang}": _l("Name (%(lang)s)", lang=lang) for lang in service.LANGUAGES},
}


def _names(form) -> dict:
    return {lang: form.get(f"name_{lang}", "") for lang in service.LANGUAGES}


@bp.get("/services")
@login_required
def services(error: ValidationFailed | None = None, form=None):
    """The services (業務別) and the questionnaires made for each; a city-wide admin adds both."""
    require_role(current_user, Role.ADMIN)
    return render_template(
        "service_questionnaires/services.html",
        services=service.services_for(current_user.city_id),
        questionnaires=[q for q in _city_questionnaires() if q.service_id is not None],
        kinds=service.KIND_LABELS,
        languages=service.LANGUAGES,
        can_edit=is_city_admin(current_user),
        error=error,
        form=form or {},
        field_labels=FIELD_LABELS,
    ), 400 if error else 200


def _city_questionnaires():
    from ..services.questionnaires import questionnaires_for

    return questionnaires_for(current_user)


@bp.post("/services")
@login_required
def create_service():
    try:
        created = service.create_service(current_user, code=request.form.get("code", ""), names=_names(request.form))
    except ValidationFailed as error:
        db.session.rollback()
        return services(error, request.form)
    db.session.commit()
    flash(_("Service %(name)s added.", name=created.names["zh_TW"]), "success")
    return redirect(url_for("questionnaires.services"))


@bp.post("/for-service")
@login_required
def create_for_service():
    """A questionnaire for one service: its first draft opens in the version editor."""
    form = request.form
    try:
        draft = service.create_questionnaire(
            current_user,
            code=form.get("q_code", ""),
            kind=form.get("kind", ""),
            names={lang: form.get(f"q_name_{lang}", "") for lang in service.LANGUAGES},
            service_id=form.get("service_id", type=int),
        )
    except ValidationFailed as error:
        db.session.rollback()
        return services(error, form)
    db.session.commit()
    flash(_("Questionnaire added as a draft: edit its questions and texts, then publish it."), "success")
    return redirect(url_for("questionnaires.edit", version_id=draft.id))


@bp.get("/counters")
@login_required
def counters(error: ValidationFailed | None = None, status: int = 200):
    """What each counter asks on its kiosk and its QR poster, and which offices' kiosks ask sex and age."""
    require_role(current_user, Role.ADMIN)
    city_id = current_user.city_id
    return render_template(
        "service_questionnaires/counters.html",
        counters=service.counters_for(current_user),
        offices=kiosk_sex_age.offices_for(current_user),
        kiosk_choices=service.assignable(city_id, "kiosk"),
        qr_choices=service.assignable(city_id, "qr"),
        error=error,
        field_labels=FIELD_LABELS,
    ), status


@bp.post("/counters")
@login_required
def assign_counters():
    """Save every counter's questionnaires at once; one refused choice changes nothing."""
    form = request.form
    try:
        for counter, _row in service.counters_for(current_user):
            if f"kiosk_{counter.id}" not in form and f"qr_{counter.id}" not in form:
                continue
            service.assign(
                current_user,
                counter.id,
                kiosk_questionnaire_id=form.get(f"kiosk_{counter.id}", type=int),
                qr_questionnaire_id=form.get(f"qr_{counter.id}", type=int),
            )
    except ValidationFailed as error:
        db.session.rollback()
        return counters(error, 400)
    db.session.commit()
    flash(_("The counters' questionnaires are saved; kiosks take them up between two citizens."), "success")
    return redirect(url_for("questionnaires.counters"))


@bp.post("/offices/<int:office_id>/sex-age")
@login_required
def office_sex_age(office_id):
    on = request.form.get("ask_sex_age") == "on"
    kiosk_sex_age.set_ask_sex_age(current_user, office_id, on)
    db.session.commit()
    if on:
        flash(_("The office's kiosks now ask sex and age after the rating; citizens may skip it."), "success")
    else:
        flash(_("The office's kiosks no longer ask sex and age."), "success")
    return redirect(url_for("questionnaires.counters"))
