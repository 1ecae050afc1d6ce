"""The article life cycle (DESIGN.md §2) against reviewapp.lifecycle.machine.

The expectations are written here from the design, independently of the
machine's own EVENTS table, so that a wrong row in machine.py fails a test.
"""

import dataclasses
import re
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewapp.errors import PermissionDenied, TransitionRefused
from reviewapp.lifecycle import machine
from reviewapp.lifecycle.events import CHANGES_BY_EDITOR, CHANGES_BY_REVIEWER, CHANGES_DECISIONS
from reviewapp.lifecycle.machine import Actor, ArticleFacts, allowed_events, decide
from reviewapp.lifecycle.states import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    REJECTED,
    STATES,
    SUBMITTED,
    UNDER_REVIEW,
    WITHDRAWN,
    state_label,
)

# Every refusal the machine gives: 403 for who may not, 409 for the state.
REFUSED = (PermissionDenied, TransitionRefused)

# --------------------------------------------------------------------------------------
# The expectation table, written from DESIGN.md §2 (and §1 for unassign).
# --------------------------------------------------------------------------------------

OWNER = "the article's author"
EDITOR = "an editor"
INVITED = "a reviewer with an open invitation (not the author)"
ACCEPTED = "a reviewer who accepted (not the author)"
SAME = "no state change"
# request_changes: CHANGES_REQUESTED with CHANGES_DECISION=reviewer, no state
# change with "editor" (a recommendation; the editor decides).
BY_SETTING = "changes requested, or no change when the editor decides"


@dataclass(frozen=True)
class Rule:
    sources: frozenset
    target: str          # SAME: the state does not change
    who: str


def rule(sources, target, who):
    return Rule(frozenset(sources), target, who)


OPEN = (SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED)  # states where assignments are live

SPEC = {
    #  event               from                                        to                 who
    "submit":          rule([DRAFT],                                   SUBMITTED,         OWNER),
    "assign":          rule([SUBMITTED, UNDER_REVIEW],                 UNDER_REVIEW,      EDITOR),
    "unassign":        rule(OPEN,                                      SAME,              EDITOR),
    "accept":          rule(OPEN,                                      SAME,              INVITED),
    "decline":         rule(OPEN,                                      SAME,              INVITED),
    "approve":         rule([UNDER_REVIEW],                            APPROVED,          ACCEPTED),
    "request_changes": rule([UNDER_REVIEW],                            BY_SETTING,        ACCEPTED),
    "resubmit":        rule([CHANGES_REQUESTED],                       UNDER_REVIEW,      OWNER),
    "reject":          rule(OPEN,                                      REJECTED,          EDITOR),
    "withdraw":        rule([DRAFT, *OPEN],                            WITHDRAWN,         OWNER),
    "reopen":          rule([REJECTED, WITHDRAWN],                     DRAFT,             EDITOR),
    "revise":          rule([APPROVED],                                DRAFT,             OWNER),
    "rereview":        rule([APPROVED],                                UNDER_REVIEW,      EDITOR),
    "waive":           rule(STATES,                                    SAME,              EDITOR),
    # Review rounds (issue 14): the editor's decision, with a letter. With
    # CHANGES_DECISION=reviewer only for a round a reviewer left waiting.
    "decide_changes":  rule([UNDER_REVIEW],                            CHANGES_REQUESTED, EDITOR),
}  # fmt: skip

# Every (from, to) pair DESIGN.md §2 allows for a successful event.
DESIGN_PAIRS = frozenset({
    (DRAFT, SUBMITTED),                                                   # submit
    (SUBMITTED, UNDER_REVIEW),                                            # assign
    (UNDER_REVIEW, UNDER_REVIEW),           # assign another; approve below the threshold
    (UNDER_REVIEW, APPROVED),                                             # approve
    (UNDER_REVIEW, CHANGES_REQUESTED),                                    # request changes
    (CHANGES_REQUESTED, UNDER_REVIEW),                                    # resubmit
    (SUBMITTED, REJECTED), (UNDER_REVIEW, REJECTED), (CHANGES_REQUESTED, REJECTED),  # reject
    (DRAFT, WITHDRAWN), (SUBMITTED, WITHDRAWN), (UNDER_REVIEW, WITHDRAWN),
    (CHANGES_REQUESTED, WITHDRAWN),                                       # withdraw
    (REJECTED, DRAFT), (WITHDRAWN, DRAFT),                                # reopen
    (APPROVED, DRAFT),                                                    # revise approved
    (APPROVED, UNDER_REVIEW),              # re-review (DESIGN §6): a copy goes to the board
    # accept / decline / unassign: no state change while assignments are live
    (SUBMITTED, SUBMITTED), (CHANGES_REQUESTED, CHANGES_REQUESTED),
    # waive (an editor clears a citation error): no state change in any state
    (DRAFT, DRAFT), (APPROVED, APPROVED), (REJECTED, REJECTED), (WITHDRAWN, WITHDRAWN),
})

REASON_EVENTS = ("request_changes", "reject", "decline", "decide_changes")
CONTENT_EVENTS = ("submit", "resubmit")


def test_the_machine_knows_exactly_the_designed_events_and_states():
    assert set(machine.EVENTS) == set(SPEC)
    assert set(STATES) == {DRAFT, SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED, APPROVED,
                           REJECTED, WITHDRAWN}
    assert [state_label(s) for s in STATES] == [
        "Draft", "Submitted", "Under Review", "Changes Requested", "Approved", "Rejected",
        "Withdrawn"]


# --------------------------------------------------------------------------------------
# 1. Every (state, event, actor kind)
# --------------------------------------------------------------------------------------

AUTHOR_ID, ACCEPTED_ID, OTHER_APPROVER_ID, INVITED_ID = 1, 3, 9, 4
UNRELATED_ID, EDITOR_ID, ADMIN_ID, NEW_REVIEWER_ID = 5, 6, 7, 8

ACTOR_KINDS = {
    "author": Actor(AUTHOR_ID, frozenset({"author"})),
    "author_with_all_roles": Actor(AUTHOR_ID, frozenset({"author", "reviewer", "editor"})),
    "accepted_reviewer": Actor(ACCEPTED_ID, frozenset({"reviewer"})),
    "invited_reviewer": Actor(INVITED_ID, frozenset({"reviewer"})),
    "unrelated_reviewer": Actor(UNRELATED_ID, frozenset({"reviewer"})),
    "editor": Actor(EDITOR_ID, frozenset({"editor"})),
    "admin_only": Actor(ADMIN_ID, frozenset({"admin"})),
}

# Which actor kinds each "who" admits. Nobody reviews their own article, so the
# author holding every role is not a reviewer here; an admin is not an editor.
WHO_ADMITS = {
    OWNER: {"author", "author_with_all_roles"},
    EDITOR: {"editor", "author_with_all_roles"},
    INVITED: {"invited_reviewer"},
    ACCEPTED: {"accepted_reviewer"},
}

# Valid per-event input for the table.
SUBJECT = {"assign": NEW_REVIEWER_ID, "unassign": INVITED_ID}
REASON = "Section 3 cites a retracted trial."


def table_facts(state, mode=CHANGES_BY_EDITOR):
    # Another accepted reviewer already approved this revision, so the accepted
    # reviewer's approval is the last one needed: approve leads to Approved.
    return ArticleFacts(state=state, author_id=AUTHOR_ID, title="Aspirin", body="Text [1].",
                        invited=frozenset({INVITED_ID}),
                        accepted=frozenset({ACCEPTED_ID, OTHER_APPROVER_ID}),
                        approved_by=frozenset({OTHER_APPROVER_ID}), required_approvals=2,
                        unwaived_errors=0, changes_decision=mode)


def spec_target(event, state, mode):
    target = SPEC[event].target
    if target is BY_SETTING:
        return CHANGES_REQUESTED if mode == CHANGES_BY_REVIEWER else state
    return state if target is SAME else target


def expected_outcome(state, event, kind, mode=CHANGES_BY_EDITOR):
    """(target state or None when refused, why refused: "state" for the state
    alone (409 naming it), "guard" for the setting (409), None for who (403))."""
    spec = SPEC[event]
    if kind not in WHO_ADMITS[spec.who]:
        return None, None
    if state not in spec.sources:
        return None, "state"
    if event == "decide_changes" and mode == CHANGES_BY_REVIEWER:
        return None, "guard"  # the table's facts hold no request for changes
    return spec_target(event, state, mode), None


CASES = [pytest.param(state, event, kind, mode, id=f"{state}-{event}-{kind}-{mode}")
         for state in STATES for event in machine.EVENTS for kind in ACTOR_KINDS
         for mode in CHANGES_DECISIONS]


@pytest.mark.parametrize(("state", "event", "kind", "mode"), CASES)
def test_every_state_event_and_actor(state, event, kind, mode):
    facts = table_facts(state, mode)
    target, why = expected_outcome(state, event, kind, mode)
    call = lambda: decide(event, facts, ACTOR_KINDS[kind],  # noqa: E731
                          subject_id=SUBJECT.get(event), reason=REASON)
    if target is not None:
        assert call() == target
        return
    # Who may not fire the event is 403 whatever the state; the state (or the
    # setting) standing in the way is 409.
    with pytest.raises(TransitionRefused if why else PermissionDenied) as refused:
        call()
    message = refused.value.message
    assert message.strip()
    assert str(refused.value) == message
    wrong_state = why == "state"
    if why == "guard":
        assert "CHANGES_DECISION=reviewer" in message
    if wrong_state:
        assert state_label(state) in message
        if len(SPEC[event].sources) == 1:
            (only,) = SPEC[event].sources
            assert message == (f"This article is no longer {state_label(only)} "
                               f"(now: {state_label(state)}).")


def test_wrong_state_message_example_from_the_brief():
    with pytest.raises(TransitionRefused) as refused:
        decide("approve", table_facts(APPROVED), ACTOR_KINDS["accepted_reviewer"])
    assert refused.value.message == "This article is no longer Under Review (now: Approved)."


def test_unknown_event_is_refused_with_a_message():
    with pytest.raises(TransitionRefused, match=r"\S"):
        decide("publish", table_facts(DRAFT), ACTOR_KINDS["author"])


@pytest.mark.parametrize("mode", CHANGES_DECISIONS)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("kind", ACTOR_KINDS)
def test_allowed_events_matches_the_table(state, kind, mode):
    expected = {event for event in SPEC
                if expected_outcome(state, event, kind, mode)[0] is not None}
    got = allowed_events(table_facts(state, mode), ACTOR_KINDS[kind])
    assert len(got) == len(set(got))
    assert set(got) == expected


# --- Nobody may review their own article, whatever roles they hold -------------------

@pytest.mark.parametrize("event", ["accept", "decline", "approve", "request_changes"])
@pytest.mark.parametrize("roles", [{"reviewer"}, {"author", "reviewer", "editor", "admin"}])
def test_the_author_never_reviews_even_when_listed_as_reviewer(event, roles):
    # Even if the data wrongly lists the author among invited/accepted reviewers.
    facts = dataclasses.replace(table_facts(UNDER_REVIEW),
                                invited=frozenset({AUTHOR_ID}), accepted=frozenset({AUTHOR_ID}))
    with pytest.raises(PermissionDenied, match="own article"):
        decide(event, facts, Actor(AUTHOR_ID, frozenset(roles)), reason=REASON)
    assert not {"accept", "decline", "approve", "request_changes"} & set(
        allowed_events(facts, Actor(AUTHOR_ID, frozenset(roles))))


def test_assign_refuses_the_author_as_reviewer():
    for editor in (ACTOR_KINDS["editor"], ACTOR_KINDS["author_with_all_roles"]):
        with pytest.raises(TransitionRefused, match=r"\S"):
            decide("assign", table_facts(SUBMITTED), editor, subject_id=AUTHOR_ID)


# --- Approval rule --------------------------------------------------------------------

def review_facts(**changes):
    base = ArticleFacts(state=UNDER_REVIEW, author_id=AUTHOR_ID, title="T", body="B",
                        accepted=frozenset({2, 3, 4}), required_approvals=2)
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(("required", "already", "errors", "expected"), [
    (2, set(), 0, UNDER_REVIEW),      # first of two
    (2, {2}, 0, APPROVED),            # second of two
    (2, {2}, 1, UNDER_REVIEW),        # enough approvals, an unwaived citation error
    (2, {2}, 3, UNDER_REVIEW),
    (1, set(), 0, APPROVED),          # one approval required
    (1, set(), 1, UNDER_REVIEW),
    (3, {2}, 0, UNDER_REVIEW),        # two of three
    (3, {2, 4}, 0, APPROVED),         # three of three
])
def test_approve_rule(required, already, errors, expected):
    facts = review_facts(required_approvals=required, approved_by=frozenset(already),
                         unwaived_errors=errors)
    assert decide("approve", facts, Actor(3, frozenset({"reviewer"}))) == expected


def test_the_same_reviewer_cannot_approve_twice():
    reviewer = Actor(3, frozenset({"reviewer"}))
    facts = review_facts(approved_by=frozenset({3}))
    with pytest.raises(TransitionRefused, match="already approved"):
        decide("approve", facts, reviewer)
    # Their approval counts once: with three required, a second reviewer makes two.
    facts = review_facts(approved_by=frozenset({3}), required_approvals=3)
    assert decide("approve", facts, Actor(2, frozenset({"reviewer"}))) == UNDER_REVIEW


def test_approve_needs_an_accepted_reviewer():
    facts = review_facts(accepted=frozenset({3}), invited=frozenset({2}))
    for actor in (Actor(2, frozenset({"reviewer"})),            # only invited
                  Actor(5, frozenset({"reviewer", "editor"})),  # unrelated
                  Actor(3, frozenset({"editor"}))):             # lost the reviewer role
        with pytest.raises(PermissionDenied, match=r"\S"):
            decide("approve", facts, actor)


def test_allowed_events_hides_approve_after_the_reviewer_approved():
    """DISCREPANCY: allowed_events() ignores the approve-twice guard, which is a
    fact about the actor and the revision, not per-event input: the UI offers an
    Approve button that can only be refused."""
    reviewer = Actor(3, frozenset({"reviewer"}))
    facts = review_facts(approved_by=frozenset({3}))
    with pytest.raises(TransitionRefused):
        decide("approve", facts, reviewer)
    assert "approve" not in allowed_events(facts, reviewer)


def test_approval_rule_holds_once_the_last_error_is_waived():
    """Both reviewers approved while a citation error was open: the article stays
    Under Review. Once the error is waived the rule holds again, which is what
    the waiver service asks before approving the article."""
    a, b = Actor(2, frozenset({"reviewer"})), Actor(3, frozenset({"reviewer"}))
    facts = review_facts(accepted=frozenset({2, 3}), unwaived_errors=1)
    assert decide("approve", facts, a) == UNDER_REVIEW
    facts = dataclasses.replace(facts, approved_by=frozenset({2}))
    assert decide("approve", facts, b) == UNDER_REVIEW
    facts = dataclasses.replace(facts, approved_by=frozenset({2, 3}))
    assert machine.approval_rule_holds(facts) is False
    assert machine.approval_rule_holds(dataclasses.replace(facts, unwaived_errors=0)) is True


# --- Reasons and content --------------------------------------------------------------

BLANKS = [None, "", "   ", "\n\t "]


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("event", REASON_EVENTS)
def test_reason_is_required(event, blank):
    actor = {"request_changes": ACTOR_KINDS["accepted_reviewer"],
             "reject": ACTOR_KINDS["editor"], "decide_changes": ACTOR_KINDS["editor"],
             "decline": ACTOR_KINDS["invited_reviewer"]}[event]
    facts = table_facts(UNDER_REVIEW)  # CHANGES_DECISION=editor
    with pytest.raises(TransitionRefused, match=r"\S"):
        decide(event, facts, actor, reason=blank)
    after = {"request_changes": UNDER_REVIEW, "reject": REJECTED, "decline": UNDER_REVIEW,
             "decide_changes": CHANGES_REQUESTED}
    assert decide(event, facts, actor, reason=" ok ") == after[event]


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
@pytest.mark.parametrize("field_name", ["title", "body"])
@pytest.mark.parametrize(("event", "state"), [("submit", DRAFT),
                                              ("resubmit", CHANGES_REQUESTED)])
def test_submit_and_resubmit_need_title_and_body(event, state, field_name, blank):
    facts = dataclasses.replace(table_facts(state), **{field_name: blank})
    with pytest.raises(TransitionRefused, match=field_name):
        decide(event, facts, ACTOR_KINDS["author"])
    assert decide(event, table_facts(state), ACTOR_KINDS["author"]) == SPEC[event].target


# --- "What changed" (issue 17) --------------------------------------------------------

NOTE = "The dose for children was corrected."
# (event, state, actor kind) × (updates an approved revision, note) → outcome:
# the state reached, or "refused" (409, with the message asking for the note).
NOTE_TABLE = [
    #  event        state               update  note    outcome
    ("submit",   DRAFT,              False,  "",     SUBMITTED),   # a first revision
    ("submit",   DRAFT,              True,   "",     "refused"),
    ("submit",   DRAFT,              True,   "  \n", "refused"),
    ("submit",   DRAFT,              True,   NOTE,   SUBMITTED),
    ("resubmit", CHANGES_REQUESTED,  False,  "",     UNDER_REVIEW),
    ("resubmit", CHANGES_REQUESTED,  True,   "",     "refused"),
    ("resubmit", CHANGES_REQUESTED,  True,   NOTE,   UNDER_REVIEW),
    ("approve",  UNDER_REVIEW,       False,  "",     APPROVED),    # incl. a re-review's copy
    ("approve",  UNDER_REVIEW,       True,   "",     "refused"),   # submitted before notes
    ("approve",  UNDER_REVIEW,       True,   NOTE,   APPROVED),
    # Other events do not ask for it.
    ("request_changes", UNDER_REVIEW, True,  "",     UNDER_REVIEW),
    ("withdraw", DRAFT,              True,   "",     WITHDRAWN),
    ("reject",   UNDER_REVIEW,       True,   "",     REJECTED),
]  # fmt: skip
NOTE_ACTORS = {"submit": "author", "resubmit": "author", "withdraw": "author",
               "approve": "accepted_reviewer", "request_changes": "accepted_reviewer",
               "reject": "editor"}


@pytest.mark.parametrize(("event", "state", "update", "note", "outcome"), NOTE_TABLE)
def test_an_update_needs_its_change_note_to_be_submitted_and_approved(event, state, update,
                                                                      note, outcome):
    facts = dataclasses.replace(table_facts(state), updates_approved=update, change_note=note)
    call = lambda: decide(event, facts, ACTOR_KINDS[NOTE_ACTORS[event]],  # noqa: E731
                          reason=REASON)
    if outcome != "refused":
        assert call() == outcome
        return
    with pytest.raises(TransitionRefused, match="“What changed”"):
        call()


def test_an_update_without_its_note_never_completes_the_approval_rule():
    """A waiver clearing the last error asks the rule again: an update approved
    by everyone before notes were asked for still waits for its note."""
    facts = review_facts(approved_by=frozenset({2, 3}), updates_approved=True)
    assert machine.approval_rule_holds(facts) is False
    assert machine.approval_rule_holds(dataclasses.replace(facts, change_note=NOTE)) is True
    # The reviewer still sees the Approve button, and the refusal says why.
    reviewer = ACTOR_KINDS["accepted_reviewer"]
    assert "approve" in allowed_events(dataclasses.replace(table_facts(UNDER_REVIEW),
                                                           updates_approved=True), reviewer)


# --- Assign / unassign ----------------------------------------------------------------

@pytest.mark.parametrize(("subject", "why"), [
    (None, "missing subject"),
    (AUTHOR_ID, "the author"),
    (INVITED_ID, "already invited"),
    (ACCEPTED_ID, "already accepted"),
])
@pytest.mark.parametrize("state", [SUBMITTED, UNDER_REVIEW])
def test_assign_refusals(state, subject, why):
    with pytest.raises(TransitionRefused, match=r"\S"):
        decide("assign", table_facts(state), ACTOR_KINDS["editor"], subject_id=subject)


@pytest.mark.parametrize("state", [SUBMITTED, UNDER_REVIEW])
def test_assign_moves_to_under_review(state):
    assert decide("assign", table_facts(state), ACTOR_KINDS["editor"],
                  subject_id=NEW_REVIEWER_ID) == UNDER_REVIEW


@pytest.mark.parametrize("state", OPEN)
@pytest.mark.parametrize(("subject", "ok"), [(INVITED_ID, True), (ACCEPTED_ID, True),
                                             (NEW_REVIEWER_ID, False), (None, False),
                                             (AUTHOR_ID, False)])
def test_unassign_needs_an_open_assignment(state, subject, ok):
    call = lambda: decide("unassign", table_facts(state), ACTOR_KINDS["editor"],  # noqa: E731
                          subject_id=subject)
    if ok:
        assert call() == state
    else:
        with pytest.raises(TransitionRefused, match=r"\S"):
            call()


# --------------------------------------------------------------------------------------
# 2. Property tests: random sequences against a model
# --------------------------------------------------------------------------------------

P_AUTHOR = Actor(1, frozenset({"author"}))
P_AUTHOR_ALL = Actor(1, frozenset({"author", "reviewer", "editor"}))
P_ACTORS = [
    P_AUTHOR, P_AUTHOR_ALL,
    Actor(2, frozenset({"reviewer"})), Actor(3, frozenset({"reviewer"})),
    Actor(4, frozenset({"reviewer"})),
    Actor(5, frozenset({"reviewer", "editor"})),  # reviews and edits, not the author
    Actor(6, frozenset({"editor"})),
    Actor(7, frozenset({"admin"})),
    Actor(8, frozenset()),                        # no role (may still be named as subject)
]
P_SUBJECTS = [None, 1, 2, 3, 4, 5, 6, 8]
P_REASONS = [None, "", "  ", "Please cite the 2021 guideline."]
FRESH_SUBJECT = 99  # first of the ids that stand for "a reviewer not yet assigned"


def oracle(facts, event, actor, subject, reason):
    """The state DESIGN §2 leads to, or None when the event must be refused."""
    spec = SPEC[event]
    is_reviewer = actor.id != facts.author_id and "reviewer" in actor.roles
    admitted = {
        OWNER: actor.id == facts.author_id,
        EDITOR: "editor" in actor.roles,
        INVITED: is_reviewer and actor.id in facts.invited,
        ACCEPTED: is_reviewer and actor.id in facts.accepted,
    }[spec.who]
    if not admitted or facts.state not in spec.sources:
        return None
    assigned = facts.invited | facts.accepted
    if event in CONTENT_EVENTS and not (facts.title.strip() and facts.body.strip()):
        return None
    # "What changed" (issue 17): an update goes to the board, and is approved, only
    # with its note for readers.
    if (event in (*CONTENT_EVENTS, "approve") and facts.updates_approved
            and not facts.change_note.strip()):
        return None
    if event in REASON_EVENTS and not (reason or "").strip():
        return None
    if event == "assign" and (subject is None or subject == facts.author_id
                              or subject in assigned):
        return None
    if event == "unassign" and subject not in assigned:
        return None
    if event in ("approve", "request_changes") and actor.id in (
            facts.approved_by | facts.changes_requested_by):
        return None  # one review per reviewer and revision
    if event == "approve":
        enough = len(facts.approved_by | {actor.id}) >= facts.required_approvals
        return APPROVED if enough and facts.unwaived_errors == 0 else UNDER_REVIEW
    # The editor decides with CHANGES_DECISION=editor, or on a round a reviewer
    # left waiting (a request for changes on the revision under review).
    waiting = facts.state == UNDER_REVIEW and bool(facts.changes_requested_by)
    if event == "decide_changes" and not (facts.changes_decision == CHANGES_BY_EDITOR
                                          or waiting):
        return None
    return spec_target(event, facts.state, facts.changes_decision)


@dataclass
class Model:
    state: str
    title: str
    body: str
    required: int
    mode: str = CHANGES_BY_EDITOR
    errors: int = 0
    revision: int = 1
    update: bool = False   # the current revision would replace an approved one
    note: str = ""         # its "What changed"
    invited: set = dataclasses.field(default_factory=set)
    accepted: set = dataclasses.field(default_factory=set)
    approvals: set = dataclasses.field(default_factory=set)  # (revision, reviewer id)
    requests: set = dataclasses.field(default_factory=set)   # (revision, reviewer id)

    def approvers(self):
        return {who for rev, who in self.approvals if rev == self.revision}

    def askers(self):
        return {who for rev, who in self.requests if rev == self.revision}

    def facts(self):
        return ArticleFacts(state=self.state, author_id=1, title=self.title, body=self.body,
                            invited=frozenset(self.invited), accepted=frozenset(self.accepted),
                            approved_by=frozenset(self.approvers()),
                            changes_requested_by=frozenset(self.askers()),
                            changes_decision=self.mode,
                            required_approvals=self.required, unwaived_errors=self.errors,
                            updates_approved=self.update, change_note=self.note)

    def apply(self, event, actor, subject, new_state):
        if event in ("submit", "resubmit", "revise", "rereview"):
            self.revision += 1      # a new frozen revision; assignments carry over
        elif event == "assign":
            self.invited.add(subject)
        elif event == "unassign":
            self.invited.discard(subject)
            self.accepted.discard(subject)
        elif event == "accept":
            self.invited.discard(actor.id)
            self.accepted.add(actor.id)
        elif event == "decline":
            self.invited.discard(actor.id)
        elif event == "approve":
            self.approvals.add((self.revision, actor.id))
        elif event == "request_changes":
            self.requests.add((self.revision, actor.id))
        self.state = new_state


def valid_inputs(facts, event):
    """Subjects and reasons a person could sensibly give for `event`."""
    if event == "assign":
        assigned = facts.invited | facts.accepted
        fresh = next(i for i in range(FRESH_SUBJECT, 10**6) if i not in assigned)
        return [(s, None) for s in (*P_SUBJECTS[1:], fresh)
                if s != facts.author_id and s not in assigned]
    if event == "unassign":
        return [(s, None) for s in sorted(facts.invited | facts.accepted)]
    if event in REASON_EVENTS:
        return [(None, "A clear reason.")]
    return [(None, None)]


DETOURS = ("withdraw", "reject", "reopen")
TEXTS = st.sampled_from(["Aspirin in primary prevention", "", "  "])
NOTES = st.sampled_from(["The dose for children was corrected.", "", "  "])

PROPERTY_SETTINGS = settings(max_examples=250, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])


def run_sequence(data, check_step):
    model = Model(state=DRAFT, title=data.draw(TEXTS, "title"), body=data.draw(TEXTS, "body"),
                  required=data.draw(st.integers(1, 3), "required"),
                  mode=data.draw(st.sampled_from(CHANGES_DECISIONS), "CHANGES_DECISION"))
    steps = data.draw(st.integers(1, 40), "steps")
    for _ in range(steps):
        kind = data.draw(st.sampled_from(["guided", "guided", "guided", "random", "edit",
                                          "errors", "setting"]))
        facts = model.facts()
        if kind == "edit":
            model.title, model.body = data.draw(TEXTS), data.draw(TEXTS)
            model.update, model.note = data.draw(st.booleans()), data.draw(NOTES)
            continue
        if kind == "errors":      # citation check re-run or an editor's waiver
            model.errors = data.draw(st.integers(0, 2))
            continue
        if kind == "setting":     # CHANGES_DECISION changed between two requests
            model.mode = data.draw(st.sampled_from(CHANGES_DECISIONS))
            continue
        if kind == "guided":
            candidates = [(event, actor, subject, reason)
                          for actor in P_ACTORS for event in SPEC
                          for subject, reason in valid_inputs(facts, event)
                          if oracle(facts, event, actor, subject, reason) is not None]
            if not candidates:
                continue
            # Pick the event first, so that no event crowds out the others, and
            # favour the review path over the detours out of it.
            events = sorted({c[0] for c in candidates})
            event = data.draw(st.sampled_from(
                [e for e in events for _ in range(1 if e in DETOURS else 4)]))
            _, actor, subject, reason = data.draw(
                st.sampled_from([c for c in candidates if c[0] == event]))
        else:
            event = data.draw(st.sampled_from(tuple(machine.EVENTS)))
            actor = data.draw(st.sampled_from(P_ACTORS))
            subject = data.draw(st.sampled_from(P_SUBJECTS))
            reason = data.draw(st.sampled_from(P_REASONS))
        check_step(model, facts, event, actor, subject, reason)


@PROPERTY_SETTINGS
@given(st.data())
def test_random_sequences_keep_the_invariants(data):
    def check_step(model, facts, event, actor, subject, reason):
        before = dataclasses.astuple(facts)
        model_before = (model.state, set(model.invited), set(model.accepted),
                        set(model.approvals), model.revision)
        expected = oracle(facts, event, actor, subject, reason)
        try:
            new = decide(event, facts, actor, subject_id=subject, reason=reason)
        except REFUSED as refused:
            assert refused.message.strip()
            assert expected is None, (event, actor, subject, reason, facts, refused.message)
            # A refused event changes nothing.
            assert dataclasses.astuple(facts) == before
            assert (model.state, model.invited, model.accepted, model.approvals,
                    model.revision) == model_before
            return
        assert new == expected, (event, actor, subject, reason, facts)
        assert new in STATES
        assert (facts.state, new) in DESIGN_PAIRS, (event, facts.state, new)
        if new == APPROVED and facts.state != APPROVED:
            # Only an approval moves an article into Approved (an event that
            # keeps its state, such as a waiver on an approved article, is no move).
            approvers = model.approvers() | {actor.id}
            assert event == "approve"
            assert facts.state == UNDER_REVIEW
            assert len(approvers) >= model.required and model.errors == 0
        if event == "approve":
            enough = len(model.approvers() | {actor.id}) >= model.required
            assert (new == APPROVED) == (enough and model.errors == 0)
            assert not (model.update and not model.note.strip())  # never without its note
        if new == CHANGES_REQUESTED and facts.state == UNDER_REVIEW:
            # Sent back by a reviewer only when reviewers decide; else by the
            # editor (with "reviewer", only on a round a reviewer left waiting).
            if event == "request_changes":
                assert model.mode == CHANGES_BY_REVIEWER
            else:
                assert event == "decide_changes"
                assert model.mode == CHANGES_BY_EDITOR or facts.decision_needed
        if event == "request_changes" and model.mode == CHANGES_BY_EDITOR:
            assert new == UNDER_REVIEW  # a recommendation
        assert dataclasses.astuple(facts) == before  # decide() is pure
        model.apply(event, actor, subject, new)

    run_sequence(data, check_step)


@PROPERTY_SETTINGS
@given(st.data())
def test_allowed_events_agrees_with_decide(data):
    """allowed_events(facts, actor) lists exactly the events decide() accepts
    given valid per-event input (a reason, a subject, a title and body). Unassign
    is only compared when somebody is assigned (otherwise no valid subject exists)."""

    def check_step(model, facts, event, actor, subject, reason):
        content_ok = dataclasses.replace(facts, title="Title", body="Body",
                                         change_note="What changed")
        for someone in P_ACTORS:
            accepted = set()
            for candidate in machine.EVENTS:
                for cand_subject, cand_reason in valid_inputs(facts, candidate):
                    try:
                        decide(candidate, content_ok, someone, subject_id=cand_subject,
                               reason=cand_reason)
                    except REFUSED:
                        continue
                    accepted.add(candidate)
            listed = allowed_events(facts, someone)
            assert len(listed) == len(set(listed))
            listed = set(listed)
            if not (facts.invited | facts.accepted):
                listed.discard("unassign")
            assert listed == accepted, (someone, facts)
        try:
            new = decide(event, facts, actor, subject_id=subject, reason=reason)
        except REFUSED:
            return
        model.apply(event, actor, subject, new)

    run_sequence(data, check_step)


@pytest.mark.parametrize("mode", CHANGES_DECISIONS)
def test_a_reviewer_who_approved_cannot_request_changes_on_the_same_revision(mode):
    """One review per reviewer and revision (the database holds it unique too):
    approving below the threshold leaves the article Under Review, and the
    same reviewer asking for changes then is refused, not a database error."""
    facts = ArticleFacts(state=UNDER_REVIEW, author_id=1, title="T", body="B",
                         accepted=frozenset({2, 3}), approved_by=frozenset({2}),
                         changes_decision=mode)
    with pytest.raises(TransitionRefused, match="already approved this revision"):
        decide("request_changes", facts, Actor(2, frozenset({"reviewer"})), reason="Cite it.")
    assert "request_changes" not in allowed_events(facts, Actor(2, frozenset({"reviewer"})))
    assert decide("request_changes", facts, Actor(3, frozenset({"reviewer"})),
                  reason="Cite it.") == (CHANGES_REQUESTED if mode == CHANGES_BY_REVIEWER
                                         else UNDER_REVIEW)


# --------------------------------------------------------------------------------------
# 3. Review rounds and the editor's decision (issue 14)
# --------------------------------------------------------------------------------------

REVIEWER_2, REVIEWER_3 = Actor(2, frozenset({"reviewer"})), Actor(3, frozenset({"reviewer"}))
EDITOR_ACTOR = Actor(6, frozenset({"editor"}))


def round_facts(**changes):
    return dataclasses.replace(review_facts(), **changes)


def test_with_the_editor_deciding_a_request_for_changes_is_a_recommendation():
    facts = round_facts(changes_decision=CHANGES_BY_EDITOR)
    assert decide("request_changes", facts, REVIEWER_2, reason="Cite the dose.") == UNDER_REVIEW
    waiting = dataclasses.replace(facts, changes_requested_by=frozenset({2}))
    assert waiting.decision_needed
    # The other reviewers may still report; the one who asked may not report again.
    assert decide("request_changes", waiting, REVIEWER_3, reason="Me too.") == UNDER_REVIEW
    assert decide("approve", waiting, REVIEWER_3) == UNDER_REVIEW
    for event in ("approve", "request_changes"):
        with pytest.raises(TransitionRefused, match="already asked for changes"):
            decide(event, waiting, REVIEWER_2, reason="Again.")
        assert event not in allowed_events(waiting, REVIEWER_2)
    # The editor sends it back with a letter, or rejects it.
    assert "decide_changes" in allowed_events(waiting, EDITOR_ACTOR)
    assert decide("decide_changes", waiting, EDITOR_ACTOR,
                  reason="Dear author, please cite the dose.") == CHANGES_REQUESTED
    assert decide("reject", waiting, EDITOR_ACTOR, reason="Out of scope.") == REJECTED


def test_approval_is_unchanged_by_a_waiting_request_for_changes():
    """Signatures reaching REQUIRED_APPROVALS with no unwaived error approve,
    whatever a third reviewer recommended."""
    facts = round_facts(accepted=frozenset({2, 3, 4}), approved_by=frozenset({3}),
                        changes_requested_by=frozenset({2}))
    assert decide("approve", facts, Actor(4, frozenset({"reviewer"}))) == APPROVED


def test_with_reviewers_deciding_a_request_sends_the_article_back_at_once():
    facts = round_facts(changes_decision=CHANGES_BY_REVIEWER)
    assert decide("request_changes", facts, REVIEWER_2,
                  reason="Cite the dose.") == CHANGES_REQUESTED
    with pytest.raises(TransitionRefused, match="CHANGES_DECISION=reviewer"):
        decide("decide_changes", facts, EDITOR_ACTOR, reason="A letter.")
    assert "decide_changes" not in allowed_events(facts, EDITOR_ACTOR)
    # A round a reviewer left waiting before the setting changed is still decided.
    waiting = dataclasses.replace(facts, changes_requested_by=frozenset({2}))
    assert decide("decide_changes", waiting, EDITOR_ACTOR, reason="A letter.") == (
        CHANGES_REQUESTED)


@pytest.mark.parametrize("actor", [REVIEWER_2, Actor(1, frozenset({"author"})),
                                   Actor(7, frozenset({"admin"}))])
def test_only_an_editor_decides_a_round(actor):
    facts = round_facts(changes_requested_by=frozenset({3}))
    with pytest.raises(PermissionDenied, match="Only editors"):
        decide("decide_changes", facts, actor, reason="A letter.")


@pytest.mark.parametrize("state", [s for s in STATES if s != UNDER_REVIEW])
def test_a_decision_outside_review_names_the_state(state):
    with pytest.raises(TransitionRefused, match=re.escape(
            f"This article is no longer Under Review (now: {state_label(state)}).")):
        decide("decide_changes", round_facts(state=state), EDITOR_ACTOR, reason="A letter.")


def test_decision_needed_only_under_review_with_a_request_on_the_revision():
    assert not round_facts().decision_needed
    assert round_facts(changes_requested_by=frozenset({2})).decision_needed
    assert not round_facts(state=CHANGES_REQUESTED,
                           changes_requested_by=frozenset({2})).decision_needed


def test_events_open_rounds_and_word_their_outcome():
    """Submit, resubmit and re-review open a round; the request for changes
    mails the author only when it sent the article back, and its notice says
    who decides."""
    assert {name for name, e in machine.EVENTS.items() if e.opens_round} == {
        "submit", "resubmit", "rereview"}
    request = machine.EVENTS["request_changes"]
    assert [(m.template, m.when) for m in request.mails] == [
        ("changes_requested.txt", CHANGES_REQUESTED)]
    assert request.notice_after(CHANGES_REQUESTED) == (
        "Changes requested: the author has been told.")
    assert "editor" in request.notice_after(UNDER_REVIEW)
    decision = machine.EVENTS["decide_changes"]
    assert (decision.button, decision.audit_action, decision.by) == (
        "Request changes", "article.changes_requested", "editor")
    assert [m.template for m in decision.mails] == ["decision_letter.txt"]
    # Events without a held notice say the same whatever the state.
    assert machine.EVENTS["approve"].notice_after(UNDER_REVIEW) == "Approved and signed."


# --- What an article waits for, said to each viewer ------------------------------------

@pytest.mark.parametrize(("state", "viewer_is", "decision_needed", "expected"), [
    ("draft", {"author"}, False, "You: finish and submit it"),
    ("draft", {"editor"}, False, "Author: finish and submit it"),
    ("draft", set(), False, "Author: finish and submit it"),            # an admin
    ("changes_requested", {"author", "editor"}, False, "You: revise and resubmit"),
    ("submitted", {"editor"}, False, "You: assign reviewers"),
    ("submitted", {"author"}, False, "The editor: assign reviewers"),
    ("under_review", {"board"}, False, "You: review it"),
    ("under_review", {"editor"}, False, "The advisory board: review it"),
    ("under_review", {"editor"}, True,
     "You: decide on the reviewers' request for changes"),
    ("under_review", {"board"}, True,
     "The editor: decide on the reviewers' request for changes"),
    ("approved", {"author", "editor"}, False, "Nothing: published"),
    ("no_such_state", {"author"}, False, ""),
])
def test_waiting_for_says_you_only_to_the_party_it_waits_for(state, viewer_is,
                                                             decision_needed, expected):
    from reviewapp.lifecycle.states import waiting_for

    assert waiting_for(state, viewer_is, decision_needed=decision_needed) == expected
