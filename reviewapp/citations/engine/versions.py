"""An article's audience versions as the checks read them (issue 17): each version's
title, key points and body, read as one text citing the revision's one reference list,
and which part of it a finding is in. Pure module."""

from dataclasses import dataclass, replace

from reviewapp.citations.engine.document import Document
from reviewapp.citations.engine.findings import Finding

# Findings on the version as a whole (its key points and body measured together).
WHOLE_VERSION_CODES = frozenset({"reading-level"})


@dataclass(frozen=True)
class VersionText:
    """One audience version with what the checks need of its audience."""
    audience: str                   # its AUDIENCES key
    label: str                      # the audience as readers choose it: "Patient or carer"
    title: str
    key_points: str
    body: str
    reading_ease_min: float | None = None   # the audience's targets; None: no target
    reading_grade_max: float | None = None

    @property
    def name(self) -> str:
        """How people call this text: "Patient or carer version"."""
        return f"{self.label} version"


class VersionDocument(Document):
    """The version as one Markdown text: its title as a heading (so a marker there is
    checked, but a title is never read as a claim), its key points, then its body.
    Offsets of findings and claims are in this text."""

    def __init__(self, version: VersionText):
        title = " ".join((version.title or "").split())
        head = f"# {title}\n\n" if title else ""
        key_points = version.key_points or ""
        self.version = version
        self.key_points_start = len(head)
        self.body_start = len(head) + len(key_points) + 2
        super().__init__(f"{head}{key_points}\n\n{version.body or ''}")

    def part_at(self, offset: int | None) -> str | None:
        if offset is None:
            return None
        if offset < self.key_points_start:
            return "title"
        return "key points" if offset < self.body_start else "body"

    def tagged(self, findings: list[Finding]) -> list[Finding]:
        """The findings with this version's audience and the part each is in, their
        messages led by it wherever they are read ("Patient or carer version, body:
        Marker [5] …"), and their keys derived again, so that they name the audience."""
        tagged = []
        for finding in findings:
            if finding.code in WHOLE_VERSION_CODES:  # their message names the version
                place, message = self.version.name, finding.message
            else:
                part = self.part_at(finding.offset)
                place = f"{self.version.name}, {part}" if part else self.version.name
                message = f"{place}: {finding.message}"
            tagged.append(replace(finding, audience=self.version.audience, place=place,
                                  message=message, key=""))
        return tagged
