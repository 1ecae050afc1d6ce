"""Checks on clinical claims (doses, statistics, recommendations): a claim without a
citation in its sentence, and claims in an article with no references at all.
`claim_sentences` is the one reading of which sentences are claims and what they cite;
the claim list reviewers give verdicts on (claim_list.py) uses it too."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewapp.citations.claims import (
    ABSTRACT_CONCLUSION_HEADING,
    ABSTRACT_HEADING,
    CLAIM_DESCRIPTIONS,
    OTHER_STUDY,
    OWN_STUDY_HEADING,
    Claim,
    figures,
    find_claim,
    might_hold_claim,
    own_study_kinds,
    statistic_figures,
)
from reviewapp.citations.engine.document import Block, Document, Span
from reviewapp.citations.engine.findings import Finding, make_finding
from reviewapp.citations.markers import Marker

_ATX = re.compile(r"[ \t]{0,3}(#{1,6})(?:[ \t]+|$)(.*?)(?:[ \t]+#+)?[ \t]*$")
_HEADING_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s+")


@dataclass(frozen=True)
class ClaimSentence:
    span: Span
    claim: Claim
    # The markers in the sentence, or else the one right after its full stop
    # ("… 10 mg.[1]" or "… 10 mg. [1]"); empty when the claim cites nothing.
    markers: tuple[Marker, ...]


def claim_sentences(document: Document) -> Iterator[ClaimSentence]:
    """Every sentence holding a clinical claim, in reading order (headings left out).

    A sentence that cites a source is a claim to check against it. One that cites nothing
    is not a claim where its dose, frequency or figure is the article's own: under its
    Methods or Results headings, in words that report its study ("we found"), or a figure
    its Methods or Results already give, restated in its abstract or after its results
    (an introduction's figures come from elsewhere)."""
    own_figures: frozenset[str] | None = None  # read when first needed
    for block, (in_own_study, may_restate) in _blocks_in_sections(document):
        # Only blocks that hold a claim pattern are split into sentences (the costly part).
        if block.kind == "heading" or not might_hold_claim(text := document.text_of(block)):
            continue
        spans = document.sentences(block)
        for index, (start, end) in enumerate(spans):
            sentence = text[start - block.start:end - block.start]
            claim = find_claim(sentence)
            if claim is None:
                continue
            markers = document.markers_between(start, end)
            if not markers and index + 1 < len(spans):
                markers = document.markers_between(spans[index + 1][0],
                                                   spans[index + 1][0] + 1)
            if not markers:
                own = own_study_kinds(sentence, in_own_study)
                if claim.kind == "statistic" and may_restate and "statistic" not in own:
                    if own_figures is None:
                        own_figures = _own_study_figures(document)
                    if _restates(sentence, own_figures):
                        own |= {"statistic"}
                if claim.kind in own and (claim := find_claim(sentence, leave_out=own)) is None:
                    continue
            yield ClaimSentence(span=(start, end), claim=claim, markers=tuple(markers))


def _restates(sentence: str, own_figures: frozenset[str]) -> bool:
    """Does the sentence give again figures the article's own methods or results gave
    ("Life expectancies are also 15%–20% higher…"), not another study's?"""
    stated = statistic_figures(sentence)
    return bool(stated) and stated <= own_figures and OTHER_STUDY.search(sentence) is None


def _own_study_figures(document: Document) -> frozenset[str]:
    """Every number written under the article's own Methods and Results headings."""
    return frozenset().union(*(figures(document.text_of(block))
                               for block, (in_own_study, _) in _blocks_in_sections(document)
                               if in_own_study and block.kind != "heading"))


def _blocks_in_sections(document: Document) -> Iterator[tuple[Block, tuple[bool, bool]]]:
    """Each block, whether its headings put it in the article's own methods or results
    (or its abstract's conclusions), and whether it may restate their figures: in the
    abstract, or anywhere after the methods or results began."""
    titles: list[tuple[int, str]] = []  # the headings above: (level, words), outermost first
    in_own_study = in_abstract = own_study_seen = False
    for block in document.blocks:
        if block.kind == "heading":
            level, title = _heading(document, block)
            titles = [*(above for above in titles if above[0] < level), (level, title)]
            words = [title for _, title in titles]
            in_own_study = _names_own_study(words)
            in_abstract = any(ABSTRACT_HEADING.fullmatch(title) for title in words)
            own_study_seen = own_study_seen or (in_own_study and not in_abstract)
        yield block, (in_own_study, in_abstract or own_study_seen)


def _heading(document: Document, block: Block) -> tuple[int, str]:
    """The level and words of a heading ("## 2. Methods" or "Methods" underlined), without
    numbering or emphasis."""
    line = document.masked[block.start:block.end]
    if found := _ATX.match(line):
        level, line = len(found[1]), found[2]
    else:
        underline = document.masked[block.end:block.end + 2].lstrip("\r\n")[:1]
        level = 1 if underline == "=" else 2
    words = " ".join(line.replace("*", " ").replace("_", " ").split()).strip(" .:")
    return level, _HEADING_NUMBER.sub("", words)


def _names_own_study(titles: list[str]) -> bool:
    return any(OWN_STUDY_HEADING.fullmatch(title) for title in titles) or (
        any(ABSTRACT_HEADING.fullmatch(title) for title in titles[:-1])
        and ABSTRACT_CONCLUSION_HEADING.fullmatch(titles[-1]) is not None)


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
