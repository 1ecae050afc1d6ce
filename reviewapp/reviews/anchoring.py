"""Where a quoted passage lies in a revision's Markdown body, and where it lies
again in a later revision (re-anchoring). Pure module: no Flask, no SQLAlchemy.

Passages are compared as a reader sees them: line-start markup (headings, list
and quote markers) and emphasis marks are left out and whitespace runs count
as one space, so a passage selected in the rendered page is found in the
Markdown it came from. An exact occurrence wins (several: the one whose
surrounding text matches, then the nearest); otherwise diff-match-patch's
fuzzy match (`match_main`, near the expected place) finds a slightly edited
passage; a passage changed beyond recognition or deleted is not found (None)."""

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from diff_match_patch import diff_match_patch

CONTEXT = 32            # characters of surrounding text that tell two occurrences apart
MATCH_BITS = 32         # the fuzzy match looks for at most this many characters at once
MATCH_THRESHOLD = 0.35  # how many errors (and how far away) the fuzzy match accepts
MAX_CHANGE = 0.4        # a found passage differs from the quote by at most this share
_MARKUP = re.compile(r"^[ \t]*(?:(?:#{1,6}|[-*+]|\d{1,9}[.)]|>)[ \t]+)+", re.M)
_EMPHASIS = frozenset("*_`")
_PARAGRAPH = re.compile(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*")


@dataclass(frozen=True)
class Span:
    """Characters start (inclusive) to end (exclusive) of a Markdown body."""

    start: int
    end: int

    def text(self, body: str) -> str:
        return body[self.start:self.end]


def paragraphs(body: str) -> list[Span]:
    """The body's blocks: runs of non-blank lines, without surrounding whitespace."""
    spans = []
    for match in _PARAGRAPH.finditer(body or ""):
        text = match.group()
        start = match.start() + len(text) - len(text.lstrip())
        spans.append(Span(start, match.start() + len(text.rstrip())))
    return spans


def paragraph_at(body: str, offset: int) -> int:
    """The index of the paragraph holding `offset` (or the last one before it)."""
    starts = [span.start for span in paragraphs(body)]
    return max(0, bisect_left(starts, offset + 1) - 1)


def context_of(body: str, span: Span) -> tuple[str, str]:
    """The text just before and just after the passage."""
    return body[max(0, span.start - CONTEXT):span.start], body[span.end:span.end + CONTEXT]


def locate(body: str, quote: str, prefix: str = "", suffix: str = "",
           near: int = 0) -> Span | None:
    """Where `quote` (with `prefix` before it and `suffix` after it, and
    expected around offset `near` of `body`) lies in `body`, or None."""
    text, where = _project(body or "")
    pattern = _project(quote or "")[0].strip()
    if not pattern or not text:
        return None
    before, after = _project(prefix or "")[0], _project(suffix or "")[0]
    expected = min(bisect_left(where, near), len(text))
    found = _exact(text, pattern, before, after, expected)
    if found is None:
        found = _fuzzy(text, pattern, _expected_places(text, pattern, before, after, expected))
    if found is None:
        return None
    start, end = found
    while start < end and text[start] == " ":
        start += 1
    while end > start and text[end - 1] == " ":
        end -= 1
    return Span(where[start], where[end - 1] + 1) if end > start else None


def reanchor(old_body: str, span: Span, new_body: str) -> Span | None:
    """The passage `span` of `old_body` in `new_body`: found as it was, moved,
    slightly edited, or None when it is no longer in the text."""
    prefix, suffix = context_of(old_body, span)
    return locate(new_body, span.text(old_body), prefix, suffix, near=span.start)


@lru_cache(maxsize=32)  # one body serves every comment re-anchored on it
def _project(text: str) -> tuple[str, tuple[int, ...]]:
    """The text as a reader sees it, with the offset in `text` of each character kept."""
    skipped = set()
    for match in _MARKUP.finditer(text):
        skipped.update(range(match.start(), match.end()))
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if i in skipped or ch in _EMPHASIS:
            continue
        if ch.isspace():
            if chars and chars[-1] == " ":
                continue
            ch = " "
        chars.append(ch)
        where.append(i)
    return "".join(chars), tuple(where)


def _exact(text: str, pattern: str, before: str, after: str,
           expected: int) -> tuple[int, int] | None:
    found = [m.start() for m in re.finditer(re.escape(pattern), text)]
    if not found:
        return None

    def fit(i: int) -> tuple[int, int]:
        shared = (_common_suffix(text[max(0, i - len(before)):i], before)
                  + _common_prefix(text[i + len(pattern):i + len(pattern) + len(after)], after))
        return -shared, abs(i - expected)

    best = min(found, key=fit)
    return best, best + len(pattern)


def _expected_places(text: str, pattern: str, before: str, after: str,
                     expected: int) -> list[int]:
    """Where to look for an edited passage: where it was, and after the text
    that came before it or before the text that came after it."""
    places = [expected]
    head, tail = before[-CONTEXT // 2:].strip(), after[:CONTEXT // 2].strip()
    if len(head) >= 8:
        places += [m.end() + 1 for m in re.finditer(re.escape(head), text)]
    if len(tail) >= 8:
        places += [max(0, m.start() - len(pattern) - 1)
                   for m in re.finditer(re.escape(tail), text)]
    return sorted(set(places), key=lambda place: abs(place - expected))[:4]


def _matcher() -> diff_match_patch:
    matcher = diff_match_patch()
    matcher.Match_Threshold = MATCH_THRESHOLD
    matcher.Match_Distance = 1000
    return matcher


def _fuzzy(text: str, pattern: str, places: list[int]) -> tuple[int, int] | None:
    matcher = _matcher()
    for place in places:
        found = _fuzzy_near(matcher, text, pattern, place)
        if found is not None:
            return found
    return None


def _fuzzy_near(matcher: diff_match_patch, text: str, pattern: str,
                place: int) -> tuple[int, int] | None:
    """Matched by its head (at most MATCH_BITS characters: a short pattern
    whole), its end then found by aligning the rest; failing that, by its tail."""
    n = len(pattern)
    head = matcher.match_main(text, pattern[:MATCH_BITS], place)
    if head >= 0:
        while head > 0 and text[head - 1].isalnum() and text[head].isalnum():
            head -= 1  # a word edited at its start is found whole
        length = _aligned_length(matcher, pattern, text[head:head + 2 * n])
        if length is not None:
            return head, head + length
    if n > MATCH_BITS:
        tail = matcher.match_main(text, pattern[-MATCH_BITS:], max(0, place + n - MATCH_BITS))
        if tail >= 0:
            end = tail + MATCH_BITS
            window = text[max(0, end - 2 * n):end]
            length = _aligned_length(matcher, pattern[::-1], window[::-1])
            if length is not None:
                return end - length, end
    return None


def _aligned_length(matcher: diff_match_patch, pattern: str, window: str) -> int | None:
    """How much of `window` (which starts where the pattern does) is the pattern,
    edited: of the lengths that two alignments and the pattern itself suggest
    (each taken to the end of a word), one that ends as the pattern does, else
    the closest to it; None when none is close enough."""
    raw = matcher.diff_main(pattern, window, False)
    cleaned = list(raw)
    matcher.diff_cleanupSemantic(cleaned)
    suggested = [matcher.diff_xIndex(diffs, len(pattern) - 1) + 1 for diffs in (raw, cleaned)]
    scored = []
    for rank, length in enumerate([*suggested, len(pattern)]):
        length = min(length, len(window))
        length = _word_end(window, length, pattern[-1])
        if length > 0:
            changes = matcher.diff_levenshtein(matcher.diff_main(pattern, window[:length],
                                                                 False))
            ends_alike = window[:length].endswith(pattern[-3:])
            scored.append((not ends_alike, changes, rank, length))
    _, changes, _, length = min(scored, default=(True, len(pattern) + 1, 0, 0))
    return length if changes <= MAX_CHANGE * len(pattern) else None


def _word_end(window: str, length: int, last: str) -> int:
    """`length` taken to the end of the word it cuts, and without the
    punctuation after a pattern that ends in a letter or digit."""
    while 0 < length < len(window) and window[length - 1].isalnum() \
            and window[length].isalnum():
        length += 1
    while length > 1 and last.isalnum() and not window[length - 1].isalnum():
        length -= 1
    return length


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])
