"""What a reviewer's signature covers besides the revision's content hash: their verdict on
every claim of the revision, hashed, and the citation warnings they acknowledged; and the
refusals when either is missing. Pure module."""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence

SUPPORTED, NEEDS_CHANGE, NOT_SUPPORTED = "supported", "needs_change", "not_supported"
# The stored names and the words people see (DESIGN §7).
VERDICT_LABELS = {SUPPORTED: "Supported", NEEDS_CHANGE: "Needs change",
                  NOT_SUPPORTED: "Not supported"}
VERDICTS = tuple(VERDICT_LABELS)


def verdicts_canonical(entries: Iterable[Mapping]) -> str:
    """The canonical JSON of (claim key, sentence, verdict) for each entry, by key:
    the same verdicts always give the same text, whatever order they come in."""
    rows = sorted(({"claim": entry["claim"], "sentence": entry["sentence"],
                    "verdict": entry["verdict"]} for entry in entries),
                  key=lambda row: row["claim"])
    return json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def verdicts_digest(entries: Iterable[Mapping]) -> str:
    """sha-256 (hex) of verdicts_canonical: what a signature stores and is checked against."""
    return hashlib.sha256(verdicts_canonical(entries).encode("utf-8")).hexdigest()


def lacking_support_message(count: int) -> str:
    claims = "1 claim of this revision lacks" if count == 1 else \
        f"{count} claims of this revision lack"
    return (f"{claims} a “Supported” verdict from you. Give every claim a verdict, save "
            "them, and sign when each is “Supported”. Nothing was signed.")


def unticked_message(unticked: Sequence[Mapping]) -> str:
    listed = "; ".join(f"{finding['code']}: {finding['message'].rstrip('.')}"
                       for finding in unticked)
    return (f"Tick “I have checked this” for every warning before signing. Not ticked "
            f"({len(unticked)}): {listed}. Nothing was signed.")
