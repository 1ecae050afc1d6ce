"""The article life cycle decided: the events of events.py and their guards. Pure module.

`decide(event, facts, actor)` returns the state the article moves to, or
raises a refusal with a message the UI shows as it is: PermissionDenied (403)
when this person may not fire the event on this article whatever its state,
TransitionRefused (409) when the article's state or the event's guard stands in
the way. Services gather the facts from the database, call it, and apply the
result.
"""

from dataclasses import dataclass, field

from reviewapp.errors import PermissionDenied, TransitionRefused
from reviewapp.lifecycle.events import (
    AUTHOR,
    CHANGES_BY_EDITOR,
    EDITOR,
    EVENTS,
    REVIEWER,
    Event,
)
from reviewapp.lifecycle.states import UNDER_REVIEW, state_label

CHANGE_NOTE_NEEDED = ("This revision updates the approved article: write “What changed” "
                      "(a sentence or two for readers) in the draft before submitting it.")
CHANGE_NOTE_MISSING_ON_APPROVAL = (
    "This update has no “What changed” note for readers, so it cannot be approved: "
    "ask for changes so that its author writes one.")


@dataclass(frozen=True)
class Actor:
    id: int
    roles: frozenset[str]


@dataclass(frozen=True)
class ArticleFacts:
    """What the guards need to know, as plain values."""

    state: str
    author_id: int
    title: str = ""
    body: str = ""
    # Reviewers by assignment state: invited (may accept/decline), accepted
    # (may approve or request changes on the current revision).
    invited: frozenset[int] = field(default_factory=frozenset)
    accepted: frozenset[int] = field(default_factory=frozenset)
    # Who already approved the current revision, and how many approvals are needed.
    approved_by: frozenset[int] = field(default_factory=frozenset)
    required_approvals: int = 2
    unwaived_errors: int = 0
    # Review rounds: who asked for changes on the current revision, and who
    # decides that an article goes back (CHANGES_DECISION).
    changes_requested_by: frozenset[int] = field(default_factory=frozenset)
    changes_decision: str = CHANGES_BY_EDITOR
    # "What changed" (issue 17): the current revision would replace an approved
    # one with other text, and the note for readers its author wrote on it.
    updates_approved: bool = False
    change_note: str = ""

    @property
    def change_note_missing(self) -> bool:
        """An update without its "What changed" note: it may be neither
        submitted nor approved (the first revision needs none)."""
        return self.updates_approved and not self.change_note.strip()
    # Scheduled publishing: an approved revision waits for its "Publish at" time.
    scheduled: bool = False

    @property
    def decision_needed(self) -> bool:
        """A reviewer asked for changes on the revision under review and the
        editor has not decided yet (the article would have left Under Review)."""
        return self.state == UNDER_REVIEW and bool(self.changes_requested_by)


def decide(event: str, facts: ArticleFacts, actor: Actor, *, subject_id: int | None = None,
           reason: str | None = None) -> str:
    """The state after `event`, or TransitionRefused. `subject_id` is the
    reviewer being assigned or unassigned; `reason` the comment or reason given."""
    transition = EVENTS.get(event)
    if transition is None:
        raise TransitionRefused(f"Unknown action: {event}.")
    _check_actor(event, transition, facts, actor)
    if facts.state not in transition.sources:
        raise TransitionRefused(_wrong_state_message(transition, facts.state))
    guard = _GUARDS.get(event)
    if guard:
        guard(facts, actor, subject_id, reason)
    if event == "approve" and not approval_rule_holds(
            facts, approvers=facts.approved_by | {actor.id}):
        return UNDER_REVIEW
    if event == "request_changes" and facts.changes_decision == CHANGES_BY_EDITOR:
        return facts.state  # a recommendation: the editor decides on the round
    return transition.target or facts.state


def approval_rule_holds(facts: ArticleFacts, approvers: frozenset[int] | None = None) -> bool:
    """Enough approvals on the current revision and no citation error left
    unwaived. A waiver that clears the last error asks this again."""
    approvers = facts.approved_by if approvers is None else approvers
    return (len(approvers) >= facts.required_approvals and not facts.unwaived_errors
            and not facts.change_note_missing)


def allowed_events(facts: ArticleFacts, actor: Actor) -> list[str]:
    """The events this actor could fire now, ignoring per-event input."""
    allowed = []
    for event, transition in EVENTS.items():
        try:
            _check_actor(event, transition, facts, actor)
            standing = _STANDING_GUARDS.get(event)
            if standing:
                standing(facts, actor, None, None)  # depends on no input
        except (PermissionDenied, TransitionRefused):
            continue
        if facts.state in transition.sources:
            allowed.append(event)
    return allowed


def _check_actor(event: str, transition: Event, facts: ArticleFacts, actor: Actor):
    if transition.by == AUTHOR:
        if actor.id != facts.author_id:
            raise PermissionDenied("Only the article's author can do this.")
    elif transition.by == EDITOR:
        if EDITOR not in actor.roles:
            raise PermissionDenied("Only editors can do this.")
    else:
        if actor.id == facts.author_id:
            raise PermissionDenied("Nobody may review their own article.")
        if REVIEWER not in actor.roles:
            raise PermissionDenied("Only members of the advisory board can review.")
        pool = facts.invited if event in ("accept", "decline") else facts.accepted
        if actor.id not in pool:
            raise PermissionDenied(
                "You have no open invitation for this article." if event in ("accept", "decline")
                else "You are not an accepted reviewer of this article.")


def _wrong_state_message(transition: Event, state: str) -> str:
    if len(transition.sources) == 1:
        return (f"This article is no longer {state_label(transition.sources[0])} "
                f"(now: {state_label(state)}).")
    expected = ", ".join(state_label(s) for s in transition.sources)
    return f"This is not possible while the article is {state_label(state)} (only: {expected})."


def _guard_submit(facts, actor, subject_id, reason):
    if not facts.title.strip():
        raise TransitionRefused("Give the article a title before submitting it.")
    if not facts.body.strip():
        raise TransitionRefused("Write the article body before submitting it.")
    if facts.change_note_missing:
        raise TransitionRefused(CHANGE_NOTE_NEEDED)


def _guard_approve(facts, actor, subject_id, reason):
    # One review per reviewer and revision: it stands until a new revision.
    if actor.id in facts.approved_by:
        raise TransitionRefused("You have already approved this revision.")
    if actor.id in facts.changes_requested_by:
        raise TransitionRefused("You have already asked for changes on this revision; "
                                "the editor decides on it.")


def _guard_approve_with_note(facts, actor, subject_id, reason):
    _guard_approve(facts, actor, subject_id, reason)
    # Refused at submission already; this holds for revisions submitted before.
    if facts.change_note_missing:
        raise TransitionRefused(CHANGE_NOTE_MISSING_ON_APPROVAL)


def _guard_request_changes(facts, actor, subject_id, reason):
    _guard_approve(facts, actor, subject_id, reason)
    _guard_reason("A comment")(facts, actor, subject_id, reason)


def _guard_editor_decides(facts, actor, subject_id, reason):
    # With CHANGES_DECISION=reviewer the reviewers send an article back; an
    # editor still decides a round a reviewer left waiting before the switch.
    if facts.changes_decision != CHANGES_BY_EDITOR and not facts.decision_needed:
        raise TransitionRefused("On this site reviewers send an article back for changes "
                                "(CHANGES_DECISION=reviewer); an editor may reject it.")


def _guard_decide_changes(facts, actor, subject_id, reason):
    _guard_editor_decides(facts, actor, subject_id, reason)
    _guard_reason("A decision letter")(facts, actor, subject_id, reason)


def _guard_reason(what):
    def guard(facts, actor, subject_id, reason):
        if not (reason or "").strip():
            raise TransitionRefused(f"{what} is required.")
    return guard


def _guard_assign(facts, actor, subject_id, reason):
    if subject_id is None:
        raise TransitionRefused("Choose a reviewer.")
    if subject_id == facts.author_id:
        raise TransitionRefused("The author of an article cannot review it.")
    if subject_id in facts.invited or subject_id in facts.accepted:
        raise TransitionRefused("This reviewer is already assigned to the article.")


def _guard_unassign(facts, actor, subject_id, reason):
    if subject_id not in facts.invited and subject_id not in facts.accepted:
        raise TransitionRefused("This reviewer has no open assignment on the article.")


def _guard_rereview(facts, actor, subject_id, reason):
    if facts.scheduled:
        raise TransitionRefused(
            "An approved revision waits for its publication time: publish it (clear the "
            "time) or wait until it is public before starting a re-review.")


_GUARDS = {
    "submit": _guard_submit,
    "resubmit": _guard_submit,
    "assign": _guard_assign,
    "unassign": _guard_unassign,
    "approve": _guard_approve_with_note,
    "request_changes": _guard_request_changes,
    "reject": _guard_reason("A reason"),
    "decline": _guard_reason("A reason"),
    "decide_changes": _guard_decide_changes,
    "rereview": _guard_rereview,
}

# The part of a guard that depends on the facts and the actor alone, not on
# what the person types: allowed_events() asks it.
_STANDING_GUARDS = {
    "approve": _guard_approve,
    "request_changes": _guard_approve,
    "decide_changes": _guard_editor_decides,
    "rereview": _guard_rereview,
}
