"""The reviewer's forms: answering an invitation, approving with a signature,
asking for changes."""

from wtforms import HiddenField, PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length

from reviewapp.forms import BaseForm, MultiCheckboxField, VersionedForm


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
    # The keys of the open citation warnings ticked "I have checked this" (issue 14 §5);
    # the page lists the warnings, the approve command checks every one is here.
    acknowledged = MultiCheckboxField("I have checked this", validate_choice=False)


class RequestChangesForm(VersionedForm):
    comments = TextAreaField("Comments", validators=[DataRequired("Write what should change."),
                                                     Length(max=20000)])
