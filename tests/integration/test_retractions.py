"""`flask --app reviewapp retractions import FILE.csv`: the Retraction Watch database in its
published CSV form, idempotent re-imports, robust decoding, bounded memory, and approved
articles flagged for re-review when a work they cite is retracted."""

import csv
import io
import re
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.citations.models import Retraction
from reviewapp.db import utcnow
from reviewapp.reviews.models import Assignment
from tests.conftest import CORPUS, PASSWORD, audit_actions

SAMPLE_CSV = CORPUS / "retractions-sample.csv"
needs_sample = pytest.mark.skipif(not SAMPLE_CSV.is_file(), reason=f"{SAMPLE_CSV} is absent "
                                                                   "(the shared corpus is only "
                                                                   "present in CI)")
# The column layout of the Retraction Watch CSV, as in the sample.
COLUMNS = ["Record ID", "Title", "Subject", "Institution", "Journal", "Publisher", "Country",
           "Author", "URLS", "ArticleType", "RetractionDate", "RetractionDOI",
           "RetractionPubMedID", "OriginalPaperDate", "OriginalPaperDOI",
           "OriginalPaperPubMedID", "RetractionNature", "Reason", "Paywalled", "Notes"]
SAMPLE_IDS = {"900001", "900002", "900003", "900004", "900005"}


def run_import(app, path):
    return app.test_cli_runner().invoke(args=["retractions", "import", str(path)])


def count(output: str, label: str) -> int:
    """The number printed next to `label`: "5 added" or "added: 5"."""
    match = (re.search(rf"(\d[\d,]*)\s+{label}", output, re.I)
             or re.search(rf"{label}\W+(\d[\d,]*)", output, re.I))
    assert match, f"no count of {label!r} in {output[-1500:]!r}"
    return int(match.group(1).replace(",", ""))


def counts(output: str) -> dict:
    return {label: count(output, label)
            for label in ("rows", "added", "updated", "unchanged", "skipped")}


def stored(rows) -> dict[str, Retraction]:
    with rows() as session:
        found = {r.record_id: r for r in session.scalars(select(Retraction))}
        for row in found.values():
            session.expunge(row)
        return found


def sample_rows() -> list[dict]:
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def write_csv(path: Path, rows: list[dict], columns=COLUMNS, encoding="utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


# -- the sample file -------------------------------------------------------------------------

@needs_sample
def test_import_of_the_sample_reports_counts_and_stores_normalised_rows(app, rows):
    assert SAMPLE_CSV.read_text(encoding="utf-8").splitlines()[0].split(",") == COLUMNS
    result = run_import(app, SAMPLE_CSV)
    assert result.exit_code == 0, result.output
    reported = counts(result.output)
    found = stored(rows)
    assert reported["rows"] == 5
    assert reported["updated"] == reported["unchanged"] == 0
    assert reported["added"] == len(found) and reported["added"] + reported["skipped"] == 5
    # Every row that names the original paper is kept.
    assert {"900001", "900002", "900003", "900004"} <= set(found) <= SAMPLE_IDS

    first = found["900001"]
    assert first.doi == "10.5555/example.2019.0042"  # "10.5555/EXAMPLE.2019.0042" in the file
    assert first.pmid == "31000001"
    assert first.nature == "Retraction"
    assert first.retraction_date == "2024-03-14"
    assert first.title == "Perioperative pregabalin dosing in lumbar fusion: a randomized trial"
    assert "Concerns/Issues About Data" in first.reason

    concern = found["900002"]
    assert (concern.doi, concern.pmid, concern.nature, concern.retraction_date) == (
        "10.5555/epr.2021.117", "33000002", "Expression of concern", "2023-11-01")
    correction = found["900003"]
    assert (correction.doi, correction.pmid, correction.nature,
            correction.retraction_date) == ("10.5555/en.2020.31", "32000003", "Correction",
                                            "2022-02-09")
    no_doi = found["900004"]  # OriginalPaperDOI "unavailable"
    assert (no_doi.doi, no_doi.pmid, no_doi.retraction_date) == (None, "29000004",
                                                                 "2025-07-07")
    if "900005" in found:  # DOI "Unavailable", PMID "0": nothing to match on
        assert (found["900005"].doi, found["900005"].pmid) == (None, None)
    for row in found.values():
        assert row.doi is None or row.doi == row.doi.lower()
        assert row.doi not in ("", "unavailable", "0")
        assert row.pmid is None or re.fullmatch(r"[1-9]\d*", row.pmid)

    with rows() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "retractions.imported")).one()
        assert event.details["added"] == reported["added"]


@needs_sample
def test_reimport_is_idempotent_and_a_changed_row_updates(app, rows, tmp_path):
    first = run_import(app, SAMPLE_CSV)
    assert first.exit_code == 0, first.output
    kept = counts(first.output)["added"]
    before = stored(rows)

    again = run_import(app, SAMPLE_CSV)
    assert again.exit_code == 0, again.output
    assert counts(again.output) == {"rows": 5, "added": 0, "updated": 0, "unchanged": kept,
                                    "skipped": 5 - kept}
    after = stored(rows)
    assert set(after) == set(before)
    assert {k: (r.id, r.doi, r.pmid, r.nature, r.reason, r.retraction_date)
            for k, r in after.items()} == {k: (r.id, r.doi, r.pmid, r.nature, r.reason,
                                               r.retraction_date) for k, r in before.items()}

    changed = sample_rows()
    changed[2]["RetractionNature"] = "Retraction"  # 900003: the correction became a retraction
    changed[2]["Reason"] = "+Falsification/Fabrication of Data;"
    changed[2]["RetractionDate"] = "1/15/2026 0:00"
    result = run_import(app, write_csv(tmp_path / "changed.csv", changed))
    assert result.exit_code == 0, result.output
    assert counts(result.output) == {"rows": 5, "added": 0, "updated": 1,
                                     "unchanged": kept - 1, "skipped": 5 - kept}
    updated = stored(rows)
    assert len(updated) == kept
    row = updated["900003"]
    assert (row.nature, row.reason, row.retraction_date) == (
        "Retraction", "+Falsification/Fabrication of Data;", "2026-01-15")
    assert row.id == before["900003"].id
    assert audit_actions(app).count("retractions.imported") == 3


@needs_sample
@pytest.mark.parametrize("value", ["", "unavailable", "Unavailable", "UNAVAILABLE", "0", "  "])
def test_blank_unavailable_and_zero_mean_missing(app, rows, tmp_path, value):
    row = dict(sample_rows()[0], **{"Record ID": "910001", "OriginalPaperDOI": value,
                                    "OriginalPaperPubMedID": value})
    other = dict(sample_rows()[0], **{"Record ID": "910002", "OriginalPaperDOI": "10.5555/ok.1",
                                      "OriginalPaperPubMedID": value, "RetractionDate": value})
    result = run_import(app, write_csv(tmp_path / "missing.csv", [row, other]))
    assert result.exit_code == 0, result.output
    found = stored(rows)
    if "910001" in found:
        assert (found["910001"].doi, found["910001"].pmid) == (None, None)
    assert (found["910002"].doi, found["910002"].pmid) == ("10.5555/ok.1", None)
    assert found["910002"].retraction_date is None


def test_invalid_utf8_bytes_are_replaced_not_fatal(app, rows, tmp_path):
    good = {c: "" for c in COLUMNS}
    first = dict(good, **{"Record ID": "920001", "Title": "Caf@@BAD@@ study",
                          "OriginalPaperDOI": "10.5555/bad.bytes.1",
                          "OriginalPaperPubMedID": "35000001", "RetractionNature": "Retraction",
                          "RetractionDate": "2/3/2024 0:00", "Reason": "+Error in Data;"})
    second = dict(good, **{"Record ID": "920002", "Title": "Na\u00efve Bayes, after the fault",
                           "OriginalPaperDOI": "10.5555/bad.bytes.2",
                           "RetractionNature": "Expression of concern"})
    path = write_csv(tmp_path / "faulty.csv", [first, second])
    # A Latin-1 byte and two bytes that are never valid UTF-8 inside a field.
    path.write_bytes(path.read_bytes().replace(b"@@BAD@@", b"\xe9 \xff\xfe"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    result = run_import(app, path)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert counts(result.output)["added"] == 2
    found = stored(rows)
    assert found["920001"].doi == "10.5555/bad.bytes.1"
    assert found["920001"].pmid == "35000001"
    assert found["920001"].retraction_date == "2024-02-03"
    title = found["920001"].title
    assert title.startswith("Caf") and title.endswith(" study")
    assert "\ufffd" in title or "\u00e9" in title
    assert found["920002"].title == "Na\u00efve Bayes, after the fault"
    assert found["920002"].nature == "Expression of concern"


def test_byte_order_mark_and_crlf_lines_are_read(app, rows, tmp_path):
    row = {c: "" for c in COLUMNS}
    row.update({"Record ID": "930001", "OriginalPaperDOI": "10.5555/BOM.1",
                "RetractionNature": "Retraction", "Title": "A title\nover two lines"})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(row)
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    result = run_import(app, path)
    assert result.exit_code == 0, result.output
    found = stored(rows)
    assert found["930001"].doi == "10.5555/bom.1"
    assert "over two lines" in found["930001"].title


@pytest.mark.parametrize("columns,missing", [
    ([c for c in COLUMNS if c != "OriginalPaperDOI"], "OriginalPaperDOI"),
    ([c for c in COLUMNS if c not in ("Record ID", "RetractionNature")], "RetractionNature"),
    (["doi", "pmid", "nature"], "Record ID"),
])
def test_a_csv_without_the_required_columns_fails_and_writes_nothing(app, rows, tmp_path,
                                                                     columns, missing):
    row = {c: "x" for c in columns}
    row.update({"OriginalPaperDOI": "10.5555/x.1", "doi": "10.5555/x.1"})
    path = write_csv(tmp_path / "wrong.csv", [row] * 3, columns=columns)
    before = audit_actions(app)
    result = run_import(app, path)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert missing in result.output
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Retraction)) == 0
    assert audit_actions(app) == before


@pytest.mark.parametrize("content", [None, b"", b"\x89PNG\r\n\x1a\n\x00\x00binary"])
def test_a_missing_empty_or_binary_file_fails_clearly(app, rows, tmp_path, content):
    path = tmp_path / "retraction-watch.csv"
    if content is not None:
        path.write_bytes(content)
    result = run_import(app, path)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and result.output.strip()
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Retraction)) == 0


# -- approved articles citing a newly retracted work -----------------------------------------

class Approver:
    """Takes articles through submit, assign, accept and two signatures on the web."""

    def __init__(self, app, make_user, make_article):
        self.app, self.make_article = app, make_article
        self.author = make_user(roles=["author"], name="Alice Author")
        self.editor = make_user(roles=["editor"], name="Eddie Editor")
        self.reviewers = [make_user(roles=["reviewer"], name=f"Dr. Reviewer {n}")
                          for n in (1, 2)]
        self.clients = {}

    def client(self, user):
        if user.id not in self.clients:
            client = self.app.test_client()
            assert client.post("/login", data={"email": user.email,
                                               "password": PASSWORD}).status_code == 302
            self.clients[user.id] = client
        return self.clients[user.id]

    def hidden(self, user, path, name):
        page = self.client(user).get(path).get_data(as_text=True)
        return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)

    def post(self, user, path, data, version_from=None):
        if version_from:
            data = {**data, "version": self.hidden(user, version_from, "version")}
        response = self.client(user).post(path, data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]

    def article(self, title, reference, approve=True) -> int:
        article_id = self.make_article(self.author, title=title,
                                       body="Pregabalin was studied after lumbar fusion [1].",
                                       references=f"1. Sample A. A trial. J Ex. 2024. "
                                                  f"{reference}")
        if not approve:
            return article_id
        page = f"/desk/articles/{article_id}"
        self.post(self.author, f"{page}/submit", {}, version_from=page)
        due = (utcnow() + timedelta(days=7)).date().isoformat()
        for reviewer in self.reviewers:
            self.post(self.editor, f"{page}/assign",
                      {"reviewer": str(reviewer.id), "due_date": due}, version_from=page)
            with self.app.app_context():
                from reviewapp.extensions import db

                n = db.session.scalar(select(Assignment.id).where(
                    Assignment.article_id == article_id, Assignment.reviewer_id == reviewer.id))
            self.post(reviewer, f"/desk/assignments/{n}/accept",
                      {f"a{n}-declaration": "none"})
        for reviewer in self.reviewers:
            content_hash = self.hidden(reviewer, f"{page}/review", "content_hash")
            self.post(reviewer, f"{page}/approve",
                      {"password": PASSWORD, "content_hash": content_hash})
        with self.app.app_context():
            from reviewapp.extensions import db

            assert db.session.get(Article, article_id).state == "approved"
        return article_id


def _flagged_section(client) -> str:
    page = client.get("/desk/editor").get_data(as_text=True)
    start = page.index('aria-label="Flagged for re-review"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[start:page.index("</section>",
                                                                            start)]))


@needs_sample
def test_approved_articles_citing_a_newly_retracted_work_are_flagged(app, make_user,
                                                                    make_article, rows):
    desk = Approver(app, make_user, make_article)
    by_doi = desk.article("Pregabalin after lumbar fusion",
                          "doi:10.5555/EXAMPLE.2019.0042")
    by_pmid = desk.article("Diazepam with opioids", "PMID: 29000004")
    concern = desk.article("Erector spinae plane block", "doi:10.5555/epr.2021.117")
    corrected = desk.article("Baclofen for spasm", "doi:10.5555/en.2020.31")
    clean = desk.article("Ibuprofen for back pain", "doi:10.1136/bmj.m1")
    draft = desk.article("A draft citing the retracted trial",
                         "doi:10.5555/example.2019.0042", approve=False)
    assert "None." in _flagged_section(desk.client(desk.editor))

    result = run_import(app, SAMPLE_CSV)
    assert result.exit_code == 0, result.output
    assert re.search(r"\b3\b[^.;\n]{0,40}flagged|flagged\D{0,40}\b3\b", result.output), (
        result.output)

    flagged_ids = {by_doi, by_pmid, concern}
    with rows() as session:
        for article_id in flagged_ids:
            article = session.get(Article, article_id)
            assert article.state == "approved"
            assert article.rereview_reason and article.rereview_flagged_at is not None
            assert "Reference 1" in article.rereview_reason
        assert "10.5555/example.2019.0042" in session.get(Article, by_doi).rereview_reason
        for article_id in (corrected, clean, draft):
            assert session.get(Article, article_id).rereview_reason is None
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "article.rereview_flagged")).all()
        assert sorted(e.article_id for e in events) == sorted(flagged_ids)
        assert all(e.reason for e in events)

    section = _flagged_section(desk.client(desk.editor))
    for title in ("Pregabalin after lumbar fusion", "Diazepam with opioids",
                  "Erector spinae plane block"):
        assert title in section
    for title in ("Baclofen for spasm", "Ibuprofen for back pain", "A draft citing"):
        assert title not in section

    # Nothing new in a re-import: nobody is flagged again.
    again = run_import(app, SAMPLE_CSV)
    assert again.exit_code == 0, again.output
    assert audit_actions(app).count("article.rereview_flagged") == 3


@needs_sample
def test_a_correction_turning_into_a_retraction_flags_the_citing_article(app, make_user,
                                                                         make_article, rows,
                                                                         tmp_path):
    desk = Approver(app, make_user, make_article)
    assert run_import(app, SAMPLE_CSV).exit_code == 0  # before the article is approved
    article_id = desk.article("Baclofen for spasm", "doi:10.5555/en.2020.31")
    with rows() as session:
        assert session.get(Article, article_id).rereview_reason is None

    changed = sample_rows()
    changed[2]["RetractionNature"] = "Retraction"
    result = run_import(app, write_csv(tmp_path / "changed.csv", changed))
    assert result.exit_code == 0, result.output
    with rows() as session:
        assert session.get(Article, article_id).rereview_reason
    assert "Baclofen for spasm" in _flagged_section(desk.client(desk.editor))


# -- the full file: 65,000 rows, about 60 MB --------------------------------------------------

def generate_full_file(path: Path, n: int = 65_000) -> Path:
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit; " * 8
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for i in range(n):
            doi = "unavailable" if i % 17 == 0 else f"10.5555/GEN.{i // 1000}.{i}"
            pmid = "0" if i % 13 == 0 else str(20_000_000 + i)
            nature = ("Retraction", "Expression of concern", "Correction",
                      "Reinstatement")[i % 4]
            writer.writerow([
                str(100_000 + i), f"Generated study {i}: {filler[:200]}",
                "(HSC) Medicine - General;(BLS) Biology - Cellular;", "Example University;",
                "Journal of Generated Results", "Example Publisher", "United States",
                "A. Author;B. Author;C. Author", "", "Research Article;",
                f"{1 + i % 12}/{1 + i % 28}/{2000 + i % 25} 0:00", f"10.5555/notice.{i}",
                "0", f"{1 + i % 12}/{1 + i % 28}/{1990 + i % 30} 0:00", doi, pmid, nature,
                f"+Concerns/Issues About Data;+Investigation by Journal/Publisher;{filler[:180]}",
                "No", filler[: 100 + i % 200]])
    return path


def test_the_full_file_imports_in_bounded_memory(app, rows, tmp_path):
    from reviewapp.extensions import db
    from reviewapp.workflow.rereview import import_retractions

    path = generate_full_file(tmp_path / "retraction_watch.csv")
    size = path.stat().st_size
    assert 55e6 < size < 75e6
    progress: list[int] = []
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with app.app_context():
            with path.open("rb") as file:
                result = import_retractions(file, progress=progress.append)
            db.session.commit()
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    backend = app.config["DATABASE_URL"].split(":")[0]
    print(f"\n{backend}: imported {result.rows:,} rows ({size / 1e6:.0f} MB) in {elapsed:.1f} s "
          f"under tracemalloc; peak traced memory {peak / 1e6:.1f} MB")
    assert peak < 100 * 1024 * 1024
    assert (result.rows, result.added, result.updated, result.skipped) == (65_000, 65_000, 0, 0)
    assert progress and progress == sorted(progress) and progress[-1] == size
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Retraction)) == 65_000
        assert session.scalar(select(func.count()).select_from(Retraction).where(
            Retraction.doi.is_(None))) == len(range(0, 65_000, 17))
        sample = session.scalars(select(Retraction).where(Retraction.record_id == "100001")).one()
        assert (sample.doi, sample.pmid) == ("10.5555/gen.0.1", "20000001")


def test_the_cli_imports_a_generated_file_and_reimports_it_unchanged(app, rows, tmp_path):
    path = generate_full_file(tmp_path / "retraction_watch.csv", n=5_000)
    started = time.perf_counter()
    result = run_import(app, path)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert counts(result.output) == {"rows": 5_000, "added": 5_000, "updated": 0,
                                     "unchanged": 0, "skipped": 0}
    started = time.perf_counter()
    again = run_import(app, path)
    print(f"\nCLI import of 5,000 rows: {elapsed:.1f} s; "
          f"re-import {time.perf_counter() - started:.1f} s")
    assert again.exit_code == 0, again.output
    assert counts(again.output) == {"rows": 5_000, "added": 0, "updated": 0,
                                    "unchanged": 5_000, "skipped": 0}
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Retraction)) == 5_000
