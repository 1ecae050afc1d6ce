"""The editor dashboard as an editor reads it: a count on each section's heading
(past PAGE_SIZE rows, "Showing the oldest 2 of 3"), "Under review" ordered by
what has waited longest (the default) or by the next review due (?sort=due, a
plain link), and each action offered once ("Start re-review" once per article)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article
from reviewapp.db import utcnow
from reviewapp.reports.models import ReaderReport
from reviewapp.workflow import review_commands
from reviewapp.workflow import services as workflow
from tests.conftest import PASSWORD
from tests.integration.test_public_pages import Publisher, text_of


@pytest.fixture
def editor(app, make_user):
    user = make_user(roles=["editor"], name="Eddie Editor")
    client = app.test_client()
    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302
    client.user = user
    return client


def dashboard(client, query="") -> str:
    response = client.get(f"/desk/editor{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def part(page: str, label: str) -> str:
    start = page.index(f'aria-label="{label}"')
    return page[start:page.index("</section>", start)]


def heading(page: str, label: str) -> str:
    section = part(page, label)
    match = re.search(r"<h[23][^>]*>(.*?)</h[23]>", section, re.S)
    return text_of(match.group(1))


def submitted(app, rows, make_article, author, title, days_ago=0) -> int:
    article_id = make_article(author, title=title)
    with rows() as session:
        workflow.submit_article(article_id, session.get(User, author.id), None)
        session.execute(update(Article).where(Article.id == article_id)
                        .values(updated_at=utcnow() - timedelta(days=days_ago)))
        session.commit()
    return article_id


def in_review(app, rows, make_article, author, reviewer, editor, title, days_ago, due_in):
    article_id = make_article(author, title=title)
    with rows() as session:
        workflow.submit_article(article_id, session.get(User, author.id), None)
        review_commands.assign_reviewer(article_id, session.get(User, editor.id), None,
                                        reviewer.id, utcnow() + timedelta(days=due_in))
        session.execute(update(Article).where(Article.id == article_id)
                        .values(updated_at=utcnow() - timedelta(days=days_ago)))
        session.commit()
    return article_id


def test_each_section_heading_counts_its_rows_beyond_the_page(app, rows, editor, make_user,
                                                             make_article):
    app.config["PAGE_SIZE"] = 2
    author = make_user(roles=["author"], name="Dr Ann Author")
    for n, days in enumerate((3, 2, 1)):
        submitted(app, rows, make_article, author, f"Waiting article {n}", days_ago=days)
    page = dashboard(editor)
    assert heading(page, "Needing reviewers") == "Submitted, needing reviewers 3"
    needing = text_of(part(page, "Needing reviewers"))
    assert "Waiting article 0" in needing and "Waiting article 1" in needing
    assert "Waiting article 2" not in needing
    assert "Showing the oldest 2 of 3." in needing
    assert heading(page, "Under review") == "Under review 0"
    assert heading(page, "Reader reports") == "Reader reports 0"
    assert heading(page, "Overdue reviews") == "Overdue reviews 0"
    assert heading(page, "Due for re-review") == "Due for re-review 0"


def test_under_review_is_ordered_by_age_by_default_or_by_the_next_review_due(
        app, rows, editor, make_user, make_article):
    author = make_user(roles=["author"])
    reviewer = make_user(roles=["reviewer"], name="Dr Rita Reviewer")
    in_review(app, rows, make_article, author, reviewer, editor.user, "Older, due later",
              days_ago=5, due_in=20)
    in_review(app, rows, make_article, author, reviewer, editor.user, "Newer, due sooner",
              days_ago=1, due_in=3)
    page = dashboard(editor)
    section = text_of(part(page, "Under review"))
    assert heading(page, "Under review") == "Under review 2"
    assert section.index("Older, due later") < section.index("Newer, due sooner")
    assert "Order: Waiting longest first (default) · Next review due first" in section
    # Links, not script: the other order is a plain GET link, the current one is not.
    sort = part(page, "Under review")
    assert 'href="/desk/editor?sort=due#under-review"' in sort
    assert '<strong aria-current="true">Waiting longest first</strong>' in sort

    by_due = dashboard(editor, "?sort=due")
    section = text_of(part(by_due, "Under review"))
    assert section.index("Newer, due sooner") < section.index("Older, due later")
    assert '<strong aria-current="true">Next review due first</strong>' in by_due
    assert 'href="/desk/editor#under-review"' in by_due   # back to the default
    # An unknown order is the default one.
    odd = text_of(part(dashboard(editor, "?sort=nonsense"), "Under review"))
    assert odd.index("Older, due later") < odd.index("Newer, due sooner")


def test_start_re_review_is_offered_once_and_resolves_the_report(app, client, rows, editor):
    publisher = Publisher(app, rows)
    slug = publisher.approved()
    article_id = publisher.article_id(slug)
    assert client.post(f"/articles/{slug}/report",
                       data={"message": "The dose in paragraph 2 is outdated."}
                       ).status_code == 302
    page = dashboard(editor)
    assert page.count(">Start re-review</button>") == 1
    flagged = part(page, "Flagged for re-review")
    with rows() as session:
        report_id = session.scalar(select(ReaderReport.id))
        version = session.scalar(select(Article.version).where(Article.id == article_id))
    assert f'name="report_id" value="{report_id}"' in flagged
    assert f"(resolves reader report #{report_id})" in text_of(flagged)
    inbox = part(page, "Reader reports")
    assert f'href="#rereview-{article_id}"' in inbox and "Start re-review</button>" not in inbox
    assert heading(page, "Reader reports") == "Reader reports 1"
    assert heading(page, "Due for re-review") == "Due for re-review 1"

    response = editor.post(f"/desk/articles/{article_id}/rereview",
                           data={"version": version, "report_id": report_id})
    assert response.status_code == 302
    with rows() as session:
        assert session.get(ReaderReport, report_id).status == "resolved"
        assert session.get(Article, article_id).state == "under_review"
    after = dashboard(editor)
    assert ">Start re-review</button>" not in after
    assert heading(after, "Reader reports") == "Reader reports 0"


def test_every_action_on_the_dashboard_appears_once_per_row(app, client, rows, editor,
                                                            make_user, make_article):
    """A busy dashboard: every form posts to a distinct (action, object) pair."""
    publisher = Publisher(app, rows)
    slug = publisher.approved()
    publisher.age(slug, 400)
    reported = publisher.approved(title="Reported by a reader")
    client.post(f"/articles/{reported}/report", data={"message": "Outdated."})
    client.post(f"/articles/{reported}/report", data={"message": "Still outdated."})
    author = make_user(roles=["author"])
    submitted(app, rows, make_article, author, "Needs reviewers")
    page = dashboard(editor)
    actions = re.findall(r'<form method="post" action="([^"]+)"', page)
    assert actions and len(actions) == len(set(actions)), actions
    assert page.count(">Start re-review</button>") == 2   # the reported one, the aged one
