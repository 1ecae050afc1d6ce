"""Pages for "Forgot your password?" and for the links it (or an admin) mails."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import logout_user

from reviewapp.accounts import recovery
from reviewapp.accounts.forms import ForgotPasswordForm, ResetPasswordForm
from reviewapp.errors import InvalidInput
from reviewapp.extensions import db
from reviewapp.forms import render_form

bp = Blueprint("recovery", __name__)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_password_reset(form.email.data, request.remote_addr)
        db.session.commit()
        # The same words whether or not the address has an account.
        valid_for = recovery.describe(recovery.lifetime(recovery.RESET))
        flash("If an account uses this email address, we are sending it a link to choose "
              f"a new password. The link works for {valid_for}, once.", "info")
        return redirect(url_for("recovery.forgot_password"))
    return render_form("accounts/forgot_password.html", form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user, purpose = recovery.user_for_link(token)
    except recovery.LinkInvalid as invalid:
        return _link_invalid(invalid)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.reset_password(token, form.new_password.data)
        except recovery.LinkInvalid as invalid:  # used or changed in the meantime
            return _link_invalid(invalid)
        except InvalidInput as error:
            db.session.rollback()
            form.new_password.errors.append(error.message)
        else:
            db.session.commit()
            logout_user()  # whoever was signed in here, the sessions have all ended
            session.clear()
            flash("Your password is set. Log in with it.", "success")
            return redirect(url_for("accounts.login"))
    return render_form("accounts/reset_password.html", form, user=user,
                       welcome=purpose == recovery.WELCOME)


def _link_invalid(invalid: recovery.LinkInvalid):
    db.session.rollback()
    return render_template("accounts/reset_link_invalid.html",
                           message=invalid.message), invalid.status_code
