"""Numbered citation markers in a Markdown body: [1], [1,3], [1-3], [1, 3–5], [19]–[21], and
with locators or words: [32: 273], [22, p. 4], [e.g., 77], [see 5], [5 and 7]. Pure module.

Brackets that Markdown reads as a link, an image or a link definition are not markers; the
parser decides (markdown_links). Words in brackets make a marker only in the shapes above, so
that ordinary bracketed text ([see Table 2], [n = 40], [95% CI 1.2–3.4]) is left alone."""

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

from reviewapp.citations.markdown_links import LinkBrackets, link_brackets

MAX_RANGE = 1000  # a range spanning more references than this is a typing error
MAX_NUMBER_DIGITS = 6


@dataclass(frozen=True)
class Marker:
    text: str
    start: int
    numbers: tuple[int, ...]
    problem: str | None
    # (start, end) in `text` of each reference number as written (both ends of a range)
    number_spans: tuple[tuple[int, int], ...] = ()


# Bounded lengths keep the scan linear on hostile input.
_ONE_NUMBER = r"\[[ \t]{0,3}(\d{1,12})[ \t]{0,3}\]"
_TWO_LINKS = re.compile(_ONE_NUMBER + r"[ \t]{0,3}[-–—][ \t]{0,3}" + _ONE_NUMBER)
_BRACKETS = re.compile(r"\[([^\[\]\r\n]{1,200})\]")
_NUMBERS_ONLY = re.compile(r"[0-9 \t,\-–—]+")
_ITEM = re.compile(r"(\d+)(?:\s*[-–—]\s*(\d+))?")
_DIGITS = re.compile(r"\d+")

# Citations with words: [prefix] item [locator] (separator item [locator])*
_REFS = r"(?:refs?\.?|references?)"
_PREFIX = re.compile(
    r"(?:(?:(?:but\s+)?see(?:\s+also)?|cf\.?|compare|e\.\s?g\.|eg|i\.\s?e\.|"
    r"for\s+(?:an?\s+)?(?:example|review|overview)(?:\s*,?\s*see)?|"
    r"(?:as\s+)?(?:reviewed|summari[sz]ed|discussed)\s+in)\s*,?\s*(?:" + _REFS + r"\s*)?"
    r"|" + _REFS + r"\s*)", re.IGNORECASE)
_WORD_ITEM = re.compile(r"(\d{1,12})(?:\s*[-–—]\s*(\d{1,12}))?(?![\w.])")
_LOCATOR_WORD = (r"(?:pp?|pages?|figs?|figures?|tabs?|tables?|ch|chap|chapters?|"
                 r"sec|sections?|§|paras?|paragraphs?|lines?|vol|box|appendix|suppl|"
                 r"supplement|col|columns?|eqs?|equations?|notes?|fn|footnotes?)")
_LOCATOR_NUMBER = r"(?:[A-Za-z]?\d+(?:[.\-–—]\d+)*[A-Za-z]?|[ivxlcdm]{1,8})"
_LOCATOR = re.compile(
    r"\s*:\s+[^;]*[0-9A-Za-z][^;]*"  # [32: 273], [51: fig. 10.5]; not the ratio [1:1]
    r"|\s*,?\s*" + _LOCATOR_WORD + r"\.?\s*" + _LOCATOR_NUMBER  # [22, p. 4]
    + r"(?:\s*[-–—]\s*" + _LOCATOR_NUMBER + r")?(?![\w.])"
    r"|\s*\([^()]{1,60}\)",  # [22 (p. 4)]
    re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*[,;]\s*(?:and\s+)?|\s+(?:and|&)\s+", re.IGNORECASE)
_END = re.compile(r"\s*")


def find_markers(body: str) -> list[Marker]:
    """Every citation marker in reading order, Markdown code left out."""
    return find_markers_in_masked(mask_code(body if isinstance(body, str) else ""))


def find_markers_in_masked(body: str) -> list[Marker]:
    """Like find_markers, for a body whose code is already blanked by mask_code."""
    links = link_brackets(body)
    markers: list[Marker] = []
    position = 0
    while True:
        opening = body.find("[", position)
        if opening < 0:
            break
        position = opening + 1
        if opening in links.in_links and opening not in links.misread:
            continue
        marker = _marker_at(body, opening, links)
        if marker is not None:
            markers.append(marker)
            position = opening + len(marker.text)
    return markers


def _marker_at(body: str, opening: int, links: LinkBrackets) -> Marker | None:
    two = _TWO_LINKS.match(body, opening)
    if two and body.rfind("[", opening + 1, two.start(2)) in links.in_links:
        two = None  # "[19]–[21](https://…)": the second bracket is a link
    if two:
        numbers, problem = _expand_range(two[1], two[2])
        spans = (_span(two, 1, opening), _span(two, 2, opening))
        found = two
    else:
        found = _BRACKETS.match(body, opening)
        if found is None or not re.search(r"\d", found[1]):
            return None
        if _NUMBERS_ONLY.fullmatch(found[1]):
            numbers, problem = _parse_list(found[1])
            spans = tuple((hit.start() + 1, hit.end() + 1) for hit in _DIGITS.finditer(found[1]))
        else:
            parsed = _parse_with_words(found[1])
            if parsed is None:
                return None
            numbers, problem, spans = parsed
    if opening in links.misread and body.startswith("(", found.end()):
        problem = _misread_problem(links.misread[opening])
    return Marker(text=found[0], start=opening, numbers=numbers, problem=problem,
                  number_spans=spans)


def _span(found: re.Match, group: int, origin: int) -> tuple[int, int]:
    return found.start(group) - origin, found.end(group) - origin


def _misread_problem(destination: str) -> str:
    target = f"to “{destination}”" if destination else "with no address"
    return (f"Markdown shows it as a link {target}, which leads nowhere, because “(” follows "
            "it directly; to cite, put a space between “]” and “(”")


def _parse_with_words(content: str):
    """(numbers, problem, number spans) of "see 5", "22, p. 4", "5 and 7"…, else None."""
    prefix = _PREFIX.match(content)
    position = prefix.end() if prefix else len(content) - len(content.lstrip())
    if prefix and _NUMBERS_ONLY.fullmatch(content, position):  # [e.g., 1,,2]: as without words
        numbers, problem = _parse_list(content[position:])
        return numbers, problem, tuple((hit.start() + 1, hit.end() + 1)
                                       for hit in _DIGITS.finditer(content, position))
    numbers: list[int] = []
    problems: list[str] = []
    spans: list[tuple[int, int]] = []
    while True:
        item = _WORD_ITEM.match(content, position)
        if item is None:
            return None
        spans += [(item.start(group) + 1, item.end(group) + 1)
                  for group in (1, 2) if item[group] is not None]
        _cite(item[1], item[2], numbers, problems)
        position = item.end()
        locator = _LOCATOR.match(content, position)
        if locator:
            position = locator.end()
        if _END.fullmatch(content, position):
            break
        separator = _SEPARATOR.match(content, position)
        if separator is None:
            return None
        position = separator.end()
    return tuple(dict.fromkeys(numbers)), (problems[0] if problems else None), tuple(spans)


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
        else:
            _cite(found[1], found[2], numbers, problems)
    return tuple(dict.fromkeys(numbers)), (problems[0] if problems else None)


def _cite(first: str, last: str | None, numbers: list[int], problems: list[str]) -> None:
    """Adds the numbers of one item ("5" or "3–5") to `numbers`, or why not to `problems`."""
    if last is not None:
        expanded, problem = _expand_range(first, last)
        numbers.extend(expanded)
        problems.extend([problem] if problem else [])
        return
    value = _number(first)
    if value is None:
        problems.append(f"the number {first} is far too large")
    elif value == 0:
        problems.append("reference numbers start at 1, not 0")
    else:
        numbers.append(value)


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
