"""Article states, each defined once: the stable stored name, the label people
see, the badge colour and what an article in the state waits for. Pure module."""

from dataclasses import dataclass

DRAFT = "draft"
SUBMITTED = "submitted"
UNDER_REVIEW = "under_review"
CHANGES_REQUESTED = "changes_requested"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class State:
    name: str
    label: str
    badge: str          # the Bootstrap colour of its badge (text-bg-<badge>)
    waiting_for: str    # as the author's list says it


STATE_INFO: dict[str, State] = {s.name: s for s in (
    State(DRAFT, "Draft", "secondary", "You: finish and submit it"),
    State(SUBMITTED, "Submitted", "info", "The editor: assign reviewers"),
    State(UNDER_REVIEW, "Under Review", "primary", "The advisory board: reviews"),
    State(CHANGES_REQUESTED, "Changes Requested", "warning", "You: revise and resubmit"),
    State(APPROVED, "Approved", "success", "Nothing: published"),
    State(REJECTED, "Rejected", "danger", "Nothing (rejected)"),
    State(WITHDRAWN, "Withdrawn", "dark", "Nothing (withdrawn)"),
)}
STATES = tuple(STATE_INFO)
STATE_LABELS = {name: state.label for name, state in STATE_INFO.items()}


def state_label(name: str) -> str:
    state = STATE_INFO.get(name)
    return state.label if state else name


def waiting_for(name: str) -> str:
    state = STATE_INFO.get(name)
    return state.waiting_for if state else ""


def state_badge(name: str) -> str:
    state = STATE_INFO.get(name)
    return state.badge if state else "secondary"
