"""Forms for reader reports: the reader's report, and the editor's answers to
it (start a re-review, or resolve it)."""

from flask import current_app
from wtforms import EmailField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from reviewapp.forms import BaseForm, VersionedForm


def _report_length(form, field):
    limit = current_app.config["REPORT_MAX_LENGTH"]
    if len(field.data or "") > limit:
        raise ValidationError(f"Please keep the message under {limit:,} characters "
                              f"(it has {len(field.data):,}).")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReaderReportForm(BaseForm):
    class Meta:  # no session token: the page is shared (security.refuse_cross_site_form)
        csrf = False

    message = TextAreaField(
        "What is wrong?", filters=[_strip],
        validators=[DataRequired("Describe the problem."), _report_length],
        description="For example an error, an outdated statement or a broken reference. "
                    "Please do not include personal medical details.")
    email = EmailField(
        "Your email (optional)", filters=[_strip],
        validators=[Optional(), Length(max=320),
                    Email("Enter a valid email address, or leave it empty.",
                          check_deliverability=False)],
        description="Only if you would like an answer. It is shown to the editors only.")


class RereviewForm(VersionedForm):
    report_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=5000)])


class ResolveReportForm(BaseForm):
    resolution = TextAreaField("Resolution", filters=[_strip],
                               validators=[DataRequired("Say what was done about the report."),
                                           Length(max=5000)])
