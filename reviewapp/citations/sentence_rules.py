"""The pass over a paragraph's full stops, question and exclamation marks that gives pysbd's
sentences without running pysbd (reviewapp.citations.sentences uses it). Pure module.

It applies pysbd's own rules — its abbreviation lists and patterns, taken from pysbd — in
pysbd's order at each mark. A paragraph holding something pysbd decides from further away
(single quotes, an ellipsis, an inline enumeration such as "(a) … (b) …", brackets after a
quotation) raises NeedsPysbd. Medical abbreviations pysbd lacks count as abbreviations here.
"""

import bisect
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from functools import cached_property

with warnings.catch_warnings():
    # pysbd 0.3.4 has an invalid escape sequence; compiling it without a cached .pyc warns.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    from pysbd.between_punctuation import BetweenPunctuation
    from pysbd.exclamation_words import ExclamationWords
    from pysbd.lang.english import English
    from pysbd.lists_item_replacer import ListItemReplacer

Span = tuple[int, int]

# Medical abbreviations pysbd does not know. Like pysbd's own, their full stop ends no
# sentence before a lower-case word, a number or "(" — and never for those that always lead
# into what follows. pysbd gets the text with these full stops hidden.
MEDICAL_LEADING = frozenset({"cf", "figs", "suppl", "eq", "eqs"})
MEDICAL = frozenset({
    "approx", "ca", "resp", "incl", "excl", "max", "avg", "tab", "tabs", "caps", "inj", "susp",
    "wk", "wks", "yr", "yrs", "mos", "hrs", "mins", "refs", "vol", "vols", "pt", "pts", "conc",
    "wt"})
# Characters whose handling by pysbd this pass does not repeat: single and angle quotes,
# backslashes, line breaks, full-width punctuation, letters that equal ASCII ones only when
# case is ignored (ſ, K, ı, İ), and pysbd's own placeholder characters.
_PYSBD_ONLY = re.compile(
    r"[‘«»\\\r\n。．！？（「\u017f\u212a\u0131\u0130∯∮ȸȹ☉☈☇☄♨☝✂⌬ᓴᓷᓰᓱᓳᓸ⎋ƪ☏♟♝♬♭]|--")
_SINGLE_QUOTE = re.compile(r"(?:^|[\s.!?-])'")
# pysbd cuts a sentence after a closing quotation mark that follows its end: "… market.” The"
_AFTER_QUOTATION = re.compile(English.SPLIT_SPACE_QUOTATION_AT_END_OF_SENTENCE_REGEX)
_PARENS_BETWEEN_QUOTES = re.compile(English.PARENS_BETWEEN_DOUBLE_QUOTES_REGEX)
_EXCLAMATION_WORD = re.compile(ExclamationWords.EXCLAMATION_REGEX)
_TERMINAL = re.compile(r"[.!?]")

_ABBREVIATION = English.Abbreviation
_PREPOSITIVE = frozenset(_ABBREVIATION.PREPOSITIVE_ABBREVIATIONS)
_NUMBER_PREFIX = frozenset(_ABBREVIATION.NUMBER_ABBREVIATIONS)
_PLAIN_ABBREVIATIONS = frozenset(a for a in _ABBREVIATION.ABBREVIATIONS if "." not in a)
# pysbd matches "e.g", "i.e", "ph.d"… as patterns whose "." is any character ("ice" counts as
# "i.e"), and only in text that holds the abbreviation as written.
_DOTTED_ABBREVIATIONS = tuple((a, re.compile(a, re.IGNORECASE))
                              for a in _ABBREVIATION.ABBREVIATIONS if "." in a)
_LONGEST_ABBREVIATION = max(map(len, [*_ABBREVIATION.ABBREVIATIONS, *MEDICAL, *MEDICAL_LEADING]))
_LONG_WORD = 64
_MULTI_PERIOD = re.compile(English.MULTI_PERIOD_ABBREVIATION_REGEX, re.IGNORECASE)
_NUMBERED_REFERENCE = re.compile(English.NUMBERED_REFERENCE_REGEX)
_STARTER_NEXT = re.compile(
    rf"\s(?:{'|'.join(English.AbbreviationReplacer.SENTENCE_STARTERS)})\s")
# Text between these pairs keeps its full stops (pysbd's passes run one after the other, so
# their matches may overlap).
_BETWEEN = tuple((opening, re.compile(pattern)) for opening, pattern in (
    ('"', BetweenPunctuation.BETWEEN_DOUBLE_QUOTES_REGEX_2),
    ("[", BetweenPunctuation.BETWEEN_SQUARE_BRACKETS_REGEX_2),
    ("(", BetweenPunctuation.BETWEEN_PARENS_REGEX_2),
    ("“", BetweenPunctuation.BETWEEN_QUOTE_SLANTED_REGEX_2)))
# pysbd makes a sentence of a bracket or quotation that starts one and is followed by a
# capital ("(See Table 2) The…"): the alternatives of its SENTENCE_BOUNDARY_REGEX.
_LEADING_GROUP = re.compile(
    r"\((?:[^\)]){2,}\)(?=\s[A-Z])|\"(?:[^\"])*[^,]\"(?=\s[A-Z])|“(?:[^”])*[^,]”(?=\s[A-Z])")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ASCII_LOWER = frozenset(_LETTERS)
_ASCII_UPPER = frozenset(_LETTERS.upper())
_ASCII_LETTER = _ASCII_LOWER | _ASCII_UPPER
_WORD_CHARACTER = _ASCII_LETTER | frozenset("0123456789_")

# pysbd's inline list patterns by family ("(a)", "a)", "(ii)"; "1."; "1)"), but not its
# "a. … b. …" (see sentences._ListItems).
_LIST_FAMILIES = {
    "paren": [(re.compile(ListItemReplacer.ALPHABETICAL_LIST_WITH_PARENS), alphabet)
              for alphabet in (ListItemReplacer.LATIN_NUMERALS, ListItemReplacer.ROMAN_NUMERALS)],
    "number": [(re.compile(ListItemReplacer.NUMBERED_LIST_REGEX_1), None)],
    "number_paren": [(re.compile(ListItemReplacer.NUMBERED_LIST_PARENS_REGEX), None)],
}


class NeedsPysbd(Exception):
    """The paragraph holds something whose handling by pysbd this pass does not repeat."""


def rule_spans(text: str) -> tuple[Span, ...]:
    """pysbd's sentences (medical abbreviations aside), found by applying its rules at each
    full stop; raises NeedsPysbd for a paragraph this pass leaves to pysbd."""
    if _PYSBD_ONLY.search(text) or "'" in text and _SINGLE_QUOTE.search(text):
        raise NeedsPysbd
    terminals = [found.start() for found in _TERMINAL.finditer(text)]
    if _enumeration_splits(text, terminals):
        raise NeedsPysbd
    quoted = '"' in text or "“" in text or "”" in text
    if quoted and _PARENS_BETWEEN_QUOTES.search(text):
        raise NeedsPysbd
    if "!" in text and _EXCLAMATION_WORD.search(text):
        raise NeedsPysbd
    paragraph = _Paragraph(text, terminals)
    spans, start, last = [], 0, len(text.rstrip())
    for end in [*map(paragraph.sentence_end, terminals), len(text)]:
        if end is None:
            continue
        while start < end and text[start].isspace():
            start += 1
        if start < min(end, last):
            if text[start] in "(\"“" and _LEADING_GROUP.match(text, start):
                raise NeedsPysbd
            stop = min(end, last)
            if quoted:
                for found in _AFTER_QUOTATION.finditer(text, start, stop):
                    if found.start() - start >= 2:  # what it looks back at is in the sentence
                        spans.append((start, found.start()))
                        start = found.end()
            spans.append((start, stop))
        start = end
    return tuple(spans)


class _Paragraph:
    """One paragraph and what pysbd's passes over all of it decide."""

    def __init__(self, text: str, terminals: list[int]):
        self.text = text
        # The marks inside quotes or brackets, which end no sentence.
        self.between: set[int] = set()
        for opening, pattern in _BETWEEN:
            if opening in text:
                for found in pattern.finditer(text):
                    first = bisect.bisect_right(terminals, found.start())
                    last = bisect.bisect_left(terminals, found.end())
                    self.between.update(terminals[first:last])

    @cached_property
    def dotted(self) -> list[re.Pattern]:
        lowered = self.text.lower()
        return [pattern for abbreviation, pattern in _DOTTED_ABBREVIATIONS
                if abbreviation in lowered]

    def in_multi_period(self, index: int, token_start: int | None) -> bool:
        """Whether the full stop is part of "e.g.", "p.o.", "b.i.d."; such a run holds no
        space, so only the word around the full stop is searched."""
        text = self.text
        token_end = index + 1
        while token_end < len(text) and not text[token_end].isspace():
            token_end += 1
        if token_start is None or token_end - index > _LONG_WORD:
            return index in self.multi_period
        return any(found.start() < index < found.end()
                   for found in _MULTI_PERIOD.finditer(text, token_start, token_end))

    @cached_property
    def multi_period(self) -> set[int]:
        return {index for found in _MULTI_PERIOD.finditer(self.text)
                for index in range(found.start(), found.end())}

    def token_start(self, index: int) -> int | None:
        """Where the word that ends at `index` starts, or None if it is longer than a few."""
        text, start = self.text, index
        while start and not text[start - 1].isspace():
            start -= 1
            if index - start > _LONG_WORD:
                return None
        return start

    def sentence_end(self, index: int) -> int | None:
        """Where the sentence ends if the mark at `index` ends one, else None: after a
        numbered reference whatever else holds; else in pysbd's order, abbreviations,
        numbers, "a.b", quotes and brackets."""
        text = self.text
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if before and before in ".!?" or after and after in ".!?" or before.isspace():
            raise NeedsPysbd  # ellipses, "?!", " ." (pysbd's rules for file names)
        if index == 0:  # pysbd's first character ends a sentence only before " " (". x")
            if text[0] != ".":
                raise NeedsPysbd
            return 1 if after in ("", " ") else None
        if text[index] != ".":
            return self._question_or_exclamation_end(index, after)
        if after and not after.isspace() and (reference := _NUMBERED_REFERENCE.match(
                text, index)):  # "….[3] Next" and "….3 Next" end after the reference
            if index in self.between:
                raise NeedsPysbd
            return reference.end(2)
        if before in _ASCII_LETTER and self._is_abbreviation(index, before, after):
            if after.isspace() and (
                    before in "ISKUAvV" and _STARTER_NEXT.match(text, index + 1)
                    or before in "Mm" and text[index + 2:index + 3] in _ASCII_UPPER):
                raise NeedsPysbd  # pysbd ends the sentence after "U.S.", "I.", "p.m." here
            return None
        if after.isdecimal() or before.isdecimal() and after and not after.isspace():
            return None  # "1.5", ".5", "2.a"
        if index in (1, 2) and text[:index].isdecimal() and (
                after == ")" or after.isspace() and text[index + 2:index + 3].strip()):
            return None  # "1. Text" at the start
        if before in _WORD_CHARACTER and after in _WORD_CHARACTER:
            if index >= 2 and text[index - 2] == ".":
                raise NeedsPysbd  # "a.b.c": pysbd keeps only the first full stop
            return None
        if before == "°":
            raise NeedsPysbd  # pysbd keeps "45°. 3" together
        if index in self.between:
            return None
        return index + 1

    def _question_or_exclamation_end(self, index: int, after: str) -> int | None:
        if index in self.between:
            return None
        if after and not after.isspace():
            raise NeedsPysbd  # "?'", "!,"…
        if self.text[index] == "!" and self.text[index + 2:index + 3] in _ASCII_LOWER:
            return None  # "Stop! then…" goes on
        return index + 1

    def _is_abbreviation(self, index: int, before: str, after: str) -> bool:
        """pysbd's abbreviation rules: the full stop after a capital letter ("J. Smith"),
        after "Co" before "KG", after a listed abbreviation, inside "e.g." or "p.o."."""
        text = self.text
        following = text[index + 2:index + 3]
        if before in _ASCII_UPPER and (
                index == 1 and after.isspace()
                or index >= 2 and text[index - 2].isspace() and (
                    after.isspace() or after == "," and following.isspace())):
            return True
        token_start = self.token_start(index)
        if (after in _ASCII_LETTER or index >= 2 and text[index - 2] == ".") and \
                self.in_multi_period(index, token_start):
            return True
        if after.isspace() and text.startswith("KG", index + 2) and text.endswith("Co", 0, index):
            return True
        if token_start is None or index - token_start > _LONGEST_ABBREVIATION:
            return False
        kind = self._abbreviation_kind(text[token_start:index])
        if kind == "prepositive":
            return after.isspace() or after == ":" and following.isdecimal()
        if kind == "number":
            return after.isspace() and (following.isdecimal()
                                        or text[index + 1:].lstrip().startswith("("))
        if kind == "other":
            return after in (".", ":", "-", "?", ",") or after.isspace() and (
                following in _ASCII_LOWER or following.isdecimal() or following == "("
                or following == "I" and (text[index + 3:index + 4].isspace()
                                         or text.startswith(("'m", "'ll"), index + 3)))
        if kind == "medical":
            return after.isspace() and (following in _ASCII_LOWER or following.isdecimal()
                                        or following == "(")
        return kind == "medical leading" and after.isspace()

    def _abbreviation_kind(self, token: str) -> str | None:
        lowered = token.lower()
        if lowered in _PLAIN_ABBREVIATIONS:
            if lowered in _PREPOSITIVE:
                return "prepositive"
            return "number" if lowered in _NUMBER_PREFIX else "other"
        if any(pattern.fullmatch(token) for pattern in self.dotted):
            return "other"
        if lowered in MEDICAL:
            return "medical"
        return "medical leading" if lowered in MEDICAL_LEADING else None


def _enumeration_splits(text: str, terminals: list[int]) -> bool:
    """Whether pysbd would cut the paragraph before inline list items: "(a) … (b)",
    "1) … 2)", "in 2. … in 3."."""
    candidates = Counter(_list_item_families(text, terminals))
    return any(_list_items_follow(text, family) for family, count in candidates.items()
               if count >= 2)


def _list_item_families(text: str, terminals: list[int]) -> Iterator[str]:
    """The family of each place where a list pattern of pysbd might find an item (and more):
    pysbd's own patterns then run only for a family found twice."""
    for index in terminals:
        before, after = text[index - 1:index], text[index + 1:index + 2]
        if text[index] == "." and before.isdecimal() and (after.isspace() or after == ")"):
            start = index - 2 if index >= 2 and text[index - 2].isdecimal() else index - 1
            if not start or text[start - 1].isspace() or text[start - 1] in "-⁃":
                yield "number"  # " 2. "
    index = text.find(")", 1)
    while index > 0:
        if text[index - 1].isdecimal() and text[index + 1:index + 2].isspace():
            yield "number_paren"  # "2) "
        start = index
        while start and text[start - 1] in _ASCII_LOWER:
            start -= 1
        if start < index and (not start or text[start - 1] == "(" or text[start - 1].isspace()):
            yield "paren"  # "(a)", " b)", "(ii)"
        index = text.find(")", index + 1)


def _list_items_follow(text: str, family: str) -> bool:
    """pysbd's test for a list: an item next to one before or after it ("b" after "a", or
    "3" after "2"), the first compared with the last for letters."""
    for pattern, alphabet in _LIST_FAMILIES[family]:
        if alphabet is not None:
            places = [alphabet.index(item) for item in pattern.findall(text) if item in alphabet]
            for index, place in enumerate(places):
                if abs(places[index - 1] - place) == 1 or (
                        index + 1 < len(places) and places[index + 1] - place == 1):
                    return True
            continue
        numbers = [int(item) for item in pattern.findall(text)]
        for index, number in enumerate(numbers):
            if index + 1 < len(numbers) and numbers[index + 1] == number + 1:
                return True
            if index and (numbers[index - 1], number) in {(number - 1, number), (9, 0), (0, 9)}:
                return True
    return False
