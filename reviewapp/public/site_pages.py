"""Site pages: the settings the editorial policy page states, and the free
text an admin adds to a page (edited with a token, audited before and after)."""

import hashlib

from flask import current_app
from sqlalchemy import select

from reviewapp import publication_versions
from reviewapp.accounts.models import User
from reviewapp.accounts.permissions import has_role
from reviewapp.articles.review_dates import review_interval_days
from reviewapp.audit.services import record
from reviewapp.db import transaction_lock, utcnow
from reviewapp.errors import InvalidInput, PermissionDenied, StaleVersion
from reviewapp.extensions import db
from reviewapp.lifecycle.states import STATE_LABELS
from reviewapp.public.article_page import BOARD_STATEMENT, PENDING_CAUTION
from reviewapp.public.models import SitePage
from reviewapp.reviews.models import SIGNATURE_MEANING

POLICY_SLUG = "editorial-policy"
MAX_POLICY_LENGTH = 20_000

STATE_DESCRIPTIONS = {
    "draft": "The author writes the article and its numbered references.",
    "submitted": "The author has submitted a version; it can no longer change. An editor "
                 "invites reviewers from the Medical Advisory Board.",
    "under_review": "Board members who accepted the invitation (each declaring any competing "
                    "interests) check the version for medical accuracy.",
    "changes_requested": "A reviewer asked for changes; the author revises and resubmits a "
                         "new version, which the reviewers see with the differences.",
    "approved": "Enough reviewers approved the same version with their electronic signature: "
                "it is published.",
    "rejected": "An editor decided, with a reason, not to publish the article.",
    "withdrawn": "The author withdrew the article.",
}


def policy_settings() -> dict:
    """The live settings the editorial policy page states."""
    config = current_app.config
    return {"required_approvals": config["REQUIRED_APPROVALS"],
            "review_interval_days": review_interval_days(config["REVIEW_INTERVAL_DAYS"]),
            "publish_before_approval": config["PUBLISH_BEFORE_APPROVAL"],
            "states": [(STATE_LABELS[s], STATE_DESCRIPTIONS.get(s, "")) for s in STATE_LABELS],
            "signature_meaning": SIGNATURE_MEANING,
            "caution": PENDING_CAUTION, "disclaimer": config["MEDICAL_DISCLAIMER"],
            "board_statement": BOARD_STATEMENT}


def site_page(slug: str) -> SitePage | None:
    return db.session.scalar(select(SitePage).where(SitePage.slug == slug))


def page_token(body: str) -> str:
    """What the edit form carries: a change saved meanwhile refuses the form."""
    return hashlib.sha256((body or "").encode()).hexdigest()


def update_site_page(slug: str, actor: User, body: str, token: str) -> SitePage:
    """An admin replaces the free text of a page; audited with before and after."""
    if not has_role(actor, "admin"):
        raise PermissionDenied("Only admins can change the text of site pages.")
    body = (body or "").strip()
    if len(body) > MAX_POLICY_LENGTH:
        raise InvalidInput(f"The text may hold at most {MAX_POLICY_LENGTH:,} characters.")
    transaction_lock(db.session, f"site_page:{slug}")
    page = db.session.scalar(select(SitePage).where(SitePage.slug == slug).with_for_update()
                             .execution_options(populate_existing=True))
    before = page.body if page else ""
    if token != page_token(before):
        raise StaleVersion("This page changed since you opened it — nothing was saved.")
    if page is None:
        page = SitePage(slug=slug, body="")
        db.session.add(page)
    if before == body:
        return page
    page.body, page.updated_by_id, page.updated_at = body, actor.id, utcnow()
    db.session.flush()
    record("site_page.updated", actor=actor, object_type="site_page", object_id=page.id,
           details={"slug": slug, "before": before, "after": body})
    publication_versions.bump(publication_versions.SITE)
    return page
