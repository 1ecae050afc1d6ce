"""One public article: what its page shows and the read API serves (the last
approved revision, its reviewers, the tracker, the references with notices),
gathered in a fixed number of queries, and the fingerprint of all of it."""

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from flask import current_app
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from reviewapp.articles import review_dates
from reviewapp.articles.audiences import Audience
from reviewapp.articles.models import Article, AudienceVersion, Revision
from reviewapp.citations import identifier_links
from reviewapp.citations.engine import notice_kind, retraction_keys
from reviewapp.citations.identifiers import REGISTERED_IDENTIFIERS, parse_reference
from reviewapp.citations.models import CitationReport, Retraction
from reviewapp.errors import NotFound
from reviewapp.extensions import db
from reviewapp.lifecycle.states import (
    APPROVED,
    CHANGES_REQUESTED,
    STATE_LABELS,
    SUBMITTED,
    UNDER_REVIEW,
)
from reviewapp.public import audience_choice, publish_on_read
from reviewapp.public.audience_choice import AudienceReading
from reviewapp.public.citation_links import link_markers
from reviewapp.public.listing import RelatedArticle, related_articles
from reviewapp.public.people import PublicPerson, people_by_id
from reviewapp.public.update_history import HistoryEntry, history_of
from reviewapp.rendering import render_markdown
from reviewapp.reviews.models import (
    APPROVE,
    NO_COMPETING_INTERESTS,
    SIGNATURE_MEANING,
    Assignment,
    Review,
    Signature,
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
    def identified(self) -> bool:
        """Has a valid DOI, PubMed or ISBN identifier."""
        return bool(self.doi or self.pmid or self.pmcid or self.isbn)

    @property
    def misidentified(self) -> bool:
        """Has no valid DOI, PubMed or ISBN identifier, but gives one that is malformed."""
        return not self.identified and bool(
            parse_reference(self.number, self.text).invalid_kinds & REGISTERED_IDENTIFIERS)

    @property
    def doi_url(self) -> str | None:
        return identifier_links.doi_url(self.doi)

    @property
    def pubmed_url(self) -> str | None:
        return identifier_links.pubmed_url(self.pmid)

    @property
    def pmc_url(self) -> str | None:
        return identifier_links.pmc_url(self.pmcid)

    @property
    def web_url(self) -> str | None:
        """The link typed in the reference, when it is a web address and no DOI
        or PubMed link stands for it already."""
        return identifier_links.web_url(self.url, self.doi, self.pmid, self.pmcid)


@dataclass(frozen=True)
class ReviewerSignature:
    name: str
    signed_at: datetime
    claims_checked: int | None = None  # None: signed before claims had verdicts
    # What the reviewer declared on accepting the review; None: none declared.
    competing_interests: str | None = None
    reviewer_id: int | None = None  # their public profile: PublicArticle.person_of

    @property
    def interests_statement(self) -> str:
        return f"Competing interests: {self.competing_interests or 'none declared'}"


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
    # The public profiles of the author and the approving reviewers (public/people.py).
    people: dict[int, PublicPerson] = field(default_factory=dict)
    # The reader's audience (audience_choice.py); None: no choice, the main text.
    reading: AudienceReading | None = None

    @property
    def slug(self) -> str:
        return self.article.slug

    @property
    def version(self) -> AudienceVersion | None:
        """The audience version shown instead of the main text, if any."""
        return self.reading.version if self.reading else None

    @property
    def title(self) -> str:
        return self.version.title if self.version else self.revision.title

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
    def last_reviewed(self) -> datetime | None:
        """The last approval, a re-review approving unchanged text included."""
        return self.approved_at

    @property
    def last_updated(self) -> datetime | None:
        """When the shown content last changed: its first approval."""
        if self.pending:
            return None
        return self.revision.content_updated_at or self.revision.approved_at

    @property
    def next_review_due(self) -> date | None:
        if self.approved_at is None:
            return None
        return review_dates.next_review_due(self.approved_at, self.review_interval_days)

    @property
    def author(self) -> PublicPerson | None:
        return self.people.get(self.article.author_id)

    def person_of(self, reviewer: ReviewerSignature) -> PublicPerson | None:
        return self.people.get(reviewer.reviewer_id)

    @property
    def tracker(self) -> list[dict]:
        current = [step for step, _ in TRACKER_STEPS].index(self.status)
        return [{"step": step, "label": label, "done": n < current, "current": n == current}
                for n, (step, label) in enumerate(TRACKER_STEPS)]

    @property
    def sources_checked_at(self) -> datetime | None:
        """When the references were checked (the automatic citation check)."""
        return self.report.checked_at if self.report else None

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
                "references_with_identifier": sum(r.identified for r in self.references),
                "references_with_malformed_identifier": sum(r.misidentified
                                                            for r in self.references),
                "retracted_now": self.retracted_count}

    @cached_property
    def update_history(self) -> list[HistoryEntry]:
        """Each approved version, newest first (one query, when shown). Not in the
        fingerprint: it changes only with the shown revision, whose id is."""
        return [] if self.pending else history_of(self.article.id, self.revision)

    @cached_property
    def body_html(self) -> Markup:
        html = str(render_markdown(self.version.body if self.version else self.revision.body))
        return Markup(link_markers(html, len(self.references)))

    @property
    def last_modified(self) -> datetime:
        """No part of what is shown changed after this (to the second)."""
        moments = [self.article.updated_at, self.revision.frozen_at, self.revision.approved_at,
                   self.notices_imported_at, *(r.approved_at for r in self.related),
                   *(p.profile_updated_at for p in self.people.values())]
        return max(m for m in moments if m is not None)


def public_article(slug: str, audience: Audience | None = None,
                   publish_due: bool = True) -> PublicArticle:
    """The article as readers see it, or NotFound when it is not public: never
    approved (unless PUBLISH_BEFORE_APPROVAL and it is with the board). With an
    `audience`, its version of the text (or the main text) and its disclaimer."""
    config = current_app.config
    article = db.session.scalar(
        select(Article).where(Article.slug == slug[:120])
        .options(joinedload(Article.approved_revision).selectinload(Revision.references),
                 joinedload(Article.approved_revision)
                 .selectinload(Revision.audience_versions),
                 selectinload(Article.tags)))
    if article is None:
        raise NotFound("There is no such article.")
    if publish_due and publish_on_read.publish_if_due(article):  # scheduled publishing
        return public_article(slug, audience, publish_due=False)
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
    reviewers = [] if pending else approving_signatures(revision.id)
    reading = audience_choice.reading_for(revision, audience, len(references))
    return PublicArticle(
        article=article, revision=revision, status=status, pending=pending,
        update_under_review=update_under_review, reviewers=reviewers,
        people=people_by_id([article.author_id, *(r.reviewer_id for r in reviewers)]),
        references=references, report=db.session.scalar(
            select(CitationReport).where(CitationReport.revision_id == revision.id)),
        related=related_articles(article),
        tags=article.tag_names, review_interval_days=config["REVIEW_INTERVAL_DAYS"],
        disclaimer=reading.disclaimer if reading else config["MEDICAL_DISCLAIMER"],
        notices_imported_at=imported_at, reading=reading)


def last_submitted_revision(article_id: int) -> Revision | None:
    """The newest frozen revision: what was submitted, never a draft being edited."""
    return db.session.scalar(
        select(Revision).where(Revision.article_id == article_id,
                               Revision.content_hash.is_not(None))
        .options(selectinload(Revision.references),
                 selectinload(Revision.audience_versions))
        .order_by(Revision.number.desc()).limit(1))


def approving_signatures(revision_id: int) -> list[ReviewerSignature]:
    """Who signed their approval of this revision, and when (printed names as
    signed), with the competing interests each declared on accepting the review."""
    rows = db.session.execute(
        select(Signature.printed_name, Signature.signed_at, Signature.claim_verdicts,
               Assignment.competing_interests, Review.reviewer_id)
        .join(Review, Review.id == Signature.review_id)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(Review.revision_id == revision_id, Review.decision == APPROVE,
               Signature.meaning == SIGNATURE_MEANING)
        .order_by(Signature.signed_at, Signature.id)).all()
    return [ReviewerSignature(
        name, signed_at, None if verdicts is None else len(verdicts),
        None if interests in (None, NO_COMPETING_INTERESTS) else interests, reviewer_id)
        for name, signed_at, verdicts, interests, reviewer_id in rows]


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
            for key in retraction_keys(row.doi, row.pmid):
                notices.setdefault(key, []).append((kind, row))
    result = []
    for ref in revision.references:
        found = [notice for key in retraction_keys(ref.doi, ref.pmid)
                 for notice in notices.get(key, [])]
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
