"""The public article page /articles/<slug>: the last approved revision with
linked citation markers, references (DOI/PubMed links, retractions), the
review box (statement, tracker, last updated, reviewers, next review due),
disclaimer, related articles, PUBLISH_BEFORE_APPROVAL, and fixed query counts.

`Publisher` (also used by the other public-site tests) arranges articles
through the services, in one transaction each."""

import itertools
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import event, select

from reviewapp.accounts.models import User
from reviewapp.accounts.services import create_user
from reviewapp.articles.models import Article, Revision
from reviewapp.articles.services import DraftContent, create_article, save_draft
from reviewapp.citations.models import Retraction
from reviewapp.db import utcnow
from reviewapp.extensions import db
from reviewapp.public.citation_links import link_markers
from reviewapp.public.page_cache import settings_changed
from reviewapp.publication_versions import SITE, bump
from reviewapp.workflow import review_commands
from reviewapp.workflow import services as workflow
from tests.conftest import PASSWORD
from tests.review_steps import sign_directly

BODY = """Ibuprofen reduces acute low back pain [1]. Paracetamol alone does not [2,3];
combinations were studied too [4–6].

Inline code `[1]` and a [link to [2]](https://www.nih.gov/) stay as they are.

```
[3] in a code block
```
"""
REFERENCES = "\n".join([
    "1. Doe J, Roe R. Ibuprofen for back pain. BMJ. 2020;368:m1. doi:10.1136/bmj.m1",
    "2. Smith A. Paracetamol trial. Lancet. 2014;384:1586-96. PMID: 25064594",
    "3. Kay K. A trial that was later withdrawn. J Pain. 2019;1:1. doi:10.5555/retracted.1",
    "4. Concern C. Under concern. Pain. 2018;2:2. PMID: 29000004",
    "5. Corrected Q. Corrected later. Spine. 2017;3:3. doi:10.5555/corrected.5",
    "6. Web page. National Institutes of Health. https://www.nih.gov/back-pain",
])


class Publisher:
    """Arranges public-site rows through the services, in one transaction each."""

    def __init__(self, app, rows):
        self.app, self.rows = app, rows
        self.serial = itertools.count(1)

    def user(self, role, name=None) -> User:
        n = next(self.serial)
        return create_user(email=f"{role}-{n}@example.org",
                           display_name=name or f"{role.title()} {n}",
                           password=PASSWORD, roles=[role])

    def submitted(self, title="Ibuprofen for back pain", body=BODY, references=REFERENCES,
                  tags=("pain medicine",)) -> int:
        with self.rows() as session:
            author = self.user("author", "Alice Author")
            article = create_article(author, DraftContent(
                title=title, body=body, references_text=references, tags=list(tags)))
            workflow.submit_article(article.id, author, None)
            session.commit()
            return article.id

    def review(self, article_id, reviewer_names=("Dr. Rita Reviewer", "Dr. Sam Second"),
               approve=True):
        """Assign and accept the reviewers (new users); with approve, each signs."""
        config = self.app.config
        required = config["REQUIRED_APPROVALS"]
        config["REQUIRED_APPROVALS"] = len(reviewer_names)
        try:
            with self.rows() as session:
                editor = self.user("editor", "Eddie Editor")
                for name in reviewer_names:
                    reviewer = self.user("reviewer", name)
                    assignment = review_commands.assign_reviewer(
                        article_id, editor, None, reviewer.id, utcnow() + timedelta(days=7))
                    review_commands.accept_assignment(assignment.id, reviewer, "none")
                    if approve:
                        assert sign_directly(article_id, reviewer, PASSWORD)
                session.commit()
        finally:
            config["REQUIRED_APPROVALS"] = required

    def approved(self, title="Ibuprofen for back pain", body=BODY, references=REFERENCES,
                 tags=("pain medicine",),
                 reviewer_names=("Dr. Rita Reviewer", "Dr. Sam Second")) -> str:
        """An approved article; returns its slug."""
        article_id = self.submitted(title, body, references, tags)
        self.review(article_id, reviewer_names)
        with self.rows() as session:
            article = session.get(Article, article_id)
            assert article.state == "approved"
            return article.slug

    def article_id(self, slug) -> int:
        with self.rows() as session:
            return session.scalar(select(Article.id).where(Article.slug == slug))

    def new_version_in_review(self, slug, body="A newer text under review [1].",
                              change_note="The text was brought up to date.") -> int:
        """The author revises the approved article and submits the new version, with
        its "What changed" note for readers."""
        article_id = self.article_id(slug)
        with self.rows() as session:
            article = session.get(Article, article_id)
            author = article.author
            workflow.revise_article(article_id, author, None)
            save_draft(article_id, author, session.get(Article, article_id).version,
                       DraftContent(title="Ibuprofen, updated", body=body,
                                    references_text=REFERENCES,
                                    tags=list(article.tag_names), change_note=change_note))
            workflow.submit_article(article_id, author, None)
            session.commit()
        return article_id

    def retraction(self, record_id, nature, doi=None, pmid=None, date="2024-03-14"):
        with self.rows() as session:
            session.add(Retraction(record_id=record_id, doi=doi, pmid=pmid, nature=nature,
                                   title="", reason="Misconduct", retraction_date=date))
            bump(SITE)  # as `retractions import` does (test_page_freshness.py drives it)
            session.commit()

    def age(self, slug, days):
        """Make the approval `days` older."""
        with self.rows() as session:
            article = session.get(Article, self.article_id(slug))
            revision = session.get(Revision, article.approved_revision_id)
            revision.approved_at = revision.approved_at - timedelta(days=days)
            session.commit()


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


def text_of(html: str) -> str:
    """What a reader reads: tags dropped, entities decoded, spaces collapsed."""
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([,.;:])", r"\1", words)


def section(page: str, label: str) -> str:
    """The element whose aria-label or aria-labelledby heading is `label`."""
    start = page.index(label)
    opening = page.rfind("<section", 0, start)
    return page[opening:page.index("</section>", start)]


# -- what the page shows ----------------------------------------------------------------------

def test_approved_article_is_public_without_login(client, publisher):
    slug = publisher.approved()
    response = client.get(f"/articles/{slug}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1 class=\"article-title\">Ibuprofen for back pain</h1>" in page
    assert "Content-Security-Policy" in response.headers
    assert "<script" not in page and "style=" not in page


def test_review_box_shows_statement_tracker_dates_reviewers_and_policy_link(client, publisher,
                                                                          rows):
    slug = publisher.approved()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        approved_at = article.approved_revision.approved_at
    box = text_of(section(page, 'aria-label="Medical review"'))
    assert "reviewed for accuracy by our Medical Advisory Board" in box
    day = f"{approved_at.day} {approved_at:%B %Y}"
    due = (approved_at + timedelta(days=365)).date()
    assert f"Last updated {day}" in box
    assert (f"Reviewed by Dr. Rita Reviewer, {day} Competing interests: none declared "
            f"Dr. Sam Second, {day} Competing interests: none declared") in box
    assert f"Next review due {due.day} {due:%B %Y}" in box
    assert f'<time datetime="{due.isoformat()}">' in page
    assert re.search(r'<a href="/editorial-policy">View editorial policy</a>', page)
    # Tracker: three steps, Approved current, the two before it done.
    steps = re.findall(r'<li class="tracker-step tracker-(\w+)([^"]*)"( aria-current="step")?',
                       page)
    assert [(s, bool(c)) for s, _, c in steps] == [("submitted", False),
                                                    ("under_review", False),
                                                    ("approved", True)]
    assert [("is-done" in classes) for _, classes, _ in steps] == [True, True, False]


def test_medical_disclaimer_comes_from_the_settings(app, client, publisher):
    slug = publisher.approved()
    app.config["MEDICAL_DISCLAIMER"] = "Ask your own doctor <b>first</b>."
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    disclaimer = section(page, 'id="disclaimer-heading"')
    assert "Medical disclaimer" in disclaimer
    assert "Ask your own doctor &lt;b&gt;first&lt;/b&gt;." in disclaimer


def test_citation_markers_link_to_the_numbered_references(client, publisher):
    slug = publisher.approved()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    body = page[page.index('<div class="article-body public-body">'):
                page.index("</div>", page.index('<div class="article-body public-body">'))]

    def link(n):
        return f'<a class="citation" href="#ref-{n}" aria-label="Reference {n}">{n}</a>'

    assert f"pain [{link(1)}]." in body
    assert f"not [{link(2)},{link(3)}];" in body
    assert f"too [{link(4)}–{link(6)}]." in body
    # Not inside code or an existing link.
    assert "<code>[1]</code>" in body
    assert '">link to [2]</a>' in body
    assert "[3] in a code block" in body
    assert body.count('class="citation"') == 5  # a range links its two ends
    for n in range(1, 7):
        assert f'<li id="ref-{n}" value="{n}"' in page


def test_references_link_out_by_doi_and_pubmed(client, publisher):
    slug = publisher.approved()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    references = section(page, 'id="references-heading"')
    assert '<a href="https://doi.org/10.1136/bmj.m1" rel="noopener noreferrer">DOI</a>' \
        in references
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/25064594/" rel="noopener noreferrer">' \
           'PubMed</a>' in references
    assert '<a href="https://www.nih.gov/back-pain" rel="noopener noreferrer nofollow">' \
           'Link</a>' in references
    assert "Doe J, Roe R. Ibuprofen for back pain." in references


def test_retracted_cited_works_are_marked(client, publisher):
    slug = publisher.approved()
    assert "Retracted" not in client.get(f"/articles/{slug}").get_data(as_text=True)
    publisher.retraction("1", "Retraction", doi="10.5555/retracted.1")
    publisher.retraction("2", "Expression of concern", pmid="29000004")
    publisher.retraction("3", "Correction", doi="10.5555/corrected.5")
    publisher.retraction("4", "Retraction", doi="10.9999/not-cited")
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    items = dict(re.findall(r'<li id="ref-(\d)" value="\d"(.*?)</li>', page, re.S))
    assert "Retracted 2024-03-14" in text_of(items["3"])
    assert "Expression of concern" in text_of(items["4"])
    assert "Correction published" in text_of(items["5"])
    for n in ("1", "2", "6"):
        assert "badge" not in items[n]
    assert text_of(page).count("Retracted") == 1
    assert "1 cited work has been retracted since" in text_of(page)


def test_a_reinstatement_cancels_the_retraction(client, publisher):
    slug = publisher.approved()
    publisher.retraction("1", "Retraction", doi="10.5555/retracted.1")
    publisher.retraction("2", "Reinstatement", doi="10.5555/retracted.1")
    assert "Retracted" not in text_of(client.get(f"/articles/{slug}").get_data(as_text=True))


def test_the_page_shows_the_approved_revision_and_says_an_update_is_under_review(
        client, publisher):
    slug = publisher.approved()
    assert "is being reviewed" not in client.get(f"/articles/{slug}").get_data(as_text=True)
    article_id = publisher.new_version_in_review(slug)
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "Ibuprofen reduces acute low back pain" in page
    assert "A newer text under review" not in page and "Ibuprofen, updated" not in page
    assert ('<p class="update-notice" role="status">An update to this article is being '
            'reviewed by the Medical Advisory Board.') in page
    assert 'tracker-approved is-current" aria-current="step"' in page
    assert "Dr. Rita Reviewer" in page
    # Reviewers of the new version approve it: the page shows it, no notice.
    publisher.review(article_id, ("Dr. New One", "Dr. New Two"))
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "A newer text under review" in page and "Ibuprofen, updated" in page
    assert "update-notice" not in page
    assert "Dr. New One" in page and "Dr. Rita Reviewer" not in page


def test_while_the_author_edits_a_new_draft_the_approved_text_stays(client, publisher, rows):
    slug = publisher.approved()
    article_id = publisher.article_id(slug)
    with rows() as session:
        article = session.get(Article, article_id)
        workflow.revise_article(article_id, article.author, None)
        save_draft(article_id, article.author, session.get(Article, article_id).version,
                   DraftContent(title="Draft title", body="Draft body", references_text="",
                                tags=[]))
        session.commit()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "Ibuprofen reduces acute low back pain" in page
    assert "Draft body" not in page and "Draft title" not in page
    assert "update-notice" not in page  # a draft is not under review


@pytest.mark.parametrize("stage", ["draft", "submitted", "under_review", "rejected"])
def test_an_article_never_approved_is_not_public(client, publisher, rows, stage):
    if stage == "draft":
        with rows() as session:
            article = create_article(publisher.user("author"), DraftContent(
                title="Draft only", body="Text [1].", references_text=REFERENCES, tags=[]))
            session.commit()
            slug = article.slug
    else:
        article_id = publisher.submitted()
        if stage == "under_review":
            publisher.review(article_id, ("Dr. One",), approve=False)
        if stage == "rejected":
            with rows() as session:
                workflow.reject_article(article_id, publisher.user("editor"), None, "No.")
                session.commit()
        with rows() as session:
            slug = session.get(Article, article_id).slug
    response = client.get(f"/articles/{slug}")
    assert response.status_code == 404
    assert "There is no such article." in response.get_data(as_text=True)
    assert client.get("/articles/no-such-article").status_code == 404


@pytest.mark.parametrize(("stage", "step"), [("submitted", "submitted"),
                                             ("under_review", "under_review"),
                                             ("changes_requested", "under_review")])
def test_publish_before_approval_shows_submitted_articles_with_the_caution(
        app, client, publisher, rows, stage, step):
    app.config["PUBLISH_BEFORE_APPROVAL"] = True
    article_id = publisher.submitted()
    if stage != "submitted":
        publisher.review(article_id, ("Dr. One", "Dr. Two"), approve=False)
    if stage == "changes_requested":
        with rows() as session:
            reviewer = session.scalar(select(User).where(User.display_name == "Dr. One"))
            review_commands.request_changes(article_id, reviewer, None, "Give the dose.")
            # The editor's decision sends it back (CHANGES_DECISION=editor, issue 14).
            workflow.decide_changes(article_id, publisher.user("editor"), None,
                                    "Please give the dose.")
            article = session.get(Article, article_id)
            # The author starts editing: that draft must not be shown.
            save_draft(article_id, article.author, article.version, DraftContent(
                title="Unsubmitted edit", body="Not yet submitted.",
                references_text=REFERENCES, tags=["pain medicine"]))
            session.commit()
    with rows() as session:
        slug = session.get(Article, article_id).slug
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert ('<div class="alert alert-warning pending-caution" role="note"><strong>'
            "Educational purpose only • Exercise caution as content is pending human review"
            "</strong></div>") in page
    assert f'tracker-{step} is-current" aria-current="step"' in page
    assert "Ibuprofen reduces acute low back pain" in page
    assert "Unsubmitted edit" not in page and "Not yet submitted" not in page
    assert "Reviewed by Not reviewed yet" in text_of(page)
    assert "Next review due" not in page and "Last updated" not in page
    # Switched off again (and the app restarted, as for any setting): 404.
    app.config["PUBLISH_BEFORE_APPROVAL"] = False
    settings_changed(app)
    assert client.get(f"/articles/{slug}").status_code == 404


def test_publish_before_approval_keeps_drafts_rejected_and_withdrawn_private(
        app, client, publisher, rows):
    app.config["PUBLISH_BEFORE_APPROVAL"] = True
    withdrawn = publisher.submitted(title="Withdrawn one")
    with rows() as session:
        article = session.get(Article, withdrawn)
        workflow.withdraw_article(withdrawn, article.author, None)
        draft = create_article(article.author, DraftContent(
            title="Draft one", body="Text.", references_text="", tags=[]))
        session.commit()
        slugs = [article.slug, draft.slug]
    for slug in slugs:
        assert client.get(f"/articles/{slug}").status_code == 404


def test_publish_before_approval_does_not_change_an_approved_page(app, client, publisher):
    app.config["PUBLISH_BEFORE_APPROVAL"] = True
    slug = publisher.approved()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "pending-caution" not in page
    assert 'tracker-approved is-current' in page


def test_related_articles_share_a_tag_and_are_approved(client, publisher):
    slug = publisher.approved(tags=("pain medicine", "nsaids"))
    publisher.approved(title="Naproxen for back pain", tags=("nsaids",))
    publisher.approved(title="Aspirin for headaches", tags=("pain medicine", "nsaids"))
    publisher.approved(title="Statins and muscle pain", tags=("cardiology",))
    publisher.submitted(title="Pending NSAID article", tags=("nsaids",))
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    related = text_of(section(page, 'id="related-heading"'))
    assert related == "Related articles Aspirin for headaches Naproxen for back pain"
    assert 'href="/articles/aspirin-for-headaches"' in page


def test_no_related_section_without_shared_tags(client, publisher):
    slug = publisher.approved(tags=())
    assert "Related articles" not in client.get(f"/articles/{slug}").get_data(as_text=True)


def test_untrusted_text_is_escaped_and_sanitised(client, publisher):
    slug = publisher.approved(
        title="<script>alert(1)</script> title",
        body="Hello <img src=x onerror=alert(1)> [click](javascript:alert(1)) [1].",
        references="1. <b>Bold</b> ref. doi:10.1136/bmj.m1")
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; title" in page
    assert "<img" not in page
    assert 'href="javascript:' not in page and "[click](javascript:alert(1))" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; ref." in page


def test_the_articles_nav_link_is_there_for_everyone(client, publisher):
    page = client.get("/editorial-policy").get_data(as_text=True)
    assert '<a class="nav-link" href="/articles">Articles</a>' in page


# -- marker links on sanitised HTML (pure) --------------------------------------------------

def _a(n):
    return f'<a class="citation" href="#ref-{n}" aria-label="Reference {n}">{n}</a>'


@pytest.mark.parametrize(("html", "count", "expected"), [
    ("<p>See [1].</p>", 3, f"<p>See [{_a(1)}].</p>"),
    ("<p>See [1, 3–4].</p>", 4, f"<p>See [{_a(1)}, {_a(3)}–{_a(4)}].</p>"),
    ("<p>[2]–[3] and [9]</p>", 3, f"<p>[{_a(2)}]–[{_a(3)}] and [9]</p>"),  # 9: no such ref
    ("<p>[0] [1,,2] [3-1]</p>", 3, "<p>[0] [1,,2] [3-1]</p>"),  # malformed: left alone
    ("<p><code>[1]</code> <a href=\"x\">[1]</a> <strong>[1]</strong></p>", 1,
     f"<p><code>[1]</code> <a href=\"x\">[1]</a> <strong>[{_a(1)}]</strong></p>"),
    ("<pre><code>[1]\n</code></pre><p>a &amp; b &lt;[1]&gt;</p>", 1,
     f"<pre><code>[1]\n</code></pre><p>a &amp; b &lt;[{_a(1)}]&gt;</p>"),
    ("<p>[1]</p>", 0, "<p>[1]</p>"),
    # Only the reference numbers, not the page or figure of a locator.
    ("<p>[2, p. 3] [see 1: fig. 2] [19](p. 107)</p>", 3,
     f"<p>[{_a(2)}, p. 3] [see {_a(1)}: fig. 2] [19](p. 107)</p>"),
    ("<p>[see Table 2] [2 and 3]</p>", 3, f"<p>[see Table 2] [{_a(2)} and {_a(3)}]</p>"),
    ("<p>No markers &#169; here<br></p>", 2, "<p>No markers &#169; here<br></p>"),
])
def test_link_markers_only_touches_well_formed_markers_outside_code_and_links(html, count,
                                                                              expected):
    assert link_markers(html, count) == expected


# -- fixed query counts -----------------------------------------------------------------------

def statements_during(app, client, url) -> list[str]:
    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    client.get(url)  # warm-up
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [s for s in seen if not s.lstrip().upper().startswith("BEGIN")]


@pytest.mark.parametrize("path", ["/articles/{slug}", "/api/v1/articles/{slug}"])
def test_article_page_and_api_cost_the_same_queries_with_2_and_8_reviewers_and_related(
        app, client, publisher, path):
    counts = []
    for n in (2, 8):
        slug = publisher.approved(title=f"Main article {n}", tags=("shared", f"only {n}"),
                                  reviewer_names=[f"Dr. R{n}-{i}" for i in range(n)])
        for i in range(n):
            publisher.approved(title=f"Related {n}-{i}", tags=("shared", f"only {n}"),
                               reviewer_names=("Dr. A", "Dr. B"))
        statements = statements_during(app, client, path.format(slug=slug))
        page = client.get(path.format(slug=slug)).get_data(as_text=True)
        assert page.count("Dr. R") == n
        counts.append(statements)
    assert len(counts[0]) == len(counts[1]), "\n---\n".join(counts[1])


def test_index_costs_the_same_queries_with_few_and_many_articles(app, client, publisher):
    counts = []
    for n in (2, 8):
        for i in range(n):
            publisher.approved(title=f"Listed {n}-{i}", tags=("a", "b", f"t{i}"))
        counts.append(statements_during(app, client, "/articles"))
        counts.append(statements_during(app, client, "/api/v1/articles"))
    assert len(counts[0]) == len(counts[2])
    assert len(counts[1]) == len(counts[3])
