"""A reference list as an author pastes it: where each entry starts, and the lines of one entry
joined back together, with a DOI or web link that a line wrap broke made whole again.
Pure module; the draft form and the Markdown importer both split lists here."""

import re
from dataclasses import dataclass, field

from reviewapp.citations.doi import quoted

# The author's number before an entry, "1." "1)" "[1]" or a bare "1", then a space or the end
# of the line; or a bullet. A number is at most 5 digits, so "2019;12:34" is not one.
_START = re.compile(
    r"^\s*(?:\[(?P<bracketed>\d{1,5})\]|(?P<marked>\d{1,5})[.)]|(?P<bare>\d{1,5})"
    r"|(?P<bullet>[-*+\u2022]))(?:\s+|$)")
# Kinds of entry start. "1." "1)" and "[1]" are one kind: a list typed by hand may mix them.
MARKED = "marked"
BARE = "bare"
BULLET = "bullet"
# The next number, or one a few further on when the author deleted an entry or two. A wrapped
# line that happens to start with a number ("2019. doi:…") is far from the count.
_LARGEST_STEP = 10
# An identifier cannot end in these, so a line ending in one is cut inside it.
_CUT_INSIDE = "/-_=&?#~%+("
# Punctuation after a complete identifier.
_ENDS_SENTENCE = ".,;:'\"\u201d\u2019"
# The first word of a line that goes on after a complete identifier: a word, a label
# ("PMID:", "Epub"), a year or a bracket; anything else looks like the rest of the identifier.
_NEXT_ELEMENT = re.compile(
    r"[(\[<].*|[A-Za-z]+[.,;:]?|(?:1[89]|20)\d\d[.,;:]?|(?i:doi|pmid|pmcid|https?|www)\b.*")
_DOI_START = re.compile(r"(?<![\w.])(?i:doi:)?10\.\d{4,9}(?:\.\d+)*(?P<suffix>/\S*)?")
_LINK = re.compile(r"(?i:https?://|www\.)\S*")


@dataclass(frozen=True)
class EntryStart:
    style: str            # MARKED, BARE or BULLET
    number: int | None    # None for a bullet
    text: str             # the line after the number


def entry_start(line: str) -> EntryStart | None:
    """The number or bullet a line starts with, if any."""
    found = _START.match(line)
    if found is None:
        return None
    text = line[found.end():].strip()
    if found["bullet"]:
        return EntryStart(BULLET, None, text)
    if found["bare"]:
        return EntryStart(BARE, int(found["bare"]), text)
    return EntryStart(MARKED, int(found["bracketed"] or found["marked"]), text)


@dataclass
class Numbering:
    """Follows a list's numbering line by line: a line starts an entry when it carries the
    list's kind of number (or bullet) and that number comes next in the count: one more, or
    for "1." "1)" "[1]" a few more (entries deleted by hand)."""
    style: str
    last: int | None
    renumbered: str | None = None  # the first place the author's numbers and the count part

    def starts_entry(self, start: EntryStart | None, count: int) -> bool:
        """Whether `start` begins entry number `count` + 1; notes the first renumbering."""
        if start is None or start.style != self.style:
            return False
        if self.style == BULLET:
            return True
        if self.last is not None:
            step = start.number - self.last
            if not (step == 1 or (self.style != BARE and 1 < step <= _LARGEST_STEP)):
                return False
        if start.number != count + 1 and self.renumbered is None:
            where = (f"starts at {start.number}" if self.last is None
                     else f"goes from {self.last} to {start.number}")
            self.renumbered = (
                f"Your list {where}: references are numbered in the order given, so your "
                f"number {start.number} is reference {count + 1} here. Check that the markers "
                "in the text point to the right references.")
        self.last = start.number
        return True


@dataclass
class ReferenceList:
    entries: list[str]
    notes: list[str] = field(default_factory=list)  # for the author: what may have gone wrong


class ListReader:
    """Groups the lines of a list into entries, one line at a time. With a numbering, a line
    starts an entry when the numbering says so, or after a break (a blank line or heading in
    Markdown); any other line continues the entry before it. Without one, each line is an
    entry."""

    def __init__(self, numbering: Numbering | None, one_per_line: bool = False) -> None:
        self.numbering = numbering
        self.one_per_line = one_per_line
        self.groups: list[list[str]] = []
        self.notes: list[str] = []
        self._broken = True

    def add(self, line: str) -> None:
        start = entry_start(line)
        if self.numbering is None and start is not None and not self.one_per_line:
            self.numbering = Numbering(start.style, None)
        numbering = self.numbering
        if numbering is not None and numbering.starts_entry(start, len(self.groups)):
            self.groups.append([start.text])
        elif self.one_per_line or self._broken:
            self.groups.append([_without_number(line)])
        else:
            if (start and start.style == numbering.style == MARKED
                    and start.number <= numbering.last):
                count = len(self.groups)
                self.notes.append(
                    f"Reference {count} has a line starting with the number {start.number} "
                    f"again, so it was read as part of reference {count}. If it is a "
                    f"reference of its own, number it {count + 1}.")
            self.groups[-1].append(line)
        self._broken = False

    def end_item(self) -> None:
        self._broken = True

    def result(self) -> ReferenceList:
        entries: list[str] = []
        notes = [self.numbering.renumbered] if self.numbering and self.numbering.renumbered \
            else []
        notes += self.notes
        for lines in self.groups:
            entry, problems = join_wrapped_lines(lines)
            if entry:
                entries.append(entry)
                notes += [f"Reference {len(entries)}: {problem}" for problem in problems]
        return ReferenceList(entries, notes)


def split_reference_list(text: str | None) -> ReferenceList:
    """Entries of a pasted list. When it is numbered ("1." "1)" "[1]", or bulleted), a line that
    does not start the next entry continues the one before it, and a DOI or link broken by
    the wrap is joined, or named in a note when that cannot be done safely. Without numbering,
    each line is one reference."""
    return _read([line for line in (text or "").splitlines() if line.strip()])[0].result()


def entry_first_lines(text: str | None) -> list[int]:
    """For each entry of split_reference_list(text), the line of `text` it starts on
    (0 for the first line of text.splitlines()), so a finding on reference n can point there."""
    numbered = [(index, line) for index, line in enumerate((text or "").splitlines())
                if line.strip()]
    reader, first_lines = _read([line for _, line in numbered])
    # As in ListReader.result(): an entry that joins to nothing is no reference.
    return [numbered[first][0] for first, lines in zip(first_lines, reader.groups, strict=True)
            if join_wrapped_lines(lines)[0]]


def _read(lines: list[str]) -> tuple[ListReader, list[int]]:
    """The reader after all lines, and the index in `lines` where each of its groups began."""
    numbering = _numbering(lines)
    reader = ListReader(numbering, one_per_line=numbering is None)
    first_lines = []
    for index, line in enumerate(lines):
        count = len(reader.groups)
        reader.add(line)
        if len(reader.groups) > count:
            first_lines.append(index)
    return reader, first_lines


def number_reference_list(entries: list[str]) -> str:
    """The list as the form shows it: "1. …" on one line per entry."""
    return "\n".join(f"{n}. {entry}" for n, entry in enumerate(entries, start=1))


def _numbering(lines: list[str]) -> Numbering | None:
    """The numbering of the list, from its first line; None when it is not numbered. A bare
    number ("1 Smith J…", as BMJ prints) counts when it is 1 or the next line goes on to 2,
    so a first reference like "1000 Genomes Project…" does not make a list numbered."""
    first = entry_start(lines[0]) if lines else None
    if first is None:
        return None
    if first.style == BARE and first.number != 1 and not any(
            (start := entry_start(line)) and start.style == BARE
            and start.number == first.number + 1 for line in lines[1:]):
        return None
    return Numbering(first.style, None)


def _without_number(line: str) -> str:
    """One line of an unnumbered list: a "1." "1)" or "[1]" in front is dropped, a bare number
    is kept (it is part of the reference)."""
    start = entry_start(line)
    if start is None or start.style in (BARE, BULLET):
        return line.strip()
    return start.text


def join_wrapped_lines(lines: list[str]) -> tuple[str, list[str]]:
    """The lines of one entry as one line, and a sentence for each DOI or link that a line
    break may have cut where joining it could be wrong."""
    text = ""
    problems = []
    for line in lines:
        piece = line.strip()
        if not piece:
            continue
        if not text:
            text = piece
            continue
        tail = text.rsplit(None, 1)[-1]
        kind = _identifier_kind(tail)
        head = piece.split(None, 1)[0]
        if kind and _cut_inside(tail, head, kind):
            text += piece
            continue
        if kind and tail[-1] not in _ENDS_SENTENCE and not _NEXT_ELEMENT.fullmatch(head):
            problems.append(
                f"the {kind} {quoted(tail)} ends a line and the next line starts with "
                f"{quoted(head)}. If the line break cut the {kind} in two, put it back "
                "together on one line.")
        text += " " + piece
    return text, problems


def _identifier_kind(token: str) -> str | None:
    """"DOI" or "link" when the last word of a line is (the start of) one."""
    if _LINK.search(token):
        return "link"
    if (found := _DOI_START.search(token)) and found.end() == len(token):
        return "DOI"
    return None


def _cut_inside(tail: str, head: str, kind: str) -> bool:
    """Whether the identifier ending `tail` surely goes on in `head`."""
    if kind == "DOI" and not _DOI_START.search(tail)["suffix"]:
        return head.startswith("/")  # "10.1056" + "/NEJMoa…"
    if tail[-1] in _CUT_INSIDE or head.startswith("/"):
        return True
    # A full stop ends a sentence before "PMID:" but not before "pmed.1001418" or "2020.1585".
    return tail[-1] == "." and not _NEXT_ELEMENT.fullmatch(head)

