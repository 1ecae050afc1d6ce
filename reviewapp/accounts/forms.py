"""Forms for logging in and managing users."""

from flask import current_app
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length, ValidationError

from reviewapp.accounts.normalize import normalize_email
from reviewapp.accounts.permissions import ROLE_LABELS, ROLES
from reviewapp.forms import BaseForm, MultiCheckboxField, tag_lengths

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
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000),
                                                     password_length])
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
