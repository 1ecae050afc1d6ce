"""The claims of an article: every sentence the checks read as a dose, frequency,
statistic or recommendation, cited or not, with the reference numbers it cites and a
stable key. Reviewers give a verdict on each claim and authors attach the source passage
that supports it; the key carries both across revisions. A revision's claims are its main
text's, then each audience version's, whose keys name the audience. Pure module."""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from reviewapp.citations.claims import CLAIM_DESCRIPTIONS
from reviewapp.citations.engine.claim_checks import claim_sentences
from reviewapp.citations.engine.document import Document
from reviewapp.citations.engine.versions import VersionDocument, VersionText

_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?)])")


@dataclass(frozen=True)
class ArticleClaim:
    key: str                     # stable: normalised sentence and occurrence, see claim_key
    number: int                  # 1-based place in the article
    sentence: str                # as written (markers kept), spacing collapsed
    kind: str                    # a key of CLAIM_DESCRIPTIONS
    words: str                   # the words that make it a claim, e.g. "400 mg"
    references: tuple[int, ...]  # the reference numbers it cites, ascending
    audience: str | None = None  # the audience version it is in; None: the main text
    place: str | None = None     # that version as people call it: "Patient or carer version"

    @property
    def description(self) -> str:
        return CLAIM_DESCRIPTIONS[self.kind]


def normalised_sentence(text: str) -> str:
    """What a claim's key is made of: its words without citation markers, spacing or
    case, so that renumbering the references or re-wrapping a line keeps the key."""
    text = " ".join(text.split())
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text).casefold()


def claim_key(normalised: str, occurrence: int, audience: str | None = None) -> str:
    """sha-256 of the normalised sentence (first 16 hex digits), and which occurrence
    of that sentence in its text it is (0 for the first); in an audience version, led by
    the audience ("patient.3f…-0"; a key longer than 16 characters by its hash) so that
    a verdict on a version's claim is never taken for one on the main text's."""
    digest = hashlib.sha256(normalised.encode("utf-8", "replace")).hexdigest()
    if not audience:
        return f"{digest[:16]}-{occurrence}"
    if len(audience) > 16:
        audience = hashlib.sha256(audience.encode("utf-8")).hexdigest()[:16]
    return f"{audience}.{digest[:16]}-{occurrence}"


def revision_claims(body: str,
                    versions: Sequence[VersionText] = ()) -> tuple[ArticleClaim, ...]:
    """The claims of the main text, then of each audience version in the order given,
    numbered on through all of them."""
    claims = list(list_claims(body))
    for version in versions or ():
        claims += [replace(claim, number=len(claims) + index)
                   for index, claim in enumerate(_version_claims(version), start=1)]
    return tuple(claims)


@lru_cache(maxsize=32)
def _version_claims(version: VersionText) -> tuple[ArticleClaim, ...]:
    return _claims_in(VersionDocument(version), version.audience, version.name)


@lru_cache(maxsize=32)
def list_claims(body: str) -> tuple[ArticleClaim, ...]:
    """The claims of a body, in reading order. Cached by body: a page asks more than once."""
    return _claims_in(Document(body if isinstance(body, str) else ""))


def _claims_in(document: Document, audience: str | None = None,
               place: str | None = None) -> tuple[ArticleClaim, ...]:
    body = document.body
    claims, seen = [], {}
    for number, found in enumerate(claim_sentences(document), start=1):
        start, end = found.span
        words, position = [], start
        for marker in document.markers_between(start, end):
            words.append(body[position:marker.start])
            position = marker.start + len(marker.text)
        words.append(body[position:end])
        normalised = normalised_sentence("".join(words))
        occurrence = seen.get(normalised, 0)
        seen[normalised] = occurrence + 1
        claims.append(ArticleClaim(
            key=claim_key(normalised, occurrence, audience), number=number,
            sentence=document.sentence_text(found.span) or "", kind=found.claim.kind,
            words=found.claim.text,
            references=tuple(sorted({n for marker in found.markers for n in marker.numbers})),
            audience=audience, place=place))
    return tuple(claims)
