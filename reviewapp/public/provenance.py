"""The signed provenance of a published page: what the page shows (every audience
version, the references), the hash reviewers signed, who signed it and what that
covered, the citation check, and the approval's place in the audit chain — signed
with the site key (site_keys.py), served at /articles/<slug>/provenance.json."""

import hashlib
import json

from flask import current_app
from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.articles.content import canonical_content
from reviewapp.audit.chain import format_time
from reviewapp.audit.models import AuditEvent
from reviewapp.errors import NotFound
from reviewapp.extensions import db
from reviewapp.lifecycle.events import APPROVAL_ACTION
from reviewapp.public.article_page import public_article
from reviewapp.reviews.models import APPROVE, SIGNATURE_MEANING, Review, Signature
from reviewapp.site_keys import canonical_json
from reviewapp.urls import site_url

MANIFEST_TYPE = "reviewapp.provenance"
# Approval events of one article looked through for the revision's (newest first).
_APPROVAL_EVENTS = 50


def _sha256(value) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def provenance(slug: str) -> dict:
    """{"payload": …, "kid": …, "signature": …} for the revision the page shows."""
    shown = public_article(slug)
    if shown.pending:
        raise NotFound("This page has not been approved yet, so it has no signed provenance.")
    revision = shown.revision
    content = json.loads(canonical_content(
        revision.title, revision.body, revision.reference_texts,
        [version.texts for version in revision.audience_versions]))
    summary = shown.citation_summary
    approval = _approval_event(shown.article.id, revision.number)
    payload = {
        "type": MANIFEST_TYPE,
        "site": site_url("public.index"),
        "article": {"slug": shown.slug, "url": site_url("public.article", slug=shown.slug),
                    "api_url": site_url("api.article", slug=shown.slug)},
        # approved_at: the approval (its audit event); published_at: when readers first
        # saw it (later than the approval when it waited for its "Publish at").
        "revision": {"number": revision.number, "content_hash": revision.content_hash,
                     "content": content,
                     "approved_at": approval["occurred_at"] if approval else None,
                     "published_at": format_time(revision.approved_at)},
        "signers": _signers(revision.id),
        "citation_report": ({**summary, "checked_at": format_time(summary["checked_at"])}
                            if summary else None),
        "approval_event": approval,
    }
    keys = current_app.extensions["site_keys"]
    return {"payload": payload, "kid": keys.kid,
            "signature": keys.sign(canonical_json(payload))}


def _signers(revision_id: int) -> list[dict]:
    rows = db.session.execute(
        select(Signature, User.display_name, User.credentials, User.specialty, User.orcid)
        .join(Review, Review.id == Signature.review_id)
        .join(User, User.id == Signature.user_id)
        .where(Review.revision_id == revision_id, Review.decision == APPROVE,
               Signature.meaning == SIGNATURE_MEANING)
        .order_by(Signature.signed_at, Signature.id)).all()
    return [{"name": signature.printed_name, "account_name": name,
             "credentials": credentials or None, "specialty": specialty or None,
             "orcid": orcid, "meaning": signature.meaning,
             "signed_at": format_time(signature.signed_at),
             "content_hash": signature.content_hash,
             "verdicts_hash": signature.verdicts_hash,
             "acknowledged_warnings_hash": (None if signature.acknowledged_warnings is None
                                            else _sha256(signature.acknowledged_warnings))}
            for signature, name, credentials, specialty, orcid in rows]


def _approval_event(article_id: int, number: int) -> dict | None:
    """The audit event that made this revision the approved one (seq and hash)."""
    events = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.occurred_at, AuditEvent.details)
        .where(AuditEvent.article_id == article_id, AuditEvent.action == APPROVAL_ACTION)
        .order_by(AuditEvent.seq.desc()).limit(_APPROVAL_EVENTS)).all()
    for seq, digest, occurred_at, details in events:
        if (details or {}).get("revision") == number:
            return {"action": APPROVAL_ACTION, "seq": seq, "hash": digest,
                    "occurred_at": format_time(occurred_at)}
    return None
