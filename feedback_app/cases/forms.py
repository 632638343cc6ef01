"""Forms of the case pages. Every form that changes a case carries the version the user saw."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..forms import Form
from ..models.case import PUBLIC_SUMMARY_MAX, REHANDLING_OUTCOME_MAX
from ..services.contact import email_error, phone_error


def _optional_int(value):
    if value in (None, "", "0", 0):
        return None
    return int(value)


def checked_by(check):
    """A field validator that asks the service's check, so the form says what every other entrance says."""

    def validate(form, field):
        message = check(field.data)
        if message:
            raise ValidationError(message)

    return validate


class CaseForm(Form):
    office_id = SelectField(_l("Office"), coerce=int, validators=[Optional()])
    channel = SelectField(_l("Channel"), validators=[DataRequired()])
    category_id = SelectField(_l("Category"), coerce=_optional_int, validators=[Optional()])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    received_at = DateTimeLocalField(
        _l("Received at (Asia/Taipei)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    external_ref = StringField(_l("Original reference number"), validators=[Optional(), Length(max=64)])
    petitioner_name = StringField(_l("Petitioner's name"), validators=[Optional(), Length(max=100)])
    petitioner_phone = StringField(_l("Phone"), validators=[checked_by(phone_error)])
    petitioner_email = StringField(_l("Email"), validators=[checked_by(email_error)])
    petitioner_address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    confidential = BooleanField(_l("Keep the petitioner's identity confidential"))
    # Choices are filled in by the view: the office's language, or one of the five the petitioner may use.
    petitioner_locale = SelectField(_l("The petitioner's language (for notices)"), validators=[Optional()])
    attachments = MultipleFileField(_l("Attachments (PDF, PNG, JPEG or plain text)"))
    submit = SubmitField(_l("Log the case"))


class VersionedForm(Form):
    version = HiddenField(validators=[DataRequired()])


class AssignForm(VersionedForm):
    unit_id = SelectField(_l("Unit"), coerce=_optional_int, validators=[InputRequired()])
    assignee_id = SelectField(_l("Case officer"), coerce=_optional_int, validators=[InputRequired()])
    submit = SubmitField(_l("Assign"))


class StartForm(VersionedForm):
    submit = SubmitField(_l("Start work"))


class NoteForm(VersionedForm):
    body = TextAreaField(_l("Internal note (staff only)"), validators=[DataRequired(), Length(max=10000)])
    submit = SubmitField(_l("Add note"))


class ReplyForm(VersionedForm):
    template = SelectField(_l("Reply template"), validators=[Optional()], validate_choice=False)
    reply = TextAreaField(_l("Reply to the petitioner"), validators=[DataRequired(), Length(max=20000)])
    public_summary = TextAreaField(
        _l("Public summary (published)"), validators=[Optional(), Length(max=PUBLIC_SUMMARY_MAX)]
    )
    submit = SubmitField(_l("Send reply"))


class ExtensionForm(VersionedForm):
    new_date = DateField(_l("New due date"), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason (the petitioner is told)"), validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Request extension"))


class DecideForm(VersionedForm):
    extension_id = HiddenField(validators=[DataRequired()])
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))],
        validators=[InputRequired()],
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Decide"))


class CloseForm(VersionedForm):
    outcome = SelectField(_l("Outcome"), validators=[InputRequired()])
    submit = SubmitField(_l("Close the case"))


class ReopenForm(VersionedForm):
    reason = TextAreaField(_l("Reason for reopening"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Reopen"))


class TransferForm(VersionedForm):
    unit_id = SelectField(_l("To another unit"), coerce=_optional_int, validators=[Optional()])
    agency = StringField(_l("Or to another agency (移文)"), validators=[Optional(), Length(max=200)])
    contact = StringField(
        _l("The agency's contact (told to the petitioner)"), validators=[Optional(), Length(max=200)]
    )
    reason = TextAreaField(_l("Reason for the transfer"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Transfer"))


class MergeForm(VersionedForm):
    into_number = StringField(_l("Duplicate of case number"), validators=[DataRequired(), Length(max=32)])
    submit = SubmitField(_l("Merge as duplicate"))


class LinkForm(VersionedForm):
    number = StringField(_l("Related case number"), validators=[DataRequired(), Length(max=32)])
    submit = SubmitField(_l("Link"))


class AttachForm(VersionedForm):
    file = MultipleFileField(_l("File (PDF, PNG, JPEG or plain text)"), validators=[DataRequired()])
    submit = SubmitField(_l("Upload"))


class RehandlingForm(Form):
    outcome = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=REHANDLING_OUTCOME_MAX)])
    submit = SubmitField(_l("Record as done"))


class LookupForm(Form):
    number = StringField(_l("Case number"), validators=[DataRequired(), Length(max=32)])
    code = StringField(_l("Lookup code"), validators=[DataRequired(), Length(max=32)])
    submit = SubmitField(_l("Look up"))


class RateForm(Form):
    number = HiddenField(validators=[DataRequired()])
    code = HiddenField(validators=[DataRequired()])
    score = RadioField(
        _l("How satisfied are you with the reply?"),
        coerce=int,
        choices=[
            SelectChoice(5, _l("Very satisfied")),
            SelectChoice(4, _l("Satisfied")),
            SelectChoice(3, _l("Neutral")),
            SelectChoice(2, _l("Dissatisfied")),
            SelectChoice(1, _l("Very dissatisfied")),
        ],
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Send rating"))


class RuleForm(Form):
    channel = SelectField(_l("Channel"), validators=[Optional()])
    category_id = SelectField(_l("Category"), coerce=_optional_int, validators=[Optional()])
    working_days = IntegerField(_l("Working days"), validators=[InputRequired(), NumberRange(min=1, max=365)])
    submit = SubmitField(_l("Save rule"))


class CategoryForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=64)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=64)])
    group = StringField(_l("Group"), validators=[Optional(), Length(max=32)])
    position = IntegerField(_l("Position"), default=0, validators=[Optional(), NumberRange(min=0, max=999)])
    active = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save category"))


class ReplyTemplateForm(Form):
    category_id = SelectField(_l("Category"), coerce=_optional_int, validators=[Optional()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    body = TextAreaField(_l("Text of the reply"), validators=[DataRequired(), Length(max=20000)])
    submit = SubmitField(_l("Save template"))
