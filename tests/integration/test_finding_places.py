"""The citation report as the author and reviewers read it (issue 16): errors, then warnings,
then notes, each with what to do; on the edit page each finding names its line in the field
and quotes its text (so it works without JavaScript); identifiers link out on the desk and
review pages as on the public page."""

import html
import re

from tests.integration.test_citations_app import Desk, _section, _text

BODY = ("# Pain relief\n"
        "\n"
        "Ibuprofen helps with acute low back pain [1]. Naproxen may help too [4].\n"
        "Adults may take 400 mg every 8 hours for pain.")
REFERENCES = ("1. Doe J. Ibuprofen for low back pain. BMJ. 2024. doi:10.1136/bmj.m1\n"
              "2. Roe R. Naproxen for back pain. Lancet. 2001. PMID: 11111111\n"
              "3. Poe P. Paracetamol. N Engl J Med. 2025. PMCID: PMC7092803")


def _items(section: str) -> list[str]:
    return re.findall(r'<li class="finding finding-\w+ mb-3">.*?</li>', section, re.S)


def _attributes(item: str) -> dict[str, str]:
    return {name: html.unescape(value)
            for name, value in re.findall(r'data-finding-(\w+)="([^"]*)"', item)}


def test_edit_page_orders_findings_and_names_their_lines_without_javascript(
        app, make_user, make_article):
    desk = Desk(app, make_user, make_article, BODY, REFERENCES)
    page = desk.page(desk.author, "/edit")
    section = _section(page, "Citation check")
    items = _items(section)
    severities = [re.search(r"finding-(\w+)", item)[1] for item in items]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert {"error", "warning", "info"} <= set(severities), severities

    first = _text(items[0]).strip()
    assert first.startswith("Error Marker [4] points at no reference (the list has 3).")
    assert "Add reference 4 to the list, or change the marker." in first
    assert "Body, line 3 : “ [4] ” in “Naproxen may help too [4].”" in first
    assert "Check: marker-unresolved" in first
    assert '<code>marker-unresolved</code>' in items[0]
    place = _attributes(items[0])
    assert place["field"] == "body" and place["text"] == "[4]"
    assert BODY[int(place["start"]):int(place["end"])] == "[4]"

    claim = next(item for item in items if "claim-uncited" in item)
    place = _attributes(claim)
    assert place["text"] == "Adults may take 400 mg every 8 hours for pain."
    assert BODY[int(place["start"]):int(place["end"])] == place["text"]
    assert "Body, line 4" in _text(claim)

    uncited = [item for item in items if "reference-uncited" in item]
    assert [_text(item).split("References, line ")[1][:1] for item in uncited] == ["2", "3"]
    place = _attributes(uncited[0])
    assert place["field"] == "references" and place["text"].startswith("2. Roe R.")
    assert "Cite reference 2 in the text with a marker, or remove it from the list." \
        in _text(uncited[0])
    assert 'class="finding-goto" href="#references"' in uncited[0]

    counts = {severity: severities.count(severity) for severity in ("error", "warning")}
    assert counts == {"error": 1, "warning": 3}, severities
    assert f"1 error 3 warnings {severities.count('info')} note" in _text(section)
    assert '<script src="/static/js/findings.js" defer></script>' in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None  # no inline script


def test_desk_page_links_reference_findings_and_identifiers(app, make_user, make_article):
    desk = Desk(app, make_user, make_article, BODY, REFERENCES)
    page = desk.page(desk.author)
    section = _section(page, "Citation check")
    uncited = next(item for item in _items(section) if "reference-uncited" in item)
    assert '<a href="#ref-2">Reference 2 in the list</a>' in uncited
    assert "line" not in _text(uncited)  # no field to count lines in on this page
    assert 'id="ref-2"' in page
    _assert_identifier_links(page)


def test_review_page_links_identifiers(app, make_user, make_article):
    desk = Desk(app, make_user, make_article, BODY, REFERENCES)
    assert desk.submit().status_code == 302
    desk.assign_and_accept()
    page = desk.page(desk.reviewers[0], "/review")
    _assert_identifier_links(page)
    section = _text(_section(page, "Citation check"))
    assert section.index("marker-unresolved") < section.index("reference-uncited")


def _assert_identifier_links(page: str) -> None:
    references = page[page.index('<ol class="references">'):]
    references = references[:references.index("</ol>")]
    assert '<a href="https://doi.org/10.1136/bmj.m1" rel="noopener noreferrer">DOI</a>' \
        in references
    assert ('<a href="https://pubmed.ncbi.nlm.nih.gov/11111111/" rel="noopener noreferrer">'
            'PubMed</a>') in references
    assert ('<a href="https://pmc.ncbi.nlm.nih.gov/articles/PMC7092803/" '
            'rel="noopener noreferrer">PubMed Central</a>') in references


def test_preview_of_typed_text_counts_places_as_the_browser_does(app, make_user, make_article):
    """A browser sends CRLF line breaks and shows LF ones: places count in the shown text."""
    desk = Desk(app, make_user, make_article, "Ibuprofen helps [1].", REFERENCES)
    typed = BODY.replace("\n", "\r\n").replace("pain [1].", "pain 😀 [1].")
    response = desk.edit(typed, REFERENCES, preview=True)
    assert response.status_code == 200
    items = _items(_section(response.get_data(as_text=True), "Citation check"))
    place = _attributes(items[0])
    shown = typed.replace("\r\n", "\n").encode("utf-16-le")
    assert shown[2 * int(place["start"]):2 * int(place["end"])].decode("utf-16-le") == "[4]"
    assert "Body, line 3" in _text(items[0])
