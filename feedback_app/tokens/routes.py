import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..models import Office, Role
from ..services.access import require_role
from ..services.errors import ValidationFailed
from ..services.tokens import issue_token, list_tokens, revoke_token, token_status
from . import bp
from .forms import IssueTokenForm, RevokeTokenForm

CITY_WIDE = ""


def _issue_form(blank: bool = False) -> IssueTokenForm:
    form = IssueTokenForm(formdata=None) if blank else IssueTokenForm()
    offices = db.session.scalars(
        sa.select(Office).where(Office.city_id == current_user.city_id).order_by(Office.code)
    )
    choices = [
        SelectChoice(office.code, f"{office.code} {office.name}")
        for office in offices
        if current_user.office_id in (None, office.id)
    ]
    if current_user.office_id is None:
        choices.insert(0, SelectChoice(CITY_WIDE, _("Whole city")))
    form.office.choices = choices
    return form


def _page(form: IssueTokenForm, plain_token: str | None = None, status: int = 200):
    tokens = list_tokens(current_user)
    rows = db.session.execute(sa.select(Office.id, Office.code).where(Office.city_id == current_user.city_id))
    office_codes = {office_id: code for office_id, code in rows}
    return render_template(
        "tokens/index.html",
        form=form,
        tokens=tokens,
        plain_token=plain_token,
        office_codes=office_codes,
        status_of=token_status,
        revoke_form=RevokeTokenForm(),
    ), status


@bp.get("/")
@login_required
def index():
    require_role(current_user, Role.ADMIN)
    return _page(_issue_form())


@bp.post("/")
@login_required
def issue():
    """Issue a token and show it this once."""
    require_role(current_user, Role.ADMIN)
    form = _issue_form()
    if not form.validate_on_submit():
        return _page(form, status=400)
    office = None
    if form.office.data:
        office = db.session.scalar(sa.select(Office).where(Office.code == form.office.data))
    try:
        token, plain = issue_token(
            name=form.name.data,
            scopes=form.scopes.data,
            office=office,
            city=current_user.city,
            issued_by=current_user,
        )
    except ValidationFailed as error:
        db.session.rollback()
        for field, message in error.details.items():
            getattr(form, field, form.name).errors.append(message)
        return _page(form, status=400)
    db.session.commit()
    flash(_("Token %(name)s issued. Copy it now: it is not shown again.", name=token.name), "success")
    return _page(_issue_form(blank=True), plain_token=plain)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    require_role(current_user, Role.ADMIN)
    form = RevokeTokenForm()
    if form.validate_on_submit():
        token = revoke_token(token_id, current_user)
        db.session.commit()
        flash(_("Token %(name)s revoked.", name=token.name), "success")
    return redirect(url_for("tokens.index"))
