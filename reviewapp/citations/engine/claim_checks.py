"""Checks on clinical claims (doses, statistics, recommendations): a claim without a
citation in its sentence, and claims in an article with no references at all.
`claim_sentences` is the one reading of which sentences are claims and what they cite;
the claim list reviewers give verdicts on (claim_list.py) uses it too."""

from collections.abc import Iterator
from dataclasses import dataclass

from reviewapp.citations.claims import CLAIM, CLAIM_DESCRIPTIONS, Claim, find_claim
from reviewapp.citations.engine.document import Document, Span
from reviewapp.citations.engine.findings import Finding, make_finding
from reviewapp.citations.markers import Marker


@dataclass(frozen=True)
class ClaimSentence:
    span: Span
    claim: Claim
    # The markers in the sentence, or else the one right after its full stop
    # ("… 10 mg.[1]" or "… 10 mg. [1]"); empty when the claim cites nothing.
    markers: tuple[Marker, ...]


def claim_sentences(document: Document) -> Iterator[ClaimSentence]:
    """Every sentence holding a clinical claim, in reading order (headings left out)."""
    for block in document.blocks:
        # Only blocks that hold a claim pattern are split into sentences (the costly part).
        if block.kind == "heading" or not CLAIM.search(text := document.text_of(block)):
            continue
        spans = document.sentences(block)
        for index, (start, end) in enumerate(spans):
            claim = find_claim(text[start - block.start:end - block.start])
            if claim is None:
                continue
            markers = document.markers_between(start, end)
            if not markers and index + 1 < len(spans):
                markers = document.markers_between(spans[index + 1][0],
                                                   spans[index + 1][0] + 1)
            yield ClaimSentence(span=(start, end), claim=claim, markers=tuple(markers))


def claim_findings(document: Document, has_references: bool) -> list[Finding]:
    findings = []
    for found in claim_sentences(document):
        description = CLAIM_DESCRIPTIONS[found.claim.kind]
        sentence = document.sentence_text(found.span)
        if not has_references:
            return [make_finding(
                "no-references",
                "The article makes clinical claims but has no references; for example, "
                f"this sentence {description} (“{found.claim.text}”).",
                sentence=sentence, offset=found.span[0])]
        if found.markers:
            continue
        findings.append(make_finding(
            "claim-uncited",
            f"This sentence {description} (“{found.claim.text}”) but cites no reference.",
            sentence=sentence, offset=found.span[0]))
    return findings
