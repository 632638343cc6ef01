"""Forms of the phone test pages: a test call scored item by item, a unit's quarterly plan, a follow-up's outcome."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from ..forms import Form
from ..services.phone_tests import (
    FAIL,
    ITEM_LABELS,
    ITEMS,
    NOT_APPLICABLE,
    OPTIONAL_ITEMS,
    PASS,
    RESULT_LABELS,
)


def _optional_int(value):
    if value in (None, "", "0", 0):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MarkedRequired:
    """Marks a field required (its label says so) and leaves the check to the service, which names every
    missing or wrong field at once rather than only those the form catches first."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


def _item_field(item: str) -> RadioField:
    results = (PASS, FAIL, NOT_APPLICABLE) if item in OPTIONAL_ITEMS else (PASS, FAIL)
    # The service checks the score, so an unknown one is refused with the same words from every way in.
    choices = [SelectChoice(r, RESULT_LABELS[r]) for r in results]
    return RadioField(ITEM_LABELS[item], choices=choices, validate_choice=False, validators=[MarkedRequired()])


class PhoneTestForm(Form):
    unit_id = SelectField(
        _l("Office and unit"), coerce=_optional_int, validate_choice=False, validators=[MarkedRequired()]
    )
    called_at = DateTimeLocalField(_l("Date and time of the call"), validators=[Optional(), MarkedRequired()])
    extension = StringField(_l("Extension"))
    tester = StringField(_l("Tester"), validators=[MarkedRequired()])
    three_rings = _item_field("three_rings")
    greeting = _item_field("greeting")
    attitude = _item_field("attitude")
    clear_answer = _item_field("clear_answer")
    transfer = _item_field("transfer")
    callback = _item_field("callback")
    note = TextAreaField(_l("Note"))
    needs_followup = BooleanField(_l("Needs follow-up by the unit's supervisor (always, when an item failed)"))
    submit = SubmitField(_l("Record the test"))

    def scores(self) -> dict:
        return {item: getattr(self, item).data for item in ITEMS}


class PlanForm(Form):
    unit_id = SelectField(_l("Office and unit"), coerce=_optional_int, validate_choice=False)
    period = StringField(_l("Quarter"), validators=[InputRequired()])
    planned = IntegerField(_l("Tests planned"), validators=[InputRequired()])
    submit = SubmitField(_l("Save the plan"))


class FollowupForm(Form):
    outcome = TextAreaField(_l("What was done"), validators=[Optional()])
    submit = SubmitField(_l("Mark the follow-up done"))
