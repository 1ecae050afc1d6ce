"""A revision's canonical content and its hash. Pure module (word diffs: word_diff.py)."""

import hashlib
import json


def canonical_content(title: str, body: str, references: list[str]) -> str:
    """Line endings unified, so the same text hashes the same from any browser."""
    def lines(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n")

    return json.dumps({"title": lines(title).strip(), "body": lines(body),
                       "references": [lines(r).strip() for r in references]},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(title: str, body: str, references: list[str]) -> str:
    return hashlib.sha256(canonical_content(title, body, references).encode("utf-8")).hexdigest()
