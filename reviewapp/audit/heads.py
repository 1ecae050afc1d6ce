"""Published chain heads (the transparency log): the statement a head's signature
covers, and the check of a list of published heads against the site's keys. Pure
module (the same code serves the site and `audit verify --against`)."""

import re

from reviewapp.site_keys import canonical_json, verify_signature

HEAD_TYPE = "reviewapp.audit-head"
_HASH = re.compile(r"[0-9a-f]{64}")


def head_statement(seq: int, hash_: str, published_at: str, kid: str) -> bytes:
    """The bytes signed for one published head."""
    return canonical_json({"type": HEAD_TYPE, "seq": seq, "hash": hash_,
                           "published_at": published_at, "kid": kid})


def checked_heads(heads, jwks: dict) -> tuple[dict[int, str], list[str]]:
    """({seq: hash} of the heads, and what is wrong with them: a head that is not
    well formed or whose signature does not verify under the key set). A head
    published twice with two hashes is a problem too."""
    found: dict[int, str] = {}
    problems: list[str] = []
    if not isinstance(heads, list):
        return found, ["the published heads are not a list"]
    for number, head in enumerate(heads, 1):
        if not isinstance(head, dict):
            problems.append(f"published head {number} is not an object")
            continue
        seq, hash_ = head.get("seq"), head.get("hash")
        published_at, kid, signature = (head.get("published_at"), head.get("kid"),
                                        head.get("signature"))
        if (not isinstance(seq, int) or isinstance(seq, bool) or seq < 1
                or not isinstance(hash_, str) or not _HASH.fullmatch(hash_)
                or not all(isinstance(v, str) for v in (published_at, kid, signature))):
            problems.append(f"published head {number} is not well formed (seq, hash, "
                            "published_at, kid, signature)")
            continue
        if why := verify_signature(jwks, kid, head_statement(seq, hash_, published_at, kid),
                                   signature):
            problems.append(f"the head published for event {seq} is not the site's: {why}")
            continue
        if found.setdefault(seq, hash_) != hash_:
            problems.append(f"two heads were published for event {seq} with different hashes")
    return found, problems
