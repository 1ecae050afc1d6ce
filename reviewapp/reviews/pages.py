"""What the reviewer's pages show: the queue of invitations and accepted
reviews, and the review page (the article page with diffs and the verdict forms)."""

from flask_login import current_user

from reviewapp.articles.content import line_diff
from reviewapp.articles.models import Article, Revision
from reviewapp.articles.pages import article_context
from reviewapp.db import utcnow
from reviewapp.reviews import forms
from reviewapp.reviews.claim_pages import verdicts_context
from reviewapp.reviews.models import ACCEPTED, INVITED, Assignment
from reviewapp.reviews.services import listed_assignments


def reviewer_queue(reviewer, bound_forms=None) -> dict:
    """Invitations to answer (each with its own accept and decline form), and
    accepted reviews by due date, overdue first."""
    invitations = listed_assignments(Assignment.reviewer_id == reviewer.id,
                                     Assignment.state == INVITED,
                                     order_by=(Assignment.due_at, Assignment.id))
    bound = bound_forms or {}

    def form(kind, assignment):
        cls = forms.AcceptForm if kind == "accept" else forms.DeclineForm
        return bound.get((kind, assignment.id)) or cls(formdata=None,
                                                       prefix=f"a{assignment.id}")

    return {
        "invitations": [(a, form("accept", a), form("decline", a)) for a in invitations],
        "accepted": listed_assignments(Assignment.reviewer_id == reviewer.id,
                                       Assignment.state == ACCEPTED,
                                       order_by=(Assignment.due_at, Assignment.id)),
        "now": utcnow(),
    }


def review_context(article: Article, **bound_forms) -> dict:
    context = article_context(article)
    revision = article.current_revision
    by_number = {r.number: r for r in context["revisions"]}
    mine = [r for r in context["reviews"] if r.reviewer_id == current_user.id
            and r.revision_id != revision.id]
    diffs = []
    if mine:
        diffs.append(("the revision you last reviewed", by_number[mine[-1].revision.number]))
    if article.approved_revision_id and article.approved_revision_id != revision.id:
        approved = next(r for r in context["revisions"] if r.id == article.approved_revision_id)
        diffs.append(("the last approved revision", approved))
    context.update(
        diffs=[(label, old, revision_diff(old, revision)) for label, old in diffs],
        approve_form=bound_forms.get("approve_form")
        or forms.ApproveForm(formdata=None, content_hash=revision.content_hash),
        changes_form=bound_forms.get("changes_form")
        or forms.RequestChangesForm(formdata=None, version=article.version),
    )
    # Claim verdicts and the warnings to tick before signing (issue 14 §4, §5).
    context.update(verdicts_context(article, context, bound_forms.get("verdicts_form"),
                                    bound_forms.get("approve_form")))
    return context


def revision_diff(old: Revision, new: Revision) -> dict:
    return {"title": line_diff(old.title, new.title),
            "body": line_diff(old.body, new.body),
            "references": line_diff("\n".join(old.reference_texts),
                                    "\n".join(new.reference_texts))}
