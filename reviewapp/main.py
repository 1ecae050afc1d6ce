"""The front door: sends each person to the page their role starts from."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from reviewapp.accounts.permissions import has_role

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    if has_role(current_user, "editor"):
        return redirect(url_for("workflow.editor_dashboard"))
    if has_role(current_user, "reviewer"):
        return redirect(url_for("reviews.queue"))
    if has_role(current_user, "author"):
        return redirect(url_for("articles.mine"))
    if has_role(current_user, "admin"):
        return redirect(url_for("admin.users"))
    return redirect(url_for("accounts.change_password"))
