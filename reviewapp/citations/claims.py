"""Clinical claims (doses, frequencies, statistics, recommendations) and the sentences
they sit in. Pure module.

Sentence splitting uses pysbd, which gets "(e.g., 1g every 6 hours) [1]." and "Dr. Smith"
right but is slow (DESIGN §4): callers split only text that holds a claim, and splits are
cached by text, so re-checking an edited article re-splits only the edited paragraphs.
"""

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

with warnings.catch_warnings():
    # pysbd 0.3.4 has an invalid escape sequence; compiling it without a cached .pyc warns.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    import pysbd

_NUMBER = r"\d+(?:[.,]\d+)?"
_UNIT = (r"(?:mg|g|mcg|µg|μg|ug|ng|ml|l|iu|units?|mmol|meq|micrograms?|milligrams?|grams?"
         r"|millilit(?:re|er)s?)")
_CLAIM_KINDS = {
    "dose": (
        rf"(?<![\w.]){_NUMBER}(?:\s?(?:-|–|to)\s?{_NUMBER})?\s?{_UNIT}"
        r"(?:/(?:kg|m2|m²|day|d|h|hr|hour|dose))?(?!\w)"
    ),
    "frequency": (
        r"\b(?:once|twice|thrice|(?:one|two|three|four|five|six|\d+)\s+times)\s+"
        r"(?:a\s+|per\s+|each\s+)?(?:day|daily|week|weekly|month|monthly|hour|hourly)\b"
        rf"|\bevery\s+{_NUMBER}(?:\s?(?:-|–|to)\s?{_NUMBER})?\s*"
        r"(?:hours?|hrs?|h|days?|weeks?|months?|minutes?|mins?)\b"
        r"|\bq\.?\s?\d{1,2}\s?h(?:rs?|ours?)?\b"
        r"|(?<!\w)(?:[bt]\.i\.d|q\.i\.d|q\.d\.s|t\.d\.s)(?!\w)\.?"
        r"|(?-i:\b(?:bid|tid|qid|BID|TID|QID|qds|QDS|tds|TDS|nocte|mane)\b)"
    ),
    "statistic": (
        rf"{_NUMBER}\s?%|\bper\s?cent\b"
        r"|\bp\s?(?:<|>|=|≤|≥|<=|>=)\s?0?\.\d+|\bp[- ]values?\b"
        r"|\b(?:confidence|credible)\s+intervals?\b|(?-i:\bCI\b)"
        r"|\b(?:risk|odds|hazard|rate)\s+ratios?\b|\brelative\s+risks?\b"
        r"|\bnumbers?\s+needed\s+to\s+(?:treat|harm)\b|(?-i:\bNN[TH]\b)"
        r"|\b(?:reduc|decreas|increas|improv)\w*\b[^.!?\n]{0,60}?\bby\b"
    ),
    "recommendation": (
        r"\bshould\b|\brecommend\w*|\bfirst[- ‐]line\b|\bsecond[- ‐]line\b"
        r"|\bavoid\w*|\bcontra-?indicat\w*"
    ),
}
CLAIM = re.compile(
    "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _CLAIM_KINDS.items()),
    re.IGNORECASE)

CLAIM_DESCRIPTIONS = {
    "dose": "gives a dose",
    "frequency": "gives a dosing frequency",
    "statistic": "states a statistic",
    "recommendation": "makes a recommendation",
}


@dataclass(frozen=True)
class Claim:
    kind: str       # a key of CLAIM_DESCRIPTIONS
    text: str       # the words that make it a claim, e.g. "150 mg"
    start: int


def find_claim(text: str) -> Claim | None:
    """The first clinical claim in `text`, or None."""
    found = CLAIM.search(text)
    if found is None:
        return None
    return Claim(kind=found.lastgroup or "dose", text=found[0], start=found.start())


# Paragraphs up to this size are cached; pysbd slows down with the number of sentences it
# is given at once, so longer text goes to it in windows of about WINDOW characters.
CACHED_TEXT_LIMIT = 20_000
WINDOW = 3_000
MAX_WINDOW = 4 * WINDOW  # pysbd is quadratic in abbreviations too; no sentence is this long


def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence in `text`, surrounding whitespace excluded."""
    if len(text) <= CACHED_TEXT_LIMIT:
        return _cached_sentence_spans(text)
    return _windowed_sentence_spans(text)


@lru_cache(maxsize=4096)
def _cached_sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    return _windowed_sentence_spans(text)


def _windowed_sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Split window by window. Cutting the text can only mislead the splitter about the
    last sentences of a window, so those are split again at the start of the next one."""
    spans: list[tuple[int, int]] = []
    position, window = 0, WINDOW
    while position < len(text):
        end = len(text) if len(text) - position <= window else (
            text.rfind(" ", position + window // 2, position + window) + 1
            or position + window)
        pieces = _pysbd_spans(text[position:end])
        if end == len(text):
            spans += [(position + start, position + stop) for start, stop in pieces]
            break
        if len(pieces) < 3 and window < MAX_WINDOW:  # no boundary to trust yet: look further
            window *= 2
            continue
        keep = max(len(pieces) - 2, 1)
        spans += [(position + start, position + stop) for start, stop in pieces[:keep]]
        position = position + pieces[keep][0] if keep < len(pieces) else end
        window = WINDOW
    return tuple(spans)


def _pysbd_spans(text: str) -> list[tuple[int, int]]:
    try:
        pieces = pysbd.Segmenter(language="en", clean=False).segment(text)
    except Exception:  # a splitter bug must not stop the checks: then the text is one sentence
        pieces = [text]
    spans = []
    position = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        start = text.find(piece, position)
        if start < 0:  # the splitter changed the text: the rest is one sentence
            break
        spans.append((start, start + len(piece)))
        position = start + len(piece)
    rest = text[position:]
    if rest.strip():
        lead = len(rest) - len(rest.lstrip())
        spans.append((position + lead, len(text.rstrip())))
    return spans
