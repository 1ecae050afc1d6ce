"""Article states: stable stored names and the labels people see. Pure module."""

DRAFT = "draft"
SUBMITTED = "submitted"
UNDER_REVIEW = "under_review"
CHANGES_REQUESTED = "changes_requested"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

STATE_LABELS = {
    DRAFT: "Draft",
    SUBMITTED: "Submitted",
    UNDER_REVIEW: "Under Review",
    CHANGES_REQUESTED: "Changes Requested",
    APPROVED: "Approved",
    REJECTED: "Rejected",
    WITHDRAWN: "Withdrawn",
}
STATES = tuple(STATE_LABELS)


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)

# What an article in each state waits for, as the author's list says it.
WAITING_FOR = {
    DRAFT: "You: finish and submit it",
    SUBMITTED: "The editor: assign reviewers",
    UNDER_REVIEW: "The advisory board: reviews",
    CHANGES_REQUESTED: "You: revise and resubmit",
    APPROVED: "Nothing: published",
    REJECTED: "Nothing (rejected)",
    WITHDRAWN: "Nothing (withdrawn)",
}


def waiting_for(state: str) -> str:
    return WAITING_FOR.get(state, "")
