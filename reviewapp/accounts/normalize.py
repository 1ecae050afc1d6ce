"""Normalising what people type as emails and names. Pure module (stdlib only)."""

import unicodedata

# Format (Cf) characters include zero-width spaces and joiners and the
# right-to-left override; control characters (Cc) include NUL.
_INVISIBLE_CATEGORIES = {"Cc", "Cf"}


def strip_invisible(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)


def normalize_email(email: str) -> str:
    """Fullwidth and other compatibility forms folded (NFKC), case folded,
    invisible characters removed, so look-alike duplicates collide."""
    return unicodedata.normalize("NFKC", strip_invisible(email)).strip().casefold()


def normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", strip_invisible(name)).split())


def normalize_tags(raw: str) -> list[str]:
    """'Cardiology, pain  medicine' -> ['cardiology', 'pain medicine'], unique, in order."""
    tags: list[str] = []
    for part in raw.split(","):
        tag = normalize_name(part).casefold()
        if tag and tag not in tags:
            tags.append(tag)
    return tags
