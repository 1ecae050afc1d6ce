"""Log in and out, change password; admin pages for users."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from reviewapp.accounts import (
    profiles,
    recovery,
    services,
    session_limits,
    signin,
    two_factor,
    two_factor_views,
)
from reviewapp.accounts.access import role_required
from reviewapp.accounts.forms import (
    ActiveForm,
    LoginForm,
    PasswordChangeForm,
    PublicProfileForm,
    UserCreateForm,
    UserEditForm,
)
from reviewapp.audit.pages import object_labels
from reviewapp.audit.queries import user_history
from reviewapp.errors import InvalidInput
from reviewapp.extensions import db
from reviewapp.forms import render_form
from reviewapp.normalize import normalize_tags
from reviewapp.safe_redirect import is_safe_next

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.log_in(form.email.data, form.password.data, request.remote_addr)
        except services.LoginThrottled as refusal:
            db.session.commit()  # the refused try is on record as well
            form.password.errors.append(refusal.message)
            return render_form("accounts/login.html", form, refusal.status_code)
        if user is not None and user.two_factor_enabled:
            two_factor.carry_over_failures(user)
        db.session.commit()
        if user is not None:
            target = request.args.get("next")
            target = target if is_safe_next(target) else url_for("main.home")
            if two_factor.second_step_needed(user):  # no session until the code
                return two_factor_views.second_step(user, target)
            signin.log_in_user(user)
            flash(f"Welcome, {user.display_name}.", "success")
            return redirect(target)
        form.password.errors.append(services.LOGIN_FAILED)
        return render_form("accounts/login.html", form, 200)
    return render_form("accounts/login.html", form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.log_out(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have been logged out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        changed = services.change_password(user, form.current_password.data,
                                           form.new_password.data)
        db.session.commit()
        if changed:
            login_user(user)  # this session goes on with the new session token
            session_limits.start()
            flash("Your password was changed. Your other sessions have been ended.", "success")
            return redirect(url_for("main.home"))
        form.current_password.errors.append("The current password is not correct.")
    return render_form("accounts/password.html", form)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Your public profile: what readers see next to what you wrote or approved."""
    user = current_user._get_current_object()
    form = PublicProfileForm()
    if request.method == "GET":
        form.fill_from(user)
    if form.validate_on_submit():
        try:
            changed = profiles.update_public_profile(user, form.profile(), actor=user)
        except InvalidInput as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash("Your public profile was saved." if changed
                  else "Nothing to save: your public profile is as it was.", "success")
            return redirect(url_for("accounts.profile"))
    return render_form("accounts/profile.html", form, is_board_member=(
        user.active and "reviewer" in user.role_names))


@admin_bp.route("/users")
@role_required("admin")
def users():
    return render_template("accounts/users.html", users=services.list_users())


@admin_bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def create_user():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = recovery.invite_user(
                email=form.email.data, display_name=form.display_name.data,
                roles=form.roles.data, specialties=normalize_tags(form.specialties.data or ""),
                actor=current_user)
        except InvalidInput as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        else:
            db.session.commit()
            flash(f"User {user.email} created and mailed a link to set their password.",
                  "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_form("accounts/user_new.html", form)


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def user(user_id: int):
    user = services.get_user(user_id)
    form = UserEditForm()
    if request.method == "GET":
        form.roles.data = user.role_names
        form.specialties.data = ", ".join(user.specialty_names)
        form.fill_from(user)
    if form.validate_on_submit():
        try:
            services.update_user(user, roles=form.roles.data,
                                 specialties=normalize_tags(form.specialties.data or ""),
                                 actor=current_user, profile=form.profile())
        except InvalidInput as error:
            db.session.rollback()
            form.roles.errors.append(error.message)
        else:
            db.session.commit()
            flash("User saved.", "success")
            return redirect(url_for("admin.user", user_id=user.id))
    history = user_history(user.id)
    return render_form("accounts/user.html", form, user=user,
                       active_form=ActiveForm(prefix="active"), history=history,
                       history_labels=object_labels(history.events))


@admin_bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required("admin")
def set_active(user_id: int):
    user = services.get_user(user_id)
    form = ActiveForm(prefix="active")
    if form.validate_on_submit():
        services.set_user_active(user, form.make_active.data == "1", actor=current_user,
                                 reason=form.reason.data or None)
        db.session.commit()
        flash(f"{user.display_name} is now {'active' if user.active else 'deactivated'}.",
              "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for("admin.user", user_id=user.id))
