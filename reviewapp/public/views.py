"""Reader-facing pages: the article index, an article, the editorial policy,
and the "Report a problem" form (handled by reviewapp.reports). No login needed
(except to edit the policy)."""

from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from reviewapp import security
from reviewapp.accounts.access import role_required
from reviewapp.errors import InvalidInput, StaleVersion
from reviewapp.extensions import csrf, db
from reviewapp.public import (
    article_page,
    audience_choice,
    listing,
    page_cache,
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


def _cached(name: str, published_of, render):
    """A site-wide page from the cache for a reader without a session."""
    if not page_cache.shareable():
        return render()
    return page_cache.serve(page_cache.with_query(name), published_of(), render)


@bp.route("/articles")
def index():
    return _cached("index", lambda: page_cache.site_published(lists=True), _index)


def _index():
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
    return audience_choice.page_response(page, status, choice)


@bp.route("/articles/<slug>")
def article(slug: str):
    """The article for a reader without a session from the page cache, in the
    audience they chose (a choice made in the URL sets their cookie: private)."""
    if not page_cache.shareable():
        return _article_page(slug)
    published = page_cache.article_published(slug, reader_questions.commissioned_scopes)
    if published is None:
        return _article_page(slug)  # its "no such article"
    choice = audience_choice.request_choice()
    variant = f"article:{published.article_id}:{choice.audience.key if choice.audience else ''}"
    response = page_cache.serve(variant, published, lambda: _article_page(slug),
                                vary_cookie=True)
    if choice.from_url or choice.forget_cookie:
        page_cache.private(response)
    return audience_choice.remember_choice(response, choice)


@bp.route("/articles/<slug>/report", methods=["POST"])
@csrf.exempt  # the page is shared by every reader: the form's origin is checked instead
def report(slug: str):
    security.refuse_cross_site_form()
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
    return _cached("board", page_cache.site_published,
                   lambda: render_template("public/board.html", members=people.board_members()))


@bp.route("/editorial-policy")
def editorial_policy():
    # Signed in, admins see "Edit": only readers without a session share the page.
    return _cached("policy", page_cache.site_published,
                   lambda: render_template("public/policy.html",
                                           policy=site_pages.policy_settings(),
                                           page=site_pages.site_page(site_pages.POLICY_SLUG)))


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
