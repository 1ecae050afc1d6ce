"""Forms for logging in and managing users."""

from flask import current_app
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length, ValidationError

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


class UserEditForm(BaseForm):
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
