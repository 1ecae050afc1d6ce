"""What readers see, gathered once for the page and the read API alike: the
public article (its last approved revision), the index, the editorial policy,
and readers' problem reports. Each loads in a fixed number of queries."""

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from urllib.parse import quote

from flask import current_app
from markupsafe import Markup
from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload, selectinload

from reviewapp.accounts.models import User
from reviewapp.accounts.permissions import has_role
from reviewapp.articles.models import Article, ArticleTag, Revision
from reviewapp.audit.services import record
from reviewapp.citations.engine import notice_kind
from reviewapp.citations.models import CitationReport, Retraction
from reviewapp.db import transaction_lock, utcnow
from reviewapp.errors import DomainError, InvalidInput, NotFound, PermissionDenied, StaleVersion
from reviewapp.extensions import db
from reviewapp.public.citation_links import link_markers
from reviewapp.public.models import ReaderReport, SitePage
from reviewapp.rendering import render_markdown
from reviewapp.reviews.models import APPROVE, SIGNATURE_MEANING, Review, Signature
from reviewapp.workflow.states import (
    APPROVED,
    CHANGES_REQUESTED,
    STATE_LABELS,
    SUBMITTED,
    UNDER_REVIEW,
)

BOARD_STATEMENT = ("Articles on this site are reviewed for accuracy by our Medical Advisory "
                   "Board before they are published.")
PENDING_CAUTION = "Educational purpose only • Exercise caution as content is pending human review"
UPDATE_NOTICE = ("An update to this article is being reviewed by the Medical Advisory Board. "
                 "Until it is approved, this page shows the last approved version.")
# The reader's tracker: the step an article's state stands at.
TRACKER_STEPS = ((SUBMITTED, "Submitted"), (UNDER_REVIEW, "Under Review"),
                 (APPROVED, "Approved"))
IN_REVIEW = (SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED)
POLICY_SLUG = "editorial-policy"
MAX_POLICY_LENGTH = 20_000
MAX_SEARCH_LENGTH = 200


class TooManyReports(DomainError):
    status_code = 429


# -- one public article -----------------------------------------------------------------------

NOTICE_LABELS = {"retraction": "Retracted", "expression_of_concern": "Expression of concern",
                 "correction": "Correction published"}


@dataclass(frozen=True)
class Notice:
    kind: str             # "retraction", "expression_of_concern", "correction"
    nature: str           # as the Retraction Watch database writes it
    date: str | None      # ISO date of the notice
    record_id: str

    @property
    def label(self) -> str:
        return NOTICE_LABELS[self.kind]


@dataclass(frozen=True)
class PublicReference:
    number: int
    text: str
    doi: str | None
    pmid: str | None
    pmcid: str | None
    isbn: str | None
    url: str | None
    notice: Notice | None

    @property
    def retracted(self) -> bool:
        return self.notice is not None and self.notice.kind == "retraction"

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{quote(self.doi, safe='/:;()[]')}" if self.doi else None

    @property
    def pubmed_url(self) -> str | None:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else None

    @property
    def pmc_url(self) -> str | None:
        return (f"https://pmc.ncbi.nlm.nih.gov/articles/{self.pmcid}/"
                if self.pmcid else None)

    @property
    def web_url(self) -> str | None:
        """The link typed in the reference, when it is a web address and no DOI
        or PubMed link stands for it already."""
        if not self.url or self.doi or self.pmid or self.pmcid:
            return None
        return self.url if self.url.lower().startswith(("https://", "http://")) else None


@dataclass(frozen=True)
class ReviewerSignature:
    name: str
    signed_at: datetime


@dataclass(frozen=True)
class RelatedArticle:
    slug: str
    title: str
    approved_at: datetime


@dataclass
class PublicArticle:
    """Everything the article page shows and the API serves, as plain values
    (the HTML body is rendered only when asked for)."""

    article: Article
    revision: Revision
    status: str                       # the tracker's step: submitted / under_review / approved
    pending: bool                     # never approved, public by PUBLISH_BEFORE_APPROVAL
    update_under_review: bool         # approved, and a newer revision is with the board
    reviewers: list[ReviewerSignature]
    references: list[PublicReference]
    report: CitationReport | None
    related: list[RelatedArticle]
    tags: list[str]
    review_interval_days: int
    disclaimer: str
    notices_imported_at: datetime | None = None

    @property
    def slug(self) -> str:
        return self.article.slug

    @property
    def title(self) -> str:
        return self.revision.title

    @property
    def status_label(self) -> str:
        return STATE_LABELS[self.status]

    @property
    def caution(self) -> str | None:
        return PENDING_CAUTION if self.pending else None

    @property
    def approved_at(self) -> datetime | None:
        return None if self.pending else self.revision.approved_at

    @property
    def next_review_due(self) -> date | None:
        if self.approved_at is None:
            return None
        return (self.approved_at + timedelta(days=self.review_interval_days)).date()

    @property
    def tracker(self) -> list[dict]:
        current = [step for step, _ in TRACKER_STEPS].index(self.status)
        return [{"step": step, "label": label, "done": n < current, "current": n == current}
                for n, (step, label) in enumerate(TRACKER_STEPS)]

    @property
    def retracted_count(self) -> int:
        return sum(ref.retracted for ref in self.references)

    @property
    def citation_summary(self) -> dict | None:
        """The automatic citation check of this revision (run when it was
        submitted), and the cited works retracted as of today."""
        if self.report is None:
            return None
        return {"checked_at": self.report.checked_at, "errors": self.report.error_count,
                "warnings": self.report.warning_count, "notes": self.report.info_count,
                "references": len(self.references),
                "references_with_identifier": sum(bool(r.doi or r.pmid or r.pmcid or r.isbn)
                                                  for r in self.references),
                "retracted_now": self.retracted_count}

    @cached_property
    def body_html(self) -> Markup:
        html = str(render_markdown(self.revision.body))
        return Markup(link_markers(html, len(self.references)))

    @property
    def last_modified(self) -> datetime:
        """No part of what is shown changed after this (to the second)."""
        moments = [self.article.updated_at, self.revision.frozen_at, self.revision.approved_at,
                   self.notices_imported_at, *(r.approved_at for r in self.related)]
        return max(m for m in moments if m is not None)

    def fingerprint(self, extra=()) -> str:
        """A hash of every input of what is shown: the ETag, computed without
        rendering anything."""
        parts = [
            self.article.id, self.revision.id, self.revision.content_hash, self.status,
            self.pending, self.update_under_review, self.tags,
            _iso(self.revision.approved_at), self.review_interval_days, self.disclaimer,
            [(s.name, _iso(s.signed_at)) for s in self.reviewers],
            [(r.number, r.notice.kind if r.notice else None, r.notice.date if r.notice else None)
             for r in self.references],
            [self.report.id, _iso(self.report.checked_at)] if self.report else None,
            [(r.slug, r.title) for r in self.related], list(extra),
        ]
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def public_article(slug: str) -> PublicArticle:
    """The article as readers see it, or NotFound when it is not public: never
    approved (unless PUBLISH_BEFORE_APPROVAL and it is with the board)."""
    config = current_app.config
    article = db.session.scalar(
        select(Article).where(Article.slug == slug[:120])
        .options(joinedload(Article.approved_revision).selectinload(Revision.references),
                 selectinload(Article.tags)))
    if article is None:
        raise NotFound("There is no such article.")
    in_review = article.state in IN_REVIEW
    if article.approved_revision is not None:
        revision, pending, status = article.approved_revision, False, APPROVED
        update_under_review = in_review and article.current_revision_id != revision.id
    elif config["PUBLISH_BEFORE_APPROVAL"] and in_review:
        revision = last_submitted_revision(article.id)
        if revision is None:
            raise NotFound("There is no such article.")
        pending, update_under_review = True, False
        status = SUBMITTED if article.state == SUBMITTED else UNDER_REVIEW
    else:
        raise NotFound("There is no such article.")
    references, imported_at = references_with_notices(revision)
    return PublicArticle(
        article=article, revision=revision, status=status, pending=pending,
        update_under_review=update_under_review,
        reviewers=[] if pending else approving_signatures(revision.id),
        references=references, report=db.session.scalar(
            select(CitationReport).where(CitationReport.revision_id == revision.id)),
        related=related_articles(article),
        tags=article.tag_names, review_interval_days=config["REVIEW_INTERVAL_DAYS"],
        disclaimer=config["MEDICAL_DISCLAIMER"], notices_imported_at=imported_at)


def last_submitted_revision(article_id: int) -> Revision | None:
    """The newest frozen revision: what was submitted, never a draft being edited."""
    return db.session.scalar(
        select(Revision).where(Revision.article_id == article_id,
                               Revision.content_hash.is_not(None))
        .options(selectinload(Revision.references))
        .order_by(Revision.number.desc()).limit(1))


def approving_signatures(revision_id: int) -> list[ReviewerSignature]:
    """Who signed their approval of this revision, and when (printed names as signed)."""
    rows = db.session.execute(
        select(Signature.printed_name, Signature.signed_at)
        .join(Review, Review.id == Signature.review_id)
        .where(Review.revision_id == revision_id, Review.decision == APPROVE,
               Signature.meaning == SIGNATURE_MEANING)
        .order_by(Signature.signed_at, Signature.id)).all()
    return [ReviewerSignature(name, signed_at) for name, signed_at in rows]


# The engine's reading of a notice, under the names the page and the API use.
_PUBLIC_NOTICE_KINDS = {"reinstatement": "reinstatement", "reference-retracted": "retraction",
                        "reference-concern": "expression_of_concern",
                        "reference-corrected": "correction"}


def _notice_kind(nature: str) -> str | None:
    return _PUBLIC_NOTICE_KINDS.get(notice_kind(nature))


def references_with_notices(revision: Revision) -> tuple[list[PublicReference],
                                                          datetime | None]:
    """The revision's references, each with the gravest notice on the cited
    work as of today (a reinstatement cancels the others, as in the citation
    check), and when the newest of those notices was imported."""
    dois = {r.doi for r in revision.references if r.doi}
    pmids = {r.pmid for r in revision.references if r.pmid}
    notices: dict[str, list[tuple[str, Retraction]]] = {}
    imported_at = None
    if dois or pmids:
        for row in db.session.scalars(select(Retraction).where(
                or_(Retraction.doi.in_(dois), Retraction.pmid.in_(pmids)))):
            kind = _notice_kind(row.nature)
            if kind is None:
                continue
            imported_at = max(filter(None, (imported_at, row.imported_at)))
            for key in (f"doi:{row.doi}" if row.doi else None,
                        f"pmid:{row.pmid}" if row.pmid else None):
                if key:
                    notices.setdefault(key, []).append((kind, row))
    result = []
    for ref in revision.references:
        found = [*notices.get(f"doi:{ref.doi}", []), *notices.get(f"pmid:{ref.pmid}", [])]
        notice = None
        if not any(kind == "reinstatement" for kind, _ in found):
            for wanted in ("retraction", "expression_of_concern", "correction"):
                row = next((row for kind, row in found if kind == wanted), None)
                if row is not None:
                    notice = Notice(kind=wanted, nature=row.nature, date=row.retraction_date,
                                    record_id=row.record_id)
                    break
        result.append(PublicReference(number=ref.position, text=ref.raw_text, doi=ref.doi,
                                      pmid=ref.pmid, pmcid=ref.pmcid, isbn=ref.isbn,
                                      url=ref.url, notice=notice))
    return result, imported_at


def related_articles(article: Article) -> list[RelatedArticle]:
    """Other approved articles sharing a tag: most shared tags first, then newest.
    Candidates are each tag's RELATED_CANDIDATES newest articles, so the cost
    stays the same however many articles a popular tag gathers."""
    tags = article.tag_names
    if not tags:
        return []
    per_tag = current_app.config["RELATED_CANDIDATES"]
    newest = [select(ArticleTag.article_id).where(ArticleTag.name == tag)
              .order_by(ArticleTag.article_id.desc()).limit(per_tag).subquery()
              for tag in tags]
    candidates = union_all(*(select(n.c.article_id) for n in newest)).subquery()
    shared = (select(candidates.c.article_id, func.count().label("shared"))
              .group_by(candidates.c.article_id).subquery())
    approved = aliased(Revision)
    rows = db.session.execute(
        select(Article.slug, approved.title, approved.approved_at)
        .join(shared, shared.c.article_id == Article.id)
        .join(approved, approved.id == Article.approved_revision_id)
        .where(Article.id != article.id)
        .order_by(shared.c.shared.desc(), approved.approved_at.desc(), Article.id.desc())
        .limit(current_app.config["RELATED_ARTICLES"])).all()
    return [RelatedArticle(slug, title, approved_at) for slug, title, approved_at in rows]


# -- the index ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArticleSummary:
    slug: str
    title: str
    tags: list[str]
    approved_at: datetime
    updated_at: datetime
    review_interval_days: int

    @property
    def next_review_due(self) -> date:
        return (self.approved_at + timedelta(days=self.review_interval_days)).date()


@dataclass(frozen=True)
class ArticlePage:
    items: list[ArticleSummary]
    next_cursor: str | None


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.casefold()}%"


def encode_cursor(approved_at: datetime, revision_id: int) -> str:
    raw = f"{approved_at.astimezone(UTC).isoformat()}|{revision_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """InvalidInput for anything that is not a cursor this site made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, revision_id = raw.split("|")
        when = datetime.fromisoformat(moment)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, int(revision_id)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput("The cursor is not valid; start again from the first page.") from None


def parse_updated_since(value: str) -> datetime:
    """An ISO 8601 date or date-time (UTC unless it says otherwise)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00")
                                        if value.strip().endswith("Z") else value.strip())
    except ValueError:
        raise InvalidInput("updated_since must be an ISO 8601 date or date-time, e.g. "
                           "2026-01-31 or 2026-01-31T12:00:00Z.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def list_public_articles(*, query: str = "", tag: str = "", updated_since: datetime | None = None,
                         cursor: str | None = None, limit: int | None = None) -> ArticlePage:
    """Approved articles, most recently approved first, one page at a time
    (keyset on approval time and the approved revision's id, which the index
    ix_revision_approved_at walks). `query` matches the title or a tag."""
    config = current_app.config
    limit = limit or config["PAGE_SIZE"]
    approved = aliased(Revision)
    statement = (select(Article, approved.id, approved.title, approved.approved_at)
                 .join(approved, approved.id == Article.approved_revision_id)
                 .where(approved.approved_at.is_not(None))  # the partial index's rows
                 .options(selectinload(Article.tags)))
    query = (query or "").strip()[:MAX_SEARCH_LENGTH]
    if query:
        pattern = _like_pattern(query)
        statement = statement.where(or_(
            func.lower(approved.title).like(pattern, escape="\\"),
            Article.id.in_(select(ArticleTag.article_id).where(
                func.lower(ArticleTag.name).like(pattern, escape="\\")))))
    tag = (tag or "").strip().casefold()[:80]
    if tag:
        statement = statement.where(Article.id.in_(
            select(ArticleTag.article_id).where(ArticleTag.name == tag)))
    if updated_since is not None:
        statement = statement.where(approved.approved_at >= updated_since)
    if cursor:
        after_at, after_id = decode_cursor(cursor)
        statement = statement.where(or_(approved.approved_at < after_at,
                                        and_(approved.approved_at == after_at,
                                             approved.id < after_id)))
    rows = db.session.execute(statement.order_by(approved.approved_at.desc(),
                                                 approved.id.desc()).limit(limit + 1)).all()
    interval = config["REVIEW_INTERVAL_DAYS"]
    items = [ArticleSummary(slug=a.slug, title=title, tags=a.tag_names, approved_at=approved_at,
                            updated_at=a.updated_at, review_interval_days=interval)
             for a, _, title, approved_at in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        _, last_revision_id, _, last_at = rows[limit - 1]
        next_cursor = encode_cursor(last_at, last_revision_id)
    return ArticlePage(items=items, next_cursor=next_cursor)


# -- the editorial policy ----------------------------------------------------------------------

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
            "review_interval_days": config["REVIEW_INTERVAL_DAYS"],
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
    return page


# -- readers' problem reports ------------------------------------------------------------------

def create_reader_report(slug: str, message: str, email: str | None,
                         ip: str | None) -> ReaderReport:
    """A reader's report on a public article, at most REPORT_RATE_LIMIT an hour
    from one address (counted from the stored reports)."""
    config = current_app.config
    shown = public_article(slug)
    message = (message or "").strip()
    if not message:
        raise InvalidInput("Describe the problem.")
    if len(message) > config["REPORT_MAX_LENGTH"]:
        raise InvalidInput(f"The message may hold at most {config['REPORT_MAX_LENGTH']:,} "
                           "characters.")
    if ip:
        # Two reports from one address at once queue here, so both are counted.
        transaction_lock(db.session, f"reader_report:{ip}")
        recent = db.session.scalar(
            select(func.count()).select_from(ReaderReport).where(
                ReaderReport.ip == ip,
                ReaderReport.created_at >= utcnow() - timedelta(hours=1)))
        if recent >= config["REPORT_RATE_LIMIT"]:
            raise TooManyReports("Too many reports from your network in the last hour. "
                                 "Please try again later.")
    report = ReaderReport(article_id=shown.article.id, revision_id=shown.revision.id,
                          message=message, email=(email or "").strip() or None,
                          ip=(ip or None) and ip[:45])
    db.session.add(report)
    db.session.flush()
    # The reader's text (which may hold personal details) stays in the report
    # row; the permanent log records that a report came in, and where.
    record("reader_report.created", object_type="reader_report", object_id=report.id,
           article_id=shown.article.id,
           details={"revision": shown.revision.number, "message_chars": len(message),
                    "email_given": report.email is not None})
    return report
