"""`flask --app reviewapp demo load`: the README's logins, four articles in the states the
README names, citation checks that show only what the demo means to show, and a second
run that changes nothing."""

from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article
from reviewapp.articles.services import DraftContent, create_article
from reviewapp.citations.services import report_of
from reviewapp.demo import DEMO_PASSWORD, DEMO_USERS
from reviewapp.demo_articles import (
    CETIRIZINE,
    IBUPROFEN,
    OMEPRAZOLE,
    PARACETAMOL,
    TOUR_BODY,
    TOUR_REFERENCES,
    TOUR_TITLE,
)
from reviewapp.reviews.models import ReviewComment, ReviewRound, Signature


def load(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_load_gives_four_articles_in_four_states(app, rows):
    output = load(app)
    assert "Demo data loaded." in output
    assert f"password for each: {DEMO_PASSWORD}" in output
    for email in ("author@example.org", "reviewer@example.org", "reviewer2@example.org",
                  "editor@example.org", "admin@example.org"):
        assert email in output
    with rows() as session:
        articles = {article.title: article for article in session.scalars(select(Article))}
        assert {title: article.state for title, article in articles.items()} == {
            IBUPROFEN.title: "draft", PARACETAMOL.title: "under_review",
            CETIRIZINE.title: "changes_requested", OMEPRAZOLE.title: "approved"}
        signers = {title: sorted(session.scalars(
            select(Signature.printed_name)
            .where(Signature.content_hash == article.current_revision.content_hash)))
            for title, article in articles.items()}
        assert signers == {IBUPROFEN.title: [], PARACETAMOL.title: ["Dr. Rita Reviewer"],
                           CETIRIZINE.title: ["Dr. Rita Reviewer"],
                           OMEPRAZOLE.title: ["Dr. Raj Second", "Dr. Rita Reviewer"]}
        sent_back = articles[CETIRIZINE.title]
        assert session.scalar(select(ReviewRound.decision_letter).where(
            ReviewRound.article_id == sent_back.id)) == CETIRIZINE.letter
        comment = session.scalar(select(ReviewComment).where(
            ReviewComment.article_id == sent_back.id))
        assert (comment.quote, comment.body) == (CETIRIZINE.passage, CETIRIZINE.comment)


def test_demo_citation_checks_show_only_the_drafts_missing_citation(app, rows):
    """No errors anywhere; the draft's one warning is on purpose (its dose sentence cites
    nothing yet); the other three are clean."""
    load(app)
    with rows() as session:
        findings = {article.title: [(finding.severity, finding.code, finding.sentence)
                                    for finding in report_of(article.current_revision_id)
                                    .findings]
                    for article in session.scalars(select(Article))}
    assert findings == {
        IBUPROFEN.title: [("warning", "claim-uncited",
                           "Adults can take 200 mg to 400 mg three times a day, leaving at "
                           "least 6 hours between doses, and no more than 1,200 mg in 24 "
                           "hours unless a doctor advises more.")],
        PARACETAMOL.title: [], CETIRIZINE.title: [], OMEPRAZOLE.title: []}


def test_the_approved_demo_article_is_public_with_its_sources(app, client):
    load(app)
    page = client.get("/articles/omeprazole-for-heartburn-in-adults")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "take 20 mg once a day for up to 14 days" in text
    assert "https://doi.org/10.1053/j.gastro.2019.05.056" in text
    assert "https://www.nice.org.uk/guidance/cg184" in text
    assert client.get("/articles/paracetamol-for-pain-and-fever-in-adults").status_code == 404


def test_demo_logins_work_and_a_second_load_changes_nothing(app, client, rows):
    load(app)
    with rows() as session:
        before = (session.scalar(select(func.count()).select_from(User)),
                  session.scalar(select(func.count()).select_from(Article)))
    output = load(app)
    assert "The database already has users; demo data not loaded." in output
    with rows() as session:
        assert (session.scalar(select(func.count()).select_from(User)),
                session.scalar(select(func.count()).select_from(Article))) == before == (
                    len(DEMO_USERS), 4)
    response = client.post("/login", data={"email": "author@example.org",
                                            "password": DEMO_PASSWORD})
    assert response.status_code == 302
    desk = client.get("/desk/articles/").get_data(as_text=True)
    assert IBUPROFEN.title in desk and CETIRIZINE.title in desk


def test_the_readme_walkthrough_article_checks_clean(app, rows):
    """The article the README has the author type gets no finding at all."""
    load(app)
    with rows() as session:
        author = session.scalar(select(User).where(User.email == "author@example.org"))
        article = create_article(author, DraftContent(
            title=TOUR_TITLE, body=TOUR_BODY, references_text=TOUR_REFERENCES, tags=[]))
        assert report_of(article.current_revision_id).findings == []


def test_with_reviewers_deciding_the_report_itself_sends_the_article_back(app, rows):
    """CHANGES_DECISION=reviewer: the demo's request for changes returns the article at
    once, the reviewer's report its letter, and the load still succeeds."""
    app.config["CHANGES_DECISION"] = "reviewer"
    assert "Demo data loaded." in load(app)
    with rows() as session:
        sent_back = session.scalar(select(Article).where(
            Article.slug == "cetirizine-for-hay-fever-in-adults"))
        assert sent_back.state == "changes_requested"
        assert session.scalar(select(ReviewRound.decision_letter).where(
            ReviewRound.article_id == sent_back.id)) == CETIRIZINE.report
