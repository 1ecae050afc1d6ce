"""Forms of the editor's actions on an article. Each carries the article's version."""

from datetime import timedelta

from flask import current_app
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from reviewapp.db import utcnow
from reviewapp.forms import VersionedForm
from reviewapp.routing import MAX_ID


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


class WaiveForm(VersionedForm):
    finding_key = HiddenField(validators=[DataRequired(), Length(max=200)])
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason for the waiver."),
                                                 Length(max=5000)])


class DecisionForm(VersionedForm):
    """The editor's decision to send an article back, with the decision letter."""

    letter = TextAreaField("Decision letter", validators=[
        DataRequired("Write the decision letter."), Length(max=20000)],
        description="Mailed to the author and kept with the round. It starts with the "
                    "reviewers' comments to the author; edit it as you see fit.")
