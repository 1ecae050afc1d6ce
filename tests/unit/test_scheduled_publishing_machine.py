"""The life cycle's rule for scheduled publishing (issue 17): an approved article
whose newest approved revision waits for its "Publish at" time cannot be sent to
re-review until it is public; every other event is as before."""

import pytest

from reviewapp.errors import TransitionRefused
from reviewapp.lifecycle import machine
from reviewapp.lifecycle.states import APPROVED, DRAFT

EDITOR = machine.Actor(id=9, roles=frozenset({"editor"}))
AUTHOR = machine.Actor(id=1, roles=frozenset({"author"}))


def facts(**changes) -> machine.ArticleFacts:
    return machine.ArticleFacts(**{"state": APPROVED, "author_id": 1, **changes})


def test_a_rereview_is_refused_while_a_revision_waits_for_its_time():
    with pytest.raises(TransitionRefused, match="waits for its publication time"):
        machine.decide("rereview", facts(scheduled=True), EDITOR)
    assert "rereview" not in machine.allowed_events(facts(scheduled=True), EDITOR)


def test_without_a_schedule_the_rereview_is_as_before():
    assert machine.decide("rereview", facts(), EDITOR) == "under_review"
    assert "rereview" in machine.allowed_events(facts(), EDITOR)


def test_the_author_may_still_revise_while_a_revision_waits():
    assert machine.decide("revise", facts(scheduled=True), AUTHOR) == DRAFT
