"""Screens on the claims of a revision: a reviewer saves their verdicts (from the review
page), the author attaches the source passage supporting a claim (from the desk article
page)."""

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from reviewapp.accounts.access import role_required
from reviewapp.articles.pages import article_context
from reviewapp.desk import REFUSALS, refused_page, run_form
from reviewapp.errors import InvalidInput, NotFound
from reviewapp.extensions import db
from reviewapp.reviews import access, claims, pages
from reviewapp.reviews.claim_forms import SupportForm, VerdictsForm, error_messages

bp = Blueprint("claims", __name__, url_prefix="/desk")

MAX_KEY_LENGTH = 40


def _review_page(article_id: int, error, **bound_forms):
    return refused_page(error, "reviews/review.html", lambda: pages.review_context(
        access.get_article(article_id, current_user), **bound_forms))


def _article_page(article_id: int, error, **bound_forms):
    return refused_page(error, "articles/show.html", lambda: article_context(
        access.get_article(article_id, current_user), **bound_forms))


@bp.route("/articles/<int:article_id>/verdicts", methods=["POST"])
@role_required("reviewer")
def save_verdicts(article_id: int):
    """Back to the review page (the reviewer signs there next), at the claims."""
    form = VerdictsForm()
    if not form.validate_on_submit():
        return _review_page(article_id, InvalidInput(" ".join(error_messages(form.errors))),
                            verdicts_form=form)
    try:
        supported, total = claims.save_verdicts(article_id, current_user,
                                                form.content_hash.data, form.given())
    except REFUSALS as error:
        return _review_page(article_id, error, verdicts_form=form)
    db.session.commit()
    flash(f"Verdicts saved: {supported} of {total} claims “Supported”.", "success")
    return redirect(url_for("reviews.review", article_id=article_id, _anchor="claims"))


@bp.route("/articles/<int:article_id>/claims/<claim_key>/support", methods=["POST"])
@role_required("author")
def save_support(article_id: int, claim_key: str):
    if len(claim_key) > MAX_KEY_LENGTH:
        raise NotFound("There is no such claim.")
    form = SupportForm(prefix=f"s{claim_key}")
    return run_form(
        form, lambda: claims.save_support(article_id, current_user, form.version.data,
                                          claim_key, form.quote.data, form.location.data),
        lambda error: _article_page(article_id, error, support_forms={claim_key: form}),
        article_id, lambda support: "Passage saved." if support else "Passage removed.")
