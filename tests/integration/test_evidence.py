"""The assessor's evidence bag (issue 18): the desk's ZIP download and
`evidence export`, what the bag holds, the criteria table, and its audit event."""

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.citations.models import CitationReport
from reviewapp.extensions import db
from reviewapp.questions.services import answer_question, ask_question
from reviewapp.reports.services import create_reader_report, resolve_reader_report
from reviewapp.workflow import services as workflow
from tests.conftest import PASSWORD
from tests.integration.test_public_pages import REFERENCES, Publisher
from tests.integration.test_query_counts import assert_same_count

# Marker [9] has no reference: an error an editor must waive before approval.
ERROR_BODY = "Ibuprofen reduces acute low back pain [1]. Heat helps as well [9]."


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


def _client(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _editor(app, publisher):
    with publisher.rows() as session:
        editor = publisher.user("editor", "Erin Evidence")
        session.commit()
        session.refresh(editor)
        session.expunge(editor)
    return editor


def _waived_and_approved(publisher) -> int:
    """Submitted with an unresolved marker, approved by two reviewers once an editor
    waives the error; returns the article id."""
    article_id = publisher.submitted(body=ERROR_BODY, references=REFERENCES)
    publisher.review(article_id)
    with publisher.rows() as session:
        article = session.get(Article, article_id)
        assert article.state == "under_review"  # held by the unwaived error
        report = session.scalar(select(CitationReport).where(
            CitationReport.revision_id == article.current_revision_id))
        key = next(f.key for f in report.findings if f.severity == "error")
        editor = publisher.user("editor", "Wendy Waiver")
        workflow.waive_finding(article_id, editor, None, key,
                               "Reference 9 is cited from the patient leaflet.")
        session.commit()
        assert session.get(Article, article_id).state == "approved"
    return article_id


@pytest.fixture
def two_revisions(app, publisher):
    """An approved article, updated and approved again, with a waiver, a reader's
    report (resolved) and a question (answered)."""
    article_id = _waived_and_approved(publisher)
    with publisher.rows() as session:
        slug = session.get(Article, article_id).slug
    publisher.new_version_in_review(slug, change_note="The dose advice was updated.")
    publisher.review(article_id, ("Dr. Third Reviewer", "Dr. Fourth Reviewer"))
    with app.test_request_context():
        report = create_reader_report(slug, "The dose in the second paragraph looks wrong.",
                                      "reader@example.org", "192.0.2.1")
        question = ask_question(slug, "Can I take it with paracetamol?",
                                "asker@example.org", True, "192.0.2.2")
        db.session.commit()
        editor = publisher.user("editor", "Quinn Questions")
        resolve_reader_report(report.id, editor, "The dose was checked and is right.")
        answer_question(question.id, editor, "Yes, they can be taken together.")
        db.session.commit()
    return article_id


def _zip(response) -> tuple[str, dict, list[str]]:
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    return (archive.read("index.html").decode(), json.loads(archive.read("evidence.json")),
            names)


def _criterion(bag, start) -> str:
    (row,) = [row for row in bag["criteria"] if row["criterion"].startswith(start)]
    return row["status"]


def test_the_desk_download_holds_every_fact_of_an_article_with_two_revisions(
        app, rows, publisher, two_revisions):
    editor = _editor(app, publisher)
    response = _client(app, editor).get(f"/desk/articles/{two_revisions}/evidence")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="evidence-')
    html, bag, names = _zip(response)
    assert names == ["index.html", "evidence.json"]

    with rows() as session:
        article = session.get(Article, two_revisions)
        hashes = [article.approved_revision.content_hash]
    first, second = bag["revisions"]
    assert (first["number"], first["state"], first["public"]) == (1, "approved", False)
    assert (second["number"], second["state"], second["public"]) == (2, "approved", True)
    assert second["content_hash"] == hashes[0] and first["content_hash"] != hashes[0]
    assert second["change_note"] == "The dose advice was updated."
    assert first["frozen_at"] and first["approved_at"]
    assert first["citation_report"]["errors"] == 1
    assert any(f["severity"] == "error" for f in first["citation_report"]["findings"])
    (waiver,) = bag["waivers"]
    assert (waiver["waived_by"], waiver["reason"]) == (
        "Wendy Waiver", "Reference 9 is cited from the patient leaflet.")

    assert [r["revision"] for r in bag["review_rounds"]] == [1, 2]
    assert [[report["decision"] for report in r["reports"]] for r in bag["review_rounds"]] == [
        ["approve", "approve"], ["approve", "approve"]]
    assert [s["printed_name"] for s in bag["signatures"]] == [
        "Dr. Rita Reviewer", "Dr. Sam Second", "Dr. Third Reviewer", "Dr. Fourth Reviewer"]
    assert [s["revision"] for s in bag["signatures"]] == [1, 1, 2, 2]
    assert all(s["valid"] for s in bag["signatures"])
    assert [d["competing_interests"] for d in bag["competing_interests"]] == ["none"] * 4
    assert [a["details"]["revision"] for a in bag["approvals"]] == [1, 2]
    assert bag["review_dates"]["next_review_due"] == (
        date.fromisoformat(second["approved_at"][:10]) + timedelta(days=365)).isoformat()
    assert bag["review_dates"]["last_reviewed"] == second["approved_at"]

    (report,) = bag["reader_reports"]
    assert (report["message"], report["status"], report["resolution"]) == (
        "The dose in the second paragraph looks wrong.", "resolved",
        "The dose was checked and is right.")
    (question,) = bag["reader_questions"]
    assert (question["question"], question["outcome"], question["answer"]) == (
        "Can I take it with paracetamol?", "Answered by mail",
        "Yes, they can be taken together.")
    text = json.dumps(bag) + html
    for private in ("reader@example.org", "asker@example.org", "192.0.2.1"):
        assert private not in text

    audit = bag["audit"]
    assert audit["all_links_hold"] is True
    assert all(e["link_problems"] == [] for e in audit["events"])
    assert "article.approved" in [e["action"] for e in audit["events"]]
    assert audit["head"]["seq"] >= audit["events"][-1]["seq"]
    manifest = bag["provenance"]["manifest"]
    assert bag["provenance"]["available"] is True
    assert manifest["payload"]["revision"]["number"] == 2
    assert manifest["payload"]["revision"]["content_hash"] == second["content_hash"]

    assert _criterion(bag, "Feedback") == "present"
    assert _criterion(bag, "Training") == "missing"
    assert _criterion(bag, "Need") == "missing"
    assert _criterion(bag, "Impact") == "missing"
    assert _criterion(bag, "Evidence:") == "present"
    assert _criterion(bag, "A planned cycle of review") == "present"
    assert _criterion(bag, "Openness about conflicts of interest") == "present"
    assert _criterion(bag, "A documented process of checking and approval") == "present"
    assert _criterion(bag, "The evidence is checked at each review") == "present"
    assert _criterion(bag, "Versions for other readers") == "missing"
    assert len([r for r in bag["criteria"] if r["scheme"] == "PIF TICK"]) == 10
    # The same table in the page, each row with its status.
    assert html.count('<tr class="criterion ') == len(bag["criteria"])
    assert '<tr class="criterion missing"><td>PIF TICK</td><td>Training:' in html
    assert "Dr. Fourth Reviewer" in html and "Wendy Waiver" in html
    assert "Yes, they can be taken together." in html
    assert "Every event below holds its link in the chain." in html

    with rows() as session:
        exported = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "evidence.exported")).all()
        assert [(e.actor_id, e.article_id, e.details["revisions"], e.details["bytes"])
                for e in exported] == [(editor.id, two_revisions, 2, len(response.data))]


def test_a_draft_says_why_it_has_no_provenance_and_what_is_missing(app, publisher,
                                                                  make_article):
    with publisher.rows() as session:
        author = publisher.user("author")
        session.commit()
        session.refresh(author)
        session.expunge(author)
    article_id = make_article(author)
    with publisher.rows() as session:
        admin = publisher.user("admin", "Ada Admin")
        session.commit()
        session.refresh(admin)
        session.expunge(admin)
    html, bag, _ = _zip(_client(app, admin).get(f"/desk/articles/{article_id}/evidence"))
    assert bag["provenance"]["available"] is False
    assert "no approved revision" in bag["provenance"]["reason"]
    assert [r["state"] for r in bag["revisions"]] == ["draft"]
    assert bag["review_dates"]["next_review_due"] is None
    assert _criterion(bag, "A planned cycle of review") == "missing"
    assert _criterion(bag, "Feedback") == "missing"
    assert "No provenance: The article has no approved revision" in html


def test_the_page_escapes_what_people_typed(app, publisher):
    article_id = publisher.submitted(title="<script>alert('bag')</script> & more")
    editor = _editor(app, publisher)
    html, bag, _ = _zip(_client(app, editor).get(f"/desk/articles/{article_id}/evidence"))
    assert bag["article"]["title"] == "<script>alert('bag')</script> & more"
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;bag&#39;)&lt;/script&gt; &amp; more" in html
    assert "<link" not in html and "src=" not in html  # self-contained


def test_only_editors_and_admins_get_it(app, publisher):
    article_id = publisher.submitted()
    with publisher.rows() as session:
        users = {role: publisher.user(role) for role in ("author", "reviewer", "admin")}
        session.commit()
        for user in users.values():
            session.refresh(user)
            session.expunge(user)
    url = f"/desk/articles/{article_id}/evidence"
    assert app.test_client().get(url).status_code == 302  # to the login page
    for role in ("author", "reviewer"):
        assert _client(app, users[role]).get(url).status_code == 403
    assert _client(app, users["admin"]).get(url).status_code == 200
    editor = _editor(app, publisher)
    assert _client(app, editor).get("/desk/articles/999999/evidence").status_code == 404
    with publisher.rows() as session:
        exported = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "evidence.exported")).all()
        assert [e.actor_id for e in exported] == [users["admin"].id]  # refusals record none


# --- the CLI -------------------------------------------------------------------------------

def _exports(rows) -> list[dict]:
    with rows() as session:
        return [e.details for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "evidence.exported").order_by(AuditEvent.seq))]


def test_cli_exports_one_article_to_a_file(app, rows, publisher, tmp_path):
    slug = publisher.approved()
    article_id = publisher.article_id(slug)
    target = tmp_path / "bag.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["evidence", "export", str(article_id), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {target}" in result.output and slug in result.output
    archive = zipfile.ZipFile(target)
    assert json.loads(archive.read("evidence.json"))["article"]["id"] == article_id
    assert _exports(rows) == [{"article": slug, "revisions": 1, "file": "bag.zip",
                               "bytes": target.stat().st_size}]

    again = runner.invoke(args=["evidence", "export", str(article_id), "--output", str(target)])
    assert again.exit_code == 1 and "Cannot write" in again.output
    missing = tmp_path / "none.zip"
    unknown = runner.invoke(args=["evidence", "export", "999999", "--output", str(missing)])
    assert unknown.exit_code == 1 and "There is no article 999999." in unknown.output
    assert not missing.exists()
    both = runner.invoke(args=["evidence", "export", str(article_id), "--random", "1",
                               "--output", str(tmp_path)])
    assert both.exit_code == 2 and "either an ARTICLE_ID or --random N" in both.output
    assert len(_exports(rows)) == 1  # nothing refused was recorded


def test_cli_picks_approved_articles_at_random(app, rows, publisher, tmp_path):
    slugs = {publisher.approved(title=f"Article {n} on back pain") for n in range(3)}
    publisher.submitted(title="Not approved yet")
    today = datetime.now(UTC).date().isoformat()  # --since is a UTC day
    runner = app.test_cli_runner()
    two = tmp_path / "two"
    two.mkdir()
    result = runner.invoke(args=["evidence", "export", "--random", "2", "--since", today,
                                 "--output", str(two)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in two.iterdir())
    assert len(written) == 2 and result.output.count("Wrote ") == 2
    assert {name[len("evidence-"):-len(".zip")] for name in written} <= slugs
    assert len(_exports(rows)) == 2

    every = tmp_path / "every"
    every.mkdir()
    result = runner.invoke(args=["evidence", "export", "--random", "5", "--since", today,
                                 "--output", str(every)])
    assert result.exit_code == 0, result.output
    assert "Only 3 article(s) were approved since" in result.output
    assert {p.name for p in every.iterdir()} == {f"evidence-{slug}.zip" for slug in slugs}
    assert len(_exports(rows)) == 5

    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    for args, message in (
            (["--random", "0", "--output", str(every)], "must be 1 or more"),
            (["--random", "1", "--since", "31/01/2026", "--output", str(every)],
             "is not a date like 2026-01-31"),
            (["--random", "1", "--output", str(every / "evidence-x.zip")],
             "is not a directory"),
            (["--random", "1", "--since", tomorrow, "--output", str(tmp_path)],
             "No article was approved since")):
        result = runner.invoke(args=["evidence", "export", *args])
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert len(_exports(rows)) == 5


# --- a fixed number of queries -----------------------------------------------------------

def _statements(app, client, url) -> list[str]:
    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return [s for s in seen if not s.lstrip().upper().startswith("BEGIN")]


def test_the_export_costs_the_same_queries_for_1_and_3_revisions(app, publisher):
    slug = publisher.approved()
    article_id = publisher.article_id(slug)
    editor = _editor(app, publisher)
    client = _client(app, editor)
    url = f"/desk/articles/{article_id}/evidence"
    client.get(url)  # warm-up
    one = _statements(app, client, url)
    for k in (1, 2):
        publisher.new_version_in_review(slug, body=f"Update {k} of the text [1].",
                                        change_note=f"Update {k}.")
        publisher.review(article_id, (f"Dr. A{k}", f"Dr. B{k}"))
    _, bag, _ = _zip(client.get(url))
    assert len(bag["revisions"]) == 3 and len(bag["signatures"]) == 6
    three = _statements(app, client, url)
    assert_same_count("Evidence bag export", one, three, sizes=(1, 3))


def test_the_desk_article_page_links_the_bag_for_editors_only(app, publisher):
    article_id = publisher.submitted()
    with publisher.rows() as session:
        author = session.get(Article, article_id).author
        session.expunge(author)
    editor = _editor(app, publisher)
    link = f'href="/desk/articles/{article_id}/evidence" download>Evidence bag (ZIP)</a>'
    assert link in _client(app, editor).get(f"/desk/articles/{article_id}").get_data(
        as_text=True)
    author_page = _client(app, author).get(f"/desk/articles/{article_id}")
    assert author_page.status_code == 200
    assert "Evidence bag (ZIP)" not in author_page.get_data(as_text=True)


def test_an_event_changed_behind_the_apps_back_is_named_in_the_bag(app, rows, publisher):
    from tests.integration.test_audit_log import tampering

    slug = publisher.approved()
    article_id = publisher.article_id(slug)
    with rows() as session:
        seq = session.scalar(select(AuditEvent.seq).where(
            AuditEvent.article_id == article_id, AuditEvent.action == "article.approved"))
    with tampering(app) as conn:
        conn.exec_driver_sql(
            f"UPDATE audit_event SET actor_name = 'Mallory' WHERE seq = {int(seq)}")
    editor = _editor(app, publisher)
    html, bag, _ = _zip(_client(app, editor).get(f"/desk/articles/{article_id}/evidence"))
    assert bag["audit"]["all_links_hold"] is False
    broken = {e["seq"]: e["link_problems"] for e in bag["audit"]["events"] if e["link_problems"]}
    assert list(broken) == [seq] and broken[seq][0]
    assert "Some events below do not hold their link in the chain." in html
