"""Where the sentences of a paragraph start and end. Pure module.

pysbd gets the hard cases of medical writing right ("(e.g., 1g every 6 hours) [1].",
"150 mg p.o. b.i.d.", "Dr. Smith et al.") but runs at about 65 KB/s (DESIGN §4): it applies
some 200 regular expressions per call, many compiled afresh each time. Almost every full stop
is decided by the characters around it, so a paragraph goes through one pass over its full
stops, question and exclamation marks that applies pysbd's own rules — its abbreviation lists
and patterns, taken from pysbd itself — in pysbd's order. A paragraph holding something pysbd
decides from further away (single quotes, an ellipsis, an inline enumeration such as
"(a) … (b) …", brackets after a quotation) goes to pysbd itself. The unit tests check that
both give the same sentences on every paragraph of the PLOS corpus and on generated text.

Two deliberate differences from pysbd, whichever way a paragraph goes: the full stop of a
medical abbreviation pysbd does not know ("approx. 5 mg", "incl. ibuprofen", "cf. Smith")
ends no sentence, and single letters before a full stop ("p.o.", "q.d.", "i.v.", "6 h.") are
not taken for a list "a. … b. …" to cut the paragraph at.
"""

import re
import warnings
from functools import lru_cache

from reviewapp.citations.sentence_rules import MEDICAL, MEDICAL_LEADING, NeedsPysbd, rule_spans

with warnings.catch_warnings():
    # pysbd 0.3.4 has an invalid escape sequence; compiling it without a cached .pyc warns.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    import pysbd
    from pysbd.lang.english import English
    from pysbd.lists_item_replacer import ListItemReplacer
    from pysbd.processor import Processor
    from pysbd.utils import Text

Span = tuple[int, int]

# Paragraphs up to this size are cached by their text, so re-checking an edited article
# re-splits only the edited paragraphs.
CACHED_TEXT_LIMIT = 20_000
# pysbd slows down with the number of sentences it is given at once, so long text goes to it
# in windows of about WINDOW characters.
WINDOW = 3_000
MAX_WINDOW = 4 * WINDOW  # pysbd is quadratic in abbreviations too; no sentence is this long

# The full stops of MEDICAL abbreviations that end no sentence, hidden from pysbd.
_MEDICAL_FULL_STOP = re.compile(
    rf"(?<!\S)(?:(?i:{'|'.join(sorted(MEDICAL_LEADING))})(?=\.\s)"
    rf"|(?i:{'|'.join(sorted(MEDICAL))})(?=\.\s(?:[a-z]|\d|\()))")
_HIDDEN_FULL_STOP = "\u2024"  # ONE DOT LEADER: neither space nor punctuation to pysbd


def sentence_spans(text: str) -> tuple[Span, ...]:
    """(start, end) of each sentence in `text`, surrounding whitespace excluded."""
    if len(text) <= CACHED_TEXT_LIMIT:
        return _cached_sentence_spans(text)
    return _sentence_spans(text)


@lru_cache(maxsize=8192)
def _cached_sentence_spans(text: str) -> tuple[Span, ...]:
    return _sentence_spans(text)


def _sentence_spans(text: str) -> tuple[Span, ...]:
    try:
        return rule_spans(text)
    except NeedsPysbd:
        return _windowed_sentence_spans(hide_medical_full_stops(text))


def hide_medical_full_stops(text: str) -> str:
    """`text` with the full stop of "approx. 5 mg", "cf. Smith"… replaced, same length."""
    pieces, position = [], 0
    for found in _MEDICAL_FULL_STOP.finditer(text):
        pieces += [text[position:found.end()], _HIDDEN_FULL_STOP]
        position = found.end() + 1
    return "".join([*pieces, text[position:]]) if pieces else text


# --- pysbd itself ----------------------------------------------------------------------------

class _ListItems(ListItemReplacer):
    """pysbd's inline lists without "a. … b. …": in medical text single letters before a full
    stop start abbreviations ("i.v.", "p.o.", "q.d.", "6 h."), and pysbd cuts "150 mg p.o.
    b.i.d. … 1 g q.d." into "150 mg" / "p.o." / "b.i.d. …" when two such letters are next
    to each other in the alphabet (p, q)."""

    def add_line_breaks_for_alphabetical_list_with_periods(self, roman_numeral=False):
        return self.text


class _Processor(Processor):
    def process(self):
        """Processor.process of pysbd 0.3.4 with _ListItems for ListItemReplacer."""
        if not self.text:
            return self.text
        self.text = _ListItems(self.text.replace("\n", "\r")).add_line_break()
        self.replace_abbreviations()
        self.replace_numbers()
        self.replace_continuous_punctuation()
        self.replace_periods_before_numeric_references()
        self.text = Text(self.text).apply(
            self.lang.Abbreviation.WithMultiplePeriodsAndEmailRule,
            self.lang.GeoLocationRule, self.lang.FileFormatRule)
        return self.split_into_segments()


class _English(English):
    Processor = _Processor


def _windowed_sentence_spans(text: str) -> tuple[Span, ...]:
    """Split window by window. Cutting the text can only mislead the splitter about the
    last sentences of a window, so those are split again at the start of the next one."""
    spans: list[Span] = []
    position, window = 0, WINDOW
    while position < len(text):
        end = len(text) if len(text) - position <= window else (
            text.rfind(" ", position + window // 2, position + window) + 1
            or position + window)
        pieces = pysbd_spans(text[position:end])
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


def pysbd_spans(text: str, letter_lists: bool = False) -> list[Span]:
    """pysbd's sentences of `text` in one call, as (start, end); without its "a. … b. …"
    rule unless `letter_lists`."""
    segmenter = pysbd.Segmenter(language="en", clean=False)
    if not letter_lists:
        segmenter.language_module = _English
    try:
        pieces = segmenter.segment(text)
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
