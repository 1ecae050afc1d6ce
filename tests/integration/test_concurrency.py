"""Races between reviewers and the editor, on SQLite and on PostgreSQL.

DESIGN §2: each command runs in one transaction that locks the article row
(SELECT … FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite); two reviewers
approving at once both count and the article is approved exactly once; a
stale form changes nothing.

Each race starts its contenders in threads released together by a
threading.Barrier, and is repeated on a fresh article so that a flaky
outcome shows up. Service-level contenders run in an app context of their own
(so each has its own session and connection) and begin their transactions
IMMEDIATE on SQLite, as the app does outside a request: the DEFERRED mode
that the `app` fixture sets is for the test's own reads in the main thread.
"""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article
from reviewapp.articles.services import DraftContent, create_article
from reviewapp.audit.models import AuditEvent
from reviewapp.audit.services import verify_chain
from reviewapp.db import sqlite_begin_mode, utcnow
from reviewapp.errors import DomainError, TransitionRefused
from reviewapp.extensions import db
from reviewapp.reviews.models import ACCEPTED, COMPLETED, Assignment, Review, Signature
from reviewapp.workflow import review_commands
from reviewapp.workflow import services as workflow
from tests.conftest import PASSWORD

REPETITIONS = 5
TIMEOUT = 60  # seconds; a deadlock fails the test instead of hanging it


# --- arranging ---------------------------------------------------------------

class People:
    def __init__(self, make_user):
        self.author = make_user(roles=["author"], name="Alice Author")
        self.editor = make_user(roles=["editor"], name="Eddie Editor")
        self.reviewers = [make_user(roles=["reviewer"], name=f"Dr. Reviewer {n}")
                          for n in (1, 2)]


@pytest.fixture
def people(make_user):
    return People(make_user)


def article_under_review(rows, people, title, approved_by=()) -> int:
    """A fresh article, submitted, both reviewers assigned and accepted, and
    approved by `approved_by` already; arranged with the services, one commit."""
    with rows() as session:
        get = session.get
        author, editor = get(User, people.author.id), get(User, people.editor.id)
        article = create_article(author, DraftContent(
            title=title, body="Ibuprofen helps [1].",
            references_text="1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1", tags=[]))
        workflow.submit_article(article.id, author, None)
        due = utcnow() + timedelta(days=7)
        for reviewer in people.reviewers:
            reviewer = get(User, reviewer.id)
            assignment = review_commands.assign_reviewer(article.id, editor, None, reviewer.id, due)
            review_commands.accept_assignment(assignment.id, reviewer, "none")
        for reviewer in approved_by:
            assert review_commands.approve_revision(article.id, get(User, reviewer.id), None,
                                            PASSWORD) is not None
        session.commit()
        return article.id


def outcome(rows, article_id) -> dict:
    with rows() as session:
        def count(model, *where):
            return session.scalar(select(func.count()).select_from(model).where(*where))

        def events(action):
            return count(AuditEvent, AuditEvent.action == action,
                         AuditEvent.article_id == article_id)

        article = session.get(Article, article_id)
        return {
            "state": article.state,
            "version": article.version,
            "approved_revision": article.approved_revision_id == article.current_revision_id,
            "reviews": count(Review, Review.article_id == article_id),
            "signatures": count(Signature, Signature.review_id.in_(
                select(Review.id).where(Review.article_id == article_id))),
            "reviewers_approved": set(session.scalars(select(Review.reviewer_id).where(
                Review.article_id == article_id))),
            "assignments": dict(session.execute(select(
                Assignment.reviewer_id, Assignment.state).where(
                Assignment.article_id == article_id)).all()),
            "approved_events": events("article.approved"),
            "rejected_events": events("article.rejected"),
            "review_events": events("review.approved"),
        }


def chain_is_intact(app):
    with app.app_context():
        result = verify_chain()
        db.session.rollback()
    assert result.ok, result.message


# --- running contenders at the same instant ----------------------------------

def race(*contenders):
    """Run each contender(barrier) in its own thread; every one calls
    barrier.wait() when ready, so their commands start together. Returns what
    each returned or raised, in order."""
    barrier = threading.Barrier(len(contenders), timeout=TIMEOUT)
    results = [None] * len(contenders)

    def run(n, contender):
        try:
            results[n] = ("ok", contender(barrier))
        except BaseException as error:  # reported to the test, never lost in a thread
            barrier.abort()
            results[n] = ("error", error)

    threads = [threading.Thread(target=run, args=(n, c), daemon=True)
               for n, c in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a contender hung (deadlock?)"
    return results


def in_service(app, user_id, article_id, command):
    """A contender that reads the actor and the article's version in its own
    app context, releases its transaction, waits at the barrier, then runs
    command(actor, version) and commits, as a CLI or worker would."""
    def contender(barrier):
        token = sqlite_begin_mode.set("IMMEDIATE")  # what the app does outside a request
        try:
            with app.app_context():
                try:
                    actor = db.session.get(User, user_id)
                    version = db.session.get(Article, article_id).version
                    # The read transaction ends here: holding SQLite's write lock
                    # at the barrier would serialise the race before it starts.
                    db.session.rollback()
                    barrier.wait()
                    result = command(actor, version)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()
        finally:
            sqlite_begin_mode.reset(token)
    return contender


def assert_only_domain_errors(results):
    for kind, value in results:
        if kind == "error":
            assert "database is locked" not in str(value), value
            assert isinstance(value, DomainError), repr(value)


# --- (a) two reviewers approving at once --------------------------------------

def test_two_reviewers_approving_at_once_both_count_and_approve_once(app, rows, people):
    """Service-level race. The version is passed as None on purpose: each
    reviewer read the same version before the barrier, and a version check
    would turn whichever commits second into a stale form. DESIGN says the two
    approvals both count, which is what the command itself guarantees under
    the article lock (the web form, which does pass the version, is raced
    below)."""
    r1, r2 = people.reviewers
    for n in range(REPETITIONS):
        article_id = article_under_review(rows, people, f"Race {n}")
        versions = {}

        def approve(actor, version, article_id=article_id, versions=versions):
            versions[actor.id] = version  # read before the barrier; not passed, see above
            return review_commands.approve_revision(article_id, actor, None, PASSWORD)

        results = race(in_service(app, r1.id, article_id, approve),
                       in_service(app, r2.id, article_id, approve))
        assert_only_domain_errors(results)
        assert [kind for kind, _ in results] == ["ok", "ok"], (n, results)
        assert all(signature is not None for _, signature in results)
        assert len(set(versions.values())) == 1, versions  # both saw the same article

        state = outcome(rows, article_id)
        assert state["state"] == "approved", (n, state)
        assert state["approved_revision"]
        assert state["reviews"] == 2 and state["signatures"] == 2, (n, state)
        assert state["reviewers_approved"] == {r1.id, r2.id}
        assert state["review_events"] == 2
        assert state["approved_events"] == 1, (n, state)
        assert set(state["assignments"].values()) == {COMPLETED}
    chain_is_intact(app)


class Browser:
    """A logged-in test client that reads the version and the content hash off a page and
    takes its CSRF token before the race, so the race itself is one POST."""

    def __init__(self, app, user):
        self.client = app.test_client()
        response = self.client.post("/login", data={"email": user.email,
                                                     "password": PASSWORD})
        assert response.status_code == 302

    def form(self, article_id, page="review"):
        html = self.client.get(f"/desk/articles/{article_id}/{page}".rstrip("/")
                               ).get_data(as_text=True)
        fields = {"csrf_token": self.client.csrf_token()}
        for name, pattern in (("content_hash", "[0-9a-f]{64}"), ("version", r"\d+")):
            match = re.search(rf'name="{name}" type="hidden" value="({pattern})"', html)
            if match:
                fields[name] = match.group(1)
        assert len(fields) > 1, html
        return fields

    def contender(self, path, data):
        def post(barrier):
            barrier.wait()
            return self.client.post(path, data=data, csrf=False)
        return post


def test_two_reviewers_posting_approve_at_once_through_the_web(app, rows, people):
    """The approve form is bound to the content hash of the revision on screen,
    not to the article's version: two reviewers signing the same revision at
    the same instant both count, and the article is approved exactly once."""
    r1, r2 = people.reviewers
    browsers = {r.id: Browser(app, r) for r in (r1, r2)}
    for n in range(REPETITIONS):
        article_id = article_under_review(rows, people, f"Web race {n}")
        path = f"/desk/articles/{article_id}/approve"
        forms = {rid: b.form(article_id) for rid, b in browsers.items()}
        assert forms[r1.id]["content_hash"] == forms[r2.id]["content_hash"]
        results = race(*(browsers[rid].contender(path, {**forms[rid], "password": PASSWORD})
                         for rid in (r1.id, r2.id)))
        assert_only_domain_errors(results)
        assert [kind for kind, _ in results] == ["ok", "ok"], (n, results)
        codes = sorted(response.status_code for _, response in results)
        assert codes == [302, 302], (n, codes)
        state = outcome(rows, article_id)
        assert state["state"] == "approved", (n, state)
        assert state["reviews"] == 2 and state["signatures"] == 2
        assert state["reviewers_approved"] == {r1.id, r2.id}
        assert state["approved_events"] == 1 and state["review_events"] == 2
    chain_is_intact(app)


# --- (b) an approval racing the editor's rejection ----------------------------

def assert_one_consistent_end(state, approve_result, reject_result, second_reviewer, n):
    """Exactly one of the two commands went through, and the rows say which."""
    kinds = (approve_result[0], reject_result[0])
    assert sorted(kinds) == ["error", "ok"], (n, approve_result, reject_result)
    loser = approve_result if approve_result[0] == "error" else reject_result
    # The state machine is asked before the version, so the loser is told the
    # state changed (not merely that its form is stale).
    assert isinstance(loser[1], TransitionRefused), (n, loser)
    if approve_result[0] == "ok":
        assert state["state"] == "approved", (n, state)
        assert state["signatures"] == 2 and state["reviews"] == 2
        assert state["approved_events"] == 1 and state["rejected_events"] == 0
        assert "no longer" in str(loser[1]) or "not possible" in str(loser[1])
    else:
        assert state["state"] == "rejected", (n, state)
        assert state["signatures"] == 1 and state["reviews"] == 1
        assert second_reviewer not in state["reviewers_approved"]
        assert state["assignments"][second_reviewer] == ACCEPTED
        assert state["approved_events"] == 0 and state["rejected_events"] == 1
        assert not state["approved_revision"]
        assert "Rejected" in str(loser[1])


def test_final_approval_racing_rejection_ends_in_one_consistent_state(app, rows, people):
    """Reviewer 1 has approved; reviewer 2's approval (which would approve the
    article) races the editor's rejection. The editor passes the version read
    before the barrier, the reviewer the content hash, as their forms would."""
    r1, r2 = people.reviewers
    winners = []
    for n in range(REPETITIONS):
        article_id = article_under_review(rows, people, f"Reject race {n}", approved_by=[r1])

        def approve(actor, version, article_id=article_id):
            with_hash = db.session.get(Article, article_id).current_revision.content_hash
            return review_commands.approve_revision(article_id, actor, with_hash, PASSWORD)

        def reject(actor, version, article_id=article_id):
            return workflow.reject_article(article_id, actor, version, "Out of scope.")

        approve_result, reject_result = race(in_service(app, r2.id, article_id, approve),
                                             in_service(app, people.editor.id, article_id,
                                                        reject))
        assert_only_domain_errors([approve_result, reject_result])
        state = outcome(rows, article_id)
        assert_one_consistent_end(state, approve_result, reject_result, r2.id, n)
        winners.append("approve" if approve_result[0] == "ok" else "reject")
    chain_is_intact(app)
    print(f"approve vs reject, service level: winners {winners}")


def test_final_approval_racing_rejection_through_the_web(app, rows, people):
    """The same race as two browsers: the winner is redirected, the loser gets
    409 naming the new state, and no request fails with 500."""
    r1, r2 = people.reviewers
    reviewer, editor = Browser(app, r2), Browser(app, people.editor)
    winners = []
    for n in range(REPETITIONS):
        article_id = article_under_review(rows, people, f"Web reject race {n}",
                                          approved_by=[r1])
        approve_form = reviewer.form(article_id)
        reject_form = editor.form(article_id, page="")
        results = race(
            reviewer.contender(f"/desk/articles/{article_id}/approve",
                               {**approve_form, "password": PASSWORD}),
            editor.contender(f"/desk/articles/{article_id}/reject",
                             {**reject_form, "reason": "Out of scope."}))
        assert_only_domain_errors(results)
        assert [kind for kind, _ in results] == ["ok", "ok"], (n, results)
        approve_response, reject_response = (response for _, response in results)
        codes = sorted([approve_response.status_code, reject_response.status_code])
        assert codes == [302, 409], (n, codes)
        loser = approve_response if approve_response.status_code == 409 else reject_response
        assert "now: Rejected" in loser.get_data(as_text=True) or \
            "while the article is Approved" in loser.get_data(as_text=True)

        state = outcome(rows, article_id)
        if approve_response.status_code == 302:
            winners.append("approve")
            assert state["state"] == "approved", (n, state)
            assert state["signatures"] == 2
            assert state["approved_events"] == 1 and state["rejected_events"] == 0
        else:
            winners.append("reject")
            assert state["state"] == "rejected", (n, state)
            assert state["signatures"] == 1 and r2.id not in state["reviewers_approved"]
            assert state["approved_events"] == 0 and state["rejected_events"] == 1
    chain_is_intact(app)
    print(f"approve vs reject, web: winners {winners}")


# --- two new drafts with the same title ---------------------------------------

def test_two_authors_creating_same_titled_articles_at_once_both_get_a_slug(app, rows,
                                                                          make_user):
    """create_article picks the first free slug, then inserts it. Two authors
    saving a draft with the same title at once must both get their draft
    (with different slugs), not a unique-constraint error (a 500 on the web)."""
    authors = [make_user(roles=["author"]) for _ in range(2)]
    with rows() as session:  # the contenders read some article's version; any will do
        anchor = create_article(session.get(User, authors[0].id), DraftContent(
            title="Anchor", body="", references_text="", tags=[])).id
        session.commit()
    for n in range(REPETITIONS):
        def create(actor, version, n=n):
            return create_article(actor, DraftContent(
                title=f"Paracetamol in fever {n}", body="", references_text="", tags=[])).slug

        results = race(*(in_service(app, a.id, anchor, create) for a in authors))
        assert_only_domain_errors(results)
        assert [kind for kind, _ in results] == ["ok", "ok"], (n, results)
        slugs = sorted(slug for _, slug in results)
        assert slugs == [f"paracetamol-in-fever-{n}", f"paracetamol-in-fever-{n}-2"]
    chain_is_intact(app)
