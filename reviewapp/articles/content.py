"""A revision's canonical content, its hash, and line diffs. Pure module."""

import difflib
import hashlib
import json
from dataclasses import dataclass


def canonical_content(title: str, body: str, references: list[str]) -> str:
    """Line endings unified, so the same text hashes the same from any browser."""
    def lines(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n")

    return json.dumps({"title": lines(title).strip(), "body": lines(body),
                       "references": [lines(r).strip() for r in references]},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(title: str, body: str, references: list[str]) -> str:
    return hashlib.sha256(canonical_content(title, body, references).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DiffLine:
    kind: str   # "same", "added", "removed", "gap"
    text: str


def line_diff(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """Unified-diff lines between two texts; empty when they are equal."""
    result: list[DiffLine] = []
    old_lines = old.replace("\r\n", "\n").split("\n")
    new_lines = new.replace("\r\n", "\n").split("\n")
    for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=context):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            result.append(DiffLine("gap", ""))  # unchanged lines left out
        elif line.startswith("+"):
            result.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            result.append(DiffLine("removed", line[1:]))
        else:
            result.append(DiffLine("same", line[1:]))
    return result
