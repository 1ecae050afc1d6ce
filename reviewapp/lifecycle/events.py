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

# Review rounds (issue 14): who sends an article back for changes, the setting
# CHANGES_DECISION. With "editor" a reviewer's "Request changes" is a
# recommendation and the editor decides ("decide_changes"); with "reviewer" it
# sends the article back at once.
CHANGES_BY_EDITOR, CHANGES_BY_REVIEWER = "editor", "reviewer"
CHANGES_DECISIONS = (CHANGES_BY_EDITOR, CHANGES_BY_REVIEWER)
# A round is open while its article is in one of these; leaving them closes it,
# the state reached being the round's decision.
IN_ROUND = (SUBMITTED, UNDER_REVIEW)


@dataclass(frozen=True)
class Mail:
    """A message the event sends: to whom, from which template in templates/mail/.
    `to`: "author" (the article's), "reviewer" (the event's subject), "editor"
    (who assigned the subject), or "reviewers" (those the caller names)."""

    to: str
    template: str
    # Sent only when the event left the article in this state (None: always).
    when: str | None = None


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
    # Review rounds: the event opens the next round on the current revision.
    opens_round: bool = False
    # Shown instead of `notice` when the article's state stayed where it was
    # (a reviewer's request for changes waiting on the editor's decision).
    held_notice: str = ""

    def notice_after(self, state: str) -> str:
        """The notice for the state the article is in after the event."""
        if self.held_notice and self.target is not None and state != self.target:
            return self.held_notice
        return self.notice


EVENTS: dict[str, Event] = {e.name: e for e in (
    Event("submit", (DRAFT,), SUBMITTED, AUTHOR, "Submit for review", "article.submitted",
          "Submitted for review.", opens_round=True),
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
    # With CHANGES_DECISION=editor the article stays Under Review: the machine
    # says so, no mail goes to the author, and the round waits on the editor.
    Event("request_changes", (UNDER_REVIEW,), CHANGES_REQUESTED, REVIEWER, "Request changes",
          "review.changes_requested", "Changes requested: the author has been told.",
          mails=(Mail("author", "changes_requested.txt", when=CHANGES_REQUESTED),),
          held_notice="Changes requested: your recommendation is with the editor, who "
                      "decides on the round."),
    Event("resubmit", (CHANGES_REQUESTED,), UNDER_REVIEW, AUTHOR, "Resubmit",
          "article.resubmitted", "Resubmitted: the reviewers can see the new revision.",
          opens_round=True),
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
                 Mail("author", "rereview_started.txt")), opens_round=True),
    # Review rounds: the editor's decision to send the article back, with a
    # decision letter (the reason) that is stored on the round and mailed.
    Event("decide_changes", (UNDER_REVIEW,), CHANGES_REQUESTED, EDITOR, "Request changes",
          "article.changes_requested",
          "Changes requested: the decision letter was mailed to the author.",
          mails=(Mail("author", "decision_letter.txt"),)),
)}

# The article reaching Approved (the last approval, or a waiver clearing the
# last citation error) is recorded and mailed as an outcome of its own.
APPROVAL_ACTION = "article.approved"
APPROVAL_MAIL = Mail("author", "approved.txt")

# Events an author or editor fires with a form holding only the version, in the
# order their buttons appear on the article page.
SIMPLE_EVENTS = ("submit", "resubmit", "revise", "withdraw", "reopen")
