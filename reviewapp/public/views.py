"""Reader-facing pages: the article index, an article, the editorial policy,
and the "Report a problem" form (handled by reviewapp.reports). No login needed
(except to edit the policy)."""

from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from reviewapp.accounts.access import role_required
from reviewapp.errors import InvalidInput, StaleVersion
from reviewapp.extensions import db
from reviewapp.public import (
    article_page,
    audience_choice,
    listing,
    people,
    publish_on_read,
    site_pages,
)
from reviewapp.public.forms import PolicyForm
from reviewapp.questions import pages as reader_questions
from reviewapp.reports import services as reports
from reviewapp.reports.forms import ReaderReportForm

bp = Blueprint("public", __name__)


@bp.app_template_filter("long_date")
def long_date(moment: date | datetime | None) -> str:
    """2 March 2026 (UTC)."""
    if moment is None:
        return ""
    return f"{moment.day} {moment:%B %Y}"


@bp.route("/articles")
def index():
    query, tag = request.args.get("q", ""), request.args.get("tag", "")
    publish_on_read.publish_due_now()  # scheduled publishing: the list agrees with the page
    try:
        page = listing.list_public_articles(query=query, tag=tag,
                                            cursor=request.args.get("after") or None)
    except InvalidInput as error:
        return render_template("public/index.html", page=None, query=query, tag=tag,
                               error=error.message), 400
    return render_template("public/index.html", page=page, query=query, tag=tag, error=None)


def _article_page(slug: str, form: ReaderReportForm | None = None, status: int = 200,
                  form_error: str | None = None, question_form=None,
                  question_error: str | None = None):
    """The article page in the reader's audience; a refused report or question form
    (reviewapp.questions.views) is shown again with what the reader typed."""
    choice = audience_choice.request_choice()
    shown = article_page.public_article(slug, choice.audience)
    page = render_template("public/article.html", shown=shown,
                           form=form or ReaderReportForm(formdata=None), form_error=form_error,
                           board_statement=article_page.BOARD_STATEMENT,
                           update_notice=article_page.UPDATE_NOTICE,
                           audience_chooser=audience_choice.chooser(shown.reading),
                           **reader_questions.article_part(shown, question_form,
                                                           question_error))
    return audience_choice.page_response(page, status, shown, choice)


@bp.route("/articles/<slug>")
def article(slug: str):
    return _article_page(slug)


@bp.route("/articles/<slug>/report", methods=["POST"])
def report(slug: str):
    form = ReaderReportForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _article_page(slug, form, 400)
    try:
        reports.create_reader_report(slug, form.message.data, form.email.data,
                                     request.remote_addr)
    except (InvalidInput, reports.TooManyReports) as error:
        db.session.rollback()
        return _article_page(slug, form, error.status_code, form_error=error.message)
    db.session.commit()
    flash("Thank you: the editors will look at your report.", "success")
    return redirect(url_for("public.article", slug=slug))


@bp.route("/board")
def board():
    """The Medical Advisory Board: who reviews the articles, with their credentials."""
    return render_template("public/board.html", members=people.board_members())


@bp.route("/editorial-policy")
def editorial_policy():
    page = site_pages.site_page(site_pages.POLICY_SLUG)
    return render_template("public/policy.html", policy=site_pages.policy_settings(),
                           page=page)


@bp.route("/editorial-policy/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_policy():
    page = site_pages.site_page(site_pages.POLICY_SLUG)
    form = PolicyForm()
    if request.method == "GET":
        form.body.data = page.body if page else ""
        form.token.data = site_pages.page_token(form.body.data)
    elif form.validate_on_submit():
        try:
            site_pages.update_site_page(site_pages.POLICY_SLUG, current_user,
                                        form.body.data, form.token.data)
        except (InvalidInput, StaleVersion) as error:
            db.session.rollback()
            flash(error.message, "danger")
            return render_template("public/policy_edit.html", form=form), error.status_code
        db.session.commit()
        flash("The editorial policy was updated.", "success")
        return redirect(url_for("public.editorial_policy"))
    return render_template("public/policy_edit.html", form=form), 400 if form.errors else 200
