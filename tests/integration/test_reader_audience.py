"""The reader's audience on the public article page (issue 17): "Which best
describes you?" as a GET form and links, the choice from ?for= (remembered in
a cookie), from the cookie, or none; the audience's version with its key points
and disclaimer, the main text when the article has no version for it, one
audience or none configured, the ETag and Vary per audience."""

import re

import pytest

from reviewapp.config import AUDIENCES, MEDICAL_DISCLAIMER
from reviewapp.public.page_cache import settings_changed
from tests.integration.test_public_pages import Publisher, section, text_of
from tests.reader_audiences import PATIENT, PROFESSIONAL, approved_with_versions

COOKIE = "reader_audience"
PATIENT_DISCLAIMER = AUDIENCES[0]["disclaimer"]
PROFESSIONAL_DISCLAIMER = AUDIENCES[1]["disclaimer"]
QUESTION = "Which best describes you?"
HINT = "Your choice helps us use language that's most understandable for you."


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


@pytest.fixture
def both(publisher) -> str:
    """An approved article with a patient and a professional version."""
    return approved_with_versions(publisher, {"patient": PATIENT,
                                              "professional": PROFESSIONAL})


def title_and_h1(page: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)( · [^<]*)?</title>", page, re.S)[1]
    h1 = re.search(r'<h1 class="article-title">(.*?)</h1>', page, re.S)[1]
    return text_of(title), text_of(h1)


def disclaimer(page: str) -> str:
    return text_of(section(page, 'id="disclaimer-heading"'))


def body(page: str) -> str:
    start = page.index('<div class="article-body public-body">')
    return page[start:page.index("</div>", start)]


def checked(page: str) -> list[str]:
    return re.findall(r'name="for" id="for-[\w-]+" value="([\w-]+)" checked', page)


def current_links(page: str) -> list[str]:
    return re.findall(r'\?for=([\w-]+)" aria-current="true"', page)


def set_cookie_headers(response) -> list[str]:
    """The reader_audience cookies the response sets (the session's aside)."""
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "=")]


def test_without_a_choice_the_page_asks_and_shows_the_main_text(client, both):
    response = client.get(f"/articles/{both}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title_and_h1(page)[1] == "Ibuprofen for back pain"
    assert "Ibuprofen reduces acute low back pain" in body(page)
    assert MEDICAL_DISCLAIMER in disclaimer(page)
    chooser = section(page, 'aria-labelledby="audience-question"')
    assert QUESTION in chooser and HINT in text_of(chooser)
    # A plain GET form back to this page: a radio per audience and a button.
    assert f'<form method="get" action="/articles/{both}"' in chooser
    assert re.findall(r'type="radio" name="for" id="for-([\w-]+)"', chooser) == [
        "patient", "professional"]
    assert re.findall(r'<label class="form-check-label" for="for-[\w-]+">([^<]+)</label>',
                      chooser) == ["Patient or carer", "Healthcare professional"]
    assert "Show this version" in chooser
    # A link per audience.
    assert re.findall(r'href="/articles/[\w-]+\?for=([\w-]+)">([^<]+)</a>', chooser) == [
        ("patient", "Patient or carer"), ("professional", "Healthcare professional")]
    assert checked(page) == [] and current_links(page) == []
    assert "You are reading" not in page and "Key points" not in page
    assert set_cookie_headers(response) == []
    assert "Cookie" in response.headers["Vary"]


def test_for_in_the_url_shows_that_version_and_remembers_it(client, both):
    response = client.get(f"/articles/{both}?for=patient")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title_and_h1(page) == (PATIENT[0], PATIENT[0])
    assert ("You are reading the version of this article for “Patient or carer”."
            in text_of(page))
    start = page.index('aria-labelledby="key-points-heading"')
    key_points = page[start:page.index("</aside>", start)]
    assert "Key points" in key_points
    assert re.search(r'<li>Ibuprofen can ease back pain '
                     r'\[<a [^>]*href="#ref-1"[^>]*>1</a>\]\.</li>', key_points)
    assert "<li>Take it with food.</li>" in key_points
    assert re.search(r'It helps back pain \[<a [^>]*href="#ref-1"[^>]*>1</a>\]\.', body(page))
    assert "Ibuprofen reduces acute low back pain" not in page
    assert PATIENT_DISCLAIMER in disclaimer(page)
    assert MEDICAL_DISCLAIMER not in page
    assert checked(page) == ["patient"] and current_links(page) == ["patient"]
    # The references stay the article's one list.
    assert 'id="ref-1"' in page and 'id="ref-2"' in page
    [cookie] = set_cookie_headers(response)
    assert cookie.startswith(f"{COOKIE}=patient;")
    assert "Max-Age=31536000" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Cookie" in response.headers["Vary"]
    # The next visit, without ?for=, opens in the version chosen.
    again = client.get(f"/articles/{both}")
    assert title_and_h1(again.get_data(as_text=True))[1] == PATIENT[0]
    assert set_cookie_headers(again) == []


def test_the_cookie_alone_chooses_the_version(client, both):
    client.set_cookie(COOKIE, "professional")
    response = client.get(f"/articles/{both}")
    page = response.get_data(as_text=True)
    assert title_and_h1(page) == (PROFESSIONAL[0], PROFESSIONAL[0])
    assert "Paracetamol alone is not effective" in page
    assert ("You are reading the version of this article for “Healthcare professional”."
            in text_of(page))
    assert PROFESSIONAL_DISCLAIMER in disclaimer(page)
    assert checked(page) == ["professional"] and current_links(page) == ["professional"]
    assert set_cookie_headers(response) == []


def test_for_in_the_url_wins_over_the_cookie_and_replaces_it(client, both):
    client.set_cookie(COOKIE, "professional")
    response = client.get(f"/articles/{both}?for=patient")
    assert title_and_h1(response.get_data(as_text=True))[1] == PATIENT[0]
    assert set_cookie_headers(response)[0].startswith(f"{COOKIE}=patient;")
    assert client.get_cookie(COOKIE).value == "patient"


@pytest.mark.parametrize("unknown", ["nurse", "", "PATIENT", "patient<script>", "x" * 300])
def test_an_unknown_for_is_ignored_with_the_main_text(client, both, unknown):
    response = client.get(f"/articles/{both}", query_string={"for": unknown})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title_and_h1(page)[1] == "Ibuprofen for back pain"
    assert MEDICAL_DISCLAIMER in disclaimer(page)
    assert checked(page) == [] and "You are reading" not in page
    assert set_cookie_headers(response) == []
    assert "patient&lt;script" not in page  # nothing of it is echoed


def test_an_unknown_for_leaves_the_remembered_choice(client, both):
    client.set_cookie(COOKIE, "patient")
    response = client.get(f"/articles/{both}?for=nurse")
    assert title_and_h1(response.get_data(as_text=True))[1] == PATIENT[0]
    assert set_cookie_headers(response) == []
    assert client.get_cookie(COOKIE).value == "patient"


def test_a_cookie_naming_no_audience_is_dropped(client, both):
    client.set_cookie(COOKIE, "nurse")
    response = client.get(f"/articles/{both}")
    page = response.get_data(as_text=True)
    assert title_and_h1(page)[1] == "Ibuprofen for back pain"
    assert MEDICAL_DISCLAIMER in disclaimer(page)
    [cookie] = set_cookie_headers(response)
    assert cookie.startswith(f"{COOKIE}=;") and "Max-Age=0" in cookie
    assert client.get_cookie(COOKIE) is None


def test_without_a_version_for_the_audience_the_main_text_says_so(client, publisher):
    slug = approved_with_versions(publisher, {"patient": PATIENT})
    page = client.get(f"/articles/{slug}?for=professional").get_data(as_text=True)
    assert title_and_h1(page)[1] == "Ibuprofen for back pain"
    assert "Ibuprofen reduces acute low back pain" in body(page)
    assert ("This article has no separate version for “Healthcare professional”; you are "
            "reading its main text." in text_of(page))
    assert PROFESSIONAL_DISCLAIMER in disclaimer(page)
    assert "Key points" not in page
    assert checked(page) == ["professional"]
    # An article with no versions at all: the same, for either audience.
    plain = publisher.approved(title="Naproxen for gout")
    page = client.get(f"/articles/{plain}").get_data(as_text=True)  # the cookie: professional
    assert title_and_h1(page)[1] == "Naproxen for gout"
    assert "no separate version for “Healthcare professional”" in text_of(page)
    assert PROFESSIONAL_DISCLAIMER in disclaimer(page)


def test_the_choice_follows_the_reader_to_other_articles(client, publisher, both):
    other = approved_with_versions(publisher, {"patient": (
        "Naproxen for gout: for patients", "", "Naproxen eases a gout attack [1].")},
        title="Naproxen for gout")
    client.get(f"/articles/{both}?for=patient")
    page = client.get(f"/articles/{other}").get_data(as_text=True)
    assert title_and_h1(page)[1] == "Naproxen for gout: for patients"
    assert "Key points" not in page  # this version has none
    assert PATIENT_DISCLAIMER in disclaimer(page)


def test_the_article_list_keeps_the_main_titles(client, both):
    client.set_cookie(COOKIE, "patient")
    listing = client.get("/articles").get_data(as_text=True)
    assert "Ibuprofen for back pain" in listing
    assert PATIENT[0] not in listing


@pytest.mark.parametrize("audiences", [AUDIENCES[:1], []], ids=["one audience", "none"])
def test_a_site_with_one_audience_or_none_does_not_ask(app, client, both, audiences):
    app.config["AUDIENCES"] = audiences
    response = client.get(f"/articles/{both}")
    page = response.get_data(as_text=True)
    assert QUESTION not in page and 'name="for"' not in page
    assert title_and_h1(page)[1] == "Ibuprofen for back pain"
    assert MEDICAL_DISCLAIMER in disclaimer(page)
    assert "You are reading" not in page


def test_the_etag_differs_per_shown_audience(client, publisher):
    slug = approved_with_versions(publisher, {"patient": PATIENT})
    etags = {}
    for name, url in [("none", ""), ("patient", "?for=patient"),
                      ("professional", "?for=professional")]:
        client.delete_cookie(COOKIE)
        response = client.get(f"/articles/{slug}{url}")
        etags[name] = response.headers["ETag"]
        assert not etags[name].startswith('W/"')  # one copy for every reader: strong
        assert "Cookie" in response.headers["Vary"]
    assert len(set(etags.values())) == 3, etags
    # The same audience from the cookie: the same page, the same ETag.
    client.set_cookie(COOKIE, "patient")
    assert client.get(f"/articles/{slug}").headers["ETag"] == etags["patient"]
    client.delete_cookie(COOKIE)
    assert client.get(f"/articles/{slug}").headers["ETag"] == etags["none"]


def test_a_changed_audience_disclaimer_changes_the_etag(app, client, both):
    before = client.get(f"/articles/{both}?for=patient").headers["ETag"]
    app.config["AUDIENCES"] = [{**AUDIENCES[0], "disclaimer": "Ask your pharmacist."},
                               AUDIENCES[1]]
    settings_changed(app)  # settings are read at start: as after a restart
    response = client.get(f"/articles/{both}")
    assert "Ask your pharmacist." in disclaimer(response.get_data(as_text=True))
    assert response.headers["ETag"] != before


def test_version_text_is_escaped_and_sanitised(client, publisher):
    slug = approved_with_versions(publisher, {"patient": (
        "Pain <script>alert(1)</script> relief",
        "- <img src=x onerror=alert(1)> point",
        "Body with <iframe src=//evil.example></iframe> and [a link](javascript:alert(1)).")})
    page = client.get(f"/articles/{slug}?for=patient").get_data(as_text=True)
    assert "Pain &lt;script&gt;alert(1)&lt;/script&gt; relief" in page
    assert "<script>alert" not in page and "<img" not in page and "<iframe" not in page
    assert "href=\"javascript:" not in page


def test_a_refused_report_keeps_the_readers_version(client, both):
    client.get(f"/articles/{both}?for=patient")
    response = client.post(f"/articles/{both}/report", data={"message": "", "email": ""})
    assert response.status_code == 400
    assert title_and_h1(response.get_data(as_text=True))[1] == PATIENT[0]


def test_a_pending_article_shows_its_submitted_version_for_the_audience(app, client, rows):
    """PUBLISH_BEFORE_APPROVAL: the last submitted revision's version, with the caution."""
    from reviewapp.articles.models import Article
    from reviewapp.articles.services import DraftContent, create_article
    from reviewapp.workflow import services as workflow
    from tests.integration.test_public_pages import REFERENCES
    from tests.reader_audiences import add_versions

    app.config["PUBLISH_BEFORE_APPROVAL"] = True
    publisher = Publisher(app, rows)
    with rows() as session:
        author = publisher.user("author", "Alice Author")
        article = create_article(author, DraftContent(
            title="Ibuprofen for back pain", body="Main text [1].",
            references_text=REFERENCES, tags=[]))
        add_versions(session, article.id, {"patient": PATIENT})
        workflow.submit_article(article.id, author, None)
        session.commit()
        slug = session.get(Article, article.id).slug
    page = client.get(f"/articles/{slug}?for=patient").get_data(as_text=True)
    assert "Exercise caution as content is pending human review" in page
    assert title_and_h1(page)[1] == PATIENT[0]
    assert PATIENT_DISCLAIMER in disclaimer(page)
