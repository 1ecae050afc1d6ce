"""Importing references from a file into the draft form, and articles from JATS XML."""

import io

import pytest
from sqlalchemy import func, select

from reviewapp.articles.models import Article, Revision
from reviewapp.citations.models import CitationReport
from tests.conftest import CORPUS

RIS = b"""TY  - JOUR
AU  - Doe, Jane
TI  - Ibuprofen for acute low back pain
JO  - BMJ
PY  - 2020
VL  - 368
SP  - m1
DO  - 10.1136/bmj.m1
ER  -
"""

JATS = b"""<?xml version="1.0" encoding="UTF-8"?>
<article><front><article-meta><title-group>
<article-title>Paracetamol in fever</article-title></title-group></article-meta></front>
<body><sec><title>Dosing</title><p>Adults take 1 g every 6 hours
<xref ref-type="bibr" rid="r1">[1]</xref>.</p></sec></body>
<back><ref-list><ref id="r1"><mixed-citation>Roe R. Paracetamol dosing. Lancet. 2020.
<ext-link ext-link-type="doi">10.1016/S0140-6736(20)30001-1</ext-link></mixed-citation></ref>
</ref-list></back></article>
"""


@pytest.fixture
def author(make_user, login_as):
    user = make_user(roles=["author"])
    login_as(user)
    return user


def article_count(rows):
    with rows() as session:
        return session.scalar(select(func.count()).select_from(Article))


def test_reference_file_fills_the_references_field_without_saving(client, author, rows):
    response = client.post("/desk/articles/new", data={
        "title": "Ibuprofen", "body": "Text [1].", "references": "",
        "reference_file": (io.BytesIO(RIS), "library.ris"), "save": "Save draft"},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Imported 1 references from library.ris" in page
    assert "Ibuprofen for acute low back pain" in page and "10.1136/bmj.m1" in page
    assert article_count(rows) == 0


def test_bad_reference_file_gets_a_clear_error_and_leaves_the_draft(client, author,
                                                                   make_article, rows):
    article_id = make_article(author)
    response = client.post(f"/desk/articles/{article_id}/edit", data={
        "title": "Changed title", "body": "x", "references": "", "version": "1",
        "reference_file": (io.BytesIO(b"\x00\x01 not a reference file"), "refs.ris"),
        "save": "Save draft"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert 'id="reference_file"' in response.get_data(as_text=True)
    assert "invalid-feedback" in response.get_data(as_text=True)
    with rows() as session:
        revision = session.get(Article, article_id).current_revision
        assert revision.title == "Ibuprofen for back pain" and len(revision.references) == 1


def test_jats_import_creates_a_checked_draft(client, author, rows):
    response = client.post("/desk/articles/import", data={
        "jats_file": (io.BytesIO(JATS), "article.xml")}, content_type="multipart/form-data")
    assert response.status_code == 302
    with rows() as session:
        revision = session.scalars(select(Revision)).one()
        assert revision.title == "Paracetamol in fever"
        assert "[1]" in revision.body and "## Dosing" in revision.body
        assert revision.references[0].doi == "10.1016/s0140-6736(20)30001-1"
        report = session.scalar(select(CitationReport))
        assert report.error_count == 0


def test_jats_import_refuses_an_entity_bomb_and_writes_nothing(client, author, rows):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><article>&b;</article>')
    response = client.post("/desk/articles/import", data={
        "jats_file": (io.BytesIO(bomb), "bomb.xml")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert article_count(rows) == 0


def test_published_plos_article_imports_as_a_draft(client, author, rows):
    path = CORPUS / "plos" / "journal.pmed.1001418.xml"
    if not path.exists():
        pytest.skip("../shared/corpus is absent")
    response = client.post("/desk/articles/import", data={
        "jats_file": (io.BytesIO(path.read_bytes()), path.name)},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with rows() as session:
        report = session.scalar(select(CitationReport))
        codes = {f.code for f in report.findings}
        assert "marker-unresolved" not in codes
        assert len(session.scalars(select(Revision)).one().references) > 20
