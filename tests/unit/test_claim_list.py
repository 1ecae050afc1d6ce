"""The claims of an article (issue 14 §4): every sentence the checks read as a dose,
frequency, statistic or recommendation, cited or not, with the reference numbers it cites
and a key that stays the same while the sentence does; and what a signature covers of the
verdicts given on them (reviews/signing.py)."""

import hashlib
import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewapp.citations.engine import Settings, check, list_claims
from reviewapp.citations.engine.claim_list import claim_key, normalised_sentence
from reviewapp.reviews.signing import (
    lacking_support_message,
    unticked_message,
    verdicts_canonical,
    verdicts_digest,
)

BODY = """# Dosing in adults 500 mg

Paracetamol is first-line for mild pain [1]. It is well tolerated.

The usual dose is 500 mg to 1 g every 6 hours [1, 2]. Take 10 mg twice daily.

- Avoid NSAIDs in kidney disease. [3]

| Drug | Dose |
|---|---|
| Ibuprofen | 400 mg |
"""


def test_every_claim_sentence_is_listed_cited_or_not_with_what_it_cites():
    claims = list_claims(BODY)
    assert [(c.number, c.sentence, c.kind, c.words, c.references) for c in claims] == [
        (1, "Paracetamol is first-line for mild pain [1].", "recommendation", "first-line",
         (1,)),
        (2, "The usual dose is 500 mg to 1 g every 6 hours [1, 2].", "dose", "500 mg", (1, 2)),
        (3, "Take 10 mg twice daily.", "dose", "10 mg", ()),
        (4, "Avoid NSAIDs in kidney disease.", "recommendation", "Avoid", (3,)),
        (5, "| Ibuprofen | 400 mg |", "dose", "400 mg", ()),
    ]
    assert claims[0].description == "makes a recommendation"


def test_headings_and_sentences_without_a_claim_are_not_claims():
    sentences = [c.sentence for c in list_claims(BODY)]
    assert not any("Dosing in adults" in s or "well tolerated" in s for s in sentences)
    assert list_claims("Paracetamol helps with pain [1].") == ()
    assert list_claims("") == () and list_claims(None) == ()


def test_the_key_is_the_hash_of_the_sentence_without_markers_and_its_occurrence():
    normalised = normalised_sentence("Take 10 mg  twice\ndaily .")
    assert normalised == "take 10 mg twice daily."
    digest = hashlib.sha256(normalised.encode()).hexdigest()[:16]
    assert claim_key(normalised, 0) == f"{digest}-0"
    (claim,) = list_claims("Take 10 mg twice daily [4].")
    assert claim.key == f"{digest}-0"


def test_renumbered_references_and_rewrapped_lines_keep_the_key():
    before = list_claims("Take 10 mg twice daily [1]. Avoid alcohol [2].")
    after = list_claims("Take 10 mg\ntwice daily [3].   Avoid alcohol [1, 2].")
    assert [c.key for c in before] == [c.key for c in after]
    assert [c.references for c in after] == [(3,), (1, 2)]


def test_a_changed_sentence_gets_a_new_key_and_repeats_are_counted():
    (original,) = list_claims("Take 10 mg twice daily [1].")
    (changed,) = list_claims("Take 20 mg twice daily [1].")
    assert original.key != changed.key
    first, second = list_claims("Take 10 mg twice daily [1]. Take 10 mg twice daily [2].")
    assert first.key == original.key and second.key.endswith("-1")
    assert first.key.split("-")[0] == second.key.split("-")[0]


def test_a_marker_after_the_full_stop_is_what_the_claim_cites():
    (claim,) = list_claims("Paracetamol 1 g every 6 hours. [2] It helps.")
    assert claim.references == (2,)


FRAGMENTS = ["Take 10 mg twice daily", "It is well tolerated", "Avoid alcohol",
             "Pain fell by 30% in trials", "Ibuprofen helps", "Use 1 g every 6 hours"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(["", " [1]", " [2]"])),
                max_size=8))
def test_uncited_claims_are_exactly_the_claim_uncited_warnings(sentences):
    """The claim list and the check agree: a claim citing nothing is a claim-uncited
    finding (one finding for repeats of a sentence: findings are keyed by it), and every
    claim's key is unique."""
    body = " ".join(f"{text}{marker}." for text, marker in sentences)
    claims = list_claims(body)
    report = check(body, ["Doe J. Pain. BMJ. 2024. doi:10.1136/bmj.m1",
                          "Roe A. Pain. Lancet. 2023. PMID: 31000001"], {},
                   date(2026, 5, 1), Settings())
    uncited = [f.sentence for f in report.findings if f.code == "claim-uncited"]
    assert list(dict.fromkeys(c.sentence for c in claims if not c.references)) == uncited
    assert len({c.key for c in claims}) == len(claims)


VERDICTS = [{"claim": "b-0", "sentence": "Take 10 mg twice daily [1].",
             "verdict": "supported", "note": "As in the trial."},
            {"claim": "a-0", "sentence": "Avoid alcohol [2].", "verdict": "supported",
             "note": ""}]


def test_the_signed_verdicts_are_a_canonical_json_of_key_sentence_and_verdict():
    assert verdicts_canonical(VERDICTS) == (
        '[{"claim":"a-0","sentence":"Avoid alcohol [2].","verdict":"supported"},'
        '{"claim":"b-0","sentence":"Take 10 mg twice daily [1].","verdict":"supported"}]')
    assert verdicts_digest(VERDICTS) == hashlib.sha256(
        verdicts_canonical(VERDICTS).encode()).hexdigest()
    assert json.loads(verdicts_canonical([])) == []


def test_the_digest_ignores_order_and_notes_but_not_verdicts_or_sentences():
    digest = verdicts_digest(VERDICTS)
    assert verdicts_digest(list(reversed(VERDICTS))) == digest
    assert verdicts_digest([{**VERDICTS[0], "note": "Other"}, VERDICTS[1]]) == digest
    assert verdicts_digest([{**VERDICTS[0], "verdict": "needs_change"}, VERDICTS[1]]) != digest
    assert verdicts_digest([{**VERDICTS[0], "sentence": "Take 20 mg."}, VERDICTS[1]]) != digest


def test_refusal_messages_count_and_name_what_is_missing():
    assert lacking_support_message(1).startswith(
        "1 claim of this revision lacks a “Supported” verdict from you.")
    assert lacking_support_message(3).startswith(
        "3 claims of this revision lack a “Supported” verdict from you.")
    assert unticked_message([{"code": "claim-uncited", "message": "This sentence gives a dose."},
                             {"code": "link-unlisted", "message": "Link to x.com"}]) == (
        "Tick “I have checked this” for every warning before signing. Not ticked (2): "
        "claim-uncited: This sentence gives a dose; link-unlisted: Link to x.com. "
        "Nothing was signed.")
