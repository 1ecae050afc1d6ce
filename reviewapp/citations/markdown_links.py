"""Which square brackets of a Markdown body the Markdown parser reads as link syntax, so that
they are not taken for citation markers. Pure module.

markdown-it, the parser that renders the page, decides: the text of inline links and images,
reference links whose label is defined, and the definitions themselves. "[19](p. 107)" (a
destination with a space) and "[346][355]" without "[355]:" are no links to it. One kind of
link is reported instead of hidden: an inline link whose destination cannot be a page (no
scheme, path or anchor: "[10–18](see "Related literature")"), which an author writes when a
parenthesis follows a citation; the marker then counts and says how to mend it.

Inline tokens carry no character offsets, so the link and image rules are wrapped to record
where each link they make starts and ends in the text of its block, and those places are
mapped back to the body by counting brackets. The parser builds a block's text from the
body's lines by removing line prefixes (indentation, ">", list bullets, "#", table pipes, the
backslash of an escaped pipe) and changing whitespace, but never removes or adds a "[": so
the k-th "[" of a block's text is the k-th "[" of the body from where the block starts (for
a table cell, from the end of the cell before it).
"""

import bisect
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_inline import image as image_rule
from markdown_it.rules_inline import link as link_rule
from markdown_it.rules_inline.state_inline import StateInline

_RECORDER = "reviewapp.link_recorder"
# A destination that cannot be a page the author meant: no scheme, no path, no anchor
# ("see", "p.107"); "[10–18](see "Related literature")" is then a citation Markdown misreads.
_PAGE_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|[/#]")
_LINE_STARTS_WITH_BRACKET = re.compile(r"^(?:[ \t>]|[-*+][ \t]|\d{1,9}[.)][ \t])*\[",
                                       re.MULTILINE)


@dataclass(frozen=True)
class LinkBrackets:
    """Where "[" opens or sits inside link syntax, by offset in the body."""

    in_links: set[int] = field(default_factory=set)
    # "[" that opens an inline link to a destination that cannot be a page → the destination
    misread: dict[int, str] = field(default_factory=dict)


_NONE = LinkBrackets()


@dataclass
class _Recorder:
    src: str
    spans: list[tuple[int, int, str | None]]  # start, end in src; href of an inline link


def _recording(rule, kind: str):
    def recorded(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        recorder = state.env.get(_RECORDER)
        # An image's alt text is parsed as a string of its own: its offsets are not ours.
        if not silent and recorder is not None and state.src is recorder.src:
            href = None
            if kind == "link" and state.src[state.pos - 1] == ")":  # inline, not a reference
                opened = next((token for token in state.tokens[count:]
                               if token.type == "link_open"), None)
                href = opened.attrGet("href") if opened is not None else None
            recorder.spans.append((start, state.pos, href))
        return True
    return recorded


# The page renders with these options (reviewapp/rendering.py); the inline core rule is off
# because only the blocks that can hold a link are parsed inline, below. Indented code is off
# too: the body comes with its code blanked by mask_code, so an indented line is text whose
# start was a code span ("`x` [1](https://…)"), never code.
_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_PARSER.disable(["inline", "text_join", "code"], ignoreInvalid=True)
_PARSER.inline.ruler.at("link", _recording(link_rule, "link"))
_PARSER.inline.ruler.at("image", _recording(image_rule, "image"))


def link_brackets(body: str) -> LinkBrackets:
    """The "[" of `body` that belong to link syntax. Linear in the body's length."""
    # Every link and image needs "](", "][" or a definition: "]:" after a "[" that starts a
    # line (behind any quote marks and list bullets). Most bodies have none of these.
    if not body or ("](" not in body and "][" not in body and not (
            "]:" in body and _LINE_STARTS_WITH_BRACKET.search(body))):
        return _NONE
    # Same length as the body (markdown-it would turn "\r\n" into "\n"); a space before a
    # line break changes nothing about links.
    text = body.replace("\r\n", " \n").replace("\r", "\n").replace("\0", "\ufffd")
    env: dict = {}
    try:
        tokens = _PARSER.parse(text, env)
    except Exception:  # a parser bug must not stop the checks: no link is known then
        return _NONE
    found = LinkBrackets(set(), {})
    brackets = [bracket.start() for bracket in re.finditer(r"\[", text)]
    line_starts = [0, *(end.end() for end in re.finditer(r"\n", text)), len(text) + 1]
    last_line = len(line_starts) - 1
    cursor = 0
    for token in tokens:
        if token.type != "inline" or not token.map or "[" not in token.content:
            continue
        first = bisect.bisect_left(brackets, max(line_starts[token.map[0]], cursor))
        last = first + token.content.count("[") - 1
        if last >= len(brackets) or brackets[last] >= line_starts[min(token.map[1], last_line)]:
            continue  # cannot happen by the argument above; if it does, this block has no links
        cursor = brackets[last] + 1
        _add_links(token.content, env, brackets[first:last + 1], found)
    for definition in [*env.get("references", {}).values(), *env.get("duplicate_refs", [])]:
        first, last = (line_starts[min(line, last_line)] for line in definition["map"])
        found.in_links.update(brackets[bisect.bisect_left(brackets, first):
                                       bisect.bisect_left(brackets, last)])
    return found


def _add_links(content: str, env: dict, in_body: list[int], found: LinkBrackets) -> None:
    """Parses one block's text (when it can hold a link) and adds the "[" of its links to
    `found`; in_body[k] is the offset in the body of the k-th "[" of `content`."""
    if "](" not in content and "][" not in content and not (
            env.get("references") and "]" in content):
        return
    in_content = [bracket.start() for bracket in re.finditer(r"\[", content)]
    recorder = _Recorder(content, [])
    env[_RECORDER] = recorder
    try:
        _PARSER.inline.parse(content, _PARSER, env, [])
    except Exception:  # as above: this block then has no links
        return
    finally:
        env.pop(_RECORDER, None)
    for start, stop, href in recorder.spans:
        low = bisect.bisect_left(in_content, start)
        found.in_links.update(in_body[low:bisect.bisect_left(in_content, stop)])
        if href is not None and in_content[low:low + 1] == [start] \
                and not _PAGE_LIKE.search(href):
            found.misread[in_body[low]] = href
