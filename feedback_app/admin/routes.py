import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..cases.forms import CategoryForm, ReplyTemplateForm, RuleForm
from ..cases.routes import category_name
from ..extensions import db
from ..labels import CASE_CHANNEL_LABELS
from ..models import CaseCategory, CaseChannel, DueDateRule, Office, ReplyTemplate, Role, User
from ..services import taxonomy
from ..services.access import require_city_admin, require_role, scoped
from ..services.errors import NotFound, ValidationFailed
from . import bp


@bp.get("/")
@login_required
def index():
    require_role(current_user, Role.ADMIN)
    offices = db.session.scalars(scoped(sa.select(Office), _OfficeAsOwned, current_user).order_by(Office.code))
    users = db.session.scalars(
        sa.select(User).where(User.city_id == current_user.city_id).order_by(User.office_id, User.username)
    )
    visible = [u for u in users if current_user.office_id is None or u.office_id == current_user.office_id]
    return render_template("admin/index.html", offices=list(offices), users=visible)


class _OfficeAsOwned:
    """Lets scoped() filter offices themselves: an office's own id is its office_id."""

    office_id = Office.id


def _category_choices(city_id: int, blank: str) -> list[tuple[int, str]]:
    categories = db.session.scalars(sa.select(CaseCategory).where(CaseCategory.city_id == city_id)
                                    .order_by(CaseCategory.position))
    return [(0, blank)] + [(c.id, category_name(c)) for c in categories]


def save_form(form, save) -> bool:
    """Validate and save a posted form: True once committed; else False, with each problem beside its field."""
    if not form.validate_on_submit():
        return False
    try:
        save()
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        for name, message in error.details.items():
            target = getattr(form, name, None)
            if target is not None and hasattr(target, "errors"):
                target.errors = [*target.errors, message]
            else:
                form.form_errors.append(message)
        return False
    return True


def _submit(form, save, saved_message: str, endpoint: str):
    """Validate and save a form: (redirect, None) once saved, else (None, the status to show it with)."""
    if not form.is_submitted():
        return None, 200
    if save_form(form, save):
        flash(saved_message, "success")
        return redirect(url_for(endpoint)), None
    return None, 400


@bp.route("/rules", methods=["GET", "POST"])
@login_required
def rules():
    """Due-date rules per channel and category: the most specific rule gives a case its working days."""
    require_city_admin(current_user)
    form = RuleForm()
    form.channel.choices = [("", _("Any channel"))] + [(c, str(CASE_CHANNEL_LABELS[c])) for c in CaseChannel.ALL]
    form.category_id.choices = _category_choices(current_user.city_id, _("Any category"))
    saved, status = _submit(form, lambda: taxonomy.save_rule(
        current_user, form.channel.data, form.category_id.data, form.working_days.data,
    ), _("Rule saved."), "admin.rules")
    if saved:
        return saved
    existing = db.session.scalars(sa.select(DueDateRule).where(DueDateRule.city_id == current_user.city_id)
                                  .order_by(DueDateRule.channel.is_(None).desc(), DueDateRule.channel,
                                            DueDateRule.category_id)).all()
    categories = {c.id: category_name(c) for c in db.session.scalars(
        sa.select(CaseCategory).where(CaseCategory.city_id == current_user.city_id))}
    return render_template("admin/rules.html", form=form, rules=existing, categories=categories,
                           channels=CASE_CHANNEL_LABELS), status


@bp.post("/rules/<int:rule_id>/delete")
@login_required
def delete_rule(rule_id: int):
    try:
        taxonomy.delete_rule(current_user, rule_id)
        db.session.commit()
        flash(_("Rule removed."), "success")
    except ValidationFailed as error:
        db.session.rollback()
        flash(str(error.message), "error")
    return redirect(url_for("admin.rules"))


@bp.route("/categories", methods=["GET", "POST"])
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@login_required
def categories(category_id: int | None = None):
    """The case category taxonomy: add, rename, reorder, retire."""
    require_city_admin(current_user)
    editing = None
    if category_id is not None:
        editing = db.session.get(CaseCategory, category_id)
        if editing is None or editing.city_id != current_user.city_id:
            raise NotFound()
    form = CategoryForm()
    if editing is not None and not form.is_submitted():
        form.code.data, form.group.data = editing.code, editing.group
        form.name_zh.data, form.name_en.data = editing.names.get("zh_TW"), editing.names.get("en")
        form.position.data, form.active.data = editing.position, editing.active
    saved, status = _submit(form, lambda: taxonomy.save_category(
        current_user, code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
        group=form.group.data, position=form.position.data, active=form.active.data, category_id=category_id,
    ), _("Category saved."), "admin.categories")
    if saved:
        return saved
    listed = db.session.scalars(sa.select(CaseCategory).where(CaseCategory.city_id == current_user.city_id)
                                .order_by(CaseCategory.position, CaseCategory.code)).all()
    return render_template("admin/categories.html", form=form, categories=listed, editing=editing), status


@bp.route("/reply-templates", methods=["GET", "POST"])
@login_required
def reply_templates():
    """Reply (函復) templates per category, offered on the reply form of a case."""
    require_city_admin(current_user)
    form = ReplyTemplateForm()
    form.category_id.choices = _category_choices(current_user.city_id, _("Any category"))
    saved, status = _submit(form, lambda: taxonomy.save_reply_template(
        current_user, title=form.title.data, body=form.body.data, category_id=form.category_id.data,
    ), _("Template saved."), "admin.reply_templates")
    if saved:
        return saved
    listed = db.session.scalars(sa.select(ReplyTemplate).where(ReplyTemplate.city_id == current_user.city_id)
                                .order_by(ReplyTemplate.category_id, ReplyTemplate.title)).all()
    categories = {c.id: category_name(c) for c in db.session.scalars(
        sa.select(CaseCategory).where(CaseCategory.city_id == current_user.city_id))}
    return render_template("admin/reply_templates.html", form=form, templates=listed,
                           categories=categories), status


@bp.post("/reply-templates/<int:template_id>/delete")
@login_required
def delete_reply_template(template_id: int):
    taxonomy.delete_reply_template(current_user, template_id)
    db.session.commit()
    flash(_("Template removed."), "success")
    return redirect(url_for("admin.reply_templates"))
