"""Life-cycle events, each defined once: where it may happen, where it leads,
who fires it, its button, its audit action, the notice after it and the mail
it sends. Pure module: the machine decides with it, the service applies it,
views and templates take their words from it."""

from dataclasses import dataclass

from reviewapp.lifecycle.states import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    REJECTED,
    STATES,
    SUBMITTED,
    UNDER_REVIEW,
    WITHDRAWN,
)

AUTHOR, REVIEWER, EDITOR = "author", "reviewer", "editor"  # who fires an event
OPEN = (SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED)        # in the editorial process


@dataclass(frozen=True)
class Mail:
    """A message the event sends: to whom, from which template in templates/mail/.
    `to`: "author" (the article's), "reviewer" (the event's subject), "editor"
    (who assigned the subject), or "reviewers" (those the caller names)."""

    to: str
    template: str


@dataclass(frozen=True)
class Event:
    name: str
    sources: tuple[str, ...]
    target: str | None          # None: the article's state does not change
    by: str                     # AUTHOR (the article's owner), REVIEWER (assigned), EDITOR
    button: str                 # the words on its button
    audit_action: str           # recorded when it is applied
    notice: str = ""            # shown after it was applied
    mails: tuple[Mail, ...] = ()
    # The approval rule is asked again after it: the last approval, or a waiver
    # clearing the last citation error, approves the article.
    completes_approval: bool = False


EVENTS: dict[str, Event] = {e.name: e for e in (
    Event("submit", (DRAFT,), SUBMITTED, AUTHOR, "Submit for review", "article.submitted",
          "Submitted for review."),
    Event("assign", (SUBMITTED, UNDER_REVIEW), UNDER_REVIEW, EDITOR, "Assign reviewer",
          "assignment.created", mails=(Mail("reviewer", "invitation.txt"),)),
    Event("unassign", OPEN, None, EDITOR, "Unassign", "assignment.withdrawn",
          "The reviewer was unassigned."),
    Event("accept", OPEN, None, REVIEWER, "Accept", "assignment.accepted",
          "Thank you: the review is in your queue."),
    Event("decline", OPEN, None, REVIEWER, "Decline", "assignment.declined",
          "The invitation was declined; the editor has been told.",
          mails=(Mail("editor", "invitation_declined.txt"),)),
    Event("approve", (UNDER_REVIEW,), APPROVED, REVIEWER, "Approve", "review.approved",
          "Approved and signed.", completes_approval=True),
    Event("request_changes", (UNDER_REVIEW,), CHANGES_REQUESTED, REVIEWER, "Request changes",
          "review.changes_requested", "Changes requested: the author has been told.",
          mails=(Mail("author", "changes_requested.txt"),)),
    Event("resubmit", (CHANGES_REQUESTED,), UNDER_REVIEW, AUTHOR, "Resubmit",
          "article.resubmitted", "Resubmitted: the reviewers can see the new revision."),
    Event("reject", OPEN, REJECTED, EDITOR, "Reject", "article.rejected",
          "The article was rejected.", mails=(Mail("author", "rejected.txt"),)),
    Event("withdraw", (DRAFT, *OPEN), WITHDRAWN, AUTHOR, "Withdraw", "article.withdrawn",
          "The article was withdrawn."),
    Event("reopen", (REJECTED, WITHDRAWN), DRAFT, EDITOR, "Reopen", "article.reopened",
          "The article is a draft again."),
    Event("revise", (APPROVED,), DRAFT, AUTHOR, "Revise", "article.revision_started",
          "A new draft revision was started; the approved revision stays public until a "
          "newer one is approved."),
    # An editor waives one citation error of the current revision, with a reason.
    Event("waive", STATES, None, EDITOR, "Waive", "citation.waived", "Finding waived.",
          completes_approval=True),
    # A copy of the approved revision goes back to the board (whose assignments
    # reopen) while the approved one stays public: for the review interval, a
    # retracted source or a reader's report. Straight to Under Review, not
    # Submitted, because the reviewers who signed it are still assigned.
    Event("rereview", (APPROVED,), UNDER_REVIEW, EDITOR, "Start re-review",
          "article.rereview_started",
          "Re-review started: the reviewers have a copy of the approved revision; the "
          "approved revision stays public meanwhile.",
          mails=(Mail("reviewers", "rereview_requested.txt"),
                 Mail("author", "rereview_started.txt"))),
)}

# The article reaching Approved (the last approval, or a waiver clearing the
# last citation error) is recorded and mailed as an outcome of its own.
APPROVAL_ACTION = "article.approved"
APPROVAL_MAIL = Mail("author", "approved.txt")

# Events an author or editor fires with a form holding only the version, in the
# order their buttons appear on the article page.
SIMPLE_EVENTS = ("submit", "resubmit", "revise", "withdraw", "reopen")
