"""ORCID iDs: read as typed (bare, or as the https://orcid.org/ address) and
checked with ISO 7064 MOD 11-2, kept in the bare 0000-0000-0000-000X form. Pure."""

import re

from stdnum.iso7064 import mod_11_2

ORCID_URL = "https://orcid.org/"
_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "https://www.orcid.org/",
             "http://www.orcid.org/", "orcid.org/", "orcid:")
_SHAPE = re.compile(r"^[0-9]{15}[0-9X]$")  # ASCII only: \d matches other scripts too
SHAPE_MESSAGE = ("An ORCID iD has 16 characters in four groups of four, e.g. "
                 "0000-0002-1825-0097 or https://orcid.org/0000-0002-1825-0097.")
CHECK_DIGIT_MESSAGE = ("This ORCID iD's last character (its check digit) does not match the "
                       "others: look for a mistyped digit.")


class InvalidOrcid(ValueError):
    """The message says what is wrong, for the person who typed it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalize_orcid(typed: str) -> str | None:
    """The bare iD (0000-0002-1825-0097) from what a person typed; None when
    empty; InvalidOrcid when it is not an ORCID iD or its check digit is wrong."""
    value = (typed or "").strip()
    if not value:
        return None
    lowered = value.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            value = value[len(prefix):]
            break
    compact = re.sub(r"[\s-]", "", value).upper()
    if not _SHAPE.match(compact):
        raise InvalidOrcid(SHAPE_MESSAGE)
    if not mod_11_2.is_valid(compact):
        raise InvalidOrcid(CHECK_DIGIT_MESSAGE)
    return "-".join(compact[i:i + 4] for i in range(0, 16, 4))


def orcid_url(orcid: str | None) -> str | None:
    return f"{ORCID_URL}{orcid}" if orcid else None
