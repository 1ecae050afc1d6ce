"""The author's supporting passage for a claim (issue 14 §4), through the web: attached
from the desk article page while the article is a draft, with the board or waiting for
changes; audited with before and after; shown to reviewers beside the claim; carried to
the next revision while the claim stays. On SQLite and PostgreSQL."""

import re

import pytest
from sqlalchemy import select

from reviewapp.audit.models import AuditEvent
from reviewapp.citations.engine import list_claims
from reviewapp.reviews.models import ClaimSupport
from tests.conftest import audit_actions
from tests.integration.test_workflow import Desk
from tests.review_steps import hidden, review_page

BODY = ("Ibuprofen 400 mg three times a day reduces back pain [1]. "
        "Avoid it in kidney disease [1].")
REFERENCES = "1. Doe J. Ibuprofen for back pain. BMJ. 2020. doi:10.1136/bmj.m1"
QUOTE = "Pain scores fell with 400 mg ibuprofen taken three times daily."
KEY, SECOND_KEY = (claim.key for claim in list_claims(BODY))


@pytest.fixture
def desk(app, make_user, make_article):
    return Desk(app, make_user, make_article, body=BODY, references=REFERENCES)


def _article_page(desk, user=None):
    response = desk.client(user or desk.author).get(f"/desk/articles/{desk.article_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _support(desk, quote=QUOTE, location="p. 4, Results", version=None, user=None,
             key=KEY):
    page = _article_page(desk)
    data = {f"s{key}-version": version or hidden(page, f"s{key}-version"),
            f"s{key}-quote": quote, f"s{key}-location": location}
    return desk.client(user or desk.author).post(
        f"/desk/articles/{desk.article_id}/claims/{key}/support", data=data)


def _supports(rows):
    with rows() as session:
        return [(s.claim_key, s.quote, s.location) for s in session.scalars(select(ClaimSupport))]


def test_the_author_attaches_a_passage_that_reviewers_see_beside_the_claim(desk, rows, app):
    page = _article_page(desk)
    assert page.count("Attach the supporting passage") == 2
    assert 'for="s' + KEY + '-quote">Quoted passage</label>' in page
    response = _support(desk)
    assert response.status_code == 302
    assert "Passage saved." in _article_page(desk)
    assert _supports(rows) == [(KEY, QUOTE, "p. 4, Results")]
    with rows() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "claim.support_saved")).one()
        assert event.details["before"] is None
        assert event.details["after"] == {"quote": QUOTE, "location": "p. 4, Results"}
        assert event.details["claim"] == KEY and event.details["revision"] == 1

    desk.under_review()
    page = review_page(desk.client(desk.reviewers[0]), desk.article_id)
    claim = page[page.index(f'id="claim-{KEY}"'):page.index(f'id="claim-{SECOND_KEY}"')]
    assert "Supporting passage, from the author (p. 4, Results):" in claim
    assert QUOTE in claim
    assert f'name="s{KEY}-quote"' not in page  # reviewers get no form for it
    assert page.count("No supporting passage attached by the author.") == 1


def test_changing_and_removing_a_passage_is_recorded_with_before_and_after(desk, rows):
    _support(desk)
    assert _support(desk, quote="A closer quote.", location="Table 2").status_code == 302
    assert _supports(rows) == [(KEY, "A closer quote.", "Table 2")]
    response = _support(desk, quote="", location="")
    assert response.status_code == 302
    assert "Passage removed." in _article_page(desk)
    assert _supports(rows) == []
    with rows() as session:
        changes = [(e.details["before"], e.details["after"]) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "claim.support_saved")
            .order_by(AuditEvent.seq))]
    assert changes[1:] == [
        ({"quote": QUOTE, "location": "p. 4, Results"},
         {"quote": "A closer quote.", "location": "Table 2"}),
        ({"quote": "A closer quote.", "location": "Table 2"}, None)]


def test_a_location_without_a_quote_is_refused_keeping_what_was_typed(desk, rows):
    response = _support(desk, quote="  ", location="p. 9")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Quote the passage of the source that supports the claim." in page
    assert re.search(rf'id="s{KEY}-location"[^>]*value="p. 9"', page)
    assert _supports(rows) == []


def test_a_stale_form_saves_nothing_and_keeps_the_quote(desk, rows, app):
    stale = hidden(_article_page(desk), f"s{KEY}-version")
    saved = desk.post(desk.author, "/desk/articles/{a}/edit", {  # saved in another tab
        "title": "Ibuprofen for back pain", "body": BODY + " Rest helps as well.",
        "references": REFERENCES, "save": "Save draft"})
    assert saved.status_code == 302
    before = audit_actions(app)
    response = _support(desk, version=stale, quote="Typed with care.")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This article changed since you opened it — nothing was saved." in page
    assert "Typed with care.</textarea>" in page
    assert _supports(rows) == [] and audit_actions(app) == before


def test_only_the_author_while_the_article_is_open_to_it(desk, make_user, rows):
    other_author = make_user(roles=["author"])
    assert _support(desk, user=other_author).status_code == 403
    assert _support(desk).status_code == 302
    desk.under_review()
    # With the board, the passages are frozen with the revision: a reviewer who
    # signed beside one never finds another there (and so after approval).
    assert "Attach the supporting passage" not in _article_page(desk)
    for stage in ("under review", "approved"):
        version = str(desk.version(desk.author))
        response = _support(desk, quote="Changed after the verdicts.", version=version)
        assert response.status_code == 409, stage
        assert ("Source passages can be attached while the article is a draft or waiting "
                "for changes") in response.get_data(as_text=True)
        assert _supports(rows) == [(KEY, QUOTE, "p. 4, Results")]
        if stage == "under review":
            for reviewer in desk.reviewers:
                assert desk.approve(reviewer).status_code == 302
            assert desk.state() == "approved"


def test_a_claim_not_in_the_article_is_refused(desk, rows):
    other = list_claims("Take 20 mg once daily [1].")[0].key
    page = _article_page(desk)
    response = desk.client(desk.author).post(
        f"/desk/articles/{desk.article_id}/claims/{other}/support",
        data={f"s{other}-version": hidden(page, f"s{KEY}-version"), f"s{other}-quote": "x"})
    assert response.status_code == 409
    assert "This claim is no longer in the article as it stands" in (
        response.get_data(as_text=True))
    assert _supports(rows) == []


def test_the_passage_follows_the_claim_into_the_next_revision(desk):
    _support(desk)
    desk.under_review()
    desk.send_back(desk.reviewers[0])
    edit = desk.post(desk.author, "/desk/articles/{a}/edit", {
        "title": "Ibuprofen for back pain", "references": REFERENCES, "save": "Save draft",
        "body": "Ibuprofen 400 mg three times a day reduces back pain [1]. Avoid it [1]."})
    assert edit.status_code == 302
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302
    page = review_page(desk.client(desk.reviewers[1]), desk.article_id)
    assert QUOTE in page and "Revision 2" in page
