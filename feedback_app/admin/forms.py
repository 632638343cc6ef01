"""Forms of the organisation and staff pages; the services check the values, these only carry them."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import EqualTo, Length

from ..forms import Form


class CityForm(Form):
    code = StringField(_l("Code"), validators=[Length(max=16)])
    name = StringField(_l("City name"), validators=[Length(max=64)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=64)])
    submit = SubmitField(_l("Save"))


class OfficeForm(Form):
    code = StringField(_l("Code"), validators=[Length(max=16)])
    kind = SelectField(_l("Kind"))
    name = StringField(_l("Office name"), validators=[Length(max=64)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=64)])
    address = StringField(_l("Address"), validators=[Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Length(max=32)])
    active = BooleanField(_l("Open (untick to close it; its history stays in every report)"), default=True)
    submit = SubmitField(_l("Save"))


class UnitForm(Form):
    code = StringField(_l("Code"), validators=[Length(max=16)])
    name = StringField(_l("Unit name"), validators=[Length(max=64)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=64)])
    active = BooleanField(_l("Open (untick to close it; its history stays in every report)"), default=True)
    submit = SubmitField(_l("Save"))


class CounterForm(Form):
    code = StringField(_l("Code (on posters and kiosks)"), validators=[Length(max=32)])
    unit = SelectField(_l("Unit"))
    kind = SelectField(_l("Kind"))
    name = StringField(_l("Counter name"), validators=[Length(max=64)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=64)])
    active = BooleanField(_l("Open (untick to close it: its kiosks stop taking ratings)"), default=True)
    submit = SubmitField(_l("Save"))


class StaffForm(Form):
    username = StringField(_l("Username"), validators=[Length(max=64)])
    name = StringField(_l("Name"), validators=[Length(max=64)])
    email = StringField(_l("Email"), validators=[Length(max=254)])
    role = SelectField(_l("Role"))
    office = SelectField(_l("Office"))
    unit = SelectField(_l("Unit"))
    language = SelectField(_l("Language"))
    submit = SubmitField(_l("Save"))


class PasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[Length(max=256)])
    confirm = PasswordField(_l("The same password again"),
                            validators=[EqualTo("password", message=_l("The two passwords differ."))])
    submit = SubmitField(_l("Set password"))


class ActiveForm(Form):
    """Disable or enable an account: a button, with its CSRF token."""


class StaffImportForm(Form):
    file = FileField()
    payload = HiddenField()  # the checked file, sent back with the confirmation
