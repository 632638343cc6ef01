"""Pages to keep the organisation: the city, its offices, their units (課室) and counters (櫃檯)."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import City, Counter, Office, Role, Unit
from ..services import org
from ..services.access import ensure_access, require_role, scoped
from ..services.errors import NotFound
from . import bp
from .forms import CityForm, CounterForm, OfficeForm, UnitForm
from .routes import _OfficeAsOwned, save_form

CITY_FIELDS = ("code", "name", "name_en")
OFFICE_FIELDS = ("code", "kind", "name", "name_en", "address", "phone", "active")
UNIT_FIELDS = ("code", "name", "name_en", "active")
COUNTER_FIELDS = ("code", "unit", "kind", "name", "name_en", "active")


def status_of(form) -> int:
    return 400 if form.is_submitted() else 200


def _data(form, names) -> dict:
    return {name: getattr(form, name).data for name in names}


def _office(office_id: int) -> Office:
    require_role(current_user, Role.ADMIN)
    return ensure_access(current_user, db.session.get(Office, office_id), office_id=office_id)


def _kind_choices(kinds: dict) -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in kinds.items()]


@bp.route("/city", methods=["GET", "POST"])
@login_required
def city():
    """The city's code and names."""
    org.require_city_admin(current_user)
    record = db.session.get(City, current_user.city_id)
    form = CityForm(obj=record)
    if save_form(form, lambda: org.save_city(_data(form, CITY_FIELDS), record, by=current_user)):
        flash(_("City saved."), "success")
        return redirect(url_for("admin.city"))
    return render_template("admin/city.html", form=form, city=record), status_of(form)


@bp.route("/offices", methods=["GET", "POST"])
@login_required
def offices():
    """Every office of the city, closed ones too; a city admin adds offices here."""
    require_role(current_user, Role.ADMIN)
    listed = db.session.scalars(scoped(sa.select(Office), _OfficeAsOwned, current_user).order_by(Office.code)).all()
    form = OfficeForm() if current_user.office_id is None else None
    if form is not None:
        form.kind.choices = _kind_choices(org.OFFICE_KINDS)
        record = db.session.get(City, current_user.city_id)
        if save_form(form, lambda: org.save_office(record, _data(form, OFFICE_FIELDS), by=current_user)):
            flash(_("Office %(code)s added.", code=form.code.data.strip().upper()), "success")
            return redirect(url_for("admin.offices"))
    return render_template("admin/offices.html", offices=listed, form=form, kinds=org.OFFICE_KINDS), \
        status_of(form) if form is not None else 200


@bp.route("/offices/<int:office_id>", methods=["GET", "POST"])
@login_required
def office(office_id: int):
    """One office: its details (a city admin changes them), its units and counters."""
    record = _office(office_id)
    form = OfficeForm(obj=record) if current_user.office_id is None else None
    if form is not None:
        form.kind.choices = _kind_choices(org.OFFICE_KINDS)
        if save_form(form, lambda: org.save_office(record.city, _data(form, OFFICE_FIELDS), record,
                                                   by=current_user)):
            flash(_("Office %(code)s saved.", code=record.code), "success")
            return redirect(url_for("admin.office", office_id=record.id))
    return render_template("admin/office.html", office=record, form=form, kinds=org.OFFICE_KINDS,
                           counter_kinds=org.COUNTER_KINDS), status_of(form) if form is not None else 200


@bp.route("/offices/<int:office_id>/units/new", methods=["GET", "POST"])
@bp.route("/offices/<int:office_id>/units/<int:unit_id>", methods=["GET", "POST"])
@login_required
def unit(office_id: int, unit_id: int | None = None):
    """Add a unit (課室) to an office, or change one."""
    record_office = _office(office_id)
    record = None
    if unit_id is not None:
        record = db.session.get(Unit, unit_id)
        if record is None or record.office_id != record_office.id:
            raise NotFound()
    form = UnitForm(obj=record)
    if save_form(form, lambda: org.save_unit(record_office, _data(form, UNIT_FIELDS), record, by=current_user)):
        flash(_("Unit %(code)s saved.", code=form.code.data.strip().upper()), "success")
        return redirect(url_for("admin.office", office_id=record_office.id))
    return render_template("admin/unit.html", office=record_office, unit=record, form=form), status_of(form)


@bp.route("/offices/<int:office_id>/counters/new", methods=["GET", "POST"])
@bp.route("/offices/<int:office_id>/counters/<int:counter_id>", methods=["GET", "POST"])
@login_required
def counter(office_id: int, counter_id: int | None = None):
    """Add a counter (櫃檯) to an office, or change one; closing it stops its kiosks."""
    record_office = _office(office_id)
    record = None
    if counter_id is not None:
        record = db.session.get(Counter, counter_id)
        if record is None or record.office_id != record_office.id:
            raise NotFound()
    form = CounterForm(obj=record)
    form.kind.choices = _kind_choices(org.COUNTER_KINDS)
    form.unit.choices = [(u.code, f"{u.code} {u.name}") for u in record_office.units
                         if u.active or (record is not None and record.unit_id == u.id)]
    if record is not None and not form.is_submitted():
        form.unit.data = record.unit.code
    if save_form(form, lambda: org.save_counter(record_office, _data(form, COUNTER_FIELDS), record,
                                                by=current_user)):
        flash(_("Counter %(code)s saved.", code=form.code.data.strip().upper()), "success")
        return redirect(url_for("admin.office", office_id=record_office.id))
    return render_template("admin/counter.html", office=record_office, counter=record, form=form), status_of(form)
