from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from ..forms import Form


class LadderForm(Form):
    office_id = HiddenField()
    before_due_days = IntegerField(
        _l("Remind the case officer this many working days before the due date"),
        validators=[InputRequired(), NumberRange(0, 30)],
    )
    supervisor_after_days = IntegerField(
        _l("Tell the supervisor from this many working days late (0: on the due date)"),
        validators=[InputRequired(), NumberRange(0, 30)],
    )
    escalate_after_days = IntegerField(
        _l("Tell the monitors (研考) from this many working days late"),
        validators=[InputRequired(), NumberRange(1, 60)],
    )
    director_after_days = IntegerField(
        _l("Tell the director from this many working days late (later than the monitors)"),
        validators=[InputRequired(), NumberRange(2, 90)],
    )
    unassigned_days = IntegerField(
        _l("Alert supervisors when a case is unassigned for this many working days"),
        validators=[InputRequired(), NumberRange(1, 30)],
    )
    extension_pending_days = IntegerField(
        _l("Remind the supervisor of an extension waiting this many working days"),
        validators=[InputRequired(), NumberRange(1, 30)],
    )
    rehandling_escalate_after_days = IntegerField(
        _l("Re-handling: tell the monitors from this many working days late"),
        validators=[InputRequired(), NumberRange(1, 60)],
    )
    close_after_reply_days = IntegerField(
        _l("Remind the officer to close a replied case this many working days after the reply"),
        validators=[InputRequired(), NumberRange(1, 60)],
    )
    submit = SubmitField(_l("Save"))


class MarkReadForm(Form):
    submit = SubmitField(_l("Mark as read"))
