"""Normalising what people type as emails and names. Pure module (stdlib only)."""

import unicodedata

# Format (Cf) characters include zero-width spaces and joiners and the
# right-to-left override; control characters (Cc) include NUL.
_INVISIBLE_CATEGORIES = {"Cc", "Cf"}


def strip_invisible(text: str) -> str:
    """Drops controls and format characters; whitespace (tab, newline) stays."""
    return "".join(ch for ch in text
                   if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)


def normalize_email(email: str) -> str:
    """Fullwidth and other compatibility forms folded (NFKC), case folded,
    invisible characters removed, so look-alike duplicates collide."""
    folded = unicodedata.normalize("NFKC", strip_invisible(email)).casefold()
    no_spaces = "".join(ch for ch in folded if not ch.isspace())  # no address holds one
    return unicodedata.normalize("NFKC", no_spaces)


def normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", strip_invisible(name)).split())


def normalize_tags(raw: str) -> list[str]:
    """'Cardiology, pain  medicine' -> ['cardiology', 'pain medicine'], unique, in order."""
    tags: list[str] = []
    # Normalised before splitting: a fullwidth comma separates tags too.
    for part in unicodedata.normalize("NFKC", strip_invisible(raw)).split(","):
        tag = normalize_name(part).casefold()
        if tag and tag not in tags:
            tags.append(tag)
    return tags
