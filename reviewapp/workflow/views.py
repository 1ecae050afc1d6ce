"""The editor's and author's actions on an article, and the editor's dashboard."""

from datetime import UTC, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from reviewapp.accounts.access import role_required
from reviewapp.articles.pages import article_context, fill_reviewer_choices
from reviewapp.desk import REFUSALS, done, form_refusal, refused_page, run_form
from reviewapp.extensions import db
from reviewapp.forms import VersionedForm
from reviewapp.lifecycle.events import EVENTS, SIMPLE_EVENTS
from reviewapp.lifecycle.states import APPROVED
from reviewapp.reports import services as reports
from reviewapp.reports.forms import RereviewForm, ResolveReportForm
from reviewapp.reviews import access
from reviewapp.workflow import dashboards, forms, review_commands
from reviewapp.workflow import services as workflow
from reviewapp.workflow.pages import decision_context

bp = Blueprint("workflow", __name__, url_prefix="/desk")


def _article_context(article_id: int, **bound_forms) -> dict:
    return article_context(access.get_article(article_id, current_user), **bound_forms)


def _article_page(article_id: int, error, **bound_forms):
    return refused_page(error, "articles/show.html", _article_context, article_id,
                        **bound_forms)


def _simple_action(service, message: str):
    """A POST with only the version: submit, resubmit, withdraw, reopen, revise."""
    def view(article_id: int):
        form = VersionedForm()
        return run_form(form, lambda: service(article_id, current_user, form.version.data),
                        lambda error: _article_page(article_id, error), article_id, message)
    view.__name__ = service.__name__
    return login_required(view)


for _event in SIMPLE_EVENTS:
    bp.add_url_rule(f"/articles/<int:article_id>/{_event}", view_func=_simple_action(
        getattr(workflow, f"{_event}_article"), EVENTS[_event].notice), methods=["POST"])


@bp.route("/articles/<int:article_id>/reject", methods=["POST"])
@role_required("editor")
def reject(article_id: int):
    form = forms.ReasonForm()
    return run_form(
        form, lambda: workflow.reject_article(article_id, current_user, form.version.data,
                                              form.reason.data),
        lambda error: _article_page(article_id, error, reason_form=form),
        article_id, EVENTS["reject"].notice)


@bp.route("/articles/<int:article_id>/waive/<int:n>", methods=["POST"])
@role_required("editor")
def waive(article_id: int, n: int):
    form = forms.WaiveForm(prefix=f"w{n}")
    return run_form(
        form, lambda: workflow.waive_finding(article_id, current_user, form.version.data,
                                             form.finding_key.data, form.reason.data),
        lambda error: _article_page(article_id, error, waive_forms={n: form}), article_id,
        lambda article: EVENTS["waive"].notice + (" The article is now approved."
                                                  if article.state == APPROVED else ""))


@bp.route("/articles/<int:article_id>/assign", methods=["POST"])
@role_required("editor")
def assign(article_id: int):
    article = access.get_article(article_id, current_user)
    form = forms.AssignForm()
    fill_reviewer_choices(form, article)
    form.reviewer.choices = form.reviewer.choices or [(form.reviewer.data or 0, "")]
    form.reviewer.validate_choice = False  # the service says why a reviewer is refused
    return run_form(
        form, lambda: review_commands.assign_reviewer(
            article_id, current_user, form.version.data, form.reviewer.data,
            datetime.combine(form.due_date.data, time(23, 59, 59), UTC)),
        lambda error: _article_page(article_id, error, assign_form=form), article_id,
        lambda assignment: f"{assignment.reviewer.display_name} was invited to review.")


@bp.route("/assignments/<int:assignment_id>/unassign", methods=["POST"])
@role_required("editor")
def unassign(assignment_id: int):
    form = VersionedForm()
    if not form.validate_on_submit():
        raise form_refusal(form)
    try:
        assignment = review_commands.unassign_reviewer(assignment_id, current_user,
                                                       form.version.data)
    except REFUSALS as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(request.referrer or url_for("main.home"))
    return done(assignment.article_id, EVENTS["unassign"].notice)


@bp.route("/editor")
@role_required("editor")
def editor_dashboard():
    """?sort=due orders "Under review" by the next review due; the default
    (age) lists what has waited longest first."""
    return render_template("workflow/editor.html", **dashboards.editor_dashboard(
        request.args.get("sort", dashboards.DEFAULT_SORT)))


def _dashboard_page(error):
    return refused_page(error, "workflow/editor.html", dashboards.editor_dashboard)


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
    return done(article_id, EVENTS["rereview"].notice)


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


# --- Review rounds (issue 14): the editor's decision on a round -------------------------

def _decision_context(article_id: int, **bound_forms) -> dict:
    return decision_context(access.get_article(article_id, current_user), **bound_forms)


def _decision_page(article_id: int, error, **bound_forms):
    return refused_page(error, "workflow/decision.html", _decision_context, article_id,
                        **bound_forms)


@bp.route("/articles/<int:article_id>/decision")
@role_required("editor")
def decision(article_id: int):
    return render_template("workflow/decision.html", **_decision_context(article_id))


@bp.route("/articles/<int:article_id>/decision/request-changes", methods=["POST"])
@role_required("editor")
def decide_changes(article_id: int):
    form = forms.DecisionForm()
    return run_form(
        form, lambda: workflow.decide_changes(article_id, current_user, form.version.data,
                                              form.letter.data),
        lambda error: _decision_page(article_id, error, letter_form=form), article_id,
        EVENTS["decide_changes"].notice)


@bp.route("/articles/<int:article_id>/decision/reject", methods=["POST"])
@role_required("editor")
def decide_reject(article_id: int):
    form = forms.ReasonForm()
    return run_form(
        form, lambda: workflow.reject_article(article_id, current_user, form.version.data,
                                              form.reason.data),
        lambda error: _decision_page(article_id, error, reason_form=form), article_id,
        EVENTS["reject"].notice)
