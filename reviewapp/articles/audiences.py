"""The site's audiences ("Which best describes you?"), read from the AUDIENCES
setting. Pure module: no Flask, no SQLAlchemy."""

import re
from dataclasses import dataclass

KEY = re.compile(r"[a-z][a-z0-9-]{0,39}")


@dataclass(frozen=True)
class Audience:
    key: str                        # in ?for=…, the reader's cookie, the API
    label: str                      # what readers choose: "Patient or carer"
    disclaimer: str                 # shown with any text read as this audience
    reading_ease_min: float | None  # Flesch reading ease, at least
    reading_grade_max: float | None  # Flesch-Kincaid grade, at most


def parse_audiences(setting) -> tuple[Audience, ...]:
    """The AUDIENCES setting as Audience values, in the site's order. Raises
    ValueError naming what is wrong, so a bad setting stops the app at start."""
    if not isinstance(setting, (list, tuple)):
        raise ValueError("AUDIENCES must be a list of audiences.")
    found: list[Audience] = []
    for number, entry in enumerate(setting, 1):
        if not isinstance(entry, dict):
            raise ValueError(f"AUDIENCES entry {number} must be a mapping.")
        key = entry.get("key")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise ValueError(f"AUDIENCES entry {number}: key {key!r} must be lower-case "
                             "letters, digits and hyphens (at most 40), starting with a letter.")
        if any(a.key == key for a in found):
            raise ValueError(f"AUDIENCES: the key {key!r} is used twice.")
        label, disclaimer = entry.get("label"), entry.get("disclaimer")
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"AUDIENCES entry {number} ({key}) needs a label.")
        if not isinstance(disclaimer, str) or not disclaimer.strip():
            raise ValueError(f"AUDIENCES entry {number} ({key}) needs a disclaimer.")
        limits = []
        for name in ("reading_ease_min", "reading_grade_max"):
            value = entry.get(name)
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, (int, float))):
                raise ValueError(f"AUDIENCES entry {number} ({key}): {name} must be a "
                                 "number or null.")
            limits.append(value)
        found.append(Audience(key, label.strip(), disclaimer.strip(), *limits))
    return tuple(found)


def audience_by_key(audiences: tuple[Audience, ...], key: str | None) -> Audience | None:
    return next((a for a in audiences if a.key == key), None)
