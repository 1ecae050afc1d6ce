"""What the comments part of a page shows — on the review page, the desk
article page and the author's edit page: the threads the viewer may read, each
with its passage as it lies in the revision shown, the forms the viewer may
use, and, for the author after changes were requested, the resubmission with
an answer per open comment. A fixed number of queries whatever the number of
comments."""

from dataclasses import dataclass

from flask import g
from flask_login import current_user

from reviewapp.articles.models import Article, Revision
from reviewapp.lifecycle.states import CHANGES_REQUESTED, UNDER_REVIEW
from reviewapp.reviews import anchoring
from reviewapp.reviews.comment_forms import CommentForm, ResubmitForm, ThreadForm
from reviewapp.reviews.comment_threads import (
    Place,
    bodies_for,
    needs_answer,
    place_of,
    responses_of,
    viewer_of,
    visible_comments,
)
from reviewapp.reviews.models import RESOLVED, ReviewComment

PARAGRAPH_PREVIEW = 70  # characters of a paragraph shown in the paragraph choice


@dataclass
class Thread:
    comment: ReviewComment
    place: Place
    waiting: bool              # an open comment the author has not answered yet
    form: ThreadForm | None    # Reply / Addressed / Resolve, where the viewer may use one
    may_reply: bool
    may_address: bool
    may_resolve: bool
    answer: object = None      # the resubmission's answer entry for it (author)


def bound_forms() -> dict:
    """Forms sent with a refused request, shown again with what was typed."""
    return g.setdefault("comment_forms", {})


def comment_panel(article: Article | None, shown: Revision | None, page: str) -> dict:
    """`page`: "review", "article" or "edit" (the edit page only shows threads).
    Built once per request and page, however many parts of the page show it."""
    if article is None or shown is None or not current_user.is_authenticated:
        return {"threads": [], "page": page}
    panels = g.setdefault("comment_panels", {})
    if (article.id, shown.id, page) not in panels:
        panels[(article.id, shown.id, page)] = _panel(article, shown, page)
    return panels[(article.id, shown.id, page)]


def _panel(article: Article, shown: Revision, page: str) -> dict:
    viewer = viewer_of(current_user, article)
    comments = visible_comments(article.id, viewer)
    if page == "edit":  # beside the editor, what is still to do; all on the article page
        comments = [c for c in comments if c.state != RESOLVED]
    bodies = bodies_for(comments, shown)
    bound = bound_forms()
    threads = []
    for comment in comments:
        thread = Thread(comment=comment, place=place_of(comment, shown, bodies),
                        waiting=needs_answer(comment, article.author_id), form=None,
                        may_reply=viewer.may_reply(comment),
                        may_address=viewer.may_address(comment),
                        may_resolve=viewer.may_resolve(comment))
        # A refused form comes back with its text even when no button is left,
        # bound to the thread as now shown.
        thread.form = bound.get(("thread", comment.id))
        if thread.form is not None:
            _set(thread.form.thread_version, comment.version)
        if thread.form is None and page != "edit" and (
                thread.may_reply or thread.may_address or thread.may_resolve):
            thread.form = ThreadForm(formdata=None, prefix=f"c{comment.id}",
                                     thread_version=comment.version, page=page)
        threads.append(thread)
    responses = responses_of(article.id)
    panel = {"threads": threads, "page": page, "viewer": viewer, "shown": shown,
             "responses": responses, "comment_form": None, "resubmit_form": None,
             # what the author said with the revision shown, beside its changes
             "general_response": next((r for r in responses if r.revision_id == shown.id),
                                      None),
             "answers": [(t, m) for t in threads for m in t.comment.messages
                         if m.revision_id == shown.id and m.author_id == article.author_id]}
    if page == "review" and viewer.is_reviewer and article.state == UNDER_REVIEW:
        panel["comment_form"] = _comment_form(bound.get("comment"), shown)
    if page == "article" and viewer.is_author and article.state == CHANGES_REQUESTED:
        panel["resubmit_form"] = _resubmit_form(bound.get("resubmit"), article, threads)
    return panel


def _comment_form(form: CommentForm | None, shown: Revision) -> CommentForm:
    """A refused comment made on an older revision comes back on the one shown:
    its text kept, its passage to be chosen again."""
    form = form or CommentForm(formdata=None, revision_id=shown.id, page="review")
    if form.revision_id.data != shown.id:
        _set(form.revision_id, shown.id)
        for field in (form.quote, form.prefix, form.suffix, form.position):
            _set(field, None)
    form.paragraph.choices = [
        (n, f"¶{n + 1}: {_preview(span.text(shown.body))}")
        for n, span in enumerate(anchoring.paragraphs(shown.body))]
    return form


def _set(field, value) -> None:
    """Show `value` in a field of a form that was sent (not what was sent)."""
    field.data, field.raw_data = value, None


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PARAGRAPH_PREVIEW else text[:PARAGRAPH_PREVIEW - 1] + "…"


def _resubmit_form(form: ResubmitForm | None, article: Article,
                   threads: list[Thread]) -> ResubmitForm:
    """An answer per comment waiting for one (and per answer typed before a
    refusal), each beside its thread."""
    form = form or ResubmitForm(formdata=None, version=article.version)
    entries = {entry.form.comment_id.data: entry for entry in form.answers}
    for thread in threads:
        if thread.waiting and thread.comment.id not in entries:
            entries[thread.comment.id] = form.answers.append_entry(
                {"comment_id": thread.comment.id})
        thread.answer = entries.get(thread.comment.id)
    return form
