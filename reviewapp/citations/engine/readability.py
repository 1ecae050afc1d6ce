"""How hard an audience version is to read (issue 17): Flesch reading ease and
Flesch-Kincaid grade (textstat) of its key points and body with the Markdown taken out,
against its audience's target, and its hardest sentences. Pure module."""

import re
from dataclasses import dataclass

import textstat

from reviewapp.citations.engine.findings import Finding, make_finding
from reviewapp.citations.engine.versions import VersionDocument

HARDEST_QUOTED = 3

_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(?:https?|mailto):[^>\s]*>")
_BARE_URL = re.compile(r"\b(?:https?://|www\.)\S+")
_LINE_MARKS = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:[-*+]|\d{1,9}[.)]|#{1,6})?[ \t]+",
                         re.MULTILINE)
_CLOSING_HASHES = re.compile(r"[ \t]+#+[ \t]*$", re.MULTILINE)
_EMPHASIS_AND_CODE = re.compile(r"[*_`~]+")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Reading:
    ease: float   # Flesch reading ease: higher is easier (60-70 is plain English)
    grade: float  # Flesch-Kincaid grade: the US school grade that can read it


@dataclass(frozen=True)
class PlainSentence:
    offset: int      # where it starts in the version's text
    written: str     # as written (markers kept), spacing collapsed
    plain: str       # as measured: Markdown, markers and link targets out


def reading_of(text: str) -> Reading:
    """textstat's Flesch reading ease and Flesch-Kincaid grade of plain text."""
    return Reading(ease=float(textstat.flesch_reading_ease(text)),
                   grade=float(textstat.flesch_kincaid_grade(text)))


def plain_sentences(document: VersionDocument) -> list[PlainSentence]:
    """The sentences of the version's key points and body (not its title), as plain text.
    A list item or heading without a full stop counts as a sentence of its own, so a
    list of short points is not measured as one long sentence."""
    found = []
    for block in document.blocks:
        if block.start < document.key_points_start:
            continue
        for start, end in document.sentences(block):
            plain = _plain(document, start, end)
            if not _LETTER.search(plain):
                continue
            if not _SENTENCE_END.search(plain):
                plain += "."
            found.append(PlainSentence(start, document.sentence_text((start, end)) or plain,
                                       plain))
    return found


def _plain(document: VersionDocument, start: int, end: int) -> str:
    pieces, position = [], start
    for marker in document.markers_between(start, end):
        pieces.append(document.body[position:marker.start])
        position = marker.start + len(marker.text)
    pieces.append(document.body[position:end])
    text = _IMAGE_OR_LINK.sub(r"\1", "".join(pieces))
    text = _BARE_URL.sub("", _AUTOLINK.sub("", text))
    text = _CLOSING_HASHES.sub("", _LINE_MARKS.sub("", text))
    text = _EMPHASIS_AND_CODE.sub("", text).replace("|", " ")
    text = " ".join(text.split())
    return re.sub(r"\s+([.,;:!?])", r"\1", text)


def above_target(reading: Reading, ease_min: float | None, grade_max: float | None) -> bool:
    return ((ease_min is not None and reading.ease < ease_min)
            or (grade_max is not None and reading.grade > grade_max))


def reading_findings(document: VersionDocument) -> list[Finding]:
    """A `reading-level` warning when the version reads above its audience's target,
    naming the measured values, the target and its hardest sentences (at most three, by
    Flesch-Kincaid grade; those above the grade target when any is)."""
    version = document.version
    if version.reading_ease_min is None and version.reading_grade_max is None:
        return []
    sentences = plain_sentences(document)
    if not sentences:
        return []
    reading = reading_of(" ".join(sentence.plain for sentence in sentences))
    if not above_target(reading, version.reading_ease_min, version.reading_grade_max):
        return []
    graded = sorted(((reading_of(sentence.plain).grade, index, sentence)
                     for index, sentence in enumerate(sentences)),
                    key=lambda item: (-item[0], item[1]))
    # Quote only sentences above the grade target, when some are: an easy sentence is no
    # help in finding what to rewrite.
    grade_max = version.reading_grade_max
    if grade_max is not None and graded[0][0] > grade_max:
        graded = [item for item in graded if item[0] > grade_max]
    graded = graded[:HARDEST_QUOTED]
    hardest = "; ".join(f"“{sentence.written}” (grade {grade:.1f})"
                        for grade, _, sentence in graded)
    noun = "sentence is" if len(graded) == 1 else f"{len(graded)} sentences are"
    message = (f"The {version.name} reads at grade {reading.grade:.1f} (Flesch-Kincaid) "
               f"with a reading ease of {reading.ease:.1f} (Flesch); the target for "
               f"{version.label.lower()} readers is {_target(version)}. Its hardest "
               f"{noun} {hardest}.")
    first = graded[0][2]
    return [make_finding("reading-level", message, sentence=first.written,
                         offset=first.offset)]


def _target(version) -> str:
    parts = []
    if version.reading_grade_max is not None:
        parts.append(f"grade {version.reading_grade_max:g} or below")
    if version.reading_ease_min is not None:
        parts.append(f"a reading ease of {version.reading_ease_min:g} or above")
    return " and ".join(parts)
