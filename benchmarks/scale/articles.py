"""Articles in every workflow state, with revisions, references, citation reports
and waivers; their reviews come from reviews.py."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update

from reviewapp.articles.content import content_hash
from reviewapp.articles.models import Article, ArticleTag, Reference, Revision
from reviewapp.citations.models import CitationReport, CitationWaiver
from reviewapp.extensions import db
from reviewapp.lifecycle import states as S
from reviewapp.reports.models import ReaderReport
from reviewapp.reviews.models import Assignment, Review, ReviewRound, Signature

from .bulk import BATCH, PendingRows
from .reviews import write_reader_report, write_reviews
from .users import SPECIALTIES

# Article states and their shares of the archive.
STATE_WEIGHTS = ((S.APPROVED, 50), (S.DRAFT, 14), (S.SUBMITTED, 8), (S.UNDER_REVIEW, 12),
                 (S.CHANGES_REQUESTED, 7), (S.REJECTED, 5), (S.WITHDRAWN, 4))
DRUGS = ("Acetaminophen", "Ibuprofen", "Naproxen", "Metformin", "Amoxicillin", "Atorvastatin",
         "Lisinopril", "Sertraline", "Omeprazole", "Levothyroxine", "Amlodipine", "Aspirin")
CONDITIONS = ("mild pain", "fever in adults", "type 2 diabetes", "otitis media",
              "high cholesterol", "hypertension", "depression", "reflux", "hypothyroidism",
              "migraine", "osteoarthritis", "secondary prevention")
PARAGRAPH = ("{drug} is a common first-line treatment for {condition} [{a}]. For adults the "
             "usual dose is adjusted to kidney function and age, and reviewed after four "
             "weeks [{a},{b}]. A randomised trial reported that symptoms improved in 62% of "
             "patients compared with 41% on placebo [{b}]. Patients with liver disease need "
             "lower doses and closer monitoring [{c}].")
REFERENCE = ("{n}. Author{k} A, Writer B. {drug} in {condition}: trial {k}. J Clin Med. "
             "{year};{k}:100-110. doi:10.1000/jcm.{k}. PMID: {pmid}")
# Inserted in this order: revisions point at articles (articles at revisions are
# set afterwards, by link_revisions), and so on down.
MODELS = (Article, ArticleTag, Revision, Reference, CitationReport, ReviewRound, Assignment,
          Review, Signature, CitationWaiver, ReaderReport)
# The decision that closed the round of an article's last submitted revision
# (issue 14); None: the round is still open. Earlier rounds sent it back.
LAST_DECISION = {S.APPROVED: "approved", S.CHANGES_REQUESTED: "changes_requested",
                 S.REJECTED: "rejected", S.WITHDRAWN: "withdrawn",
                 S.DRAFT: "withdrawn"}  # a draft again: withdrawn, then reopened


@dataclass
class Placed:
    """One generated article, as its reviews and reader reports need it."""

    serial: int            # its position in this run: drives the deterministic variety
    id: int
    state: str
    created_at: datetime
    revisions: int
    update_in_review: bool  # approved before, with an update now under review
    current_revision_id: int | None = None
    approved_revision_id: int | None = None
    current_content_hash: str | None = None
    current_round_id: int | None = None  # the round of the current revision, if submitted
    decision_needed: bool = False        # a reviewer's request waits on the editor


def write_articles(count: int, users, rng: random.Random, now: datetime,
                   advance) -> list[int]:
    """`count` articles, every state among the first few; returns their ids.
    `advance(n)` is told of each batch written."""
    states = [s for s, _ in STATE_WEIGHTS]
    weights = [w for _, w in STATE_WEIGHTS]
    pending = PendingRows(MODELS)
    ids: list[int] = []
    links: list[Placed] = []
    chunk = approved_seen = 0
    for i in range(count):
        state = states[i] if i < len(states) else rng.choices(states, weights)[0]
        article = _write_article(pending, i, count, state, users, rng, now)
        ids.append(article.id)
        links.append(article)
        if state not in (S.DRAFT, S.SUBMITTED, S.WITHDRAWN) or article.update_in_review:
            write_reviews(pending, article, users, rng, now)
        approved_seen += state == S.APPROVED
        if state == S.APPROVED:
            write_reader_report(pending, article, approved_seen, users["editor"][0], now)
        chunk += 1
        if pending.count(Reference) >= BATCH * 4 or i == count - 1:
            pending.flush()
            link_revisions(links)
            links.clear()
            advance(chunk)
            chunk = 0
    pending.reset_sequences()
    return ids


def _write_article(pending: PendingRows, i: int, count: int, state: str, users, rng,
                   now: datetime) -> Placed:
    author = users["author"][i % len(users["author"])]
    created = now - timedelta(days=730) + timedelta(days=700) * (i / max(count, 1))
    # An article under review may be an update of an approved one (approved != current).
    update_in_review = state == S.UNDER_REVIEW and i % 3 == 0
    article = Placed(serial=i, id=pending.ids[Article], state=state, created_at=created,
                     revisions=rng.randint(1, 3) + (1 if update_in_review else 0),
                     update_in_review=update_in_review,
                     decision_needed=state == S.UNDER_REVIEW and i % 5 == 2)
    _write_revisions(pending, article, author[0], users["editor"][0][0], rng)
    flagged = state == S.APPROVED and i % 50 == 7
    pending.add(Article, slug=f"article-{article.id}", author_id=author[0], state=state,
                version=article.revisions * 2, current_revision_id=None,
                approved_revision_id=None, created_at=created,
                updated_at=created + timedelta(days=article.revisions * 3 + 2),
                rereview_reason="A cited work was retracted." if flagged else None,
                rereview_flagged_at=now - timedelta(days=3) if flagged else None)
    for tag in rng.sample(SPECIALTIES, rng.randint(1, 2)):
        pending.add(ArticleTag, article_id=article.id, name=tag)
    return article


def _write_revisions(pending: PendingRows, article: Placed, author_id: int, editor_id: int,
                     rng: random.Random) -> None:
    """Revisions 1..n, each with references and a citation report. All frozen
    but a draft's last; the approved one is the last, or the one before an update."""
    for number in range(1, article.revisions + 1):
        title, body, refs = _content(rng, article.id, number)
        last = number == article.revisions
        frozen = article.state != S.DRAFT or not last
        moment = article.created_at + timedelta(days=number * 3)
        approved = ((article.state == S.APPROVED and last)
                    or (article.update_in_review and number == article.revisions - 1))
        digest = content_hash(title, body, refs)
        rid = pending.add(Revision, article_id=article.id, number=number, title=title,
                          body=body, content_hash=digest if frozen else None,
                          frozen_at=moment if frozen else None,
                          approved_at=moment + timedelta(days=2) if approved else None,
                          created_at=moment, updated_at=moment, created_by_id=author_id)
        if approved:
            article.approved_revision_id = rid
        if last:
            article.current_revision_id, article.current_content_hash = rid, digest
        if frozen:
            _write_round(pending, article, rid, number, moment, editor_id)
        for position, raw in enumerate(refs, start=1):
            k = article.id * 7 + position
            pending.add(Reference, revision_id=rid, position=position, raw_text=raw,
                        doi=f"10.1000/jcm.{k}", pmid=str(30000000 + k), pmcid=None,
                        isbn=None, url=None, year=2012 + (article.id + position) % 13)
        _write_citation_report(pending, article, rid, number, moment, editor_id)


def _write_round(pending: PendingRows, article: Placed, revision_id: int, number: int,
                 moment: datetime, editor_id: int) -> None:
    """The review round of a submitted revision: earlier ones sent the article
    back (or approved the one an update follows); the last one is open while
    the article is in review, else closed with the state it reached."""
    last = number == article.revisions or (article.state == S.DRAFT
                                            and number == article.revisions - 1)
    if article.update_in_review and number == article.revisions - 1:
        decision = "approved"
    elif not last:
        decision = "changes_requested"
    else:
        decision = LAST_DECISION.get(article.state)
    round_id = pending.add(
        ReviewRound, article_id=article.id, number=number, revision_id=revision_id,
        opened_at=moment, closed_at=moment + timedelta(days=2) if decision else None,
        decision=decision, decided_by_id=editor_id if decision else None,
        decision_letter="Please cite a source for the dose." if decision in (
            "changes_requested", "rejected") else None,
        decision_needed_at=moment + timedelta(days=1) if article.decision_needed and last
        else None)
    if number == article.revisions:
        article.current_round_id = round_id


def _write_citation_report(pending: PendingRows, article: Placed, revision_id: int,
                           number: int, moment: datetime, editor_id: int) -> None:
    """A report per revision: a warning on some, an error waived on some under review."""
    aid, findings = article.id, []
    if number % 2 == 0 or article.state == S.CHANGES_REQUESTED:
        findings.append({"key": f"unsupported-number:{aid}:{number}",
                         "code": "unsupported-number", "severity": "warning",
                         "message": "A figure without a citation in its sentence.",
                         "reference": None, "marker": None,
                         "sentence": "Symptoms improved in 62% of patients.", "offset": 120})
    if (article.state == S.UNDER_REVIEW and number == article.revisions
            and article.serial % 5 == 1):
        findings.append({"key": f"old-reference:{aid}:1", "code": "old-reference",
                         "severity": "error", "message": "Reference 1 is old.",
                         "reference": 1, "marker": None, "sentence": None, "offset": None})
        pending.add(CitationWaiver, article_id=aid, finding_key=f"old-reference:{aid}:1",
                    code="old-reference", message="Reference 1 is old.",
                    reason="Still the reference study.", waived_by_id=editor_id,
                    waived_at=moment)
    pending.add(CitationReport, revision_id=revision_id, checked_at=moment,
                error_count=sum(f["severity"] == "error" for f in findings),
                warning_count=sum(f["severity"] == "warning" for f in findings),
                info_count=0, findings=findings)


def _content(rng: random.Random, serial: int, number: int) -> tuple[str, str, list[str]]:
    """(title, body, references) of one revision."""
    drug, condition = rng.choice(DRUGS), rng.choice(CONDITIONS)
    n_refs = rng.randint(3, 6)
    paragraphs = []
    for p in range(rng.randint(3, 6)):
        a = p % n_refs + 1
        paragraphs.append(PARAGRAPH.format(drug=drug, condition=condition, a=a,
                                           b=a % n_refs + 1, c=(a + 1) % n_refs + 1))
    refs = [REFERENCE.format(n=i, k=serial * 7 + i, drug=drug, condition=condition,
                             year=2012 + (serial + i) % 13, pmid=30000000 + serial * 7 + i)
            for i in range(1, n_refs + 1)]
    title = f"{drug} for {condition} ({serial})" + (f", revision {number}" if number > 1 else "")
    return title, "\n\n".join(paragraphs), refs


def link_revisions(articles: list[Placed]) -> None:
    """Articles' current and approved revisions, set once both rows exist."""
    table = Article.__table__
    statement = (update(table).where(table.c.id == bindparam("aid"))
                 .values(current_revision_id=bindparam("cur"),
                         approved_revision_id=bindparam("appr")))
    params = [{"aid": a.id, "cur": a.current_revision_id, "appr": a.approved_revision_id}
              for a in articles]
    for start in range(0, len(params), BATCH):
        db.session.connection().execute(statement, params[start:start + BATCH])
