"""Checks on clinical claims (doses, statistics, recommendations): a claim without a
citation in its sentence, and claims in an article with no references at all."""

from reviewapp.citations.claims import CLAIM, CLAIM_DESCRIPTIONS, find_claim
from reviewapp.citations.engine.document import Document
from reviewapp.citations.engine.findings import Finding, make_finding


def claim_findings(document: Document, has_references: bool) -> list[Finding]:
    findings = []
    for block in document.blocks:
        # Only blocks that hold a claim pattern are split into sentences (the costly part).
        if block.kind == "heading" or not CLAIM.search(text := document.text_of(block)):
            continue
        spans = document.sentences(block)
        for index, (start, end) in enumerate(spans):
            claim = find_claim(text[start - block.start:end - block.start])
            if claim is None:
                continue
            description = CLAIM_DESCRIPTIONS[claim.kind]
            sentence = document.sentence_text((start, end))
            if not has_references:
                return [make_finding(
                    "no-references",
                    "The article makes clinical claims but has no references; for example, "
                    f"this sentence {description} (“{claim.text}”).",
                    sentence=sentence, offset=start)]
            if document.markers_between(start, end):
                continue
            # "… 10 mg.[1]" or "… 10 mg. [1]": a marker right after the full stop counts
            if index + 1 < len(spans) and document.markers_between(
                    spans[index + 1][0], spans[index + 1][0] + 1):
                continue
            findings.append(make_finding(
                "claim-uncited",
                f"This sentence {description} (“{claim.text}”) but cites no reference.",
                sentence=sentence, offset=start))
    return findings
