"""A verdict on every claim and acknowledged warnings (issue 14 §4, §5), through the web:
the review page lists the claims with what they cite, a reviewer saves verdicts bound to
the revision, signs only with every claim "Supported" and every open warning ticked, and
the signature keeps both. On SQLite and PostgreSQL."""

import html
import re

import pytest
from sqlalchemy import func, select, text

from reviewapp.audit.models import AuditEvent
from reviewapp.citations.engine import list_claims
from reviewapp.errors import TransitionRefused
from reviewapp.reviews.models import ClaimVerdict, Review, Signature
from reviewapp.reviews.signing import verdicts_digest
from tests.conftest import PASSWORD, audit_actions
from tests.integration.test_workflow import Desk
from tests.review_steps import (
    claim_keys,
    open_warning_keys,
    review_page,
    save_verdicts,
    sign_data,
    verdicts_data,
)

BODY = ("Ibuprofen 400 mg three times a day reduces back pain [1, 2]. "
        "Avoid it in kidney disease.")
CITED, UNCITED = ("Ibuprofen 400 mg three times a day reduces back pain [1, 2].",
                  "Avoid it in kidney disease.")
REFERENCES = ("1. Doe J. Ibuprofen for back pain. BMJ. 2020. doi:10.1136/bmj.m1\n"
              "2. Roe A. Ibuprofen dosing. Lancet. 2023. PMID: 31000001\n"
              "3. Poe E. Renal safety of NSAIDs. JAMA. 2022. doi:10.1001/jama.2022.1")
# Two open warnings: the uncited claim, and reference 3 cited nowhere.
UNCITED_CLAIM = "This sentence makes a recommendation (“Avoid”) but cites no reference."
UNCITED_REFERENCE = "Reference 3 is never cited in the text."


@pytest.fixture
def desk(app, make_user, make_article):
    desk = Desk(app, make_user, make_article, body=BODY, references=REFERENCES)
    desk.under_review()
    return desk


def _page(desk, user):
    return review_page(desk.client(user), desk.article_id)


def _verdict_rows(rows):
    with rows() as session:
        return sorted((v.reviewer_id, v.sentence, v.verdict, v.note)
                      for v in session.scalars(select(ClaimVerdict)))


def _count(rows, model):
    with rows() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_review_page_lists_every_claim_with_its_references_and_the_verdicts(desk):
    page = _page(desk, desk.reviewers[0])
    section = page[page.index('id="claims"'):page.index("Approve with your signature")]
    assert CITED in section and UNCITED in section
    assert "and cites no reference" in section
    assert "Doe J. Ibuprofen for back pain. BMJ. 2020." in section
    assert "Roe A. Ibuprofen dosing. Lancet. 2023." in section
    assert 'href="https://doi.org/10.1136/bmj.m1"' in section
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/31000001/"' in section
    for words in ("Supported", "Needs change", "Not supported"):
        assert section.count(f'">{words}</label>') == 2
    assert "Save verdicts" in section
    assert "0 of 2 now" in section


def test_saved_verdicts_are_stored_audited_and_shown_again(desk, rows, app):
    reviewer = desk.reviewers[0]
    response = save_verdicts(desk.client(reviewer), desk.article_id,
                             ["supported", "needs_change"], ["", "Cite a renal source."])
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/desk/articles/{desk.article_id}/review"
                                                 "#claims")
    page = _page(desk, reviewer)
    assert "Verdicts saved: 1 of 2 claims “Supported”." in page
    assert re.search(r'<input checked[^>]*name="claims-1-verdict"[^>]*value="needs_change"',
                     page)
    assert "Cite a renal source.</textarea>" in page
    assert _verdict_rows(rows) == sorted([
        (reviewer.id, CITED, "supported", ""),
        (reviewer.id, UNCITED, "needs_change", "Cite a renal source.")])
    with rows() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "review.verdicts_saved")).one()
        assert event.actor_id == reviewer.id and event.object_type == "revision"
        assert event.details["supported"] == 1 and event.details["claims"] == 2
        assert [(c["sentence"], c["before"], c["after"]) for c in event.details["changes"]] == [
            (CITED, None, {"verdict": "supported", "note": ""}),
            (UNCITED, None, {"verdict": "needs_change", "note": "Cite a renal source."})]
    # The same verdicts again change nothing and record nothing; a change is recorded
    # with the verdict before and after.
    before = audit_actions(app)
    save_verdicts(desk.client(reviewer), desk.article_id, ["supported", "needs_change"],
                  ["", "Cite a renal source."])
    assert audit_actions(app) == before
    save_verdicts(desk.client(reviewer), desk.article_id, "supported")
    with rows() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event.action == "review.verdicts_saved"
        assert event.details["changes"] == [{
            "claim": list_claims(BODY)[1].key, "sentence": UNCITED,
            "before": {"verdict": "needs_change", "note": "Cite a renal source."},
            "after": {"verdict": "supported", "note": ""}}]


def _resubmit_with_an_added_sentence(desk):
    desk.send_back(desk.reviewers[1])
    edit = desk.post(desk.author, "/desk/articles/{a}/edit", {
        "title": "Ibuprofen for back pain", "body": BODY + " Take it with food.",
        "references": REFERENCES, "save": "Save draft"})
    assert edit.status_code == 302
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302


def test_verdicts_on_a_changed_revision_are_refused_and_the_choices_kept(desk, rows):
    reviewer = desk.reviewers[0]
    old = verdicts_data(_page(desk, reviewer), ["not_supported", None],
                        ["Dose too high for the elderly.", ""])
    _resubmit_with_an_added_sentence(desk)
    response = desk.client(reviewer).post(f"/desk/articles/{desk.article_id}/verdicts",
                                          data=old)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This article changed since you opened it — nothing was saved." in page
    assert re.search(r'<input checked[^>]*name="claims-0-verdict"[^>]*value="not_supported"',
                     page)
    assert "Dose too high for the elderly.</textarea>" in page
    assert _verdict_rows(rows) == []


def test_verdicts_come_only_from_an_accepted_reviewer_during_the_review(
        desk, make_user, rows):
    invited = make_user(roles=["reviewer"], name="Dr. Invited")
    assert desk.assign(invited).status_code == 302
    data = verdicts_data(_page(desk, desk.reviewers[0]))
    response = desk.client(invited).post(f"/desk/articles/{desk.article_id}/verdicts",
                                         data=data)
    assert response.status_code == 403
    desk.send_back(desk.reviewers[1])
    response = desk.client(desk.reviewers[0]).post(
        f"/desk/articles/{desk.article_id}/verdicts", data=data)
    assert response.status_code == 409
    assert "This article is no longer Under Review (now: Changes Requested)" in (
        response.get_data(as_text=True))
    assert _verdict_rows(rows) == []


def test_a_reviewer_sees_their_verdict_on_the_revision_before(desk):
    reviewer = desk.reviewers[0]
    save_verdicts(desk.client(reviewer), desk.article_id, ["supported", "needs_change"],
                  ["", "Which kidney disease?"])
    _resubmit_with_an_added_sentence(desk)
    page = _page(desk, reviewer)
    assert "Your verdict on revision 1: Needs change — Which kidney disease?" in page
    assert "Your verdict on revision 1: Supported" in page
    assert 'name="claims-0-verdict" type="radio" value="supported">' in page  # none checked


def _approve(desk, reviewer, data):
    return desk.client(reviewer).post(f"/desk/articles/{desk.article_id}/approve", data=data)


def test_approval_is_refused_until_every_claim_is_supported(desk, rows, app):
    reviewer = desk.reviewers[0]
    client = desk.client(reviewer)
    before = audit_actions(app)
    response = _approve(desk, reviewer, sign_data(client, desk.article_id, PASSWORD,
                                                  verdicts=False))
    assert response.status_code == 409
    assert ("2 claims of this revision lack a “Supported” verdict from you."
            in response.get_data(as_text=True))
    save_verdicts(client, desk.article_id, ["supported", "needs_change"])
    response = _approve(desk, reviewer, sign_data(client, desk.article_id, PASSWORD,
                                                  verdicts=False))
    assert response.status_code == 409
    assert ("1 claim of this revision lacks a “Supported” verdict from you."
            in response.get_data(as_text=True))
    assert (_count(rows, Review), _count(rows, Signature)) == (0, 0)
    assert audit_actions(app) == before + ["review.verdicts_saved"]
    assert desk.approve(reviewer).status_code == 302
    assert _count(rows, Signature) == 1


def test_an_unticked_warning_refuses_the_signature_and_keeps_the_ticks(desk, rows):
    reviewer = desk.reviewers[0]
    page = _page(desk, reviewer)
    assert page.count(">I have checked this</label>") == 2
    assert UNCITED_CLAIM in page and UNCITED_REFERENCE in page
    data = sign_data(desk.client(reviewer), desk.article_id, PASSWORD, tick=False)
    uncited_claim, uncited_reference = open_warning_keys(page)
    response = _approve(desk, reviewer, {**data, "acknowledged": [uncited_claim]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("Not ticked (1): reference-uncited: Reference 3 is never cited in the text. "
            "Nothing was signed.") in page
    assert f'value="{uncited_claim}" id="warning-1" aria-describedby="warning-1-text" checked>' \
        in page
    assert f'value="{uncited_reference}" id="warning-2" aria-describedby="warning-2-text">' \
        in page
    assert PASSWORD not in page
    assert _count(rows, Signature) == 0
    response = _approve(desk, reviewer, {**data, "acknowledged": [uncited_claim,
                                                                  uncited_reference]})
    assert response.status_code == 302
    with rows() as session:
        signature = session.scalars(select(Signature)).one()
        assert [(w["key"], w["code"], w["message"]) for w in signature.acknowledged_warnings] \
            == [(uncited_claim, "claim-uncited", UNCITED_CLAIM),
                (uncited_reference, "reference-uncited", UNCITED_REFERENCE)]


def test_the_signature_covers_the_verdicts_and_shows_them(desk, rows, app, client):
    for reviewer in desk.reviewers:
        save_verdicts(desk.client(reviewer), desk.article_id, "supported",
                      ["Matches the trial's arm.", ""])
        assert desk.approve(reviewer, verdicts=False).status_code == 302
    assert desk.state() == "approved"
    claims = list_claims(BODY)
    with rows() as session:
        signatures = session.scalars(select(Signature).order_by(Signature.id)).all()
        signed = [{"claim": claims[0].key, "sentence": CITED, "verdict": "supported",
                   "note": "Matches the trial's arm."},
                  {"claim": claims[1].key, "sentence": UNCITED, "verdict": "supported",
                   "note": ""}]
        for signature in signatures:
            assert signature.claim_verdicts == signed
            assert signature.verdicts_hash == verdicts_digest(signed)
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "review.approved")).all()
        assert [e.details["verdicts_hash"] for e in events] == [verdicts_digest(signed)] * 2
        assert [e.details["claims_checked"] for e in events] == [2, 2]
        assert [len(e.details["acknowledged"]) for e in events] == [2, 2]
        slug = signatures[0].review.revision.article.slug
        first_id = signatures[0].id
    page = desk.client(desk.author).get(f"/desk/articles/{desk.article_id}").get_data(
        as_text=True)
    page = page[page.index('aria-label="Reviews"'):]
    assert page.count("2 claims checked, 2 warnings acknowledged") == 2
    assert page.count(f"{CITED} — <strong>Supported</strong>: Matches the trial") == 2
    assert page.count(f"<code>claim-uncited</code> {UNCITED_CLAIM}") == 2
    assert page.count(verdicts_digest(signed)) == 2
    assert "2 claims checked" in client.get(f"/articles/{slug}").get_data(as_text=True)

    # Verdicts altered behind the app's back no longer match what was signed.
    with rows() as session:
        session.execute(text("UPDATE signature SET claim_verdicts = :v WHERE id = :id"),
                        {"v": '[{"claim": "x", "sentence": "x", "verdict": "supported"}]',
                         "id": first_id})
        session.commit()
    page = desk.client(desk.author).get(f"/desk/articles/{desk.article_id}").get_data(
        as_text=True)
    assert page.count("invalid: the content no longer matches what was signed") == 1


def test_approve_revision_called_directly_needs_the_verdicts_too(desk, app):
    from reviewapp.accounts.models import User
    from reviewapp.extensions import db
    from reviewapp.workflow.review_commands import approve_revision

    with app.app_context():
        reviewer = db.session.get(User, desk.reviewers[0].id)
        with pytest.raises(TransitionRefused, match="2 claims of this revision lack"):
            approve_revision(desk.article_id, reviewer, None, PASSWORD)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Signature)) == 0


def test_demo_approvals_give_verdicts_and_acknowledge_warnings(app, rows):
    """Every demo signature (one on the paracetamol article under review, one on the
    cetirizine article sent back for changes, two on the approved omeprazole article)
    gives a verdict on each claim of the text it signs, its patient version's too."""
    from reviewapp.articles.models import Revision
    from reviewapp.reviews.claims import claims_of

    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with rows() as session:
        signed = session.execute(select(Signature, Revision).join(
            Revision, Revision.content_hash == Signature.content_hash)).all()
        assert len(signed) == 4
        assert sum(bool(revision.audience_versions) for _, revision in signed) == 3
        for signature, revision in signed:
            claims = claims_of(revision)
            assert claims
            assert [v["claim"] for v in signature.claim_verdicts] == [c.key for c in claims]
            assert signature.verdicts_hash == verdicts_digest(signature.claim_verdicts)
    assert audit_actions(app).count("review.verdicts_saved") == 4  # one per signature


@pytest.mark.parametrize("change,message", [
    ({"claims-0-verdict": "approved"}, "Not a valid choice"),
    ({"claims-1-note": "a\x00b"}, "Note contains a NUL byte, which is not allowed."),
    ({"content_hash": ""}, "The form is missing the revision its verdicts are on"),
])
def test_a_malformed_verdicts_form_is_a_400_and_saves_nothing(desk, rows, change, message):
    data = {**verdicts_data(_page(desk, desk.reviewers[0])), **change}
    response = desk.client(desk.reviewers[0]).post(
        f"/desk/articles/{desk.article_id}/verdicts", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _verdict_rows(rows) == []


def test_a_request_for_changes_shows_its_verdicts_to_the_editor_and_in_the_letter(desk):
    """A round keeps every report's verdicts: the editor decides with the claims a
    reviewer doubts in view, and the draft letter names them with the notes."""
    reviewer = desk.client(desk.reviewers[1])
    n = len(claim_keys(review_page(reviewer, desk.article_id)))
    notes = ["Which trial gives this dose?"] + [""] * (n - 1)
    saved = save_verdicts(reviewer, desk.article_id, ["needs_change"] + ["supported"] * (n - 1),
                          notes)
    assert saved.status_code == 302
    assert desk.request_changes(desk.reviewers[1]).status_code == 302
    page = html.unescape(desk.decision_page())
    report = page[page.index("Verdicts on"):]
    assert f"Verdicts on {n} claims" in page
    assert "— <strong>Needs change</strong>: Which trial gives this dose?" in report
    letter = re.search(r'<textarea[^>]*name="letter"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "Claims the reviewers could not accept as written:" in letter
    assert "Needs change (Dr. " in letter and ": Which trial gives this dose?" in letter
    assert letter.count("- \"") == 1  # the supported claims are not listed
