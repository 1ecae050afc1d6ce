"""The claims of a revision as a review sees them: each reviewer's verdict on each claim,
the source passage the author attaches to a claim, and what a signature records of both
(with the citation warnings the reviewer acknowledged). Claims themselves are found by the
citation engine (citations/engine/claim_list.py); the approve command asks
`signing_record` under the article lock, inside its transition."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article, Revision
from reviewapp.articles.services import lock_article
from reviewapp.audit.services import record
from reviewapp.citations import services as citations
from reviewapp.citations.engine import WARNING, ArticleClaim, Finding, revision_claims
from reviewapp.db import utcnow
from reviewapp.errors import (
    InvalidInput,
    PermissionDenied,
    StaleVersion,
    TransitionRefused,
)
from reviewapp.extensions import db
from reviewapp.lifecycle.states import (
    CHANGES_REQUESTED,
    DRAFT,
    UNDER_REVIEW,
    state_label,
)
from reviewapp.reviews.models import (
    ACCEPTED,
    COMPLETED,
    Assignment,
    ClaimSupport,
    ClaimVerdict,
    Review,
)
from reviewapp.reviews.signing import (
    SUPPORTED,
    VERDICTS,
    lacking_support_message,
    unticked_message,
    verdicts_digest,
)

# The author attaches passages while the article is theirs to edit or with the board:
# a passage is evidence for the reviewers, not part of the signed content.
# The passages are part of what the board judges and signs beside its verdicts:
# like the revision, they are the author's to change only while the article is.
SUPPORT_STATES = (DRAFT, CHANGES_REQUESTED)
CHANGED_REVISION = ("This article changed since you opened it — nothing was saved. "
                    "Review the new revision's claims before giving verdicts.")


def claims_of(revision: Revision | None) -> tuple[ArticleClaim, ...]:
    """The claims of the main text, then of each audience version (their keys name the
    audience): a signature needs a verdict on every one."""
    if revision is None:
        return ()
    return revision_claims(revision.body, citations.version_texts(revision.audience_versions))


def supports_of(article_id: int) -> dict[str, ClaimSupport]:
    return {s.claim_key: s for s in db.session.scalars(
        select(ClaimSupport).where(ClaimSupport.article_id == article_id))}


def verdicts_by(reviewer_id: int, article_id: int) -> dict[int, dict[str, ClaimVerdict]]:
    """A reviewer's verdicts on every revision of an article: revision id -> claim key ->
    verdict, in one query."""
    found: dict[int, dict[str, ClaimVerdict]] = {}
    for verdict in db.session.scalars(
            select(ClaimVerdict).join(Revision, Revision.id == ClaimVerdict.revision_id)
            .where(Revision.article_id == article_id, ClaimVerdict.reviewer_id == reviewer_id)):
        found.setdefault(verdict.revision_id, {})[verdict.claim_key] = verdict
    return found


def verdicts_on(revision_id: int) -> dict[int, list[ClaimVerdict]]:
    """Every reviewer's verdicts on one revision, signed or not: reviewer id ->
    verdicts in claim order as saved, in one query (a round's reports show them)."""
    found: dict[int, list[ClaimVerdict]] = {}
    for verdict in db.session.scalars(
            select(ClaimVerdict).where(ClaimVerdict.revision_id == revision_id)
            .order_by(ClaimVerdict.id)):
        found.setdefault(verdict.reviewer_id, []).append(verdict)
    return found


def open_warnings(report, waivers: Mapping) -> list[Finding]:
    """The warning findings of a citation report that no editor waived: each must be
    ticked "I have checked this" before a reviewer signs."""
    if report is None:
        return []
    return [f for f in report.findings if f.severity == WARNING and f.key not in waivers]


def may_attach_support(user, article: Article) -> bool:
    return user.id == article.author_id and article.state in SUPPORT_STATES


# --- A reviewer's verdicts ---------------------------------------------------------------

def _check_reviewer_may_judge(article: Article, actor: User) -> None:
    """An accepted reviewer of the article, under review, who has not yet reviewed its
    current revision (a review's verdicts stand with it)."""
    assignment = db.session.scalar(select(Assignment).where(
        Assignment.article_id == article.id, Assignment.reviewer_id == actor.id))
    if actor.id == article.author_id:
        raise PermissionDenied("Nobody may review their own article.")
    if assignment is None or assignment.state not in (ACCEPTED, COMPLETED):
        raise PermissionDenied("You are not an accepted reviewer of this article.")
    if article.state != UNDER_REVIEW:
        raise TransitionRefused(f"This article is no longer {state_label(UNDER_REVIEW)} "
                                f"(now: {state_label(article.state)}); verdicts on its claims "
                                "are given during the review.")
    if db.session.scalar(select(Review.id).where(Review.revision_id == article.current_revision_id,
                                                 Review.reviewer_id == actor.id)):
        raise TransitionRefused(f"You have already reviewed revision "
                                f"{article.current_revision.number}; your verdicts on it "
                                "stand with that review.")


def save_verdicts(article_id: int, actor: User, content_hash: str | None,
                  given: Mapping[str, tuple[str | None, str]]) -> tuple[int, int]:
    """Store the reviewer's verdicts on the current revision's claims: claim key ->
    (verdict or None for none, note). Bound to the revision's content hash. Returns
    (claims "Supported", claims in the revision)."""
    article = lock_article(article_id)
    _check_reviewer_may_judge(article, actor)
    revision = article.current_revision
    if content_hash != revision.content_hash:
        raise StaleVersion(CHANGED_REVISION)
    claims = {claim.key: claim for claim in claims_of(revision)}
    if set(given) - set(claims):
        raise StaleVersion(CHANGED_REVISION)
    stored = verdicts_by(actor.id, article.id).get(revision.id, {})
    changes = []
    for key, (verdict, note) in given.items():
        if verdict is not None and verdict not in VERDICTS:
            raise InvalidInput("Choose “Supported”, “Needs change” or “Not supported”.")
        change = _apply_verdict(stored.get(key), claims[key], revision, actor,
                                verdict, (note or "").strip())
        if change:
            changes.append(change)
    supported = sum(1 for key in claims if _verdict_after(stored, given, key) == SUPPORTED)
    if changes:
        db.session.flush()
        record("review.verdicts_saved", actor=actor, object_type="revision",
               object_id=revision.id, article_id=article.id,
               details={"revision": revision.number, "changes": changes,
                        "supported": supported, "claims": len(claims)})
    return supported, len(claims)


def _verdict_after(stored, given, key) -> str | None:
    if key in given:
        return given[key][0]
    return stored[key].verdict if key in stored else None


def _apply_verdict(row: ClaimVerdict | None, claim: ArticleClaim, revision: Revision,
                   actor: User, verdict: str | None, note: str) -> dict | None:
    """Insert, change or remove one verdict; the change as the audit event lists it."""
    before = {"verdict": row.verdict, "note": row.note} if row else None
    after = {"verdict": verdict, "note": note} if verdict else None
    if before == after:
        return None
    if row is None:
        db.session.add(ClaimVerdict(revision_id=revision.id, reviewer_id=actor.id,
                                    claim_key=claim.key, sentence=claim.sentence,
                                    verdict=verdict, note=note))
    elif verdict is None:
        db.session.delete(row)
    else:
        row.verdict, row.note, row.sentence, row.updated_at = (verdict, note, claim.sentence,
                                                               utcnow())
    return {"claim": claim.key, "sentence": claim.sentence, "before": before, "after": after}


# --- The author's supporting passages ----------------------------------------------------

def save_support(article_id: int, actor: User, version: int | None, claim_key: str,
                 quote: str, location: str) -> ClaimSupport | None:
    """Attach (or change, or with both fields empty remove) the source passage that
    supports one claim of the current revision. Returns the passage, None when removed."""
    article = lock_article(article_id)
    if actor.id != article.author_id:
        raise PermissionDenied("Only the article's author can attach source passages.")
    if article.state not in SUPPORT_STATES:
        raise TransitionRefused("Source passages can be attached while the article is a "
                                "draft or waiting for changes, as its text can: the board "
                                "reviews them with it (it is "
                                f"{state_label(article.state)}).")
    if version is not None and version != article.version:
        raise StaleVersion()
    claim = next((c for c in claims_of(article.current_revision) if c.key == claim_key), None)
    if claim is None:
        raise StaleVersion("This claim is no longer in the article as it stands — nothing "
                           "was saved.")
    quote, location = (quote or "").strip(), " ".join((location or "").split())
    if location and not quote:
        raise InvalidInput("Quote the passage of the source that supports the claim.")
    support = supports_of(article.id).get(claim_key)
    before = {"quote": support.quote, "location": support.location} if support else None
    after = {"quote": quote, "location": location} if quote else None
    if before == after:
        return support
    if support is None:
        support = ClaimSupport(article_id=article.id, claim_key=claim_key)
        db.session.add(support)
    if after is None:
        db.session.delete(support)
    else:
        support.sentence, support.quote, support.location = claim.sentence, quote, location
        support.updated_by_id, support.updated_at = actor.id, utcnow()
    db.session.flush()
    record("claim.support_saved", actor=actor, object_type="claim_support",
           object_id=support.id, article_id=article.id,
           details={"claim": claim_key, "sentence": claim.sentence,
                    "revision": article.current_revision.number,
                    "before": before, "after": after})
    return None if after is None else support


# --- What a signature records -------------------------------------------------------------

@dataclass(frozen=True)
class SigningRecord:
    verdicts: list[dict]       # [{"claim", "sentence", "verdict", "note"}], article order
    digest: str                # reviews.signing.verdicts_digest of them
    acknowledged: list[dict]   # [{"key", "code", "message"}] of the warnings ticked

    def audit_details(self) -> dict:
        return {"claims_checked": len(self.verdicts), "verdicts_hash": self.digest,
                "acknowledged": [w["key"] for w in self.acknowledged]}


def signing_record(article: Article, actor: User,
                   acknowledged: Collection[str]) -> SigningRecord:
    """What the reviewer's signature on the current revision covers, or the refusal: a
    claim without their "Supported" verdict (409), a warning not ticked (400)."""
    revision = article.current_revision
    claims = claims_of(revision)
    mine = verdicts_by(actor.id, article.id).get(revision.id, {})
    lacking = [c for c in claims if c.key not in mine or mine[c.key].verdict != SUPPORTED]
    if lacking:
        raise TransitionRefused(lacking_support_message(len(lacking)))
    warnings = open_warnings(citations.report_of(revision.id), citations.waivers_of(article.id))
    ticked = set(acknowledged or ())
    unticked = [f for f in warnings if f.key not in ticked]
    if unticked:
        raise InvalidInput(unticked_message([f.to_dict() for f in unticked]))
    verdicts = [{"claim": c.key, "sentence": c.sentence, "verdict": SUPPORTED,
                 "note": mine[c.key].note} for c in claims]
    return SigningRecord(
        verdicts=verdicts, digest=verdicts_digest(verdicts),
        acknowledged=[{"key": f.key, "code": f.code, "message": f.message} for f in warnings])
