"""Word-level differences between two revisions' texts, their audience versions
and their numbered reference lists, rendered as HTML with <ins> and <del>. Pure module:
diff-match-patch diffs the texts as sequences of words, not characters."""

import re
from dataclasses import dataclass, field
from html import escape

from diff_match_patch import diff_match_patch
from markupsafe import Markup

SAME, INSERTED, DELETED, GAP = "same", "inserted", "deleted", "gap"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"

# A word (letters and digits of any script), a run of white space, or any other
# single character: "400 mg," is three words, a space and a comma.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_ISLAND_TOKENS = 4  # "a", " ", "," … : a word and the space or mark beside it
_LAST_CODE = 0x10FFFF  # each distinct word becomes one character for the diff
_OPERATIONS = {diff_match_patch.DIFF_EQUAL: SAME, diff_match_patch.DIFF_INSERT: INSERTED,
               diff_match_patch.DIFF_DELETE: DELETED}
# Read aloud by screen readers and shown when styles are off; hidden on screen,
# where <del> is struck through and <ins> underlined.
_MARKS = {DELETED: ("del", "[deleted: ", "]"), INSERTED: ("ins", "[inserted: ", "]")}
_GAP_HTML = ('<span class="diff-gap">…<span class="visually-hidden"> (unchanged text '
             'left out)</span></span>\n')


@dataclass(frozen=True)
class Piece:
    kind: str   # SAME, INSERTED, DELETED, or GAP (unchanged lines left out)
    text: str


@dataclass(frozen=True)
class TextDiff:
    """The pieces of a word diff (none when the texts are equal) and their HTML:
    inline (both texts in one), or the old and the new side."""

    pieces: tuple[Piece, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.pieces)

    @property
    def inline(self) -> Markup:
        return _html(self.pieces, (SAME, DELETED, INSERTED))

    @property
    def old(self) -> Markup:
        return _html(self.pieces, (SAME, DELETED))

    @property
    def new(self) -> Markup:
        return _html(self.pieces, (SAME, INSERTED))


@dataclass(frozen=True)
class ReferenceChange:
    number: int
    kind: str               # ADDED, REMOVED or CHANGED
    old: str | None
    new: str | None
    diff: TextDiff = field(default_factory=TextDiff)


@dataclass(frozen=True)
class VersionChange:
    """One audience's version between two revisions: ADDED (its texts all
    inserted), REMOVED (all deleted) or CHANGED, with the word diff of each part."""

    audience: str  # an AUDIENCES key
    kind: str
    title: TextDiff
    key_points: TextDiff
    body: TextDiff


def word_diff(old: str, new: str, context_lines: int = 3) -> TextDiff:
    """The word diff of two texts; unchanged stretches longer than
    2 × context_lines lines keep context_lines on each side of a change."""
    old, new = _unified(old), _unified(new)
    if old == new:
        return TextDiff()
    words, codes = [""], {}   # code 0 stays unused: no NUL character in the diff
    encoded_old = _encode(old, words, codes)
    encoded_new = _encode(new, words, codes)
    differ = diff_match_patch()
    differ.Diff_Timeout = 2.0  # seconds; past it the diff is correct but less minimal
    diffs = differ.diff_main(encoded_old, encoded_new, False)
    # No islands of one shared word amid a rewrite, but a phrase the edit left
    # alone stays shown as unchanged (semantic cleanup would swallow "reduces
    # pain [1]" between two insertions): shared runs shorter than
    # _ISLAND_TOKENS tokens between edits are folded into them.
    differ.Diff_EditCost = _ISLAND_TOKENS
    differ.diff_cleanupEfficiency(diffs)
    pieces = _merged(Piece(_OPERATIONS[op], "".join(words[ord(c)] for c in text))
                     for op, text in diffs if text)
    return TextDiff(tuple(_with_gaps(pieces, context_lines)))


def reference_changes(old: list[str], new: list[str]) -> list[ReferenceChange]:
    """References compared by number: added, removed, or changed (with the word
    diff of that entry); unchanged numbers are left out."""
    changes = []
    for number in range(1, max(len(old), len(new)) + 1):
        before = old[number - 1].strip() if number <= len(old) else None
        after = new[number - 1].strip() if number <= len(new) else None
        if before == after:
            continue
        if before is None:
            changes.append(ReferenceChange(number, ADDED, None, after))
        elif after is None:
            changes.append(ReferenceChange(number, REMOVED, before, None))
        else:
            changes.append(ReferenceChange(number, CHANGED, before, after,
                                           word_diff(before, after)))
    return changes


def version_changes(old: list[dict[str, str]], new: list[dict[str, str]],
                    order: tuple[str, ...] = ()) -> list[VersionChange]:
    """The audience versions ({"audience", "title", "key_points", "body"}) of two
    revisions compared per audience, in `order` (the site's audiences) and then
    by key; unchanged versions are left out."""
    before = {v["audience"]: v for v in old}
    after = {v["audience"]: v for v in new}
    keys = sorted(before.keys() | after.keys(),
                  key=lambda k: (order.index(k) if k in order else len(order), k))
    empty = {"title": "", "key_points": "", "body": ""}
    changes = []
    for key in keys:
        was, now = before.get(key, empty), after.get(key, empty)
        parts = {part: word_diff(was[part], now[part])
                 for part in ("title", "key_points", "body")}
        if not any(diff.changed for diff in parts.values()):
            continue
        kind = ADDED if key not in before else REMOVED if key not in after else CHANGED
        changes.append(VersionChange(key, kind, **parts))
    return changes


def _unified(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _encode(text: str, words: list[str], codes: dict[str, int]) -> str:
    """One character per word, the same character for the same word."""
    chars = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        code = codes.get(word)
        if code is None:
            if len(words) == _LAST_CODE:  # never with the form's limits: the rest is one word
                word = text[match.start():]
            code = codes[word] = len(words)
            words.append(word)
        chars.append(chr(code))
        if code == _LAST_CODE:
            break
    return "".join(chars)


def _merged(pieces) -> list[Piece]:
    merged: list[Piece] = []
    for piece in pieces:
        if merged and merged[-1].kind == piece.kind:
            merged[-1] = Piece(piece.kind, merged[-1].text + piece.text)
        else:
            merged.append(piece)
    return merged


def _with_gaps(pieces: list[Piece], context: int) -> list[Piece]:
    """Long unchanged stretches shortened to `context` lines after the change
    before them and before the change after them."""
    result = []
    for n, piece in enumerate(pieces):
        lines = piece.text.splitlines(keepends=True)
        # A line a change begins or ends in is kept whole, besides the context.
        head = 0 if n == 0 else context + (not pieces[n - 1].text.endswith("\n"))
        tail = 0 if n == len(pieces) - 1 else context + (not piece.text.endswith("\n"))
        if piece.kind != SAME or len(lines) <= head + tail + 1:
            result.append(piece)
            continue
        if head:
            result.append(Piece(SAME, "".join(lines[:head])))
        result.append(Piece(GAP, ""))
        if tail:
            result.append(Piece(SAME, "".join(lines[-tail:])))
    return result


def _html(pieces: tuple[Piece, ...], kinds: tuple[str, ...]) -> Markup:
    parts = []
    for piece in pieces:
        if piece.kind == GAP:
            parts.append(_GAP_HTML)
        elif piece.kind not in kinds:
            continue
        elif piece.kind == SAME:
            parts.append(escape(piece.text, quote=False))
        else:
            tag, before, after = _MARKS[piece.kind]
            parts.append(f'<{tag}><span class="visually-hidden">{before}</span>'
                         f'{escape(piece.text, quote=False)}'
                         f'<span class="visually-hidden">{after}</span></{tag}>')
    return Markup("".join(parts))
