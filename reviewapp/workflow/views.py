"""Workflow actions on an article, the review page, reviewer and editor dashboards."""

from datetime import UTC, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from reviewapp.accounts.access import role_required
from reviewapp.articles import services as articles
from reviewapp.error_pages import roll_back
from reviewapp.errors import InvalidInput, RefusalOnRecord, StaleVersion, TransitionRefused
from reviewapp.extensions import db
from reviewapp.lifecycle.events import EVENTS, SIMPLE_EVENTS
from reviewapp.reports import services as reports
from reviewapp.reports.forms import RereviewForm, ResolveReportForm
from reviewapp.reviews import services as reviews
from reviewapp.workflow import dashboards, forms, pages
from reviewapp.workflow import services as workflow

bp = Blueprint("workflow", __name__, url_prefix="/desk")

# Refusals shown on the page the form came from, with what was typed kept.
REFUSALS = (InvalidInput, StaleVersion, TransitionRefused, RefusalOnRecord)


def form_refusal(form) -> InvalidInput:
    """A form that did not validate, refused with its own messages."""
    return InvalidInput(" ".join(e for errors in form.errors.values() for e in errors))


def _article_page(article_id: int, error, **bound_forms):
    roll_back(error)
    flash(error.message, "danger")
    article = articles.get_article(article_id, current_user)
    return render_template("articles/show.html",
                           **pages.article_context(article, **bound_forms)), error.status_code


def _done(article_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("articles.show", article_id=article_id))


def _simple_action(service, message: str):
    """A POST with only the version: submit, resubmit, withdraw, reopen, revise."""
    def view(article_id: int):
        form = forms.VersionedForm()
        if not form.validate_on_submit():
            return _article_page(article_id, form_refusal(form))
        try:
            service(article_id, current_user, form.version.data)
        except REFUSALS as error:
            return _article_page(article_id, error)
        return _done(article_id, message)
    view.__name__ = service.__name__
    return login_required(view)


for _event in SIMPLE_EVENTS:
    bp.add_url_rule(f"/articles/<int:article_id>/{_event}", view_func=_simple_action(
        getattr(workflow, f"{_event}_article"), EVENTS[_event].notice), methods=["POST"])


@bp.route("/articles/<int:article_id>/reject", methods=["POST"])
@role_required("editor")
def reject(article_id: int):
    form = forms.ReasonForm()
    if not form.validate_on_submit():
        return _article_page(article_id, form_refusal(form), reason_form=form)
    try:
        workflow.reject_article(article_id, current_user, form.version.data, form.reason.data)
    except REFUSALS as error:
        return _article_page(article_id, error, reason_form=form)
    return _done(article_id, EVENTS["reject"].notice)


@bp.route("/articles/<int:article_id>/waive/<int:n>", methods=["POST"])
@role_required("editor")
def waive(article_id: int, n: int):
    form = forms.WaiveForm(prefix=f"w{n}")
    if not form.validate_on_submit():
        return _article_page(article_id, form_refusal(form),
                             waive_forms={n: form})
    try:
        article = workflow.waive_finding(article_id, current_user, form.version.data,
                                         form.finding_key.data, form.reason.data)
    except REFUSALS as error:
        return _article_page(article_id, error, waive_forms={n: form})
    return _done(article_id, EVENTS["waive"].notice + (" The article is now approved."
                                                  if article.state == "approved" else ""))


@bp.route("/articles/<int:article_id>/assign", methods=["POST"])
@role_required("editor")
def assign(article_id: int):
    article = articles.get_article(article_id, current_user)
    form = forms.AssignForm()
    pages.fill_reviewer_choices(form, article)
    form.reviewer.choices = form.reviewer.choices or [(form.reviewer.data or 0, "")]
    form.reviewer.validate_choice = False  # the service says why a reviewer is refused
    if not form.validate_on_submit():
        return _article_page(article_id, form_refusal(form), assign_form=form)
    due_at = datetime.combine(form.due_date.data, time(23, 59, 59), UTC)
    try:
        assignment = reviews.assign_reviewer(article_id, current_user, form.version.data,
                                             form.reviewer.data, due_at)
    except REFUSALS as error:
        return _article_page(article_id, error, assign_form=form)
    return _done(article_id, f"{assignment.reviewer.display_name} was invited to review.")


@bp.route("/assignments/<int:assignment_id>/unassign", methods=["POST"])
@role_required("editor")
def unassign(assignment_id: int):
    form = forms.VersionedForm()
    if not form.validate_on_submit():
        raise form_refusal(form)
    try:
        assignment = reviews.unassign_reviewer(assignment_id, current_user, form.version.data)
    except REFUSALS as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(request.referrer or url_for("main.home"))
    return _done(assignment.article_id, EVENTS["unassign"].notice)


@bp.route("/assignments/<int:assignment_id>/accept", methods=["POST"])
@role_required("reviewer")
def accept(assignment_id: int):
    form = forms.AcceptForm(prefix=f"a{assignment_id}")
    if form.validate_on_submit():
        try:
            assignment = reviews.accept_assignment(assignment_id, current_user,
                                                   form.competing_interests.data)
        except REFUSALS as error:
            return _queue_page(error, {("accept", assignment_id): form})
        db.session.commit()
        flash(EVENTS["accept"].notice, "success")
        return redirect(url_for("workflow.review", article_id=assignment.article_id))
    return _queue_page(form_refusal(form),
                       {("accept", assignment_id): form})


@bp.route("/assignments/<int:assignment_id>/decline", methods=["POST"])
@role_required("reviewer")
def decline(assignment_id: int):
    form = forms.DeclineForm(prefix=f"a{assignment_id}")
    if form.validate_on_submit():
        try:
            reviews.decline_assignment(assignment_id, current_user, form.reason.data)
        except REFUSALS as error:
            return _queue_page(error, {("decline", assignment_id): form})
        db.session.commit()
        flash(EVENTS["decline"].notice, "success")
        return redirect(url_for("workflow.queue"))
    return _queue_page(InvalidInput("A reason is required to decline."),
                       {("decline", assignment_id): form})


def _queue_page(error, bound_forms):
    db.session.rollback()
    flash(error.message, "danger")
    return render_template("workflow/queue.html",
                           **dashboards.reviewer_queue(current_user, bound_forms)), \
        error.status_code


@bp.route("/articles/<int:article_id>/review")
@role_required("reviewer", "editor", "admin")
def review(article_id: int):
    article = articles.get_article(article_id, current_user)
    return render_template("workflow/review.html", **pages.review_context(article))


def _review_page(article_id: int, error, **bound_forms):
    roll_back(error)
    flash(error.message, "danger")
    article = articles.get_article(article_id, current_user)
    return render_template("workflow/review.html",
                           **pages.review_context(article, **bound_forms)), error.status_code


@bp.route("/articles/<int:article_id>/approve", methods=["POST"])
@role_required("reviewer")
def approve(article_id: int):
    form = forms.ApproveForm()
    if not form.validate_on_submit():
        return _review_page(article_id, form_refusal(form),
                            approve_form=form)
    try:
        reviews.approve_revision(article_id, current_user, form.content_hash.data,
                                 form.password.data)
    except REFUSALS as error:
        return _review_page(article_id, error, approve_form=form)
    return _done(article_id, EVENTS["approve"].notice)


@bp.route("/articles/<int:article_id>/request-changes", methods=["POST"])
@role_required("reviewer")
def request_changes(article_id: int):
    form = forms.RequestChangesForm()
    if not form.validate_on_submit():
        return _review_page(article_id, form_refusal(form),
                            changes_form=form)
    try:
        reviews.request_changes(article_id, current_user, form.version.data,
                                form.comments.data)
    except REFUSALS as error:
        return _review_page(article_id, error, changes_form=form)
    return _done(article_id, EVENTS["request_changes"].notice)


@bp.route("/reviews")
@role_required("reviewer")
def queue():
    return render_template("workflow/queue.html", **dashboards.reviewer_queue(current_user))


@bp.route("/editor")
@role_required("editor")
def editor_dashboard():
    return render_template("workflow/editor.html", **dashboards.editor_dashboard())


def _dashboard_page(error):
    roll_back(error)
    flash(error.message, "danger")
    return render_template("workflow/editor.html", **dashboards.editor_dashboard()), \
        error.status_code


@bp.route("/articles/<int:article_id>/rereview", methods=["POST"])
@role_required("editor")
def start_rereview(article_id: int):
    form = RereviewForm()
    if not form.validate_on_submit():
        return _dashboard_page(form_refusal(form))
    try:
        workflow.start_rereview(article_id, current_user, form.version.data,
                                reason=form.reason.data, report_id=form.report_id.data)
    except REFUSALS as error:
        return _dashboard_page(error)
    return _done(article_id, EVENTS["rereview"].notice)


@bp.route("/reader-reports/<int:report_id>/resolve", methods=["POST"])
@role_required("editor")
def resolve_report(report_id: int):
    form = ResolveReportForm()
    if not form.validate_on_submit():
        return _dashboard_page(form_refusal(form))
    try:
        reports.resolve_reader_report(report_id, current_user, form.resolution.data)
    except REFUSALS as error:
        return _dashboard_page(error)
    db.session.commit()
    flash("Report resolved.", "success")
    return redirect(url_for("workflow.editor_dashboard"))
