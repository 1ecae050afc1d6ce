"""The admin's form for the editorial policy text (reader-report forms live in
reviewapp.reports.forms)."""

from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from reviewapp.forms import BaseForm


class PolicyForm(BaseForm):
    body = TextAreaField("Additional policy text (Markdown)",
                         validators=[Length(max=20_000)],
                         description="Shown below the sections generated from the settings.")
    # The text the form was made from (as a hash): a change saved meanwhile refuses it.
    token = HiddenField(validators=[DataRequired(), Length(max=64)])
