"""Audience versions in review (issue 17): a submitted revision's versions are
citation-checked against its one reference list and their reading level measured against
their audience's target, shown on the desk with the version each finding is in; the
reviewer's verdicts and signature cover the claims of every version. On SQLite and
PostgreSQL."""

import html
import re

import pytest
from sqlalchemy import select

from reviewapp.articles.models import Article, AudienceVersion
from reviewapp.audit.models import AuditEvent
from reviewapp.citations.models import CitationReport
from reviewapp.citations.services import check_revision
from reviewapp.reviews.models import Signature
from reviewapp.reviews.signing import verdicts_digest
from tests.integration.test_workflow import Desk
from tests.review_steps import claim_keys, open_warning_keys, review_page, save_verdicts

BODY = "Ibuprofen 400 mg three times a day reduces back pain [1]."
REFERENCES = ("1. Doe J. Ibuprofen for back pain. BMJ. 2020. doi:10.1136/bmj.m1\n"
              "2. Roe A. Ibuprofen dosing. Lancet. 2023. PMID: 31000001")
# Known levels (tests/unit/test_readability.py): grade 1.9 and grade 23.1.
PLAIN = ("Ibuprofen is a medicine for pain. You can buy it at a pharmacy or a shop. "
         "It can help with back pain, toothache and period pain [1]. It works well for "
         "many people [2].")
HARDEST = ("Gastrointestinal, cardiovascular and renal adverse events necessitate "
           "individualised risk stratification before prolonged administration, "
           "particularly in elderly patients with comorbidities.")
DENSE = ("Nonsteroidal anti-inflammatory drugs demonstrated statistically significant "
         "reductions in pain intensity compared with placebo in patients with chronic "
         "non-specific low back pain, although the magnitude of the effect was small and of "
         f"questionable clinical relevance [1]. {HARDEST} [2]")
PATIENT_CLAIM = "Take 200 mg to 400 mg every 6 hours [2]."


def with_patient_version(app, article_id: int, body: str, key_points: str = "") -> None:
    """The draft's patient version, written as the author's form would (H1 builds it),
    checked as a saved draft is."""
    from reviewapp.extensions import db

    with app.app_context():
        revision = db.session.get(Article, article_id).current_revision
        revision.audience_versions.append(AudienceVersion(
            audience="patient", title="Ibuprofen for back pain", key_points=key_points,
            body=body))
        db.session.flush()
        check_revision(revision)
        db.session.commit()


@pytest.fixture
def make_desk(app, make_user, make_article):
    def make(patient_body: str, key_points: str = "") -> Desk:
        desk = Desk(app, make_user, make_article, body=BODY, references=REFERENCES)
        with_patient_version(app, desk.article_id, patient_body, key_points)
        desk.under_review()
        return desk
    return make


def _desk_page(desk, user) -> str:
    response = desk.client(user).get(f"/desk/articles/{desk.article_id}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _stored_findings(rows) -> list[tuple]:
    with rows() as session:
        report = session.scalars(select(CitationReport)).one()
        return [(f.code, f.audience, f.place) for f in report.findings]


def test_a_hard_patient_version_gets_a_reading_level_warning_on_the_desk(make_desk, rows):
    desk = make_desk(DENSE)
    assert ("reading-level", "patient", "Patient or carer version") in _stored_findings(rows)
    for user in (desk.editor, desk.author, desk.reviewers[0]):
        page = _desk_page(desk, user)
        warning = page[page.index("<code>reading-level</code>") - 2500:
                       page.index("<code>reading-level</code>")]
        assert "The Patient or carer version reads at grade 23." in warning
        assert ("the target for patient or carer readers is grade 6 or below and a reading "
                "ease of 60 or above") in warning
        assert f"Its hardest 2 sentences are “{HARDEST}” (grade 26.0); “" in warning
        assert "shorter sentences, everyday words" in warning


def test_a_plain_patient_version_gets_no_reading_level_warning(make_desk, rows):
    desk = make_desk(PLAIN)
    # Clean everywhere: reference 2, cited only in the patient version, counts as cited.
    assert [code for code, _, _ in _stored_findings(rows)] == []
    page = _desk_page(desk, desk.editor)
    assert "reading-level" not in page and "No findings." in page


def test_markers_in_a_version_resolve_against_the_one_reference_list(make_desk, rows, app):
    desk = make_desk(PLAIN.replace("[2]", "[5]"), key_points="- Ask your pharmacist [1,,2].\n")
    assert _stored_findings(rows) == [
        ("marker-malformed", "patient", "Patient or carer version, key points"),
        ("marker-unresolved", "patient", "Patient or carer version, body"),
    ]
    page = _desk_page(desk, desk.editor)
    assert ("Patient or carer version, body: Marker [5] points at no reference (the list "
            "has 2).") in page
    assert "Patient or carer version, key points: Marker [1,,2] is malformed" in page
    assert "2 errors block approval" in page
    with rows() as session:
        assert session.get(Article, desk.article_id).citation_errors == 2


def test_signing_needs_a_verdict_on_every_claim_of_every_version(make_desk, rows, app):
    desk = make_desk(PLAIN, key_points=f"- {PATIENT_CLAIM}\n")
    reviewer = desk.reviewers[0]
    client = desk.client(reviewer)
    page = html.unescape(review_page(client, desk.article_id))
    keys = claim_keys(page)
    assert len(keys) == 2 and keys[1].startswith("patient.")
    claims = page[page.index("Claims in the main text"):]
    assert claims.index(BODY) < claims.index("Claims in the Patient or carer version")
    group = page[page.index("Claims in the Patient or carer version"):]
    assert PATIENT_CLAIM in group and BODY not in group
    assert "Your verdict on claim 2" in group

    # "Supported" on the main text's claim only: the version's claim blocks signing.
    assert save_verdicts(client, desk.article_id, ["supported", None]).status_code == 302
    page = review_page(client, desk.article_id)
    response = client.post(f"/desk/articles/{desk.article_id}/approve", data={
        "password": "irrelevant-refused-first", "content_hash": re.search(
            r'name="content_hash" type="hidden" value="([0-9a-f]{64})"', page).group(1),
        "acknowledged": open_warning_keys(page)})
    assert response.status_code == 409
    assert "1 claim of this revision lacks a “Supported” verdict from you" in html.unescape(
        response.get_data(as_text=True))
    with rows() as session:
        assert session.scalars(select(Signature)).all() == []

    assert desk.approve(reviewer).status_code == 302
    with rows() as session:
        signature = session.scalars(select(Signature)).one()
        verdicts = signature.claim_verdicts
        assert [(v["claim"], v["sentence"]) for v in verdicts] == [
            (keys[0], BODY), (keys[1], PATIENT_CLAIM)]
        assert signature.verdicts_hash == verdicts_digest(verdicts)
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "review.approved")).one()
        assert event.details["claims_checked"] == 2


def test_the_reading_level_warning_must_be_ticked_before_signing(make_desk, rows):
    desk = make_desk(DENSE)
    reviewer = desk.reviewers[0]
    client = desk.client(reviewer)
    page = html.unescape(review_page(client, desk.article_id))
    assert "<code>reading-level</code> The Patient or carer version reads at grade 23." in page
    response = desk.approve(reviewer, tick=False)
    assert response.status_code == 400
    assert "reading-level: The Patient or carer version reads at grade" in html.unescape(
        response.get_data(as_text=True))
    assert desk.approve(reviewer).status_code == 302
    with rows() as session:
        signature = session.scalars(select(Signature)).one()
        assert "reading-level" in [w["code"] for w in signature.acknowledged_warnings]


def test_the_author_attaches_a_passage_to_a_version_claim_that_reviewers_see(
        app, make_user, make_article, rows):
    from reviewapp.reviews.models import ClaimSupport
    from tests.review_steps import hidden

    desk = Desk(app, make_user, make_article, body=BODY, references=REFERENCES)
    with_patient_version(app, desk.article_id, PLAIN, key_points=f"- {PATIENT_CLAIM}\n")
    page = html.unescape(_desk_page(desk, desk.author))
    group = page[page.index("Claims in the Patient or carer version"):]
    assert PATIENT_CLAIM in group and "Attach the supporting passage" in group
    key = re.search(r'id="claim-(patient\.[0-9a-f]{16}-0)"', page).group(1)
    response = desk.client(desk.author).post(
        f"/desk/articles/{desk.article_id}/claims/{key}/support",
        data={f"s{key}-version": hidden(page, f"s{key}-version"),
              f"s{key}-quote": "200 to 400 mg every 4 to 6 hours.",
              f"s{key}-location": "Table 2"})
    assert response.status_code == 302
    with rows() as session:
        assert [(s.claim_key, s.sentence) for s in session.scalars(select(ClaimSupport))] \
            == [(key, PATIENT_CLAIM)]
    desk.under_review()
    page = html.unescape(review_page(desk.client(desk.reviewers[0]), desk.article_id))
    claim = page[page.index(f'id="claim-{key}"'):]
    assert "Supporting passage, from the author (Table 2):" in claim
    assert "200 to 400 mg every 4 to 6 hours." in claim
