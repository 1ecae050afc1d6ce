"""Forms of the review workflow. Each carries the article's version."""

from datetime import timedelta

from flask import current_app
from wtforms import DateField, HiddenField, IntegerField, PasswordField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from reviewapp.db import utcnow
from reviewapp.forms import MISSING_VERSION, BaseForm
from reviewapp.routing import MAX_ID


class VersionedForm(BaseForm):
    """The version the page was made from: a change made meanwhile refuses the
    form, and a form without it is refused whole (never applied unchecked)."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(MISSING_VERSION)])


class ReasonForm(VersionedForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason."),
                                                 Length(max=5000)])


class AssignForm(VersionedForm):
    reviewer = SelectField("Reviewer", coerce=int, validators=[
        InputRequired("Choose a reviewer."),
        NumberRange(min=1, max=MAX_ID, message="There is no such user.")])  # before a query
    due_date = DateField("Due date", validators=[DataRequired("Give a due date.")])

    def set_defaults(self):
        if self.due_date.data is None:
            days = current_app.config["DEFAULT_REVIEW_DAYS"]
            self.due_date.data = (utcnow() + timedelta(days=days)).date()


class AcceptForm(BaseForm):
    competing_interests = TextAreaField(
        "Competing interests", default="none", validators=[Length(max=5000)],
        description="Declare any financial or personal interest related to this article, "
                    "or leave \"none\".")


class DeclineForm(BaseForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason."),
                                                 Length(max=5000)])


class ApproveForm(BaseForm):
    """Bound to the content hash of the revision on screen, not to the article's
    version: two reviewers signing the same revision at once both count."""

    content_hash = HiddenField(validators=[DataRequired("The form is missing the revision "
                                                        "it signs; reload the page."),
                                           Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."),
                                                     Length(max=1000)])


class RequestChangesForm(VersionedForm):
    comments = TextAreaField("Comments", validators=[DataRequired("Write what should change."),
                                                     Length(max=20000)])


class WaiveForm(VersionedForm):
    finding_key = HiddenField(validators=[DataRequired(), Length(max=200)])
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason for the waiver."),
                                                 Length(max=5000)])
