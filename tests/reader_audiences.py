"""Articles with audience versions, for the tests of the reader's audience
(issue 17). The versions are rows added to the draft before it is submitted,
so the frozen revision's content hash (and the reviewers' signatures) cover
them, as the authoring form will (built separately)."""

from reviewapp.articles.models import Article, AudienceVersion
from reviewapp.articles.services import DraftContent, create_article
from reviewapp.workflow import services as workflow

PATIENT = ("Ibuprofen for back pain: a guide for patients",
           "- Ibuprofen can ease back pain [1].\n- Take it with food.",
           "Ibuprofen is a pain-killer you can buy at a pharmacy. It helps back pain [1].")
PROFESSIONAL = ("NSAIDs in acute low back pain: evidence summary",
                "- NSAIDs reduce pain intensity versus placebo [1].\n"
                "- Paracetamol alone is not effective [2].",
                "Non-steroidal anti-inflammatory drugs reduce acute low back pain [1]; "
                "paracetamol monotherapy does not [2].")


def add_versions(session, article_id: int, versions: dict[str, tuple[str, str, str]]):
    """versions: audience key -> (title, key points, body), on the current draft."""
    revision = session.get(Article, article_id).current_revision
    for audience, (title, key_points, body) in versions.items():
        revision.audience_versions.append(AudienceVersion(
            audience=audience, title=title, key_points=key_points, body=body))
    session.flush()


def approved_with_versions(publisher, versions, title="Ibuprofen for back pain",
                           body="Ibuprofen reduces acute low back pain [1]. Paracetamol "
                                "alone does not [2].",
                           references=None, tags=("pain medicine",),
                           reviewer_names=("Dr. Rita Reviewer", "Dr. Sam Second")) -> str:
    """An approved article (through the services, like Publisher.approved) whose
    revision has `versions`; returns its slug."""
    from tests.integration.test_public_pages import REFERENCES

    with publisher.rows() as session:
        author = publisher.user("author", "Alice Author")
        article = create_article(author, DraftContent(
            title=title, body=body, references_text=references or REFERENCES,
            tags=list(tags)))
        add_versions(session, article.id, versions)
        workflow.submit_article(article.id, author, None)
        session.commit()
        article_id = article.id
    publisher.review(article_id, reviewer_names)
    with publisher.rows() as session:
        article = session.get(Article, article_id)
        assert article.state == "approved"
        return article.slug
