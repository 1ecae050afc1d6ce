"""/articles: approved articles only, searchable by title and tag (LIKE
wildcards taken literally), paginated by key."""

import re

import pytest

from tests.integration.test_public_pages import Publisher, text_of

PLAIN = {"body": "Text [1].", "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1"}


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


def titles(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return re.findall(r'<h2 class="h5 mb-1"><a href="/articles/[^"]+">([^<]+)</a></h2>',
                      response.get_data(as_text=True))


def test_the_index_lists_approved_articles_newest_first(client, publisher, rows):
    publisher.approved(title="First approved", tags=("cardiology",), **PLAIN)
    publisher.approved(title="Second approved", tags=(), **PLAIN)
    publisher.submitted(title="Only submitted", **PLAIN)
    assert titles(client, "/articles") == ["Second approved", "First approved"]
    page = client.get("/articles").get_data(as_text=True)
    assert 'href="/articles?tag=cardiology"' in page
    assert "Reviewed by the Medical Advisory Board · last updated" in text_of(page)


def test_an_article_under_re_review_stays_listed_with_its_approved_title(client, publisher):
    slug = publisher.approved(title="Listed title", **PLAIN)
    publisher.new_version_in_review(slug)
    assert titles(client, "/articles") == ["Listed title"]


def test_search_by_title_and_tag(client, publisher):
    publisher.approved(title="Ibuprofen for back pain", tags=("pain medicine",), **PLAIN)
    publisher.approved(title="Statins", tags=("cardiology",), **PLAIN)
    publisher.approved(title="Heart failure basics", tags=("cardiology", "nursing"), **PLAIN)
    assert titles(client, "/articles?q=ibuprofen") == ["Ibuprofen for back pain"]
    assert titles(client, "/articles?q=BACK+PAIN") == ["Ibuprofen for back pain"]
    assert titles(client, "/articles?q=cardio") == ["Heart failure basics", "Statins"]
    assert titles(client, "/articles?tag=cardiology") == ["Heart failure basics", "Statins"]
    assert titles(client, "/articles?tag=Cardiology&q=heart") == ["Heart failure basics"]
    assert titles(client, "/articles?tag=cardio") == []
    assert "No articles match." in client.get("/articles?q=zzz").get_data(as_text=True)


@pytest.mark.parametrize(("query", "expected"), [
    ("%", ["100% effective?"]),
    ("_", ["Snake_case title"]),
    ("\\", ["Back\\slash"]),
    ("0%", ["100% effective?"]),
    ("e_c", ["Snake_case title"]),
])
def test_like_wildcards_are_taken_literally(client, publisher, query, expected):
    for title in ("100% effective?", "Snake_case title", "Back\\slash", "Escape case"):
        publisher.approved(title=title, tags=(), **PLAIN)
    assert titles(client, f"/articles?q={query.replace('%', '%25')}") == expected


def test_the_index_is_paginated_by_key(app, client, publisher):
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        publisher.approved(title=f"Article {n}", tags=(), **PLAIN)
    seen, url = [], "/articles"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += re.findall(r'<h2 class="h5 mb-1"><a href="/articles/[^"]+">([^<]+)</a>', page)
        found = re.search(r'rel="next" href="([^"]+)"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == [f"Article {n}" for n in (4, 3, 2, 1, 0)]


def test_a_bad_cursor_is_a_400_not_a_crash(client):
    response = client.get("/articles?after=not-a-cursor")
    assert response.status_code == 400
    assert "The cursor is not valid" in response.get_data(as_text=True)
