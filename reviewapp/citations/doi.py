"""DOIs as authors write them: normalised for comparison, and doubts about a DOI's shape
(a placeholder, a word processor's dash, a cut-off end). Pure module."""

import re
import unicodedata
from urllib.parse import unquote

# Registrant code of four to nine digits (optionally subdivided), a slash, a suffix.
_DOI_SYNTAX = re.compile(r"10\.\d{4,9}(?:\.\d+)*/\S+")
_DOI_PREFIX = re.compile(
    r"^(?:doi\s*:\s*|info:doi/|(?:https?://)?(?:www\.)?(?:dx\.)?doi\.org/)", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?'\"*_>\u201d\u2019\u00bb"  # and closing ” ’ »
_CLOSERS = {")": "(", "]": "[", "}": "{"}
# What registrants put in DOI suffixes (Crossref's recommended characters, and the <>:; of
# old SICI-style DOIs); a word processor's dash or quote, or a comma, is none of it.
_UNUSUAL_IN_DOI = re.compile(r"[^A-Za-z0-9\-._;()/:<>\[\]+\u2026]")
_PLACEHOLDER = re.compile(r"(?<![a-z])x{2,}(?![a-z])", re.IGNORECASE)
_SHORTENED = re.compile(r"\.{3}|\u2026")
_OPEN_END = "-/(+=&#~%@"


def strip_trailing_punctuation(value: str) -> str:
    """Drop sentence punctuation after an identifier, and closing brackets it did not open."""
    while value:
        last = value[-1]
        if last in _TRAILING_PUNCTUATION:
            value = value[:-1]
        elif last in _CLOSERS and value.count(last) > value.count(_CLOSERS[last]):
            value = value[:-1]
        else:
            break
    return value


def normalize_doi(value: str) -> str | None:
    """The DOI in lower case without "doi:" or resolver prefix, or None if it is not one."""
    if not isinstance(value, str):
        return None
    candidate = value.strip()
    candidate = _DOI_PREFIX.sub("", candidate, count=1)
    candidate = strip_trailing_punctuation(unquote(candidate).strip())
    if not _DOI_SYNTAX.fullmatch(candidate):
        return None
    return candidate.lower()


def doi_doubts(typed: str) -> list[str]:
    """Why a well-formed DOI looks made up or cut short, in words: "..." or a placeholder
    ("24XX") in it, characters registrants do not use, an end in punctuation. Offline nothing
    proves a DOI exists, so these are doubts to check, never errors."""
    raw = _DOI_PREFIX.sub("", unquote(typed.strip()), count=1)
    doi = strip_trailing_punctuation(raw)
    suffix = doi.partition("/")[2]
    doubts = []
    if _SHORTENED.search(raw):
        doubts.append(f"DOI {quoted(doi)} was shortened with “...”, so part of it is missing.")
    elif placeholder := _PLACEHOLDER.search(suffix):
        doubts.append(f"DOI {quoted(doi)} has “{placeholder[0]}” in it, which looks like a "
                      "placeholder rather than part of a real DOI.")
    unusual = dict.fromkeys(_UNUSUAL_IN_DOI.findall(suffix))
    if unusual:
        named = ", ".join(_character_name(c) for c in unusual)
        doubts.append(f"DOI {quoted(doi)} has {named} in it, which DOIs hardly ever contain.")
    if suffix and suffix[-1] in _OPEN_END:
        doubts.append(f"DOI {quoted(doi)} ends in “{suffix[-1]}”, so its end may be missing.")
    return doubts


def _character_name(character: str) -> str:
    if unicodedata.category(character) == "Pd":
        return f"“{character}” (a dash a word processor put where DOIs have a hyphen “-”)"
    if not character.isprintable():
        return f"an invisible character ({unicodedata.name(character, 'unnamed').lower()})"
    return f"“{character}”"


def quoted(value: str, limit: int = 60) -> str:
    """The value in quotation marks, shortened to `limit` characters for a message."""
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return f"“{shown}”"
