"""The author's loop in Chromium (issue 16): choosing a citation finding selects exactly its
marker or sentence in the body field (or its reference's line), scrolled into view, and marks
it in the preview; on the desk article page "Show in the article" marks the sentence."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FILLER = "\n".join(["Background on low back pain and how it is treated at home."] * 40)
MARKER_SENTENCE = "Naproxen may help too [4]."
CLAIM = "Adults may take 400 mg every 8 hours for pain."
BODY = (f"# Pain relief\n\n{FILLER}\n\n"
        f"Ibuprofen helps with acute low back pain [1]. {MARKER_SENTENCE}\n{CLAIM}")
REFERENCES = ("1. Doe J. Ibuprofen for low back pain. BMJ. 2024. doi:10.1136/bmj.m1\n"
              "2. Roe R. Naproxen for back pain. Lancet. 2023. PMID: 11111111")


def _finding(page: Page, code: str):
    return page.locator("li.finding", has_text=code)


def _selection(page: Page, field_id: str) -> dict:
    return page.evaluate("""(id) => {
        const field = document.getElementById(id);
        const lineHeight = parseFloat(getComputedStyle(field).lineHeight);
        return {focused: document.activeElement === field, scrollTop: field.scrollTop,
                lineHeight: lineHeight, height: field.clientHeight,
                start: field.selectionStart, end: field.selectionEnd,
                text: field.value.slice(field.selectionStart, field.selectionEnd)};
    }""", field_id)


def _highlighted(page: Page) -> str | None:
    return page.evaluate("""() => {
        const marked = CSS.highlights.get("citation-finding");
        return marked ? [...marked][0].toString() : null;
    }""")


def test_choosing_a_finding_selects_its_text_in_the_field(browsers, make_user, make_article):
    author = make_user(roles=["author"], name="Ada Author")
    article_id = make_article(author, body=BODY, references=REFERENCES)
    page = browsers(author)
    page.goto(f"/desk/articles/{article_id}/edit")

    marker = _finding(page, "marker-unresolved")
    expect(marker).to_contain_text("Add reference 4 to the list, or change the marker.")
    expect(marker.get_by_role("link", name="Body, line 44")).to_be_visible()
    marker.get_by_role("link", name="Body, line 44").click()
    selected = _selection(page, "body")
    start = BODY.index(MARKER_SENTENCE) + len(MARKER_SENTENCE) - len("[4].")
    assert selected == {**selected, "focused": True, "start": start, "end": start + 3,
                        "text": "[4]"}
    # The field scrolled down to line 44 (no line of BODY wraps at this width).
    line_top = 43 * selected["lineHeight"]
    assert selected["scrollTop"] <= line_top <= (
        selected["scrollTop"] + selected["height"] - selected["lineHeight"]), selected
    expect(page.get_by_label("Body", exact=True)).to_be_in_viewport(ratio=1)

    _finding(page, "claim-uncited").get_by_role("link", name="Body, line 45").click()
    selected = _selection(page, "body")
    assert (selected["start"], selected["end"]) == (BODY.index(CLAIM), len(BODY))
    assert selected["text"] == CLAIM

    _finding(page, "reference-uncited").get_by_role("link", name="References, line 2").click()
    selected = _selection(page, "references")
    assert selected["focused"] and selected["text"] == REFERENCES.splitlines()[1]

    # Edited since the check: the marker is found where it went.
    page.get_by_label("Body", exact=True).fill("A new first line.\n" + BODY)
    marker.get_by_role("link", name="Body, line 44").click()
    selected = _selection(page, "body")
    assert selected["text"] == "[4]" and selected["start"] == start + len("A new first line.\n")


def test_the_chosen_finding_is_marked_in_the_preview(browsers, make_user, make_article):
    author = make_user(roles=["author"], name="Ada Author")
    article_id = make_article(author, body=BODY, references=REFERENCES)
    page = browsers(author)
    page.goto(f"/desk/articles/{article_id}/edit")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("region", name="Preview")).to_be_visible()

    _finding(page, "claim-uncited").get_by_role("link", name=re.compile("Body, line")).click()
    assert _highlighted(page) == CLAIM
    assert _selection(page, "body")["text"] == CLAIM
    _finding(page, "marker-unresolved").get_by_role("link", name=re.compile("Body, line")).click()
    assert _highlighted(page) == "[4]"


def test_desk_page_shows_a_finding_in_the_article(browsers, make_user, make_article):
    author = make_user(roles=["author"], name="Ada Author")
    article_id = make_article(author, body=BODY, references=REFERENCES)
    page = browsers(author)
    page.goto(f"/desk/articles/{article_id}")
    claim = _finding(page, "claim-uncited")
    claim.get_by_role("button", name="Show in the article").click()
    assert _highlighted(page) == CLAIM
    _finding(page, "marker-unresolved").get_by_role("button", name="Show in the article").click()
    assert _highlighted(page) == "[4]"
    uncited = _finding(page, "reference-uncited")
    expect(uncited.get_by_role("link", name="Reference 2 in the list")).to_have_attribute(
        "href", "#ref-2")
    expect(page.locator("#ref-2").get_by_role("link", name="PubMed")).to_have_attribute(
        "href", "https://pubmed.ncbi.nlm.nih.gov/11111111/")


def test_findings_quoting_long_links_fit_a_phone(browsers, make_user, make_article):
    author = make_user(roles=["author"], name="Ada Author")
    long_link = "https://guidance.example.org/?id=" + "7f3a9c" * 16  # no break inside
    article_id = make_article(author, body=BODY,
                              references=f"{REFERENCES}\n3. Guideline. 2024. {long_link}")
    page = browsers(author, width=390, height=844)
    for path in (f"/desk/articles/{article_id}/edit", f"/desk/articles/{article_id}"):
        page.goto(path)
        expect(_finding(page, "reference-uncited").last).to_contain_text("Reference 3")
        assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth"), path
