"""Checking a page's signed provenance (public/provenance.py) without trusting the
site's database: the site key's signature, the content against its hash, every
signer's hash, and the text the read API serves. Pure module: `provenance verify`
runs it, and a reader can do the same with a short script of their own (README)."""

import hashlib

from reviewapp.articles.content import content_hash
from reviewapp.site_keys import canonical_json, verify_signature


def check_provenance(document, jwks: dict, api_item: dict | None = None) -> list[str]:
    """What is wrong with `document` (empty: it holds). `api_item`: the page as
    /api/v1/articles/<slug> serves it, whose text must be the signed one."""
    if not isinstance(document, dict) or not isinstance(document.get("payload"), dict) \
            or not all(isinstance(document.get(k), str) for k in ("kid", "signature")):
        return ["This is not a provenance document (payload, kid, signature)."]
    payload, problems = document["payload"], []
    if why := verify_signature(jwks, document["kid"], canonical_json(payload),
                               document["signature"]):
        problems.append(f"The signature is not the site's: {why}.")
    revision = payload.get("revision") if isinstance(payload.get("revision"), dict) else {}
    signed_hash = revision.get("content_hash")
    recomputed = hashlib.sha256(canonical_json(revision.get("content"))).hexdigest()
    if recomputed != signed_hash:
        problems.append(f"The content does not match its hash: it hashes to {recomputed}, "
                        f"the manifest says {signed_hash}.")
    signers = payload.get("signers") if isinstance(payload.get("signers"), list) else []
    if not signers:
        problems.append("Nobody's signature is listed for this revision.")
    for signer in signers:
        if not isinstance(signer, dict) or signer.get("content_hash") != signed_hash:
            name = signer.get("name") if isinstance(signer, dict) else signer
            problems.append(f"{name} signed other content than this revision's.")
    if api_item is not None and (served := api_content_hash(api_item)) != signed_hash:
        problems.append(f"The text the API serves hashes to {served}, not to the signed "
                        f"{signed_hash}: the page shows something nobody signed.")
    return problems


def api_content_hash(item: dict) -> str | None:
    """The content hash of the page as the read API serves it: main title, Markdown
    body, reference texts and every audience version."""
    try:
        versions = [{"audience": v["audience"], "title": v["title"],
                     "key_points": v["key_points"], "body": v["body"]}
                    for v in item.get("versions") or []]
        return content_hash(item["title"], item["markdown"],
                            [reference["text"] for reference in item["references"]], versions)
    except (KeyError, TypeError, AttributeError):
        return None
