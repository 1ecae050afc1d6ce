"""The reviewer's forms: answering an invitation, approving with a signature,
asking for changes."""

from wtforms import HiddenField, PasswordField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from reviewapp.forms import BaseForm, MultiCheckboxField, VersionedForm

NO_INTERESTS, DECLARE = "none", "declare"
CHOOSE_DECLARATION = ("Choose “No competing interests” or “I have competing "
                      "interests to declare”.")
DESCRIBE_INTERESTS = ("You chose “I have competing interests to declare”: describe "
                      "them.")
CONFLICTING_DECLARATION = ("You chose “No competing interests” but described some: "
                           "choose “I have competing interests to declare”, or "
                           "clear the text.")


class AcceptForm(BaseForm):
    """Competing interests declared explicitly: two choices and no default, the
    second with the interests described."""

    declaration = RadioField(
        "Competing interests",
        choices=[SelectChoice(NO_INTERESTS, "No competing interests"),
                 SelectChoice(DECLARE, "I have competing interests to declare")],
        validate_choice=False,
        validators=[AnyOf((NO_INTERESTS, DECLARE), message=CHOOSE_DECLARATION)])
    competing_interests = TextAreaField(
        "Your competing interests", validators=[Length(max=5000)],
        description="Financial or personal interests related to this article (fees, grants, "
                    "shares, employment). The editor sees them, and readers see them beside "
                    "your name on the published article.")

    def validate_competing_interests(self, field):
        described = (field.data or "").strip()
        if self.declaration.data == DECLARE and described.lower() in ("", NO_INTERESTS):
            raise ValidationError(DESCRIBE_INTERESTS)
        if self.declaration.data == NO_INTERESTS and described and described.lower() != "none":
            raise ValidationError(CONFLICTING_DECLARATION)

    def declared(self) -> str:
        """What the service stores: "none", or the interests described."""
        if self.declaration.data == NO_INTERESTS:
            return NO_INTERESTS
        return self.competing_interests.data.strip()


class DeclineForm(BaseForm):
    reason = TextAreaField("Reason", validators=[
        DataRequired("A reason is required to decline."), Length(max=5000)])


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
