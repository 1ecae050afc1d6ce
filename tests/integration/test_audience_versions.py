"""Audience versions on the desk (issue 17): the author writes a version per
audience in the edit form; it is stored on the draft revision, copied to the
next one, kept through a login and a stale-form merge, shown to reviewers,
diffed, and covered by the content hash each signature is checked against.
Through the web, on SQLite and PostgreSQL."""

import re
from urllib.parse import parse_qs, urlsplit

import lxml.html
from sqlalchemy import select

from reviewapp.articles.models import Article, AudienceVersion, Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.reviews.models import Review, Signature, signature_is_valid
from tests.conftest import PASSWORD
from tests.integration.test_workflow import Desk

BODY = "Ibuprofen reduces back pain [1].\n\nGive 400 mg every 8 hours with food [1]."
REFERENCES = "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1"
PATIENT = {"aud_patient_title": "Ibuprofen for your back",
           "aud_patient_key_points": "- It can ease back pain [1].\n- Take it with food [1].",
           "aud_patient_body": "Ibuprofen can ease back pain [1].\n\nTake it with food [1]."}
NO_VERSION = {"aud_patient_title": "", "aud_patient_key_points": "", "aud_patient_body": ""}


def log_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302
    return client


def form_of(page: str) -> dict[str, str]:
    """What the browser sends with the edit form (text fields and hidden ones)."""
    form = lxml.html.fromstring(page).xpath("//form[.//textarea[@name='body']]")[0]
    fields = {name: value or "" for name, value in form.form_values()
              if name not in ("csrf_token", "reference_file")}
    for textarea in form.iter("textarea"):  # a browser drops a textarea's first line break
        fields[textarea.name] = fields[textarea.name].removeprefix("\n")
    return fields


def edit_form(client, article_id) -> dict[str, str]:
    response = client.get(f"/desk/articles/{article_id}/edit")
    assert response.status_code == 200
    return form_of(response.get_data(as_text=True))


def save(client, article_id, fields, button="save"):
    return client.post(f"/desk/articles/{article_id}/edit", data={**fields, button: "x"})


def versions_of(rows, article_id, number=None) -> dict[str, tuple[str, str, str]]:
    """The audience versions of the article's current revision (or revision `number`)."""
    with rows() as session:
        article = session.get(Article, article_id)
        revision = article.current_revision if number is None else session.scalar(
            select(Revision).where(Revision.article_id == article_id,
                                   Revision.number == number))
        return {v.audience: (v.title, v.key_points.replace("\r\n", "\n"),
                             v.body.replace("\r\n", "\n"))
                for v in revision.audience_versions}


def new_article_with_version(client) -> int:
    response = client.post("/desk/articles/new", data={
        "title": "Ibuprofen for back pain", "body": BODY, "references": REFERENCES,
        "tags": "pain medicine", **PATIENT, "save": "Save draft"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/desk/articles/(\d+)", response.headers["Location"]).group(1))


def text_of(page: str, element_id: str) -> str:
    return " ".join(lxml.html.fromstring(page).get_element_by_id(element_id)
                    .text_content().split())


def expected(fields=PATIENT) -> tuple[str, str, str]:
    return (fields["aud_patient_title"], fields["aud_patient_key_points"],
            fields["aud_patient_body"])


# --- the form ----------------------------------------------------------------------------

def test_a_version_written_in_the_form_is_stored_and_shown_again(app, rows, make_user):
    author = make_user(roles=["author"])
    client = log_in(app, author)
    page = client.get("/desk/articles/new").get_data(as_text=True)
    for audience in ("Patient or carer", "Healthcare professional"):
        assert f"Version for {audience}" in page
    # Each field has its own label; the main text keeps "Title" and "Body".
    labels = {label.text_content().strip(): label.get("for")
              for label in lxml.html.fromstring(page).iter("label")}
    assert labels["Title"] == "title" and labels["Body"] == "body"
    assert labels["Title for Patient or carer"] == "aud_patient_title"
    assert labels["Key points for Patient or carer"] == "aud_patient_key_points"
    assert labels["Body for Healthcare professional"] == "aud_professional_body"

    article_id = new_article_with_version(client)
    assert versions_of(rows, article_id) == {"patient": expected()}
    with rows() as session:
        created = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "article.created")).one()
        assert created.details["versions"] == ["patient"]

    shown = edit_form(client, article_id)
    assert {name: shown[name] for name in PATIENT} == PATIENT
    assert shown["aud_professional_title"] == shown["aud_professional_body"] == ""
    desk_page = client.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    version = text_of(desk_page, "version-patient-shown")
    assert version.startswith("Version for Patient or carer Ibuprofen for your back "
                              "Key points It can ease back pain [1].")
    assert "Take it with food [1]." in version


def test_a_version_without_a_title_or_body_is_refused_keeping_the_text(app, rows, make_user,
                                                                       make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author, body=BODY, references=REFERENCES)
    client = log_in(app, author)
    opened = edit_form(client, article_id)
    with rows() as session:
        before = session.get(Article, article_id).version
    for typed, message in (
            ({**PATIENT, "aud_patient_title": ""},
             "Enter a title for the version for Patient or carer"),
            ({**PATIENT, "aud_patient_body": "  "},
             "Write the body of the version for Patient or carer")):
        fields = {**opened, **typed, "body": BODY + "\n\nMore."}
        response = save(client, article_id, fields)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert message in page
        shown = form_of(page)
        assert {name: shown[name] for name in PATIENT} == typed  # nothing typed lost
        assert shown["body"] == fields["body"]
        assert versions_of(rows, article_id) == {}
        with rows() as session:
            article = session.get(Article, article_id)
            assert article.version == before and article.current_revision.body == BODY


def test_a_version_longer_than_the_limit_is_refused(app, rows, make_user, make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author, body=BODY, references=REFERENCES)
    client = log_in(app, author)
    app.config["MAX_BODY_LENGTH"] = 100
    response = save(client, article_id, {**edit_form(client, article_id), **PATIENT,
                                         "aud_patient_body": "x" * 101})
    assert response.status_code == 400
    assert ("The body of the version for Patient or carer can be at most 100 characters "
            "(this one has 101).") in response.get_data(as_text=True)
    assert versions_of(rows, article_id) == {}


def test_changing_and_emptying_a_version_is_saved_and_audited(app, rows, make_user):
    client = log_in(app, make_user(roles=["author"]))
    article_id = new_article_with_version(client)
    changed = {**PATIENT, "aud_patient_body": "Take ibuprofen with food [1]."}
    assert save(client, article_id, {**edit_form(client, article_id), **changed}
                ).status_code == 302
    assert versions_of(rows, article_id) == {"patient": expected(changed)}
    assert save(client, article_id, {**edit_form(client, article_id), **NO_VERSION}
                ).status_code == 302
    assert versions_of(rows, article_id) == {}
    with rows() as session:
        saved = [event.details["changes"] for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "article.draft_saved")
            .order_by(AuditEvent.seq))]
    assert saved == [{"versions": {"changed": ["patient"]}},
                     {"versions": {"removed": ["patient"]}}]


# --- kept drafts and the stale-form merge ------------------------------------------------

def test_a_version_typed_before_the_session_ended_is_kept_through_the_login(
        app, rows, make_user, make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author, body=BODY, references=REFERENCES)
    client = log_in(app, author)
    typed = {**edit_form(client, article_id), **PATIENT}
    client.delete_cookie("session")
    response = client.post(f"/desk/articles/{article_id}/edit",
                           data={**typed, "save": "Save draft"})
    login_url = response.headers["Location"]
    kept_url = parse_qs(urlsplit(login_url).query)["next"][0]
    assert kept_url.startswith(f"/desk/articles/{article_id}/edit?kept=")
    assert versions_of(rows, article_id) == {}
    assert client.post(login_url, data={"email": author.email,
                                        "password": PASSWORD}).status_code == 302
    page = client.get(kept_url).get_data(as_text=True)
    assert "You were signed out before your changes were saved." in page
    shown = form_of(page)
    assert {name: shown[name] for name in PATIENT} == PATIENT
    assert save(client, article_id, shown).status_code == 302
    assert versions_of(rows, article_id) == {"patient": expected()}


def test_a_stale_form_merges_a_version_changed_meanwhile(app, rows, make_user):
    author = make_user(roles=["author"])
    here, there = log_in(app, author), log_in(app, author)
    article_id = new_article_with_version(here)
    mine, theirs = edit_form(here, article_id), edit_form(there, article_id)
    # Meanwhile, in another tab: the patient version's body changes.
    theirs_body = PATIENT["aud_patient_body"].replace("with food", "with food or milk")
    assert save(there, article_id, {**theirs, "aud_patient_body": theirs_body}
                ).status_code == 302
    # Here: the main body and the patient version's title.
    typed = {**mine, "body": BODY + "\n\nSee a doctor if it lasts.",
             "aud_patient_title": "Ibuprofen for back pain: for you"}
    conflict = save(here, article_id, typed)
    assert conflict.status_code == 409
    page = conflict.get_data(as_text=True)
    labels = [label.text_content() for label in
              lxml.html.fromstring(page).find_class("word-diff-label")]
    assert labels == ["Body for Patient or carer"]
    shown = form_of(page)
    assert shown["aud_patient_title"] == typed["aud_patient_title"]  # kept as typed
    assert shown["opened_aud_patient_body"] == PATIENT["aud_patient_body"]
    assert save(here, article_id, shown, "merge").status_code == 302
    assert versions_of(rows, article_id) == {"patient": (
        "Ibuprofen for back pain: for you", PATIENT["aud_patient_key_points"], theirs_body)}
    with rows() as session:
        assert session.get(Article, article_id).current_revision.body.replace(
            "\r\n", "\n") == typed["body"]


def test_a_colliding_version_change_is_not_merged_and_named(app, rows, make_user):
    author = make_user(roles=["author"])
    here, there = log_in(app, author), log_in(app, author)
    article_id = new_article_with_version(here)
    mine, theirs = edit_form(here, article_id), edit_form(there, article_id)
    save(there, article_id, {**theirs, "aud_patient_title": "Back pain and ibuprofen"})
    conflict = save(here, article_id, {**mine, "aud_patient_title": "Ibuprofen and you"})
    response = save(here, article_id, form_of(conflict.get_data(as_text=True)), "merge")
    assert response.status_code == 409
    assert "Title for Patient or carer: “Ibuprofen and you”" in text_of(
        response.get_data(as_text=True), "merge-refused")
    assert versions_of(rows, article_id)["patient"][0] == "Back pain and ibuprofen"


# --- revisions, reviewers, signatures ----------------------------------------------------

def desk_with_version(app, make_user, make_article) -> Desk:
    """An article with a patient version, under review by two accepted reviewers."""
    desk = Desk(app, make_user, make_article, body=BODY, references=REFERENCES)
    author = desk.client(desk.author)
    assert save(author, desk.article_id, {**edit_form(author, desk.article_id), **PATIENT}
                ).status_code == 302
    desk.under_review()
    return desk


def review_page(desk, reviewer) -> str:
    response = desk.client(reviewer).get(f"/desk/articles/{desk.article_id}/review")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def edit_patient_version_and_resubmit(desk, body: str):
    author = desk.client(desk.author)
    assert save(author, desk.article_id, {**edit_form(author, desk.article_id),
                                          "aud_patient_body": body}).status_code == 302
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302


def test_reviewers_see_every_version_and_what_their_signature_covers(
        app, rows, make_user, make_article):
    desk = desk_with_version(app, make_user, make_article)
    page = review_page(desk, desk.reviewers[0])
    shown = text_of(page, "version-patient-shown")
    assert "Version for Patient or carer Ibuprofen for your back" in shown
    assert "Take it with food [1]." in shown
    assert text_of(page, "signature-covers") == (
        "Your signature covers the main text and the 1 audience version "
        "(Patient or carer), with the references.")
    # The invitation shows it too (read before accepting).
    with rows() as session:
        from reviewapp.reviews.models import Assignment

        assignment_id = session.scalar(select(Assignment.id).where(
            Assignment.reviewer_id == desk.reviewers[0].id))
    invitation = desk.client(desk.reviewers[0]).get(f"/desk/assignments/{assignment_id}")
    assert "Ibuprofen for your back" in text_of(invitation.get_data(as_text=True),
                                                "version-patient-shown")


def test_a_new_revision_copies_the_versions_and_the_diff_shows_a_version_change(
        app, rows, make_user, make_article):
    desk = desk_with_version(app, make_user, make_article)
    first = desk.reviewers[0]
    assert desk.approve(first).status_code == 302
    desk.send_back(desk.reviewers[1])
    author = desk.client(desk.author)
    # Editing the frozen revision starts revision 2, a copy with its versions.
    opened = edit_form(author, desk.article_id)
    assert {name: opened[name] for name in PATIENT} == PATIENT
    new_body = "Ibuprofen can ease back pain for a few days [1].\n\nTake it with food [1]."
    assert save(author, desk.article_id, {**opened, "aud_patient_body": new_body}
                ).status_code == 302
    assert versions_of(rows, desk.article_id, 1) == {"patient": expected()}
    assert versions_of(rows, desk.article_id, 2) == {
        "patient": expected({**PATIENT, "aud_patient_body": new_body})}
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302

    page = review_page(desk, first)
    change = lxml.html.fromstring(page).get_element_by_id("version-change-patient")
    assert change.find(".//h3").text_content() == "Version for Patient or carer (changed)"
    assert [h.text_content() for h in change.iter("h4")] == ["Body"]
    assert [i.text_content() for i in change.find_class("word-diff-inline")[0].iter("ins")
            ] == ["[inserted: for a few days ]"]


def test_an_edit_of_one_version_voids_the_earlier_signature(app, rows, make_user,
                                                            make_article):
    desk = desk_with_version(app, make_user, make_article)
    first = desk.reviewers[0]
    old_hash = desk.content_hash(first)
    assert desk.approve(first).status_code == 302
    desk.send_back(desk.reviewers[1])
    edit_patient_version_and_resubmit(desk, "Ibuprofen eases back pain [1].")

    # The signed revision 1 still verifies; its signature does not cover revision 2.
    with rows() as session:
        signature = session.scalars(select(Signature)).one()
        article = session.get(Article, desk.article_id)
        assert signature.content_hash == old_hash
        assert article.current_revision.content_hash != old_hash
        assert signature_is_valid(signature, signature.review.revision)
        assert not signature_is_valid(signature, article.current_revision)
    page = review_page(desk, first)
    assert text_of(page, "earlier-signature").startswith(
        "Your signature of revision 1 does not count for revision 2. Its content changed "
        "since you signed")
    assert "Approvals on this revision: 0 of 2" in desk.client(desk.editor).get(
        f"/desk/articles/{desk.article_id}").get_data(as_text=True)

    # Approving with the content hash of revision 1 is refused, and nothing is saved.
    reviews_before = count_reviews(rows)
    data = {"password": PASSWORD, "content_hash": old_hash}
    response = desk.post(first, "/desk/articles/{a}/approve", data, version=False)
    assert response.status_code == 409
    assert "nothing was saved" in response.get_data(as_text=True)
    assert count_reviews(rows) == reviews_before
    # Signing again, on what the page shows now, counts.
    assert desk.approve(first).status_code == 302
    assert count_reviews(rows) == reviews_before + 1


def test_a_signature_stops_verifying_when_a_version_is_altered(app, rows, make_user,
                                                              make_article):
    desk = desk_with_version(app, make_user, make_article)
    assert desk.approve(desk.reviewers[0]).status_code == 302
    with rows() as session:
        signature = session.scalars(select(Signature)).one()
        assert signature_is_valid(signature, signature.review.revision)
        version = session.scalars(select(AudienceVersion)).one()
        version.key_points += "\n- Stop if your stomach hurts."  # changed behind the app
        session.flush()
        assert not signature_is_valid(signature, signature.review.revision)


def count_reviews(rows) -> int:
    with rows() as session:
        return len(session.scalars(select(Review)).all())


def test_a_re_review_copy_keeps_the_versions_and_the_approved_hash(app, rows, make_user,
                                                                  make_article):
    desk = desk_with_version(app, make_user, make_article)
    for reviewer in desk.reviewers:
        assert desk.approve(reviewer).status_code == 302
    assert desk.state() == "approved"
    response = desk.post(desk.editor, "/desk/articles/{a}/rereview")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert versions_of(rows, desk.article_id, 2) == versions_of(rows, desk.article_id, 1) == {
        "patient": expected()}
    with rows() as session:
        first, second = session.scalars(select(Revision).where(
            Revision.article_id == desk.article_id).order_by(Revision.number))
        assert second.content_hash == first.content_hash


def test_preview_shows_the_versions_without_saving_them(app, rows, make_user, make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author, body=BODY, references=REFERENCES)
    client = log_in(app, author)
    response = save(client, article_id, {**edit_form(client, article_id), **PATIENT},
                    "preview")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Version for Patient or carer Ibuprofen for your back" in text_of(
        page, "version-patient-shown")
    assert {name: form_of(page)[name] for name in PATIENT} == PATIENT
    assert versions_of(rows, article_id) == {}


def test_preview_checks_the_versions_citations_too(app, rows, make_user, make_article):
    """The citation report under a preview covers the audience versions typed, as the
    report of the saved draft does: a marker in the patient version that points at no
    reference is named there before anything is saved."""
    author = make_user(roles=["author"])
    article_id = make_article(author, body=BODY, references=REFERENCES)
    client = log_in(app, author)
    typed = {**PATIENT, "aud_patient_body": "Ibuprofen can ease back pain [7]."}
    page = save(client, article_id, {**edit_form(client, article_id), **typed},
                "preview").get_data(as_text=True)
    assert "Patient or carer version, body: Marker [7] points at no reference" in page
    assert versions_of(rows, article_id) == {}


def test_the_desk_pages_load_one_or_two_versions_in_the_same_number_of_queries(
        app, rows, make_user, make_article):
    from tests.integration.test_query_counts import statements_during

    professional = {"aud_professional_title": "Ibuprofen in acute low back pain",
                    "aud_professional_key_points": "",
                    "aud_professional_body": "NSAIDs are first line [1]."}
    counts = {}
    for label, fields in (("one", PATIENT), ("two", {**PATIENT, **professional})):
        desk = Desk(app, make_user, make_article, body=BODY, references=REFERENCES)
        author = desk.client(desk.author)
        assert save(author, desk.article_id, {**edit_form(author, desk.article_id), **fields}
                    ).status_code == 302
        desk.under_review()
        assert len(versions_of(rows, desk.article_id)) == len(fields) // 3
        # The author's article page (the editor's also suggests reviewers, more of
        # them in the second world) and the reviewer's page.
        for who, path in ((desk.author, ""), (desk.reviewers[0], "/review")):
            client = desk.client(who)
            url = f"/desk/articles/{desk.article_id}{path}"
            client.get(url)  # warm-up, as test_query_counts does
            statements, page = statements_during(app, client, url)
            assert page.count('class="audience-version-shown') == len(fields) // 3
            counts.setdefault(path or "article", {})[label] = len(statements)
    assert counts["article"]["one"] == counts["article"]["two"], counts
    assert counts["/review"]["one"] == counts["/review"]["two"]
