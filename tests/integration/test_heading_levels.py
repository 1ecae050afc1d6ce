"""An article's Markdown headings render below its title (issue 16): a `# Dose`
or `## Dose` in the body is never an h1 beside the page's own h1, on the desk
and on the public page."""

import lxml.html

from tests.conftest import PASSWORD
from tests.integration.test_public_pages import REFERENCES, publisher  # noqa: F401

BODY = "# Ibuprofen\n\nIt helps [1].\n\n## Dose\n\nGive 400 mg.\n\n### Children\n\nBy weight."


def outline(page: str, within: str) -> list[tuple[str, str]]:
    """The headings inside the first element matching the CSS class `within`."""
    root = lxml.html.fromstring(page).find_class(within)[0]
    return [(h.tag, h.text_content().strip()) for h in root.iter("h1", "h2", "h3", "h4",
                                                                  "h5", "h6")]


def test_public_page_body_headings_sit_below_the_title(client, publisher):  # noqa: F811
    slug = publisher.approved(body=BODY, references=REFERENCES)
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    h1s = [h.text_content() for h in lxml.html.fromstring(page).iter("h1")]
    assert h1s == ["Ibuprofen for back pain"]
    assert outline(page, "public-body") == [("h2", "Ibuprofen"), ("h3", "Dose"),
                                            ("h4", "Children")]


def test_desk_page_and_preview_body_headings_sit_below_the_title(app, client, make_user,
                                                                 make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author, body=BODY)
    client.post("/login", data={"email": author.email, "password": PASSWORD})
    page = client.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    # The article's title is the desk page's h1; its body starts at h2.
    assert outline(page, "article-body") == [("h1", "Ibuprofen for back pain"),
                                             ("h2", "Ibuprofen"), ("h3", "Dose"),
                                             ("h4", "Children"), ("h2", "References")]
    preview = client.post(f"/desk/articles/{article_id}/edit", data={
        "title": "Ibuprofen", "body": BODY, "references": "1. Doe J. BMJ. 2020.",
        "version": "1", "preview": "Preview"}).get_data(as_text=True)
    # In the preview the title is an h2 under the page's "Edit draft": the body starts at h3.
    assert outline(preview, "preview-frame") == [("h2", "Ibuprofen"), ("h3", "Ibuprofen"),
                                                 ("h4", "Dose"), ("h5", "Children"),
                                                 ("h3", "References")]
