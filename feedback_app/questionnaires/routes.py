from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..services import questionnaires as service
from ..services.access import is_city_admin
from ..services.errors import ValidationFailed
from . import bp


@bp.get("/")
@login_required
def index():
    return render_template(
        "questionnaires/index.html",
        questionnaires=service.questionnaires_for(current_user),
        can_edit=is_city_admin(current_user),
    )


@bp.post("/<int:questionnaire_id>/versions")
@login_required
def new_version(questionnaire_id):
    draft = service.new_draft(current_user, questionnaire_id)
    return redirect(url_for("questionnaires.edit", version_id=draft.id))


@bp.route("/versions/<int:version_id>", methods=["GET", "POST"])
@login_required
def edit(version_id):
    version = service.get_version(current_user, version_id)
    if request.method == "POST":
        texts = {}
        for name, value in request.form.items():
            if name.startswith("t|"):
                _prefix, code, option, lang = name.split("|", 3)
                texts[(code, option or None, lang)] = value
        service.update_texts(current_user, version_id, texts)
        flash(_("Texts saved."), "success")
        return redirect(url_for("questionnaires.edit", version_id=version_id))
    return _page(version)


def _page(version, error: ValidationFailed | None = None):
    return render_template(
        "questionnaires/edit.html",
        version=version,
        languages=service.LANGUAGES,
        kinds=service.KIND_LABELS,
        roles=service.ROLE_LABELS,
        error=error,
        form=request.form if error else {},
        can_edit=is_city_admin(current_user),
    ), 400 if error else 200


def _change(version_id, change, done: str):
    """Apply one change to a draft: back to the page with a message, or the page again with what was wrong."""
    try:
        change()
    except ValidationFailed as error:
        return _page(service.get_version(current_user, version_id), error)
    flash(done, "success")
    return redirect(url_for("questionnaires.edit", version_id=version_id))


@bp.post("/versions/<int:version_id>/questions")
@login_required
def add_question(version_id):
    form = request.form
    return _change(
        version_id,
        lambda: service.add_question(
            current_user,
            version_id,
            code=form.get("code", ""),
            kind=form.get("kind", ""),
            role=form.get("role", ""),
            required=form.get("required") == "y",
            text=form.get("text", ""),
        ),
        _("Question added."),
    )


@bp.post("/versions/<int:version_id>/questions/<code>/remove")
@login_required
def remove_question(version_id, code):
    return _change(version_id, lambda: service.remove_question(current_user, version_id, code), _("Question removed."))


@bp.post("/versions/<int:version_id>/questions/<code>/move")
@login_required
def move_question(version_id, code):
    step = {"up": -1, "down": 1}.get(request.form.get("direction"), 0)
    return _change(
        version_id, lambda: service.move_question(current_user, version_id, code, step), _("Question moved.")
    )


@bp.post("/versions/<int:version_id>/questions/<code>/options")
@login_required
def add_option(version_id, code):
    form = request.form
    return _change(
        version_id,
        lambda: service.add_option(
            current_user, version_id, code, code=form.get("option_code", ""), text=form.get("option_text", "")
        ),
        _("Option added."),
    )


@bp.post("/versions/<int:version_id>/questions/<code>/options/<option>/remove")
@login_required
def remove_option(version_id, code, option):
    return _change(
        version_id, lambda: service.remove_option(current_user, version_id, code, option), _("Option removed.")
    )


@bp.post("/versions/<int:version_id>/publish")
@login_required
def publish(version_id):
    try:
        service.publish(current_user, version_id)
    except ValidationFailed as error:
        return _page(service.get_version(current_user, version_id), error)
    flash(_("Version published; new answers use it from now on."), "success")
    return redirect(url_for("questionnaires.index"))
