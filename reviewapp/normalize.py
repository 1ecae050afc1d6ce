"""Normalising what people type as emails and names, and spotting look-alikes.
Pure module (no Flask, no database)."""

import re
import unicodedata

from confusable_homoglyphs import categories, confusables

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


def one_line(text: str) -> str:
    """Controls dropped, every run of whitespace (newlines too) one space."""
    return " ".join(strip_invisible(text).split())


def normalize_name(name: str) -> str:
    return one_line(unicodedata.normalize("NFKC", name))


def normalize_tags(raw: str) -> list[str]:
    """'Cardiology, pain  medicine' -> ['cardiology', 'pain medicine'], unique, in order."""
    tags: list[str] = []
    # Normalised before splitting: a fullwidth comma separates tags too.
    for part in unicodedata.normalize("NFKC", strip_invisible(raw)).split(","):
        tag = normalize_name(part).casefold()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


# Unicode script aliases that belong to no alphabet: digits, punctuation, accents.
_NEUTRAL_SCRIPTS = {"COMMON", "INHERITED"}
_EMAIL_LABEL_SEPARATORS = re.compile(r"[@.+_-]+")
# Unicode TR39's "highly restrictive" level: the only mixtures within one word that
# real writing uses (Japanese, Chinese with Bopomofo, Korean, each with Latin).
_WRITING_SYSTEMS = ({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}, {"LATIN", "HAN", "BOPOMOFO"},
                    {"LATIN", "HAN", "HANGUL"})


def _scripts(word: str) -> set[str]:
    return {categories.alias(ch) for ch in word if ch.isalpha()} - _NEUTRAL_SCRIPTS


def mixed_script_words(words: list[str]) -> list[str]:
    """Words that mix alphabets, such as 'Аlice' with a Cyrillic А: the classic
    look-alike. Names written wholly in one alphabet are left alone."""
    return [word for word in words
            if not any(_scripts(word) <= allowed for allowed in _WRITING_SYSTEMS)
            and len(_scripts(word)) > 1]


def _looks_like_ascii(ch: str) -> bool:
    found = confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin"])
    return bool(found) and any(glyph["c"].isascii() and glyph["c"].isalpha()
                               for glyph in found[0]["homoglyphs"])


def lookalike_email_problem(email: str) -> str | None:
    """Why a (normalised) address could pass for another one, or None. Each part
    between @, dots and separators must be in one alphabet, and a part in another
    alphabet must not consist only of letters that look like Latin ones
    ('рау' in Cyrillic reads as 'pay')."""
    labels = [label for label in _EMAIL_LABEL_SEPARATORS.split(email) if label]
    if mixed := mixed_script_words(labels):
        return (f"The email address mixes letters from different alphabets in "
                f"“{mixed[0]}”, so it could pass for another address. Type it in one alphabet.")
    for label in labels:
        if _scripts(label) - {"LATIN"} and all(
                _looks_like_ascii(ch) for ch in label if ch.isalpha()):
            return (f"“{label}” in the email address is written in letters that look like "
                    f"Latin ones, so it could pass for another address.")
    return None


def lookalike_name_problem(name: str) -> str | None:
    if mixed := mixed_script_words(name.split()):
        return (f"The name mixes letters from different alphabets in “{mixed[0]}”, so it "
                f"could pass for someone else's name. Type each word in one alphabet.")
    return None
