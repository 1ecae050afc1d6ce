"""The claims of an article: every sentence the checks read as a dose, frequency,
statistic or recommendation, cited or not, with the reference numbers it cites and a
stable key. Reviewers give a verdict on each claim and authors attach the source passage
that supports it; the key carries both across revisions. Pure module."""

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from reviewapp.citations.claims import CLAIM_DESCRIPTIONS
from reviewapp.citations.engine.claim_checks import claim_sentences
from reviewapp.citations.engine.document import Document

_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?)])")


@dataclass(frozen=True)
class ArticleClaim:
    key: str                     # stable: normalised sentence and occurrence, see claim_key
    number: int                  # 1-based place in the article
    sentence: str                # as written (markers kept), spacing collapsed
    kind: str                    # a key of CLAIM_DESCRIPTIONS
    words: str                   # the words that make it a claim, e.g. "400 mg"
    references: tuple[int, ...]  # the reference numbers it cites, ascending

    @property
    def description(self) -> str:
        return CLAIM_DESCRIPTIONS[self.kind]


def normalised_sentence(text: str) -> str:
    """What a claim's key is made of: its words without citation markers, spacing or
    case, so that renumbering the references or re-wrapping a line keeps the key."""
    text = " ".join(text.split())
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text).casefold()


def claim_key(normalised: str, occurrence: int) -> str:
    """sha-256 of the normalised sentence (first 16 hex digits), and which occurrence
    of that sentence in the article it is (0 for the first)."""
    digest = hashlib.sha256(normalised.encode("utf-8", "replace")).hexdigest()
    return f"{digest[:16]}-{occurrence}"


@lru_cache(maxsize=32)
def list_claims(body: str) -> tuple[ArticleClaim, ...]:
    """The claims of a body, in reading order. Cached by body: a page asks more than once."""
    body = body if isinstance(body, str) else ""
    document = Document(body)
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
            key=claim_key(normalised, occurrence), number=number,
            sentence=document.sentence_text(found.span) or "", kind=found.claim.kind,
            words=found.claim.text,
            references=tuple(sorted({n for marker in found.markers for n in marker.numbers}))))
    return tuple(claims)
