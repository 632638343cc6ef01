from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..services import questionnaires as service
from . import bp


@bp.get("/")
@login_required
def index():
    return render_template(
        "questionnaires/index.html", questionnaires=service.questionnaires_for(current_user)
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
    return render_template("questionnaires/edit.html", version=version, languages=service.LANGUAGES)


@bp.post("/versions/<int:version_id>/publish")
@login_required
def publish(version_id):
    service.publish(current_user, version_id)
    flash(_("Version published; new answers use it from now on."), "success")
    return redirect(url_for("questionnaires.index"))
