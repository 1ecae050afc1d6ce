"""Numbered citation markers in a Markdown body: [1], [1,3], [1-3], [1, 3–5], [19]–[21].
Pure module."""

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

MAX_RANGE = 1000  # a range spanning more references than this is a typing error
MAX_NUMBER_DIGITS = 6


@dataclass(frozen=True)
class Marker:
    text: str
    start: int
    numbers: tuple[int, ...]
    problem: str | None


_DASHES = "-–—"
# Bounded lengths keep the scan linear on hostile input.
_ONE_NUMBER = r"\[[ \t]{0,3}(\d{1,12})[ \t]{0,3}\]"
_TWO_LINKS = re.compile(_ONE_NUMBER + r"[ \t]{0,3}[-–—][ \t]{0,3}" + _ONE_NUMBER)
_BRACKETS = re.compile(r"\[([0-9 \t,\-–—]{1,200})\]")
_LINK_DEFINITION = re.compile(r"^[ ]{0,3}\[([^\]\n]{1,200})\]:", re.MULTILINE)
_ITEM = re.compile(r"(\d+)(?:\s*[-–—]\s*(\d+))?")


def find_markers(body: str) -> list[Marker]:
    """Every citation marker in reading order, Markdown code left out."""
    return find_markers_in_masked(mask_code(body if isinstance(body, str) else ""))


def find_markers_in_masked(body: str) -> list[Marker]:
    """Like find_markers, for a body whose code is already blanked by mask_code."""
    defined_labels = {_label(found[1]) for found in _LINK_DEFINITION.finditer(body)}
    markers: list[Marker] = []
    last_end = -1
    position = 0
    while True:
        opening = body.find("[", position)
        if opening < 0:
            break
        position = opening + 1
        two = _TWO_LINKS.match(body, opening)
        one = None if two else _BRACKETS.match(body, opening)
        found = two or one
        if found is None or not re.search(r"\d", found[0]):
            continue
        end = found.end()
        if not _is_citation(body, opening, end, last_end, defined_labels, found[0]):
            continue
        if two:
            numbers, problem = _expand_range(two[1], two[2])
        else:
            numbers, problem = _parse_list(one[1])
        markers.append(Marker(text=found[0], start=opening, numbers=numbers, problem=problem))
        last_end = end
        position = end
    return markers


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


def _is_citation(body: str, start: int, end: int, last_end: int,
                 defined_labels: set[str], text: str) -> bool:
    """False for Markdown link syntax that merely looks like a marker."""
    before = body[start - 1] if start else ""
    after = body[end] if end < len(body) else ""
    if before == "!":  # image
        return False
    if before == "]" and last_end != start:  # label of a reference link: [text][1]
        return False
    if after == "(":  # inline link: [1](https://…)
        return False
    if after == "[" and not (_TWO_LINKS.match(body, end) or _BRACKETS.match(body, end)):
        return False  # link text of a reference link: [1][label]
    line_start = body.rfind("\n", 0, start) + 1
    if after == ":" and body[line_start:start].strip(" ") == "" and start - line_start <= 3:
        return False  # link reference definition: [1]: https://…
    return _label(text[1:-1]) not in defined_labels


def _number(digits: str) -> int | None:
    return int(digits) if len(digits) <= MAX_NUMBER_DIGITS else None


def _expand_range(first: str, last: str) -> tuple[tuple[int, ...], str | None]:
    low, high = _number(first), _number(last)
    if low is None or high is None:
        return (), f"a number in {first}–{last} is far too large"
    if low == 0 or high == 0:
        return (), "reference numbers start at 1, not 0"
    if low > high:
        return (), f"the range {low}–{high} runs backwards"
    if high - low >= MAX_RANGE:
        return (), f"the range {low}–{high} spans more than {MAX_RANGE} references"
    return tuple(range(low, high + 1)), None


def _parse_list(content: str) -> tuple[tuple[int, ...], str | None]:
    numbers: list[int] = []
    problems: list[str] = []
    for item in content.split(","):
        item = item.strip(" \t")
        if not item:
            problems.append("there is an empty place between commas")
            continue
        found = _ITEM.fullmatch(item)
        if found is None:
            problems.append(f"“{item}” is neither a number nor a range like 3–5")
            continue
        if found[2] is None:
            value = _number(found[1])
            if value is None:
                problems.append(f"the number {found[1]} is far too large")
            elif value == 0:
                problems.append("reference numbers start at 1, not 0")
            else:
                numbers.append(value)
            continue
        expanded, problem = _expand_range(found[1], found[2])
        numbers.extend(expanded)
        if problem:
            problems.append(problem)
    return tuple(dict.fromkeys(numbers)), (problems[0] if problems else None)


# -- Markdown code ---------------------------------------------------------------------------

_BLOCKS = MarkdownIt("commonmark").disable(["inline", "text_join"], ignoreInvalid=True)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BLANK_LINE = re.compile(r"\n[ \t]*(?:\r?\n|\r)|\r[ \t]*\r")
_BACKTICKS = re.compile(r"`+")


def mask_code(body: str) -> str:
    """The body with code blocks, code spans and HTML comments blanked (same length and
    line breaks), so that nothing in them is taken for a marker, claim or link."""
    if not isinstance(body, str) or not body:
        return ""
    chars = list(body)
    _mask_code_blocks(body, chars)
    _mask_comments(body, chars)
    _mask_code_spans("".join(chars), chars)
    return "".join(chars)


def _blank(chars: list[str], start: int, end: int) -> None:
    for index in range(start, end):
        if chars[index] not in "\r\n":
            chars[index] = " "


def _mask_code_blocks(body: str, chars: list[str]) -> None:
    if "```" not in body and "~~~" not in body and "    " not in body and "\t" not in body:
        return
    try:
        tokens = _BLOCKS.parse(body)
    except Exception:  # a parser bug must not stop the checks; code then counts as text
        return
    ranges = [token.map for token in tokens if token.type in ("fence", "code_block") and token.map]
    if not ranges:
        return
    line_starts = [0] + [found.end() for found in _LINE_BREAK.finditer(body)]
    line_starts.append(len(body))
    for first, last in ranges:
        first, last = min(first, len(line_starts) - 1), min(last, len(line_starts) - 1)
        _blank(chars, line_starts[first], line_starts[last])


def _mask_comments(body: str, chars: list[str]) -> None:
    position = 0
    while (opening := body.find("<!--", position)) >= 0:
        closing = body.find("-->", opening + 4)
        if closing < 0:
            return
        _blank(chars, opening, closing + 3)
        position = closing + 3


def _mask_code_spans(body: str, chars: list[str]) -> None:
    """CommonMark code spans: a run of n backticks up to the next run of exactly n,
    within one paragraph."""
    if "`" not in body:
        return
    paragraph_start = 0
    for boundary in [*(found.start() for found in _BLANK_LINE.finditer(body)), len(body)]:
        runs = [(found.start(), found.end()) for found in
                _BACKTICKS.finditer(body, paragraph_start, boundary)]
        paragraph_start = boundary
        next_same: list[int | None] = [None] * len(runs)
        latest: dict[int, int] = {}
        for index in range(len(runs) - 1, -1, -1):
            length = runs[index][1] - runs[index][0]
            next_same[index] = latest.get(length)
            latest[length] = index
        index = 0
        while index < len(runs):
            closing = next_same[index]
            if closing is None:
                index += 1
                continue
            _blank(chars, runs[index][0], runs[closing][1])
            index = closing + 1
