"""Pages for two-factor sign-in: the code after the password (or a recovery
code), setting it up (from the account, or forced at login for the roles in
REQUIRE_TWO_FACTOR_FOR), new recovery codes, turning it off."""

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from reviewapp.accounts import services, signin, two_factor
from reviewapp.accounts.forms import (
    RecoveryCodeForm,
    RecoveryCodesForm,
    TwoFactorCodeForm,
    TwoFactorDisableForm,
)
from reviewapp.errors import InvalidInput
from reviewapp.extensions import db
from reviewapp.forms import render_form

bp = Blueprint("two_factor", __name__)

NEW_SECRET_KEY = "two_factor_new_secret"
WRONG_CODE = "That code is not right, or was used already. Try the next one."
EXPIRED = "Please log in again: the step after the password ran out of time."


def second_step(user, next_url: str):
    """After the right password: the code page, or enrolment if it is required."""
    signin.start_pending(user, next_url)
    if user.two_factor_enabled:
        return redirect(url_for("two_factor.login_code"))
    return redirect(url_for("two_factor.setup_at_login"))


def _pending_or_restart():
    pending = signin.pending()
    if pending is None:
        signin.end_pending()
        flash(EXPIRED, "warning")
    return pending


def _finish_login(pending: signin.Pending):
    signin.log_in_user(pending.user)
    flash(f"Welcome, {pending.user.display_name}.", "success")
    return redirect(pending.next_url)


def _refused_locked(form, template: str, locked: services.AccountLocked):
    db.session.rollback()
    form.code.errors.append(locked.message)
    return render_form(template, form, locked.status_code)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    if (pending := _pending_or_restart()) is None:
        return redirect(url_for("accounts.login"))
    if not pending.user.two_factor_enabled:
        return redirect(url_for("two_factor.setup_at_login"))
    return _second_step(pending, TwoFactorCodeForm(), two_factor.verify_login_code,
                        "accounts/login_code.html", WRONG_CODE)


@bp.route("/login/recovery-code", methods=["GET", "POST"])
def login_recovery_code():
    if (pending := _pending_or_restart()) is None:
        return redirect(url_for("accounts.login"))
    def codes_left():
        flash(f"You have {two_factor.recovery_codes_left(pending.user)} recovery codes left. "
              "Make new ones from your account page if you are running low.", "warning")

    return _second_step(pending, RecoveryCodeForm(), two_factor.use_recovery_code,
                        "accounts/login_recovery_code.html",
                        "That recovery code is not right, or was used already.", codes_left)


def _second_step(pending, form, check, template: str, wrong: str, after=None):
    """The code after the password: `check(user, code)` under the user's lock;
    a right one finishes the login (then `after()`, e.g. a notice), a wrong one
    is counted and shown."""
    if not form.validate_on_submit():
        return render_form(template, form)
    try:
        accepted = check(pending.user, form.code.data)
    except services.AccountLocked as locked:
        return _refused_locked(form, template, locked)
    db.session.commit()
    if accepted:
        response = _finish_login(pending)  # starts a fresh session: notices come after
        if after:
            after()
        return response
    form.code.errors.append(wrong)
    return render_form(template, form, 400)


def _enrolment(user, action_url: str, on_enabled):
    """The setup page: a new secret kept in the signed session until a code
    from the app confirms it (nothing is stored before), shown as a QR code and
    as text."""
    secret = session.get(NEW_SECRET_KEY)
    if not isinstance(secret, str) or not two_factor.SECRET_PATTERN.fullmatch(secret):
        secret = session[NEW_SECRET_KEY] = two_factor.new_secret()
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        codes = two_factor.enable(user, secret, form.code.data)
        if codes is not None:
            db.session.commit()
            session.pop(NEW_SECRET_KEY, None)
            return on_enabled(codes)
        db.session.rollback()
        form.code.errors.append("That code is not right. Check the app shows reviewapp and "
                                "type the code it shows now.")
    uri = two_factor.provisioning_uri(secret, user)
    return render_form("accounts/two_factor_setup.html", form, action_url=action_url,
                       secret=secret, qr_code=two_factor.qr_code_data_uri(uri),
                       forced=two_factor.required_for(user))


def _show_recovery_codes(codes: list[str], continue_url: str):
    # Shown in the answer to the POST itself, never stored to be shown again:
    # only their hashes are kept, and the page is not cached (no-store).
    return render_template("accounts/recovery_codes.html", codes=codes,
                           continue_url=continue_url)


@bp.route("/login/two-factor-setup", methods=["GET", "POST"])
def setup_at_login():
    """Enrolment forced at login: still no session until it is done."""
    if (pending := _pending_or_restart()) is None:
        return redirect(url_for("accounts.login"))
    if pending.user.two_factor_enabled:
        return redirect(url_for("two_factor.login_code"))

    def enabled(codes):
        signin.log_in_user(pending.user)
        flash("Two-factor sign-in is on.", "success")
        return _show_recovery_codes(codes, pending.next_url)

    return _enrolment(pending.user, url_for("two_factor.setup_at_login"), enabled)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    if user.two_factor_enabled:
        return render_template(
            "accounts/two_factor.html", codes_left=two_factor.recovery_codes_left(user),
            required=two_factor.required_for(user),
            codes_form=RecoveryCodesForm(prefix="codes"),
            disable_form=TwoFactorDisableForm(prefix="off"))

    def enabled(codes):
        flash("Two-factor sign-in is on.", "success")
        return _show_recovery_codes(codes, url_for("two_factor.account"))

    return _enrolment(user, url_for("two_factor.account"), enabled)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def regenerate_recovery_codes():
    user = current_user._get_current_object()
    form = RecoveryCodesForm(prefix="codes")
    if form.validate_on_submit():
        codes = two_factor.regenerate_recovery_codes(user, form.code.data)
        db.session.commit()
        if codes is not None:
            flash("New recovery codes made; the old ones no longer work.", "success")
            return _show_recovery_codes(codes, url_for("two_factor.account"))
        form.code.errors.append(WRONG_CODE)
    return _account_page_with(user, codes_form=form)


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
def disable():
    user = current_user._get_current_object()
    form = TwoFactorDisableForm(prefix="off")
    if form.validate_on_submit():
        try:
            wrong = two_factor.disable(user, form.password.data, form.code.data)
        except InvalidInput as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            db.session.commit()
            if wrong is None:
                flash("Two-factor sign-in is off.", "success")
                return redirect(url_for("two_factor.account"))
            if wrong == "password":
                form.password.errors.append("The password is not correct.")
            else:
                form.code.errors.append(WRONG_CODE)
    return _account_page_with(user, disable_form=form)


def _account_page_with(user, **forms):
    """The account page again, with the form that was refused and its errors."""
    forms.setdefault("codes_form", RecoveryCodesForm(prefix="codes", formdata=None))
    forms.setdefault("disable_form", TwoFactorDisableForm(prefix="off", formdata=None))
    if not user.two_factor_enabled:
        return redirect(url_for("two_factor.account"))
    return render_template("accounts/two_factor.html",
                           codes_left=two_factor.recovery_codes_left(user),
                           required=two_factor.required_for(user), **forms), 400
