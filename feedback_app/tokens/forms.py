from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Form
from ..services.tokens import SCOPES


class IssueTokenForm(Form):
    name = StringField(_l("Name of the integration or person"), validators=[DataRequired(), Length(max=100)])
    scopes = SelectMultipleField(
        _l("Scopes"),
        choices=[SelectChoice(code, label) for code, label in SCOPES.items()],
        validators=[DataRequired()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    office = SelectField(_l("Office"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Issue token"))


class RevokeTokenForm(Form):
    submit = SubmitField(_l("Revoke"))
