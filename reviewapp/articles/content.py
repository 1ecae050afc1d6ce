"""A revision's canonical content and its hash. Pure module (word diffs: word_diff.py)."""

import hashlib
import json


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def canonical_content(title: str, body: str, references: list[str],
                      versions: list[dict[str, str]] | None = None) -> str:
    """Line endings unified, so the same text hashes the same from any browser.
    `versions`: the audience versions ({"audience", "title", "key_points",
    "body"}), in any order; a revision without any hashes exactly as before
    audience versions existed, so earlier signatures stay valid."""
    content = {"title": _lines(title).strip(), "body": _lines(body),
               "references": [_lines(r).strip() for r in references]}
    if versions:
        content["versions"] = sorted(
            ({"audience": v["audience"], "title": _lines(v["title"]).strip(),
              "key_points": _lines(v["key_points"]), "body": _lines(v["body"])}
             for v in versions), key=lambda v: v["audience"])
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(title: str, body: str, references: list[str],
                 versions: list[dict[str, str]] | None = None) -> str:
    return hashlib.sha256(
        canonical_content(title, body, references, versions).encode("utf-8")).hexdigest()


def revision_content_hash(revision) -> str:
    """The hash of a revision (any object with title, body, reference_texts and
    audience_versions), the one its reviewers sign."""
    return content_hash(revision.title, revision.body, revision.reference_texts,
                        [v.texts for v in revision.audience_versions])
