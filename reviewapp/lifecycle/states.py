"""Article states, each defined once: the stable stored name, the label people
see, the badge colour and whom and what an article in the state waits for. Pure module."""

from collections.abc import Collection
from dataclasses import dataclass

DRAFT = "draft"
SUBMITTED = "submitted"
UNDER_REVIEW = "under_review"
CHANGES_REQUESTED = "changes_requested"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"


# Whom an article waits for: its author, an editor, or its reviewers.
AUTHOR, EDITOR, BOARD = "author", "editor", "board"
PARTY_NAMES = {AUTHOR: "Author", EDITOR: "The editor", BOARD: "The advisory board"}


@dataclass(frozen=True)
class State:
    name: str
    label: str
    badge: str              # the Bootstrap colour of its badge (text-bg-<badge>)
    waits_on: str | None    # AUTHOR, EDITOR, BOARD; None: nobody (`task` says why)
    task: str               # what they are to do


STATE_INFO: dict[str, State] = {s.name: s for s in (
    State(DRAFT, "Draft", "secondary", AUTHOR, "finish and submit it"),
    State(SUBMITTED, "Submitted", "info", EDITOR, "assign reviewers"),
    State(UNDER_REVIEW, "Under Review", "primary", BOARD, "review it"),
    State(CHANGES_REQUESTED, "Changes Requested", "warning", AUTHOR, "revise and resubmit"),
    State(APPROVED, "Approved", "success", None, "Nothing: published"),
    State(REJECTED, "Rejected", "danger", None, "Nothing (rejected)"),
    State(WITHDRAWN, "Withdrawn", "dark", None, "Nothing (withdrawn)"),
)}
DECISION_TASK = "decide on the reviewers' request for changes"
STATES = tuple(STATE_INFO)
STATE_LABELS = {name: state.label for name, state in STATE_INFO.items()}


def state_label(name: str) -> str:
    state = STATE_INFO.get(name)
    return state.label if state else name


def waiting_for(name: str, viewer_is: Collection[str] = (), *,
                decision_needed: bool = False) -> str:
    """What an article in state `name` waits for, said to a viewer who is the
    parties in `viewer_is` (AUTHOR: wrote it, EDITOR: an editor, BOARD: one of its
    reviewers yet to report): "You: …" only to the one it waits for, "Author: …"
    to everyone else. `decision_needed`: a reviewer asked for changes and the
    round waits on the editor's decision."""
    state = STATE_INFO.get(name)
    if state is None:
        return ""
    party, task = state.waits_on, state.task
    if decision_needed and name == UNDER_REVIEW:
        party, task = EDITOR, DECISION_TASK
    if party is None:
        return task
    return f"{'You' if party in viewer_is else PARTY_NAMES[party]}: {task}"


def state_badge(name: str) -> str:
    state = STATE_INFO.get(name)
    return state.badge if state else "secondary"
