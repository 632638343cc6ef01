"""The improvement action form: the problem and what it is linked to, the measure, owner, due date and state."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import Optional

from ..forms import Form
from ..phone_tests.forms import MarkedRequired


def _optional_int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ActionForm(Form):
    # Choices are filled by the view; the service decides what is valid, so every refusal has the same words.
    office_id = SelectField(_l("Office"), coerce=_optional_int, validate_choice=False)
    problem = TextAreaField(_l("Problem"), validators=[MarkedRequired()])
    target = SelectField(_l("Linked to"), validate_choice=False, validators=[MarkedRequired()])
    measure = TextAreaField(_l("Measure"), validators=[MarkedRequired()])
    owner_id = SelectField(_l("Owner"), coerce=_optional_int, validate_choice=False, validators=[MarkedRequired()])
    due_date = DateField(_l("Due date"), validators=[Optional(), MarkedRequired()])
    state = SelectField(_l("State"), validate_choice=False)
    dropped_reason = TextAreaField(_l("Why it was dropped"), validators=[Optional()])
    submit = SubmitField(_l("Save"))
