"""What the reviewer's pages show: the queue of invitations and accepted
reviews, and the review page (the article page with diffs and the verdict forms)."""

from flask_login import current_user

from reviewapp.articles.models import Article, Revision
from reviewapp.articles.pages import article_context, audience_labels
from reviewapp.articles.word_diff import reference_changes, version_changes, word_diff
from reviewapp.citations import services as citations
from reviewapp.db import utcnow
from reviewapp.lifecycle import machine
from reviewapp.reviews import access, forms
from reviewapp.reviews.claim_pages import verdicts_context
from reviewapp.reviews.models import ACCEPTED, APPROVE, INVITED, Assignment
from reviewapp.reviews.services import listed_assignments, revision_under_review
from reviewapp.workflow.transition import actor_of, load_facts


def _answer_form(bound: dict, kind: str, assignment_id: int):
    """The accept or decline form of one invitation: as sent (after a refusal), or empty."""
    cls = forms.AcceptForm if kind == "accept" else forms.DeclineForm
    return bound.get((kind, assignment_id)) or cls(formdata=None, prefix=f"a{assignment_id}")


def reviewer_queue(reviewer, bound_forms=None) -> dict:
    """Invitations to answer (each with its own accept and decline form), and
    accepted reviews by due date, overdue first."""
    invitations = listed_assignments(Assignment.reviewer_id == reviewer.id,
                                     Assignment.state == INVITED,
                                     order_by=(Assignment.due_at, Assignment.id))
    bound = bound_forms or {}
    return {
        "invitations": [(a, _answer_form(bound, "accept", a.id),
                         _answer_form(bound, "decline", a.id)) for a in invitations],
        "accepted": listed_assignments(Assignment.reviewer_id == reviewer.id,
                                       Assignment.state == ACCEPTED,
                                       order_by=(Assignment.due_at, Assignment.id)),
        "now": utcnow(),
    }


def invitation_context(assignment_id: int, viewer, bound_forms=None) -> dict:
    """An invitation read before it is answered: the revision under review
    (the last one submitted) and its citation report, the due date, who
    invited; the accept and decline forms while its reviewer may answer."""
    assignment = access.get_invitation(assignment_id, viewer)
    article = access.load_article(assignment.article_id)
    revision = revision_under_review(article)
    allowed = machine.allowed_events(load_facts(article), actor_of(viewer))
    answerable = (assignment.reviewer_id == viewer.id and assignment.state == INVITED
                  and "accept" in allowed)
    report = citations.report_of(revision.id)
    waivers = citations.waivers_of(article.id)
    bound = bound_forms or {}
    return {
        "assignment": assignment, "article": article, "revision": revision,
        "answerable": answerable, "now": utcnow(), "audience_labels": audience_labels(),
        "accept_form": _answer_form(bound, "accept", assignment.id),
        "decline_form": _answer_form(bound, "decline", assignment.id),
        # the citation report's template: read-only here, nothing to waive
        "report": report, "waivers": waivers, "waive_forms": {},
        "blocking": citations.unwaived_errors(report, waivers),
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
    # A signature this reviewer gave an earlier revision: it does not count for this one.
    signed = [r for r in mine if r.decision == APPROVE and r.signature is not None]
    context.update(
        earlier_signature=signed[-1] if signed else None,
        diffs=[(label, old, revision_diff(old, revision, tuple(context["audience_labels"])))
               for label, old in diffs],
        approve_form=bound_forms.get("approve_form")
        or forms.ApproveForm(formdata=None, content_hash=revision.content_hash),
        changes_form=bound_forms.get("changes_form")
        or forms.RequestChangesForm(formdata=None, version=article.version),
    )
    # Claim verdicts and the warnings to tick before signing (issue 14 §4, §5).
    context.update(verdicts_context(article, context, bound_forms.get("verdicts_form"),
                                    bound_forms.get("approve_form")))
    return context


def revision_diff(old: Revision, new: Revision, order: tuple[str, ...] = ()) -> dict:
    """Word diffs of the title and body; the references compared by number; the
    audience versions added, removed or changed (in the site's `order`)."""
    return {"title": word_diff(old.title, new.title), "body": word_diff(old.body, new.body),
            "references": reference_changes(old.reference_texts, new.reference_texts),
            "versions": version_changes([v.texts for v in old.audience_versions],
                                        [v.texts for v in new.audience_versions], order)}
