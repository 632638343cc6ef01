from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from ..forms import Form
from ..labels import SCORE_LABELS


class RoundForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=100)])
    office = SelectField(_l("Who is asked"), choices=[])
    starts_on = DateField(_l("From"), validators=[InputRequired()])
    ends_on = DateField(_l("Until (the links stop working after this day)"), validators=[InputRequired()])
    submit = SubmitField(_l("Open the round and send the links"))


class CloseForm(Form):
    submit = SubmitField(_l("Close the round now"))


SCALE = [SelectChoice(str(score), SCORE_LABELS[score]) for score in sorted(SCORE_LABELS, reverse=True)]


def answer_form(questions, locale: str, formdata=None):
    """A form with one five-point question per scale question of the round's questionnaire."""

    class AnswerForm(Form):
        submit = SubmitField(_l("Send my answers"))

    for question in questions:
        label = (question.texts or {}).get(locale) or (question.texts or {}).get("zh_TW") or question.code
        validators = [InputRequired(message=_l("Please choose an answer."))] if question.required else []
        setattr(AnswerForm, f"q_{question.code}", RadioField(label, choices=SCALE, validators=validators))
    return AnswerForm(formdata=formdata)
