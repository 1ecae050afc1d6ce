"""The editor's decision page (issue 14): every report of the open round side
by side, the reviewers still to report, and the two decisions, "Request
changes" with a decision letter and "Reject" with a reason."""

from flask import render_template
from flask_login import current_user

from reviewapp.articles.models import Article
from reviewapp.lifecycle import machine
from reviewapp.reviews import claims, comment_threads, rounds
from reviewapp.reviews import services as reviews
from reviewapp.reviews.models import INVITED, OPEN_ASSIGNMENT_STATES, signature_is_valid
from reviewapp.reviews.signing import SUPPORTED
from reviewapp.workflow import forms
from reviewapp.workflow.transition import actor_of, load_facts


def decision_context(article: Article, **bound_forms) -> dict:
    facts = load_facts(article)
    allowed = machine.allowed_events(facts, actor_of(current_user))
    review_round = rounds.open_round_of(article.id)
    reports = rounds.reports_of(review_round) if review_round else []
    reported = {review.reviewer_id for review in reports}
    verdicts = claims.verdicts_on(review_round.revision_id) if review_round else {}
    assignments = reviews.assignments_of(article.id)
    return {
        "article": article, "revision": article.current_revision, "facts": facts,
        "allowed": allowed, "round": review_round, "reports": reports,
        "signature_is_valid": signature_is_valid,
        # Accepted or invited reviewers who have not reported in this round.
        "awaited": [a for a in assignments
                    if a.state in OPEN_ASSIGNMENT_STATES and a.reviewer_id not in reported],
        # Each reviewer's verdicts on the claims of the revision in review, signed
        # or not: a request for changes says which claims it doubts.
        "verdicts": verdicts,
        # What each reviewer declared on accepting, to weigh beside their report.
        "interests": {a.reviewer_id: a.declared_interests for a in assignments},
        "invited": INVITED,
        "letter_form": bound_forms.get("letter_form") or forms.DecisionForm(
            formdata=None, version=article.version,
            letter=letter_draft(article, reports, review_round, verdicts)),
        "reason_form": bound_forms.get("reason_form")
        or forms.ReasonForm(formdata=None, version=article.version),
    }


def letter_draft(article: Article, reports, review_round=None, verdicts=None) -> str:
    """The decision letter the form starts with: what the reviewers said to the
    author — their reports (rounds.comments_to_author) and their comments on
    passages of the revision in review, and the claims they could not accept
    (`verdicts`: reviewer id -> their verdicts on it, loaded once by the page) —
    and nothing meant for the editor alone (confidential comments are left out,
    as the author's own view of them is)."""
    comments = [(review.reviewer.display_name, rounds.comments_to_author(review))
                for review in reports]
    author_view = comment_threads.Viewer(user_id=article.author_id, is_author=True,
                                         sees_all=False, is_editor=False,
                                         assignment_state=None)
    passages = [(comment.author.display_name, comment.quote, comment.body)
                for comment in comment_threads.visible_comments(article.id, author_view)
                if review_round is None or comment.revision_id == review_round.revision_id]
    doubted = [(review.reviewer.display_name, verdict) for review in reports
               for verdict in (verdicts or {}).get(review.reviewer_id, [])
               if verdict.verdict != SUPPORTED]
    return render_template("workflow/decision_letter_draft.txt", article=article,
                           comments=[(name, text) for name, text in comments if text],
                           passages=passages, doubted=doubted).strip()
