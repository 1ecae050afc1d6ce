"""Lists and dashboards cost a fixed number of SQL statements, whatever the
number of rows they show (no N+1 queries), on SQLite and on PostgreSQL.

Each page is requested once with a few rows and once with many, counting
the statements sent to the app's engine during the request; the two counts
must be equal. Transaction control (SQLite's BEGIN) is left out of the count
so that both backends count the same things.
"""

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from reviewapp.accounts.models import User
from reviewapp.accounts.services import create_user
from reviewapp.articles.models import Article
from reviewapp.articles.services import DraftContent, create_article, save_draft
from reviewapp.db import utcnow
from reviewapp.extensions import cache, db
from reviewapp.reviews.models import Assignment
from reviewapp.workflow import review_commands
from reviewapp.workflow import services as workflow
from tests.conftest import PASSWORD

FEW, MANY = 5, 50
COUNTS: dict[str, dict[int, int]] = {}  # page -> rows -> statements, printed at the end


def statements_during(app, client, url, *, cached: bool = False,
                      status: int = 200, headers=None) -> tuple[list[str], str]:
    """The SQL statements the app's engine executes while serving GET url: the page
    made anew (the public page cache emptied first), or with `cached` as it is kept."""
    with app.app_context():
        engine = db.engine
        if not cached:
            cache.clear()
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    page = response.get_data(as_text=True)
    assert response.status_code == status, page
    return [s for s in seen if not s.lstrip().upper().startswith("BEGIN")], page


def measure(app, client, url, label, rows_shown) -> tuple[list[str], str]:
    client.get(url)  # warm-up: anything done once per session is not counted
    statements, page = statements_during(app, client, url)
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+", 1)[0]
    COUNTS.setdefault(f"{label} [{backend}]", {})[rows_shown] = len(statements)
    return statements, page


def assert_same_count(label, few: list[str], many: list[str], sizes=(FEW, MANY)):
    assert len(few) == len(many), (
        f"{label}: {len(few)} statements with {sizes[0]} rows, {len(many)} with {sizes[1]}:\n"
        + "\n---\n".join(many))


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    for label, counts in sorted(COUNTS.items()):
        print(f"\nstatements per request: {label}: "
              + ", ".join(f"{rows} rows -> {n}" for rows, n in sorted(counts.items())))


class Arrange:
    """Builds rows with the services in one app context and commits once."""

    def __init__(self, app, rows):
        self.app, self.rows = app, rows
        self.serial = itertools.count(1)

    def user(self, role) -> User:
        n = next(self.serial)
        return create_user(email=f"{role}-{n}@example.org", display_name=f"{role.title()} {n}",
                           password=PASSWORD, roles=[role])

    def article(self, author: User, title: str) -> int:
        return create_article(author, DraftContent(
            title=title, body="Ibuprofen helps [1].",
            references_text="1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1",
            tags=["pain medicine", f"tag {next(self.serial)}"])).id

    @staticmethod
    def assign(article_id, editor, reviewer, days=7) -> Assignment:
        return review_commands.assign_reviewer(article_id, editor, None, reviewer.id,
                                       utcnow() + timedelta(days=days))


@pytest.fixture
def arrange(app, rows):
    return Arrange(app, rows)


@pytest.fixture
def logged_in(app):
    def login(user):
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return client
    return login


def test_my_articles(app, rows, arrange, make_user, logged_in):
    author = make_user(roles=["author"])
    editor = make_user(roles=["editor"])
    client = logged_in(author)

    def add(n, start):
        with rows() as session:
            me, ed = session.get(User, author.id), session.get(User, editor.id)
            for i in range(start, start + n):
                article_id = arrange.article(me, f"My article {i}")
                if i % 3:
                    workflow.submit_article(article_id, me, None)
                if i % 3 == 2:
                    workflow.reject_article(article_id, ed, None, "Out of scope.")
            session.commit()

    add(FEW, 0)
    few, page = measure(app, client, "/desk/articles/", "My articles", FEW)
    assert "My article 4" in page
    add(MANY - FEW, FEW)
    many, page = measure(app, client, "/desk/articles/", "My articles", MANY)
    assert "My article 49" in page
    assert_same_count("My articles", few, many)


def test_all_articles(app, rows, arrange, make_user, logged_in):
    editor = make_user(roles=["editor"])
    client = logged_in(editor)

    def add(n, start):
        with rows() as session:
            for i in range(start, start + n):
                author = arrange.user("author")  # one author each: an N+1 would show
                article_id = arrange.article(author, f"Any article {i}")
                if i % 2:
                    workflow.submit_article(article_id, author, None)
            session.commit()

    add(FEW, 0)
    few, page = measure(app, client, "/desk/articles/all", "All articles", FEW)
    assert "Any article 4" in page
    add(MANY - FEW, FEW)
    many, page = measure(app, client, "/desk/articles/all", "All articles", MANY)
    assert "Any article 49" in page and "Any article 0<" not in page  # one page of 25
    assert_same_count("All articles", few, many)


def test_editor_dashboard(app, rows, arrange, make_user, logged_in):
    """Each row: an article needing reviewers, and one under review with an
    approval (by a reviewer who declared competing interests: the dashboard's
    "Competing interests declared" section, one statement more than before it
    was there, whatever its rows) and an overdue invitation, each by other people."""
    editor = make_user(roles=["editor"])
    client = logged_in(editor)

    def add(n, start):
        with rows() as session:
            ed = session.get(User, editor.id)
            for i in range(start, start + n):
                author = arrange.user("author")
                waiting = arrange.article(author, f"Needs reviewers {i}")
                workflow.submit_article(waiting, author, None)

                author = arrange.user("author")
                reviewed = arrange.article(author, f"Being reviewed {i}")
                workflow.submit_article(reviewed, author, None)
                approver, late = arrange.user("reviewer"), arrange.user("reviewer")
                assignment = arrange.assign(reviewed, ed, approver)
                review_commands.accept_assignment(assignment.id, approver,
                                                  f"Shares in drug maker {i}")
                assert review_commands.approve_revision(reviewed, approver, None, PASSWORD)
                arrange.assign(reviewed, ed, late).due_at = utcnow() - timedelta(days=1)
            session.commit()

    add(FEW, 0)
    few, page = measure(app, client, "/desk/editor", "Editor dashboard", FEW)
    assert "Needs reviewers 4" in page and "Being reviewed 4" in page
    assert "1 of 2" in page and "Shares in drug maker 4" in page
    add(MANY - FEW, FEW)
    many, page = measure(app, client, "/desk/editor", "Editor dashboard", MANY)
    assert page.count("1 of 2") == app.config["PAGE_SIZE"]
    assert page.count("Shares in drug maker") == app.config["PAGE_SIZE"]
    assert "Shares in drug maker 49" in page  # newest declaration first
    assert_same_count("Editor dashboard", few, many)


def test_reviewer_queue(app, rows, arrange, make_user, logged_in):
    """Each row: one invitation to answer and one accepted review, on
    articles by different authors."""
    reviewer = make_user(roles=["reviewer"])
    editor = make_user(roles=["editor"])
    client = logged_in(reviewer)

    def add(n, start):
        with rows() as session:
            me, ed = session.get(User, reviewer.id), session.get(User, editor.id)
            for i in range(start, start + n):
                for kind in ("Invited", "Accepted"):
                    author = arrange.user("author")
                    article_id = arrange.article(author, f"{kind} {i}")
                    workflow.submit_article(article_id, author, None)
                    assignment = arrange.assign(article_id, ed, me, days=1 + i)
                    if kind == "Accepted":
                        review_commands.accept_assignment(assignment.id, me, "none")
            session.commit()

    add(FEW, 0)
    few, page = measure(app, client, "/desk/reviews", "Reviewer queue", FEW)
    assert "Invited 4" in page and "Accepted 4" in page
    add(MANY - FEW, FEW)
    many, page = measure(app, client, "/desk/reviews", "Reviewer queue", MANY)
    assert "Invited 24" in page and "Accepted 24" in page
    assert_same_count("Reviewer queue", few, many)


def test_invitation_page(app, rows, arrange, make_user, logged_in):
    """The invitation page (GET /desk/assignments/<id>), as the invited reviewer
    and as an editor, with 2 references and 2 other reviewers invited, then
    with 40 of each: the revision, its report, the due date and who invited."""
    reviewer = make_user(roles=["reviewer"])
    editor = make_user(roles=["editor"])

    def invitation(n) -> int:
        with rows() as session:
            author, ed = arrange.user("author"), session.get(User, editor.id)
            article_id = create_article(author, DraftContent(
                title=f"Invitation with {n}", body=" ".join(
                    f"Finding {i} [{i}]." for i in range(1, n + 1)),
                references_text="\n".join(f"{i}. Doe J. Study {i}. BMJ. 2020. "
                                          f"doi:10.1136/bmj.m{i}" for i in range(1, n + 1)),
                tags=[])).id
            workflow.submit_article(article_id, author, None)
            for _ in range(n):
                arrange.assign(article_id, ed, arrange.user("reviewer"))
            mine = arrange.assign(article_id, ed, session.get(User, reviewer.id)).id
            session.commit()
            return mine

    clients = {"Invitation page (reviewer)": logged_in(reviewer),
               "Invitation page (editor)": logged_in(editor)}
    few_id, many_id = invitation(2), invitation(40)
    for label, client in clients.items():
        few, page = measure(app, client, f"/desk/assignments/{few_id}", label, 2)
        assert "Invitation with 2" in page and page.count('<li id="ref-') == 2
        many, page = measure(app, client, f"/desk/assignments/{many_id}", label, 40)
        assert "Invitation with 40" in page and page.count('<li id="ref-') == 40
        assert_same_count(label, few, many, sizes=(2, 40))


def test_article_page_with_2_and_6_reviews(app, rows, arrange, make_user, logged_in):
    """The article page (as editor and as author) and the review page (as a
    reviewer) with two reviews, then six, each with its e-signature."""
    app.config["REQUIRED_APPROVALS"] = 10  # stays under review while reviews pile up
    author = make_user(roles=["author"])
    editor = make_user(roles=["editor"])
    first_reviewer = make_user(roles=["reviewer"])
    with rows() as session:
        article_id = arrange.article(session.get(User, author.id), "Reviewed article")
        workflow.submit_article(article_id, session.get(User, author.id), None)
        session.commit()

    def add_reviews(n):
        with rows() as session:
            ed = session.get(User, editor.id)
            for _ in range(n):
                if session.scalar(select(Assignment.id).where(
                        Assignment.reviewer_id == first_reviewer.id)) is None:
                    reviewer = session.get(User, first_reviewer.id)
                else:
                    reviewer = arrange.user("reviewer")
                assignment = arrange.assign(article_id, ed, reviewer)
                review_commands.accept_assignment(assignment.id, reviewer, "none")
                assert review_commands.approve_revision(article_id, reviewer, None, PASSWORD)
            session.commit()

    pages = {"Article page (editor)": (editor, f"/desk/articles/{article_id}"),
             "Article page (author)": (author, f"/desk/articles/{article_id}"),
             "Review page (reviewer)": (first_reviewer, f"/desk/articles/{article_id}/review")}
    clients = {label: logged_in(user) for label, (user, _) in pages.items()}
    counts = {}
    for n_reviews, added in ((2, 2), (6, 4)):
        add_reviews(added)
        for label, (_, url) in pages.items():
            statements, page = measure(app, clients[label], url, label, n_reviews)
            assert page.count("Signed by <strong>") == n_reviews, label
            counts.setdefault(label, []).append(statements)
    for label, (with_two, with_six) in counts.items():
        assert_same_count(label, with_two, with_six, sizes=(2, 6))


def test_article_page_with_few_and_many_available_reviewers(app, rows, arrange, make_user,
                                                            logged_in):
    """The assign form offers the best REVIEWER_SUGGESTIONS reviewers, ranked in
    SQL, whatever the size of the board; a search finds the others."""
    app.config["REVIEWER_SUGGESTIONS"] = 4
    author = make_user(roles=["author"])
    editor = make_user(roles=["editor"])
    with rows() as session:
        article_id = arrange.article(session.get(User, author.id), "Needs reviewers")
        workflow.submit_article(article_id, session.get(User, author.id), None)
        session.commit()
    client = logged_in(editor)
    url = f"/desk/articles/{article_id}"

    def board(n, specialties=()):
        return [make_user(roles=["reviewer"], name=f"Board {next(arrange.serial)}",
                          specialties=specialties) for _ in range(n)]

    def offered(page):
        return re.findall(r'<option value="(\d+)"', page)

    board(2)
    few, page = measure(app, client, url, "Article page, reviewers offered", 2)
    assert len(offered(page)) == 2
    matching = board(3, specialties=["pain medicine"])
    others = board(12)
    many, page = measure(app, client, url, "Article page, reviewers offered", 17)
    assert_same_count("Article page, reviewers offered", few, many, sizes=(2, 17))
    shown = offered(page)
    assert len(shown) == 4
    assert set(shown[:3]) == {str(u.id) for u in matching}      # specialty first
    hidden = others[-1]
    assert str(hidden.id) not in shown
    found = client.get(url, query_string={"find": hidden.email.upper()}).get_data(as_text=True)
    assert offered(found) == [str(hidden.id)]
    literal = client.get(url, query_string={"find": "%_"}).get_data(as_text=True)
    assert offered(literal) == [] and "No available reviewer" in literal


def test_review_and_article_pages_with_few_and_many_claims(app, rows, arrange, make_user,
                                                           logged_in):
    """The claims of the revision (issue 14 §4), each with its references, the author's
    supporting passage, the reviewer's verdict and an open warning for the uncited ones:
    the same number of statements for 2 claims as for 30."""
    from reviewapp.citations.engine import list_claims
    from reviewapp.reviews.claims import save_support, save_verdicts

    author, editor = make_user(roles=["author"]), make_user(roles=["editor"])
    reviewer = make_user(roles=["reviewer"])

    def article_with_claims(n: int) -> int:
        body = " ".join(f"Take {i}0 mg twice daily{' [1]' if i % 2 else ''}."
                        for i in range(1, n + 1))
        with rows() as session:
            me = session.get(User, author.id)
            article_id = create_article(me, DraftContent(
                title=f"{n} claims", body=body, tags=[],
                references_text="1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1")).id
            for claim in list_claims(body):
                save_support(article_id, me, None, claim.key, f"Quote for {claim.key}", "p. 1")
            workflow.submit_article(article_id, me, None)
            them = session.get(User, reviewer.id)
            assignment = arrange.assign(article_id, session.get(User, editor.id), them)
            review_commands.accept_assignment(assignment.id, them, "none")
            article = session.get(Article, article_id)
            save_verdicts(article_id, them, article.current_revision.content_hash,
                          {c.key: ("needs_change", "Why?") for c in list_claims(body)})
            session.commit()
            return article_id

    few_id, many_id = article_with_claims(2), article_with_claims(30)
    clients = {"Review page, claims": logged_in(reviewer),
               "Article page, claims (author)": logged_in(author)}
    for label, client in clients.items():
        path = "/review" if "Review" in label else ""
        few, page = measure(app, client, f"/desk/articles/{few_id}{path}", label, 2)
        assert page.count("Supporting passage, from the author") == 2
        many, page = measure(app, client, f"/desk/articles/{many_id}{path}", label, 30)
        assert page.count("Supporting passage, from the author") == 30
        if path:
            assert page.count(">I have checked this</label>") == 15
            assert page.count('value="needs_change">') == 30
        assert_same_count(label, few, many, sizes=(2, 30))


# --- Review rounds (issue 14) ----------------------------------------------------------

def test_article_page_with_1_and_3_rounds(app, rows, arrange, make_user, logged_in):
    """The article page (editor, author) and the review page (reviewer) cost
    the same with two rounds or four, each with its reports and decision."""
    author = make_user(roles=["author"])
    editor = make_user(roles=["editor"])
    reviewers = [make_user(roles=["reviewer"]) for _ in range(2)]
    with rows() as session:
        me = session.get(User, author.id)
        article_id = arrange.article(me, "Reviewed in rounds")
        workflow.submit_article(article_id, me, None)
        for reviewer in reviewers:
            assignment = arrange.assign(article_id, session.get(User, editor.id),
                                        session.get(User, reviewer.id))
            review_commands.accept_assignment(assignment.id, session.get(User, reviewer.id),
                                              "none")
        session.commit()

    rounds = itertools.count(1)

    def another_round():
        """Both reviewers ask for changes, the editor decides, the author resubmits."""
        n = next(rounds)
        with rows() as session:
            me = session.get(User, author.id)
            for reviewer in reviewers:
                review_commands.request_changes(article_id, session.get(User, reviewer.id),
                                                None, f"Round {n}: cite the dose.")
            workflow.decide_changes(article_id, session.get(User, editor.id), None,
                                    f"Letter {n}.")
            save_draft(article_id, me, session.get(Article, article_id).version, DraftContent(
                title="Reviewed in rounds", body=f"Ibuprofen {n}00 mg helps [1].",
                references_text="1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1",
                tags=["pain medicine"]))
            workflow.resubmit_article(article_id, me, None)
            session.commit()

    pages = {"Article page, rounds (editor)": (editor, f"/desk/articles/{article_id}"),
             "Article page, rounds (author)": (author, f"/desk/articles/{article_id}"),
             "Review page, rounds (reviewer)": (reviewers[0],
                                                f"/desk/articles/{article_id}/review")}
    clients = {label: logged_in(user) for label, (user, _) in pages.items()}
    counts = {}
    for rounds_done, added in ((1, 1), (3, 2)):
        for _ in range(added):
            another_round()
        for label, (_, url) in pages.items():
            statements, page = measure(app, clients[label], url, label, rounds_done + 1)
            if "Article page" in label:
                assert page.count('class="mb-3 review-round"') == rounds_done + 1, label
                assert f"Round {rounds_done}: cite the dose." in page, label
            counts.setdefault(label, []).append(statements)
    for label, (with_one, with_three) in counts.items():
        assert_same_count(label, with_one, with_three, sizes=(2, 4))


def test_editor_dashboard_with_few_and_many_decisions_needed(app, rows, arrange, make_user,
                                                             logged_in):
    editor = make_user(roles=["editor"])
    client = logged_in(editor)

    def add(n, start):
        with rows() as session:
            ed = session.get(User, editor.id)
            for i in range(start, start + n):
                author = arrange.user("author")  # each by other people: an N+1 would show
                article_id = arrange.article(author, f"Waiting on the editor {i}")
                workflow.submit_article(article_id, author, None)
                reviewer = arrange.user("reviewer")
                assignment = arrange.assign(article_id, ed, reviewer)
                review_commands.accept_assignment(assignment.id, reviewer, "none")
                review_commands.request_changes(article_id, reviewer, None, "Cite it.")
            session.commit()

    add(FEW, 0)
    few, page = measure(app, client, "/desk/editor", "Editor dashboard, decisions", FEW)
    assert page.count("1 reviewer, since") == FEW
    add(MANY - FEW, FEW)
    many, page = measure(app, client, "/desk/editor", "Editor dashboard, decisions", MANY)
    assert page.count("1 reviewer, since") == app.config["PAGE_SIZE"]
    assert "Waiting on the editor 0<" in page  # oldest first
    assert_same_count("Editor dashboard, decisions", few, many)


def test_review_article_and_edit_pages_with_few_and_many_comments(app, rows, arrange,
                                                                  make_user, logged_in):
    """An article with 2 comments on passages, another with 12, each comment
    with a reply and every other one confidential: the review page (reviewer)
    and the article page (author, editor) under review; then, changes
    requested and the draft revised (every passage found again in the draft),
    those pages and the author's edit page."""
    from reviewapp.articles.models import Article
    from reviewapp.articles.services import save_draft
    from reviewapp.reviews import comments

    author, editor = make_user(roles=["author"]), make_user(roles=["editor"])
    reviewer = make_user(roles=["reviewer"])
    body = "\n\n".join(f"Paragraph {n}: metformin {n}00 mg daily [1]." for n in range(12))
    references = "1. Doe J. Metformin. BMJ. 2020. doi:10.1136/bmj.m1"

    def commented_article(n_comments) -> int:
        with rows() as session:
            me, them = session.get(User, author.id), session.get(User, reviewer.id)
            article_id = create_article(me, DraftContent(
                title=f"Commented {n_comments}", body=body, tags=[],
                references_text=references)).id
            workflow.submit_article(article_id, me, None)
            assignment = arrange.assign(article_id, session.get(User, editor.id), reviewer)
            review_commands.accept_assignment(assignment.id, them, "none")
            revision_id = session.get(Article, article_id).current_revision_id
            for n in range(n_comments):
                comment = comments.add_comment(article_id, them, revision_id, f"Comment {n}",
                                               n % 2 == 1, comments.Passage(paragraph=n))
                comments.reply_to_comment(comment.id, them, f"Reply {n}")
            session.commit()
            return article_id

    def revise(article_id):
        with rows() as session:
            review_commands.request_changes(article_id, session.get(User, reviewer.id), None,
                                            "See my comments.")
            workflow.decide_changes(article_id, session.get(User, editor.id), None,
                                    "See the reviewer's comments.")
            version = session.get(Article, article_id).version
            save_draft(article_id, session.get(User, author.id), version, DraftContent(
                title="Commented", body=body.replace("daily", "a day"), tags=[],
                references_text=references))
            session.commit()

    users = {"reviewer": reviewer, "author": author, "editor": editor}
    clients = {who: logged_in(user) for who, user in users.items()}
    pages = {"under review": [("reviewer", "/review"), ("author", ""), ("editor", "")],
             "revised": [("reviewer", "/review"), ("author", ""), ("editor", ""),
                         ("author", "/edit")]}
    counts = {}
    for n_comments in (2, 12):
        article_id = commented_article(n_comments)
        for stage, seen_by in pages.items():
            if stage == "revised":
                revise(article_id)
            for who, path in seen_by:
                label = f"{'Edit' if path == '/edit' else 'Review' if path else 'Article'} " \
                        f"page with comments, {stage} ({who})"
                statements, page = measure(app, clients[who],
                                           f"/desk/articles/{article_id}{path}", label,
                                           n_comments)
                # The author reads the non-confidential half, once the round
                # has sent the article back.
                visible = ((n_comments // 2 if stage == "revised" else 0)
                           if who == "author" else n_comments)
                assert page.count('class="comment-thread') == visible, label
                counts.setdefault(label, []).append(statements)
    for label, (with_few, with_many) in counts.items():
        assert_same_count(label, with_few, with_many, sizes=(2, 12))


def test_article_page_history_with_few_and_many_named_people(app, rows, arrange, make_user,
                                                             logged_in):
    """The editor's article page: its history names every reviewer its events'
    details hold by id (an unassigned reviewer: "reviewer_id") in one query,
    whether it shows 2 such events or 20."""
    author = make_user(roles=["author"])
    editor = make_user(roles=["editor"])
    with rows() as session:
        article_id = arrange.article(session.get(User, author.id), "Article with a history")
        workflow.submit_article(article_id, session.get(User, author.id), None)
        session.commit()

    def add_unassigned(n):
        with rows() as session:
            ed = session.get(User, editor.id)
            for _ in range(n):
                reviewer = arrange.user("reviewer")
                assignment = arrange.assign(article_id, ed, reviewer)
                review_commands.unassign_reviewer(assignment.id, ed, None)
            session.commit()

    client = logged_in(editor)
    url = f"/desk/articles/{article_id}"
    add_unassigned(2)
    few, page = measure(app, client, url, "Article page, history (editor)", 2)
    add_unassigned(18)
    many, page = measure(app, client, url, "Article page, history (editor)", 20)
    history = " ".join(re.sub(r"<[^>]+>", " ", page[page.index('id="article-history"'):])
                       .split())
    # Each reviewer named twice: invited (its stored name), unassigned (its id, named).
    assert len(re.findall(r"Reviewer: Reviewer \d+ ", history)) == 40
    assert not re.search(r"Reviewer: user \d", history)
    assert_same_count("Article page, history (editor)", few, many, sizes=(2, 20))


# --- Reader questions (issue 17) -------------------------------------------------------

def _question(session, article_id, n, status="open", commissioned=None, editor=None):
    from reviewapp.questions.models import ReaderQuestion

    session.add(ReaderQuestion(
        article_id=article_id, question=f"Reader question {n}?", status=status,
        email=f"reader{n}@example.org", consent_given=True,
        commissioned_article_id=commissioned,
        handled_by_id=editor.id if editor and status != "open" else None,
        handled_at=utcnow() if status != "open" else None))


def test_public_article_page_with_few_and_many_readers_also_asked(app, rows, client):
    """"Readers also asked" costs one query whatever the number of articles listed
    (arranged as "Commission an article" leaves its questions)."""
    from tests.integration.test_public_pages import Publisher

    publisher = Publisher(app, rows)
    prompting = publisher.approved(title="Prompting article")
    prompting_id = publisher.article_id(prompting)
    counts, serial = [], itertools.count(1)
    for n in (1, 5):
        for _ in range(n):
            i = next(serial)
            answer_id = publisher.article_id(publisher.approved(title=f"Answer article {i}"))
            with rows() as session:
                _question(session, prompting_id, i, "commissioned", answer_id)
                _question(session, prompting_id, 100 + i)  # open: never listed
                session.commit()
        statements, page = measure(app, client, f"/articles/{prompting}",
                                   "Public article page, readers also asked", n)
        assert page.count('class="readers-also-asked"') == 1
        assert f"Answer article {i}" in page and "Reader question" not in page
        counts.append(statements)
    assert_same_count("Public article page, readers also asked", *counts, sizes=(1, 5))


def test_reader_questions_inbox(app, rows, arrange, make_user, logged_in):
    editor = make_user(roles=["editor"])
    client = logged_in(editor)
    with rows() as session:
        author = arrange.user("author")
        article_id = arrange.article(author, "Asked about")
        session.commit()

    def add(n, start):
        with rows() as session:
            me = session.get(User, editor.id)
            for i in range(start, start + n):
                arrange.user("author")  # one more author to choose from each time
                _question(session, article_id, i)
                _question(session, article_id, 1000 + i, "dismissed", editor=me)
            session.commit()

    add(FEW, 0)
    few, page = measure(app, client, "/desk/questions", "Reader questions inbox", FEW)
    assert "Reader question 4?" in page
    add(MANY - FEW, FEW)
    many, page = measure(app, client, "/desk/questions", "Reader questions inbox", MANY)
    assert "Reader question 49?" in page
    assert_same_count("Reader questions inbox", few, many)
def test_public_page_and_api_with_few_and_many_updates(app, rows, client):
    """The public article page and its API with 2 approved versions, then 6: the
    "Update history" (issue 17) is one query whatever its length."""
    from tests.integration.test_public_pages import Publisher

    publisher = Publisher(app, rows)
    slug = publisher.approved()
    article_id = publisher.article_id(slug)

    def approve_updates(n):
        for _ in range(n):
            k = next(publisher.serial)
            publisher.new_version_in_review(slug, body=f"Update {k} of the text [1].",
                                            change_note=f"Update {k}: the dose was corrected.")
            publisher.review(article_id, (f"Dr. A{k}", f"Dr. B{k}"))

    counts = {}
    for n_versions, added in ((2, 1), (6, 4)):
        approve_updates(added)
        for label, url in (("Public article page", f"/articles/{slug}"),
                           ("Public article API", f"/api/v1/articles/{slug}")):
            statements, page = measure(app, client, url, label, n_versions)
            shown = (page.count('class="update-history-entry') if label.endswith("page")
                     else page.count('"approved_at"'))
            assert shown == n_versions, label
            # The history's one query: the article's approved revisions with their notes.
            assert len([s for s in statements if "change_note" in s
                        and "approved_at IS NOT NULL" in s]) == 1, label
            counts.setdefault(label, []).append(statements)
    for label, (few, many) in counts.items():
        assert_same_count(label, few, many, sizes=(2, 6))
@pytest.mark.parametrize("query", ["", "?for=patient", "?for=professional"],
                         ids=["no choice", "patient", "professional"])
def test_public_article_with_0_1_and_2_audience_versions(app, client, rows, query):
    """The versions load with the revision (one selectin query, whatever their
    number); the reader's choice costs no query of its own."""
    from tests.integration.test_public_pages import Publisher
    from tests.reader_audiences import PATIENT, PROFESSIONAL, approved_with_versions

    publisher = Publisher(app, rows)
    versions = {0: {}, 1: {"patient": PATIENT},
                2: {"patient": PATIENT, "professional": PROFESSIONAL}}
    slugs = {n: approved_with_versions(publisher, chosen, title=f"Versions {n}")
             for n, chosen in versions.items()}
    for path in ("/articles/{slug}" + query, "/api/v1/articles/{slug}"):
        label = f"Public article {path}"
        counts = {}
        for n, slug in slugs.items():
            counts[n], page = measure(app, client, path.format(slug=slug), label, n)
            if path.startswith("/api/"):
                assert page.count('"audience":') == n
        assert_same_count(label, counts[0], counts[1], (0, 1))
        assert_same_count(label, counts[0], counts[2], (0, 2))
    plain, _ = statements_during(app, app.test_client(), f"/articles/{slugs[2]}")
    chosen, page = statements_during(app, client, f"/articles/{slugs[2]}{query}")
    assert len(chosen) == len(plain), "\n---\n".join(chosen)
