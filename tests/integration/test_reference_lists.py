"""A reference list pasted into the draft form as Word or a PDF wraps it, and what the
citation check and the public summary then say about its identifiers."""

import pytest
from sqlalchemy import select

from reviewapp.articles.models import Article
from reviewapp.citations.models import CitationReport
from tests.integration.test_api import check_response
from tests.integration.test_public_pages import Publisher, text_of
from tests.unit.test_references import WRAPPED, WRAPPED_ENTRIES

BODY = ("Fever is common in adults with a viral infection [1]. Two trials [2-3] and a "
        "review [4] describe its course.")


@pytest.fixture
def author(make_user, login_as):
    user = make_user(roles=["author"], name="Alice Author")
    login_as(user)
    return user


def saved(rows) -> tuple[list[tuple[str, str | None]], list[str]]:
    """The references of the one article as stored, (text, DOI), and its finding codes."""
    with rows() as session:
        revision = session.scalars(select(Article)).one().current_revision
        report = session.scalars(select(CitationReport)
                                 .where(CitationReport.revision_id == revision.id)).one()
        return ([(ref.raw_text, ref.doi) for ref in revision.references],
                [finding.code for finding in report.findings])


def test_wrapped_numbered_paste_saves_one_reference_per_number(client, author, rows):
    response = client.post("/desk/articles/new", data={
        "title": "Fever in adults", "body": BODY, "references": WRAPPED, "tags": "",
        "save": "Save draft"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    references, codes = saved(rows)
    assert [text for text, _ in references] == WRAPPED_ENTRIES
    assert [doi for _, doi in references] == [
        "10.1016/s0140-6736(20)30183-5", "10.1056/nejmoa2034577",
        "10.1371/journal.pmed.1001418", "10.1002/14651858.cd012345.pub2"]
    # Before: nine references, [2-3] pointing at fragments and twelve false warnings.
    assert codes == []
    assert "Draft saved." in page and "No findings." in page
    assert "alert-warning" not in page
    for entry in WRAPPED_ENTRIES:
        assert text_of(entry) in text_of(page)


def test_form_says_how_a_pasted_list_is_split(client, author):
    page = text_of(client.get("/desk/articles/new").get_data(as_text=True))
    assert ("A line that does not start with the next number continues the reference above "
            "it, as in a list pasted from Word or a PDF. Without numbers, each line is one "
            "reference.") in page


def test_doi_the_wrap_may_have_cut_is_named_and_a_made_up_one_is_doubted(client, author,
                                                                         make_article, rows):
    article_id = make_article(author)
    references = ("1. Doe J. Diabetes in adults. Diabetes Care. 2020;43:1-9.\n"
                  "doi:10.2337/dc14-24XX\n"
                  "2. Roe R. Cough. N Engl J Med. 2021;384:1-9. doi:10.1056/NEJ\n"
                  "Moa2034577\n")
    response = client.post(f"/desk/articles/{article_id}/edit", data={
        "title": "Ibuprofen for back pain", "body": "Diabetes [1]. Cough [2].",
        "references": references, "tags": "", "version": "1", "save": "Save draft"},
        follow_redirects=True)
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 200 and "Draft saved." in page
    assert ("Reference 2: the DOI “doi:10.1056/NEJ” ends a line and the next line starts with "
            "“Moa2034577”. If the line break cut the DOI in two, put it back together on one "
            "line.") in page
    assert ("Reference 1 has a DOI that may be wrong: DOI “10.2337/dc14-24XX” has “XX” in it, "
            "which looks like a placeholder rather than part of a real DOI.") in page

    saved_references, codes = saved(rows)
    assert saved_references == [
        ("Doe J. Diabetes in adults. Diabetes Care. 2020;43:1-9. doi:10.2337/dc14-24XX",
         "10.2337/dc14-24xx"),
        ("Roe R. Cough. N Engl J Med. 2021;384:1-9. doi:10.1056/NEJ Moa2034577",
         "10.1056/nej")]
    assert codes == ["identifier-suspicious"]


def test_preview_names_a_doi_the_wrap_may_have_cut_and_saves_nothing(client, author, rows):
    response = client.post("/desk/articles/new", data={
        "title": "Cough", "body": "Cough [1].", "tags": "", "preview": "Preview",
        "references": "1. Roe R. Cough. https://doi.org/10.1056/NEJ\nMoa2034577"})
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Reference 1: the link “https://doi.org/10.1056/NEJ” ends a line" in page
    with rows() as session:
        assert session.scalars(select(Article)).all() == []


def test_malformed_isbn_is_one_finding_and_the_public_summary_says_so(app, client, rows):
    publisher = Publisher(app, rows)
    references = "\n".join([
        "1. Doe J. Ibuprofen. BMJ. 2020;368:m1. doi:10.1136/bmj.m1",
        "2. Smith B. Pain medicine. Oxford: OUP; 2021. ISBN 978-0-306-40615-8",
        "3. Roe R. Notes on pain. Pain Society; 2022."])
    article_id = publisher.submitted(body="Ibuprofen [1]. Pain [2]. Notes [3].",
                                     references=references)
    with rows() as session:
        article = session.get(Article, article_id)
        slug = article.slug
        report = session.scalars(select(CitationReport).where(
            CitationReport.revision_id == article.current_revision_id)).one()
        assert [(f.code, f.reference) for f in report.findings] == [
            ("identifier-invalid", 2), ("reference-unidentified", 3)]

    app.config["PUBLISH_BEFORE_APPROVAL"] = True
    page = text_of(client.get(f"/articles/{slug}").get_data(as_text=True))
    assert ("1 of 3 references with a valid DOI, PubMed or ISBN identifier, and 1 more with "
            "one that is malformed.") in page
    document = client.get("/api/v1/openapi.json").get_json()
    response = client.get(f"/api/v1/articles/{slug}")
    check_response(document, "/api/v1/articles/{slug}", "get", response)
    summary = response.get_json()["citation_summary"]
    assert (summary["references"], summary["references_with_identifier"],
            summary["references_with_malformed_identifier"]) == (3, 1, 1)


def test_citations_check_names_a_doi_the_wrap_may_have_cut_in_a_markdown_file(app, tmp_path):
    document = tmp_path / "cough.md"
    document.write_text("Cough [1].\n\n## References\n\n"
                        "1. Roe R. Cough. N Engl J Med. 2021;384:1-9. doi:10.1056/NEJ\n"
                        "Moa2034577\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["citations", "check", str(document)])
    assert result.stderr == (
        "note: Reference 1: the DOI “doi:10.1056/NEJ” ends a line and the next line starts "
        "with “Moa2034577”. If the line break cut the DOI in two, put it back together on one "
        "line.\n")
    assert "0 errors" in result.stdout
