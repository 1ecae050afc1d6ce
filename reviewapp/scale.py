"""Realistic data at scale for benchmarks: `flask --app reviewapp demo scale`.

Rows are written with Core bulk inserts (executemany in batches) and ids
chosen here, so that 100,000 articles and 1,000,000 audit events take
minutes, not hours. The audit events continue the hash chain from the
current head with the same canonical text and link hash that record()
writes, so `flask audit verify` passes afterwards.

Every state appears: articles in each workflow state (some approved ones
with an update under review), assignments invited, accepted, declined,
completed and withdrawn, reviews approving (with signatures) and
requesting changes, citation reports with findings, waivers, reader reports.
"""

import random
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, text, update

from reviewapp.accounts.models import User, UserRole, UserSpecialty
from reviewapp.accounts.passwords import hash_password
from reviewapp.articles.content import content_hash
from reviewapp.articles.models import Article, ArticleTag, Reference, Revision
from reviewapp.audit import chain
from reviewapp.audit.models import AuditEvent, AuditHead, chain_fields_of
from reviewapp.audit.services import HEAD_ID, hmac_key
from reviewapp.citations.models import CitationReport, CitationWaiver
from reviewapp.extensions import db
from reviewapp.public.models import OPEN, RESOLVED, ReaderReport
from reviewapp.reviews.models import (
    ACCEPTED,
    APPROVE,
    COMPLETED,
    DECLINED,
    INVITED,
    REQUEST_CHANGES,
    SIGNATURE_MEANING,
    Assignment,
    Review,
    Signature,
)
from reviewapp.reviews.models import WITHDRAWN as ASSIGNMENT_WITHDRAWN
from reviewapp.workflow import states as S

SCALE_PASSWORD = "scale-password-2026"
BATCH = 5000
# Article states and their shares of the archive.
STATE_WEIGHTS = ((S.APPROVED, 50), (S.DRAFT, 14), (S.SUBMITTED, 8), (S.UNDER_REVIEW, 12),
                 (S.CHANGES_REQUESTED, 7), (S.REJECTED, 5), (S.WITHDRAWN, 4))
SPECIALTIES = ("pain medicine", "cardiology", "oncology", "paediatrics", "dermatology",
               "infectious disease", "neurology", "endocrinology", "nephrology", "psychiatry")
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
EVENT_ACTIONS = (("article.draft_saved", 20), ("user.login", 25), ("article.created", 6),
                 ("article.submitted", 6), ("assignment.created", 8),
                 ("assignment.accepted", 6), ("review.approved", 6),
                 ("review.changes_requested", 2), ("article.approved", 4),
                 ("access.denied", 3), ("user.login_failed", 3), ("assignment.declined", 1),
                 ("reader_report.created", 1), ("citation.waived", 1), ("user.logout", 8))


class DatabaseNotEmpty(Exception):
    pass


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model.__table__), rows[start:start + BATCH])


def _reset_sequences(models) -> None:
    """PostgreSQL: ids were given explicitly, so move each identity on past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__.name
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table}\"), false)"))


def generate(articles: int, events: int, *, force: bool = False, seed: int = 8,
             progress: Callable[[int], None] | None = None) -> dict:
    """Write `articles` articles with everything around them and `events`
    audit events, in one transaction per part (the caller need not commit).
    `progress(n)` is told of n more articles or events written."""
    if not force and db.session.scalar(select(func.count()).select_from(Article)):
        raise DatabaseNotEmpty("The database already has articles; use --force to add more.")
    advance = progress or (lambda n: None)
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    users = _users(articles, rng, now)
    db.session.commit()
    ids = _articles(articles, users, rng, now, advance)
    db.session.commit()
    _events(events, users, ids, rng, now, advance)
    db.session.commit()
    # Planner statistics for the bulk-loaded tables, as a routine ANALYZE would give.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"users": sum(len(v) for v in users.values()), "articles": articles,
            "events": events}


def _users(articles: int, rng: random.Random, now: datetime) -> dict[str, list[tuple]]:
    """{role: [(id, name, email)]}: authors, reviewers, editors and one admin."""
    counts = {"author": max(4, articles // 20), "reviewer": max(6, articles // 40),
              "editor": max(2, articles // 1000), "admin": 1}
    password = hash_password(SCALE_PASSWORD)  # one hash for all: argon2 is slow on purpose
    next_id = _next_id(User)
    users, user_rows, roles, specialties = {}, [], [], []
    for role, count in counts.items():
        users[role] = []
        for _ in range(count):
            uid = next_id
            next_id += 1
            name = f"{'Dr. ' if role == 'reviewer' else ''}{role.title()} {uid}"
            email = f"{role}{uid}@scale.example.org"
            users[role].append((uid, name, email))
            user_rows.append({"id": uid, "email": email, "display_name": name,
                              "password_hash": password, "active": uid % 97 != 0,
                              "session_token": secrets.token_urlsafe(32),
                              "failed_login_count": 0,
                              "created_at": now - timedelta(days=800),
                              "password_changed_at": now - timedelta(days=800)})
            roles.append({"user_id": uid, "role": role})
            if role == "reviewer":
                for name_ in rng.sample(SPECIALTIES, 2):
                    specialties.append({"user_id": uid, "name": name_})
    _insert(User, user_rows)
    _insert(UserRole, roles)
    _insert(UserSpecialty, specialties)
    _reset_sequences([User])
    return users


def _content(rng: random.Random, serial: int, number: int):
    drug, condition = rng.choice(DRUGS), rng.choice(CONDITIONS)
    n_refs = rng.randint(3, 6)
    paragraphs = []
    for p in range(rng.randint(3, 6)):
        a = p % n_refs + 1
        paragraphs.append(PARAGRAPH.format(drug=drug, condition=condition, a=a,
                                           b=a % n_refs + 1, c=(a + 1) % n_refs + 1))
    body = "\n\n".join(paragraphs)
    refs = [REFERENCE.format(n=i, k=serial * 7 + i, drug=drug, condition=condition,
                             year=2012 + (serial + i) % 13, pmid=30000000 + serial * 7 + i)
            for i in range(1, n_refs + 1)]
    title = f"{drug} for {condition} ({serial})" + (f", revision {number}" if number > 1 else "")
    return title, body, refs


def _articles(count: int, users, rng: random.Random, now: datetime, advance) -> list[int]:
    states = [s for s, _ in STATE_WEIGHTS]
    weights = [w for _, w in STATE_WEIGHTS]
    article_id, revision_id = _next_id(Article), _next_id(Revision)
    reference_id, report_id = _next_id(Reference), _next_id(CitationReport)
    assignment_id, review_id = _next_id(Assignment), _next_id(Review)
    signature_id, waiver_id = _next_id(Signature), _next_id(CitationWaiver)
    report_row_id = _next_id(ReaderReport)
    authors, reviewers, editors = users["author"], users["reviewer"], users["editor"]
    ids: list[int] = []
    rows: dict = {m: [] for m in (Article, ArticleTag, Revision, Reference, CitationReport,
                                  Assignment, Review, Signature, CitationWaiver,
                                  ReaderReport)}

    def flush():
        # Articles first: revisions point at them, they at revisions (deferred below).
        for model in rows:
            _insert(model, rows[model])
            rows[model].clear()

    chunk = approved_seen = 0
    for i in range(count):
        # Every state among the first articles, whatever the count.
        state = states[i] if i < len(states) else rng.choices(states, weights)[0]
        aid = article_id
        article_id += 1
        ids.append(aid)
        author = authors[i % len(authors)]
        created = now - timedelta(days=730) + timedelta(days=700) * (i / max(count, 1))
        # An approved article may have an update with the board (approved != current).
        update_in_review = state == S.UNDER_REVIEW and i % 3 == 0
        n_revs = rng.randint(1, 3) + (1 if update_in_review else 0)
        frozen_all = state not in (S.DRAFT,)
        rev_ids = []
        approved_rev = None
        for number in range(1, n_revs + 1):
            rid = revision_id
            revision_id += 1
            rev_ids.append(rid)
            title, body, refs = _content(rng, aid, number)
            last = number == n_revs
            frozen = frozen_all or not last
            moment = created + timedelta(days=number * 3)
            approved_at = None
            if (state == S.APPROVED and last) or (update_in_review and number == n_revs - 1):
                approved_at, approved_rev = moment + timedelta(days=2), rid
            rows[Revision].append({
                "id": rid, "article_id": aid, "number": number, "title": title, "body": body,
                "content_hash": content_hash(title, body, refs) if frozen else None,
                "frozen_at": moment if frozen else None, "approved_at": approved_at,
                "created_at": moment, "updated_at": moment, "created_by_id": author[0]})
            for position, raw in enumerate(refs, start=1):
                k = aid * 7 + position
                rows[Reference].append({
                    "id": reference_id, "revision_id": rid, "position": position,
                    "raw_text": raw, "doi": f"10.1000/jcm.{k}", "pmid": str(30000000 + k),
                    "pmcid": None, "isbn": None, "url": None, "year": 2012 + (aid + position) % 13})
                reference_id += 1
            findings = []
            if number % 2 == 0 or state == S.CHANGES_REQUESTED:
                findings.append({"key": f"unsupported-number:{aid}:{number}", "code":
                                 "unsupported-number", "severity": "warning",
                                 "message": "A figure without a citation in its sentence.",
                                 "reference": None, "marker": None,
                                 "sentence": "Symptoms improved in 62% of patients.",
                                 "offset": 120})
            if state == S.UNDER_REVIEW and last and i % 5 == 1:
                findings.append({"key": f"old-reference:{aid}:1", "code": "old-reference",
                                 "severity": "error", "message": "Reference 1 is old.",
                                 "reference": 1, "marker": None, "sentence": None,
                                 "offset": None})
                rows[CitationWaiver].append({
                    "id": waiver_id, "article_id": aid, "finding_key": f"old-reference:{aid}:1",
                    "code": "old-reference", "message": "Reference 1 is old.",
                    "reason": "Still the reference study.", "waived_by_id": editors[0][0],
                    "waived_at": moment})
                waiver_id += 1
            rows[CitationReport].append({
                "id": report_id, "revision_id": rid, "checked_at": moment,
                "error_count": sum(f["severity"] == "error" for f in findings),
                "warning_count": sum(f["severity"] == "warning" for f in findings),
                "info_count": 0, "findings": findings})
            report_id += 1
        current = rev_ids[-1]
        current_title, current_body, current_refs = title, body, refs  # the last revision's
        rows[Article].append({
            "id": aid, "slug": f"article-{aid}", "author_id": author[0], "state": state,
            "version": n_revs * 2, "current_revision_id": None, "approved_revision_id": None,
            "created_at": created, "updated_at": created + timedelta(days=n_revs * 3 + 2),
            "rereview_reason": "A cited work was retracted." if (
                state == S.APPROVED and i % 50 == 7) else None,
            "rereview_flagged_at": now - timedelta(days=3) if (
                state == S.APPROVED and i % 50 == 7) else None,
            "_current": current, "_approved": approved_rev})
        for tag in rng.sample(SPECIALTIES, rng.randint(1, 2)):
            rows[ArticleTag].append({"article_id": aid, "name": tag})

        # Assignments, reviews and signatures of the current revision.
        if state not in (S.DRAFT, S.SUBMITTED, S.WITHDRAWN) or update_in_review:
            pair = rng.sample(reviewers, 3)
            editor = editors[i % len(editors)]
            plan = {
                S.APPROVED: [(COMPLETED, APPROVE), (COMPLETED, APPROVE), (DECLINED, None)],
                S.UNDER_REVIEW: [(ACCEPTED, None), (INVITED, None),
                                 (COMPLETED, APPROVE) if i % 2 else (DECLINED, None)],
                S.CHANGES_REQUESTED: [(COMPLETED, REQUEST_CHANGES), (COMPLETED, APPROVE),
                                      (ASSIGNMENT_WITHDRAWN, None)],
                S.REJECTED: [(COMPLETED, REQUEST_CHANGES), (ASSIGNMENT_WITHDRAWN, None)],
            }[state]
            for (a_state, decision), reviewer in zip(plan, pair, strict=False):
                invited = created + timedelta(days=n_revs * 3 + 1)
                # Some open reviews are overdue, the rest due in the coming weeks.
                due = (now - timedelta(days=2)) if i % 4 == 0 else now + timedelta(days=14)
                rows[Assignment].append({
                    "id": assignment_id, "article_id": aid, "reviewer_id": reviewer[0],
                    "assigned_by_id": editor[0], "state": a_state, "due_at": due,
                    "invited_at": invited,
                    "responded_at": None if a_state == INVITED else invited + timedelta(days=1),
                    "competing_interests": "none" if a_state in (ACCEPTED, COMPLETED) else None,
                    "decline_reason": "On leave" if a_state == DECLINED else None,
                    "last_reminded_on": None})
                if decision:
                    rows[Review].append({
                        "id": review_id, "assignment_id": assignment_id, "article_id": aid,
                        "revision_id": current, "reviewer_id": reviewer[0],
                        "decision": decision,
                        "comment": "Accurate and well referenced." if decision == APPROVE
                        else "Please cite a source for the dose in paragraph 2.",
                        "created_at": invited + timedelta(days=2)})
                    if decision == APPROVE:
                        rows[Signature].append({
                            "id": signature_id, "review_id": review_id, "user_id": reviewer[0],
                            "printed_name": reviewer[1], "signed_at": invited + timedelta(days=2),
                            "meaning": SIGNATURE_MEANING,
                            "content_hash": content_hash(current_title, current_body,
                                                         current_refs)})
                        signature_id += 1
                    review_id += 1
                assignment_id += 1
        approved_seen += state == S.APPROVED
        if state == S.APPROVED and approved_seen % 20 in (1, 2):  # one in ten, half resolved
            resolved = approved_seen % 20 == 2
            rows[ReaderReport].append({
                "id": report_row_id, "article_id": aid, "revision_id": approved_rev,
                "message": "The dose in paragraph 2 looks wrong.", "email": None,
                "ip": "192.0.2.10", "created_at": now - timedelta(days=5),
                "status": RESOLVED if resolved else OPEN,
                "resolved_by_id": editors[0][0] if resolved else None,
                "resolved_at": now - timedelta(days=1) if resolved else None,
                "resolution": "Checked: the dose is right." if resolved else None})
            report_row_id += 1

        chunk += 1
        if len(rows[Reference]) >= BATCH * 4 or i == count - 1:
            links = [(a.pop("_current"), a.pop("_approved"), a["id"]) for a in rows[Article]]
            flush()
            _link_revisions(links)
            advance(chunk)
            chunk = 0
    _reset_sequences([Article, Revision, Reference, CitationReport, Assignment, Review,
                      Signature, CitationWaiver, ReaderReport])
    return ids


def _link_revisions(links: list[tuple]) -> None:
    """Articles' current and approved revisions, set once both rows exist."""
    table = Article.__table__
    statement = (update(table).where(table.c.id == bindparam("aid"))
                 .values(current_revision_id=bindparam("cur"),
                         approved_revision_id=bindparam("appr")))
    params = [{"aid": aid, "cur": cur, "appr": appr} for cur, appr, aid in links]
    for start in range(0, len(params), BATCH):
        db.session.connection().execute(statement, params[start:start + BATCH])


def _events(count: int, users, article_ids: list[int], rng: random.Random, now: datetime,
            advance) -> None:
    """`count` events continuing the chain from the current head."""
    head = db.session.execute(select(AuditHead).where(AuditHead.id == HEAD_ID)
                              .with_for_update()).scalar_one()
    seq, prev = head.seq, head.hash
    key = hmac_key()
    people = [u for role in ("author", "reviewer", "editor", "admin") for u in users[role]]
    actions = [a for a, _ in EVENT_ACTIONS]
    weights = [w for _, w in EVENT_ACTIONS]
    # Spread over the last two years, oldest first, never after now.
    start = now - timedelta(days=730)
    step = timedelta(days=729) / max(count, 1)
    table = AuditEvent.__table__
    batch = []
    for n in range(count):
        seq += 1
        action = actions[n] if n < len(actions) else rng.choices(actions, weights)[0]
        actor = rng.choice(people)
        moment = start + step * n
        if action.startswith("user.") or action == "access.denied":
            object_type, object_id, article_id = "user", str(actor[0]), None
            details = ({"path": f"/desk/articles/{rng.choice(article_ids)}"}
                       if action == "access.denied" and article_ids else {})
        elif article_ids:
            article_id = rng.choice(article_ids)
            object_type, object_id = "article", str(article_id)
            details = {"revision": rng.randint(1, 3)}
            if action.startswith(("assignment.", "review.")):
                object_type = action.split(".", 1)[0]
                details["reviewer"] = rng.choice(users["reviewer"])[1]
        else:
            object_type, object_id, article_id, details = None, None, None, {}
        values = (seq, moment, actor[0], actor[1], actor[2],
                  f"198.51.100.{n % 250 + 1}", action, object_type, object_id, article_id,
                  None, details)
        canonical = chain.canonical_json(chain_fields_of(values))
        digest = chain.link_hash(prev, canonical, key)
        batch.append({"seq": seq, "occurred_at": moment, "actor_id": actor[0],
                      "actor_name": actor[1], "actor_email": actor[2], "ip": values[5],
                      "action": action, "object_type": object_type, "object_id": object_id,
                      "article_id": article_id, "reason": None, "details": details,
                      "canonical": canonical, "prev_hash": prev, "hash": digest})
        prev = digest
        if len(batch) >= BATCH or n == count - 1:
            db.session.execute(insert(table), batch)
            advance(len(batch))
            batch.clear()
    db.session.execute(update(AuditHead.__table__).where(AuditHead.__table__.c.id == HEAD_ID)
                       .values(seq=seq, hash=prev))
