"""The editor's "Publish at" forms on the desk article page: set or change the
time (UTC), or clear it (publishing at once a revision that waits for it)."""

from datetime import UTC

from flask import Blueprint
from flask_login import current_user

from reviewapp.accounts.access import role_required
from reviewapp.articles.pages import article_context
from reviewapp.desk import refused_page, run_form
from reviewapp.forms import VersionedForm
from reviewapp.reviews import access
from reviewapp.workflow import scheduling
from reviewapp.workflow.schedule_forms import PublishAtForm

bp = Blueprint("scheduling", __name__, url_prefix="/desk")


def _refused(article_id: int, **bound_forms):
    def page(error):
        return refused_page(error, "articles/show.html", lambda: article_context(
            access.get_article(article_id, current_user), **bound_forms))
    return page


def _set_notice(article) -> str:
    when = scheduling.utc_text(article.publish_at)
    if article.scheduled_revision_id is not None:
        return f"Revision {article.scheduled_revision.number} will be published at {when}."
    return f"Publish at {when}: the revision approved next will be published then."


@bp.route("/articles/<int:article_id>/publish-at", methods=["POST"])
@role_required("editor", "admin")
def set_publish_at(article_id: int):
    form = PublishAtForm()
    return run_form(
        form, lambda: scheduling.set_publish_at(article_id, current_user, form.version.data,
                                                form.publish_at.data.replace(tzinfo=UTC)),
        _refused(article_id, publish_form=form), article_id, _set_notice)


@bp.route("/articles/<int:article_id>/publish-at/clear", methods=["POST"])
@role_required("editor", "admin")
def clear_publish_at(article_id: int):
    form = VersionedForm()
    return run_form(
        form, lambda: scheduling.clear_publish_at(article_id, current_user, form.version.data),
        _refused(article_id), article_id,
        lambda published: (f"Publication time cleared: revision {published.number} is "
                           "published now." if published else "Publication time cleared."))
