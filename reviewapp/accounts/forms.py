"""Forms for logging in and managing users."""

from flask import current_app
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length, ValidationError

from reviewapp.accounts import profiles
from reviewapp.accounts.orcid import InvalidOrcid, normalize_orcid
from reviewapp.accounts.permissions import ROLE_LABELS, ROLES
from reviewapp.forms import BaseForm, MultiCheckboxField, tag_lengths
from reviewapp.normalize import normalize_email

ROLE_CHOICES = [SelectChoice(r, ROLE_LABELS[r]) for r in ROLES]


def password_length(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(f"The password must be at least {minimum} characters long.")


def _normalized_email(value):
    return normalize_email(value) if isinstance(value, str) else value


class LoginForm(BaseForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField("Log in")


class UserCreateForm(BaseForm):
    email = EmailField("Email", filters=[_normalized_email],
                       validators=[DataRequired(), Length(max=320),
                                   Email(check_deliverability=False)])
    display_name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES,
                               validators=[DataRequired("Choose at least one role.")])
    specialties = StringField("Specialties", validators=[Length(max=1000), tag_lengths],
                              description="Comma-separated, e.g. cardiology, pain medicine")
    submit = SubmitField("Create user")


def _orcid(form, field):
    try:
        normalize_orcid(field.data or "")
    except InvalidOrcid as error:
        raise ValidationError(error.message) from None


def _at_most(limit: int, label: str) -> Length:
    return Length(max=limit, message=f"{label} can be at most {limit:,} characters.")


class PublicProfileForm(BaseForm):
    """What readers see of a person (accounts/profiles.py): with the articles they
    wrote or approved and, for board members, on the Medical Advisory Board page."""

    credentials = StringField(
        "Credentials", validators=[_at_most(profiles.MAX_CREDENTIALS, "Credentials")],
        description="Degrees and memberships as you sign them, e.g. MD, FRCA")
    specialty = StringField(
        "Specialty", validators=[_at_most(profiles.MAX_SPECIALTY, "Specialty")],
        description="e.g. Anaesthesia and pain medicine")
    orcid = StringField(
        "ORCID iD", validators=[Length(max=60), _orcid],
        description="Optional, e.g. 0000-0002-1825-0097 or https://orcid.org/0000-0002-1825-0097",
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    biography = TextAreaField(
        "Short biography", validators=[_at_most(profiles.MAX_BIOGRAPHY, "Biography")],
        description=f"A few sentences, at most {profiles.MAX_BIOGRAPHY:,} characters: "
                    "your post, your experience.", render_kw={"rows": 5})
    submit = SubmitField("Save public profile")

    def fill_from(self, user) -> None:
        profile = profiles.profile_of(user)
        self.credentials.data, self.specialty.data = profile.credentials, profile.specialty
        self.orcid.data, self.biography.data = profile.orcid or "", profile.biography

    def profile(self) -> "profiles.PublicProfile":
        """As typed: the service tidies and checks it."""
        return profiles.PublicProfile(
            credentials=self.credentials.data or "", specialty=self.specialty.data or "",
            orcid=self.orcid.data or "", biography=self.biography.data or "")


class UserEditForm(PublicProfileForm):
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES,
                               validators=[DataRequired("Choose at least one role.")])
    specialties = StringField("Specialties", validators=[Length(max=1000), tag_lengths],
                              description="Comma-separated, e.g. cardiology, pain medicine")
    submit = SubmitField("Save user")


class ActiveForm(BaseForm):
    """Deactivate or reactivate; the target state travels with the form so a
    repeated POST cannot flip it back."""

    make_active = HiddenField(validators=[AnyOf(["0", "1"])])
    reason = StringField("Reason", validators=[Length(max=1000)])
    submit = SubmitField()


class PasswordChangeForm(BaseForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=1000)])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=1000),
                                                             password_length])
    confirm = PasswordField("Repeat new password",
                            validators=[EqualTo("new_password", "The passwords do not match.")])
    submit = SubmitField("Change password")


def _code_field(label="Code", description="The 6-digit code your authenticator app shows."):
    return StringField(label, validators=[DataRequired(), Length(max=20)],
                       description=description,
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TwoFactorCodeForm(BaseForm):
    """The second step of logging in, and the code that turns two-factor on."""

    code = _code_field()
    submit = SubmitField("Verify")


class RecoveryCodeForm(BaseForm):
    code = StringField("Recovery code", validators=[DataRequired(), Length(max=60)],
                       description="One of the recovery codes you saved. Each works once.",
                       render_kw={"autocomplete": "off"})
    submit = SubmitField("Verify")


class RecoveryCodesForm(BaseForm):
    code = _code_field()
    submit = SubmitField("Make new recovery codes")


class TwoFactorDisableForm(BaseForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    code = _code_field()
    submit = SubmitField("Turn off two-factor sign-in")


class ForgotPasswordForm(BaseForm):
    # No format check beyond the length: any answer but "the same page" would
    # tell something about the address.
    email = StringField("Email", validators=[DataRequired(), Length(max=320)])
    submit = SubmitField("Send me a link")


class ResetPasswordForm(BaseForm):
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=1000),
                                                             password_length])
    confirm = PasswordField("Repeat new password",
                            validators=[EqualTo("new_password", "The passwords do not match.")])
    submit = SubmitField("Set password")
