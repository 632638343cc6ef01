"""Pages to keep the staff: the list, one account (its password, disabling it), and the CSV import."""

import base64
import binascii

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..i18n import LANGUAGE_NAMES, PAGE_LANGUAGES, role_label
from ..models import City, Office, Role, User
from ..services import staff
from ..services.access import require_role, visible_office_ids
from ..services.errors import AccessDenied, NotFound, ValidationFailed
from ..services.org import require_city_admin
from ..services.users import has_password, set_password
from . import bp
from .forms import ActiveForm, PasswordForm, StaffForm, StaffImportForm
from .org_routes import status_of
from .routes import save_form

UNIT_SEPARATOR = "/"


def _account(user_id: int) -> User:
    require_role(current_user, Role.ADMIN)
    user = db.session.get(User, user_id)
    if user is None or user.city_id != current_user.city_id:
        raise NotFound()
    if current_user.office_id is not None and user.office_id != current_user.office_id:
        raise AccessDenied()
    return user


def _staff_form(user: User | None) -> StaffForm:
    """The form with its choices: open offices and units (and the account's own, even if closed)."""
    form = StaffForm()
    roles = [r for r in Role if current_user.office_id is None or r != Role.ADMIN]
    form.role.choices = [(r.value, role_label(r.value)) for r in roles]
    offices = db.session.scalars(sa.select(Office).where(Office.id.in_(visible_office_ids(current_user)))
                                 .order_by(Office.code)).all()
    keep = (user.office_id, user.unit_id) if user else (None, None)
    form.office.choices = ([("", _("City-wide"))] if current_user.office_id is None else []) + [
        (o.code, f"{o.code} {o.name}") for o in offices if o.active or o.id == keep[0]]
    form.unit.choices = [("", "—")] + [
        (f"{o.code}{UNIT_SEPARATOR}{u.code}", f"{o.code} {u.name}")
        for o in offices for u in o.units if u.active or u.id == keep[1]]
    form.language.choices = [("", _("Default"))] + [(code, LANGUAGE_NAMES[code]) for code in PAGE_LANGUAGES]
    if user is not None and not form.is_submitted():
        form.username.data, form.name.data, form.email.data = user.username, user.display_name, user.email
        form.role.data, form.language.data = user.role, user.locale or ""
        form.office.data = user.office.code if user.office else ""
        form.unit.data = f"{user.office.code}{UNIT_SEPARATOR}{user.unit.code}" if user.unit else ""
    return form


def _staff_values(form: StaffForm) -> dict:
    """The form as the staff service takes it; a unit picked under another office is refused per field."""
    values = {"name": form.name.data, "email": form.email.data, "role": form.role.data,
              "office": form.office.data, "language": form.language.data}
    office_code, _sep, unit_code = (form.unit.data or "").partition(UNIT_SEPARATOR)
    if unit_code and office_code != (form.office.data or ""):
        raise ValidationFailed(details={"unit": _("This unit belongs to another office.")})
    values["unit"] = unit_code
    return values


@bp.get("/staff")
@login_required
def staff_list():
    """Every account of the admin's scope, disabled ones with the open cases waiting to be reassigned."""
    require_role(current_user, Role.ADMIN)
    stmt = sa.select(User).where(User.city_id == current_user.city_id)
    if current_user.office_id is not None:
        stmt = stmt.where(User.office_id == current_user.office_id)
    users = db.session.scalars(stmt.order_by(User.active.desc(), User.office_id, User.username)).all()
    open_counts = staff.open_case_counts(u.id for u in users)
    return render_template("admin/staff.html", users=users, open_counts=open_counts, has_password=has_password)


@bp.route("/staff/new", methods=["GET", "POST"])
@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@login_required
def staff_account(user_id: int | None = None):
    """Add an account, or change one; the account's page also sets its password and disables it."""
    user = _account(user_id) if user_id is not None else None
    require_role(current_user, Role.ADMIN)
    form = _staff_form(user)
    city = db.session.get(City, current_user.city_id)

    def save():
        values = _staff_values(form)
        if user is None:
            values["username"] = form.username.data
        return staff.save_staff(city, values, user, by=current_user)

    saved = []
    if save_form(form, lambda: saved.append(save())):
        account = saved[0].record
        if user is None:
            flash(_("Account %(username)s added. Set its password below.", username=account.username), "success")
        else:
            flash(_("Account %(username)s saved.", username=account.username), "success")
        return redirect(url_for("admin.staff_account", user_id=account.id))
    return render_template(
        "admin/staff_account.html", form=form, user=user, password_form=PasswordForm(formdata=None),
        active_form=ActiveForm(), open_cases=staff.open_cases_of(user) if user else [],
        has_password=has_password(user) if user else False,
    ), status_of(form)


@bp.post("/staff/<int:user_id>/password")
@login_required
def staff_password(user_id: int):
    """Set an account's password: what a new account needs before its first sign-in."""
    user = _account(user_id)
    form = PasswordForm()
    if save_form(form, lambda: set_password(user, form.password.data)):
        flash(_("Password of %(username)s set; give it to them in person.", username=user.username), "success")
        return redirect(url_for("admin.staff_account", user_id=user.id))
    return render_template(
        "admin/staff_account.html", form=_staff_form(user), user=user, password_form=form, active_form=ActiveForm(),
        open_cases=staff.open_cases_of(user), has_password=has_password(user),
    ), 400


@bp.post("/staff/<int:user_id>/active")
@login_required
def staff_active(user_id: int):
    """Disable an account (or enable it again); its open cases stay with it and are listed for reassignment."""
    user = _account(user_id)
    form = ActiveForm()
    active = request.form.get("active") == "1"
    if form.validate_on_submit():
        try:
            cases = staff.set_active(user, active, by=current_user)
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            flash(" ".join(str(message) for message in error.details.values()) or str(error.message), "error")
        else:
            if active:
                flash(_("Account %(username)s enabled.", username=user.username), "success")
            elif cases:
                flash(_("Account %(username)s disabled. %(n)d open cases are still assigned to it: reassign "
                        "them.", username=user.username, n=len(cases)), "error")
            else:
                flash(_("Account %(username)s disabled.", username=user.username), "success")
    return redirect(url_for("admin.staff_account", user_id=user.id))


@bp.route("/staff/import", methods=["GET", "POST"])
@login_required
def staff_import():
    """Import staff from CSV: check first (nothing changes), then import every row or none."""
    require_city_admin(current_user)
    form = StaffImportForm()
    report = error = None
    if request.method == "POST" and form.validate_on_submit():
        confirm = request.form.get("action") == "import"
        try:
            data = _uploaded(form, confirm)
            city = db.session.get(City, current_user.city_id)
            report = staff.import_staff(city, data, dry_run=not confirm, by=current_user)
            if confirm:
                db.session.commit()
                flash(_("Staff imported: %(changed)d changed, %(unchanged)d unchanged.",
                        changed=len(report.changes), unchanged=report.unchanged), "success")
            else:
                form.payload.data = base64.b64encode(data).decode()
        except ValidationFailed as failure:
            db.session.rollback()
            error = failure
    elif request.method == "POST":
        error = ValidationFailed(_("The form expired; reload the page and try again."))
    return render_template("admin/staff_import.html", form=form, report=report, error=error,
                           columns=staff.COLUMNS, required=staff.REQUIRED_COLUMNS), 400 if error else 200


def _uploaded(form: StaffImportForm, confirm: bool) -> bytes:
    if confirm:
        try:
            return base64.b64decode(form.payload.data or "", validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(_("Check the file again before importing it.")) from None
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not data:
        raise ValidationFailed(details={"file": _("Choose a CSV file.")})
    return data
