"""Splitting a pasted reference list into entries. Pure module."""

import re

# "1. ", "1) ", "[1] ", "1 " at the start of a line: the author's own numbering,
# which the list position replaces.
_LEADING_NUMBER = re.compile(r"^\s*(?:\[\d{1,5}\]|\d{1,5}[.)]?)\s+")


def split_reference_lines(text: str) -> list[str]:
    """One reference per non-blank line, leading numbers removed."""
    entries = []
    for line in (text or "").splitlines():
        entry = _LEADING_NUMBER.sub("", line, count=1).strip()
        if entry:
            entries.append(entry)
    return entries


def join_reference_lines(entries: list[str]) -> str:
    return "\n".join(f"{n}. {entry}" for n, entry in enumerate(entries, start=1))
