"""Who wrote it, who checked it (issue 17): public profiles edited by their owner
and by admins, the Medical Advisory Board page, the people and dates of the
article page and the API, the three-year cap on the next review, and the
trust facts that replace the finding counts."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.accounts.profiles import PublicProfile, update_public_profile
from reviewapp.accounts.services import create_user, set_user_active
from reviewapp.articles.models import Article, Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from reviewapp.reviews.models import Assignment
from reviewapp.workflow import review_commands
from reviewapp.workflow import services as workflow
from tests.conftest import PASSWORD
from tests.integration.test_public_pages import Publisher, section, statements_during, text_of
from tests.review_steps import sign_directly

PROFILE_FORM = {"credentials": "MD, FRCA", "specialty": "Anaesthesia and pain medicine",
                "orcid": "https://orcid.org/0000-0002-1825-0097",
                "biography": "Consultant anaesthetist.\n\nReviews analgesia articles."}


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


def long_date(moment) -> str:
    return f"{moment.day} {moment:%B %Y}"


def profile_events(rows, user_id) -> list[AuditEvent]:
    with rows() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.profile_updated",
            AuditEvent.object_id == str(user_id)).order_by(AuditEvent.seq)).all()
        session.expunge_all()
        return events


def stored_profile(rows, user_id) -> tuple:
    with rows() as session:
        user = session.get(User, user_id)
        return user.credentials, user.specialty, user.orcid, user.biography


def set_profile(rows, user_id, **fields) -> None:
    with rows() as session:
        user = session.get(User, user_id)
        update_public_profile(user, PublicProfile(**fields), actor=user)
        session.commit()


# -- editing a profile ---------------------------------------------------------------------------

def test_a_user_edits_their_own_public_profile_and_it_is_audited(client, make_user, login_as,
                                                                 rows):
    user = make_user(roles=["reviewer"], name="Dr. Rita Reviewer")
    login_as(user)
    page = client.get("/account/profile").get_data(as_text=True)
    assert "<h1 class=\"h3 mb-3\">Public profile</h1>" in page
    assert f'href="/board#member-{user.id}"' in page  # a board member is told where it shows

    response = client.post("/account/profile", data=PROFILE_FORM)
    assert response.status_code == 302
    assert "Your public profile was saved." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert stored_profile(rows, user.id) == (
        "MD, FRCA", "Anaesthesia and pain medicine", "0000-0002-1825-0097",
        "Consultant anaesthetist.\n\nReviews analgesia articles.")
    [event] = profile_events(rows, user.id)
    assert event.actor_id == user.id
    assert event.details["before"] == {"credentials": "", "specialty": "", "orcid": None,
                                       "biography": ""}
    assert event.details["after"]["orcid"] == "0000-0002-1825-0097"

    # The form shows what is stored; saving it unchanged records nothing.
    page = client.get("/account/profile").get_data(as_text=True)
    assert 'value="0000-0002-1825-0097"' in page and 'value="MD, FRCA"' in page
    response = client.post("/account/profile", data={**PROFILE_FORM,
                                                      "orcid": "0000-0002-1825-0097"})
    assert response.status_code == 302
    assert len(profile_events(rows, user.id)) == 1
    # Changing one field records that field only.
    client.post("/account/profile", data={**PROFILE_FORM, "credentials": "MD, FRCA, FFPMRCA"})
    event = profile_events(rows, user.id)[-1]
    assert event.details == {"before": {"credentials": "MD, FRCA"},
                             "after": {"credentials": "MD, FRCA, FFPMRCA"}}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("orcid", "0000-0002-1825-0098", "its check digit) does not match"),
    ("orcid", "1234", "An ORCID iD has 16 characters"),
    ("credentials", "M" * 101, "Credentials can be at most 100 characters."),
    ("specialty", "S" * 121, "Specialty can be at most 120 characters."),
    ("biography", "B" * 1501, "Biography can be at most 1,500 characters."),
])
def test_a_refused_profile_keeps_what_was_typed_and_changes_nothing(client, make_user,
                                                                    login_as, rows, field,
                                                                    value, message):
    user = make_user(roles=["author"], name="Alice Author")
    login_as(user)
    typed = {**PROFILE_FORM, field: value}
    response = client.post("/account/profile", data=typed)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Anaesthesia and pain medicine"' in page or field == "specialty"
    assert "Consultant anaesthetist." in page or field == "biography"
    assert value[:100] in page  # the refused text itself is shown again
    assert stored_profile(rows, user.id) == ("", "", None, "")
    assert profile_events(rows, user.id) == []


def test_an_admin_edits_a_users_profile_with_their_roles(client, make_user, login_as, rows):
    admin = make_user(roles=["admin"], name="Ada Admin")
    user = make_user(roles=["reviewer"], name="Dr. Sam Second")
    login_as(admin)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "ORCID iD" in page and "Short biography" in page
    response = client.post(f"/admin/users/{user.id}", data={
        "roles": ["reviewer"], "specialties": "allergy", **PROFILE_FORM,
        "orcid": "0000-0002-1694-233x"})
    assert response.status_code == 302
    assert stored_profile(rows, user.id)[2] == "0000-0002-1694-233X"
    [event] = profile_events(rows, user.id)
    assert event.actor_id == admin.id
    # A wrong check digit: refused on its field, roles and profile unchanged, text kept.
    response = client.post(f"/admin/users/{user.id}", data={
        "roles": ["reviewer", "editor"], "specialties": "allergy", **PROFILE_FORM,
        "credentials": "MBBS", "orcid": "0000-0002-1694-2330"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "does not match the others" in page and 'value="MBBS"' in page
    with rows() as session:
        assert session.get(User, user.id).role_names == ["reviewer"]
    assert stored_profile(rows, user.id)[0] == "MD, FRCA"


def test_only_the_user_or_an_admin_may_change_a_profile(app, make_user, rows):
    from reviewapp.errors import PermissionDenied

    owner, other = make_user(roles=["author"]), make_user(roles=["editor"])
    with rows() as session:
        with pytest.raises(PermissionDenied):
            update_public_profile(session.get(User, owner.id), PublicProfile(credentials="MD"),
                                  actor=session.get(User, other.id))
    assert stored_profile(rows, owner.id)[0] == ""


# -- the Medical Advisory Board page -------------------------------------------------------------

def test_the_board_lists_active_reviewers_only_with_their_profiles(client, make_user, rows):
    rita = make_user(roles=["reviewer"], name="Dr. Rita Reviewer")
    set_profile(rows, rita.id, **{**PROFILE_FORM, "biography": "Consultant <b>anaesthetist</b>."})
    plain = make_user(roles=["reviewer", "editor"], name="Dr. Bo Plain")
    gone = make_user(roles=["reviewer"], name="Dr. Gone Away")
    make_user(roles=["author"], name="Alice Author")
    make_user(roles=["editor", "admin"], name="Eddie Editor")
    admin = make_user(roles=["admin"], name="Ada Admin")
    with rows() as session:
        set_user_active(session.get(User, gone.id), False, actor=session.get(User, admin.id))
        session.commit()

    response = client.get("/board")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    members = re.findall(r'<li class="board-member[^"]*" id="member-(\d+)">', page)
    assert members == [str(plain.id), str(rita.id)]  # by name
    readable = text_of(page)
    assert "Dr. Rita Reviewer, MD, FRCA Anaesthesia and pain medicine" in readable
    assert ('ORCID iD: <a href="https://orcid.org/0000-0002-1825-0097"' in page)
    assert "Consultant &lt;b&gt;anaesthetist&lt;/b&gt;." in page
    members_list = page[page.index('class="list-unstyled board-members"'):]
    for absent in ("Dr. Gone Away", "Alice Author", "Eddie Editor", "Ada Admin"):
        assert absent not in members_list
    # Every page links to it, in its footer.
    for path in ("/articles", "/editorial-policy", "/login"):
        assert '<a href="/board">Medical Advisory Board</a>' in client.get(path).get_data(
            as_text=True)


def test_the_board_page_costs_the_same_queries_with_2_and_8_members(app, client, make_user,
                                                                    rows):
    counts = []
    for n in (2, 6):
        for i in range(n):
            user = make_user(roles=["reviewer"], name=f"Dr. Member {n}-{i}")
            set_profile(rows, user.id, credentials="MD", specialty="Cardiology")
        counts.append(statements_during(app, client, "/board"))
    assert client.get("/board").get_data(as_text=True).count('class="board-member') == 8
    assert len(counts[0]) == len(counts[1]), "\n---\n".join(counts[1])


# -- the article page and the API ----------------------------------------------------------------

def people_of(rows, slug) -> tuple[int, list[int]]:
    """The author's id and the approving reviewers' ids, in signing order."""
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        reviewers = session.scalars(select(Assignment.reviewer_id).where(
            Assignment.article_id == article.id).order_by(Assignment.id)).all()
        return article.author_id, list(reviewers)


def test_the_page_names_author_and_reviewers_with_credentials_and_links_board_members(
        client, publisher, rows, make_user):
    slug = publisher.approved()
    author_id, (rita_id, sam_id) = people_of(rows, slug)
    set_profile(rows, author_id, credentials="MB ChB, MRCP", specialty="Clinical pharmacology")
    set_profile(rows, rita_id, credentials="MD, FRCA", specialty="Anaesthesia",
                orcid="0000-0002-1825-0097")
    # Sam signed, then left the board: shown with his credentials, linked no more.
    set_profile(rows, sam_id, credentials="MBBS")
    admin = make_user(roles=["admin"])
    with rows() as session:
        set_user_active(session.get(User, sam_id), False, actor=session.get(User, admin.id))
        session.commit()

    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    box = section(page, 'aria-label="Medical review"')
    readable = text_of(box)
    assert "Written by Alice Author, MB ChB, MRCP (Clinical pharmacology)" in readable
    assert '<span class="person-name">Alice Author</span>' in box  # an author, not on the board
    assert (f'<a class="person-name" href="/board#member-{rita_id}">Dr. Rita Reviewer</a>, '
            '<span class="person-credentials">MD, FRCA</span>') in box
    assert re.search(r"Dr\. Rita Reviewer, MD, FRCA \(Anaesthesia\), \d+ \w+ \d{4} "
                     r"Competing interests: none declared", readable)
    assert '<span class="person-name">Dr. Sam Second</span>' in box
    assert re.search(r"Dr\. Sam Second, MBBS, \d+ \w+ \d{4} Competing interests: none declared",
                     readable)
    assert f"#member-{sam_id}" not in page
    # The board statement links to the board page.
    assert re.search(r'reviewed for accuracy by our <a href="/board">Medical Advisory Board</a>',
                     box)

    body = client.get(f"/api/v1/articles/{slug}").get_json()["review"]
    assert body["written_by"] == {"name": "Alice Author", "credentials": "MB ChB, MRCP",
                                  "specialty": "Clinical pharmacology", "orcid": None,
                                  "board_url": None}
    rita, sam = body["reviewed_by"]
    assert rita == {**rita, "name": "Dr. Rita Reviewer", "credentials": "MD, FRCA",
                    "specialty": "Anaesthesia", "orcid": "0000-0002-1825-0097",
                    "competing_interests": None,
                    "board_url": f"http://127.0.0.1:5000/board#member-{rita_id}"}
    assert (sam["credentials"], sam["board_url"]) == ("MBBS", None)


def test_declared_competing_interests_are_shown_as_declared(app, client, publisher, rows):
    article_id = publisher.submitted()
    config = app.config
    config["REQUIRED_APPROVALS"] = 1
    with rows() as session:
        editor = publisher.user("editor")
        reviewer = publisher.user("reviewer", "Dr. Ina Interested")
        assignment = review_commands.assign_reviewer(article_id, editor, None, reviewer.id,
                                                     utcnow() + timedelta(days=7))
        review_commands.accept_assignment(assignment.id, reviewer,
                                          "Paid speaker for a maker of ibuprofen (2025).")
        assert sign_directly(article_id, reviewer, PASSWORD)
        session.commit()
        slug = session.get(Article, article_id).slug
    box = text_of(section(client.get(f"/articles/{slug}").get_data(as_text=True),
                          'aria-label="Medical review"'))
    assert "Competing interests: Paid speaker for a maker of ibuprofen (2025)." in box
    reviewer_json = client.get(f"/api/v1/articles/{slug}").get_json()["review"]["reviewed_by"]
    assert reviewer_json[0]["competing_interests"] == "Paid speaker for a maker of ibuprofen " \
                                                      "(2025)."


def test_a_profile_change_changes_the_etag_and_last_modified(client, publisher, rows):
    slug = publisher.approved()
    author_id, _ = people_of(rows, slug)
    before = client.get(f"/api/v1/articles/{slug}")
    page_before = client.get(f"/articles/{slug}")
    set_profile(rows, author_id, credentials="PharmD")
    after = client.get(f"/api/v1/articles/{slug}", headers={
        "If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.get_json()["review"]["written_by"][
        "credentials"] == "PharmD"
    assert client.get(f"/articles/{slug}", headers={
        "If-None-Match": page_before.headers.get("ETag", '"none"')}).status_code == 200


# -- dates: Last reviewed, Last updated, Next review due ------------------------------------------

def age_everything(rows, slug, days) -> None:
    """Every approval of the article `days` earlier (both review dates)."""
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        for revision in session.scalars(select(Revision).where(
                Revision.article_id == article.id, Revision.approved_at.is_not(None))):
            revision.approved_at -= timedelta(days=days)
            revision.content_updated_at -= timedelta(days=days)
        session.commit()


def approve_again(app, rows, slug, reviewer_ids) -> None:
    config = app.config
    required, config["REQUIRED_APPROVALS"] = config["REQUIRED_APPROVALS"], len(reviewer_ids)
    try:
        with rows() as session:
            article = session.scalar(select(Article).where(Article.slug == slug))
            for reviewer_id in reviewer_ids:
                assert sign_directly(article.id, session.get(User, reviewer_id), PASSWORD)
            session.commit()
    finally:
        config["REQUIRED_APPROVALS"] = required


def review_dates_on_page(client, slug) -> dict[str, str]:
    box = text_of(section(client.get(f"/articles/{slug}").get_data(as_text=True),
                          'aria-label="Medical review"'))
    return {label: re.search(rf"{label} (\d+ \w+ \d{{4}})", box).group(1)
            for label in ("Last reviewed", "Last updated", "Next review due")}


def test_a_re_review_of_unchanged_text_moves_last_reviewed_but_not_last_updated(
        app, client, publisher, rows):
    slug = publisher.approved()
    _, reviewer_ids = people_of(rows, slug)
    age_everything(rows, slug, 400)
    first = utcnow() - timedelta(days=400)
    assert review_dates_on_page(client, slug) == {
        "Last reviewed": long_date(first), "Last updated": long_date(first),
        "Next review due": long_date(first + timedelta(days=365))}

    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        editor = create_user(email="ed@example.org", display_name="Eddie Editor",
                             password=PASSWORD, roles=["editor"])
        workflow.start_rereview(article.id, editor, None)
        session.commit()
    approve_again(app, rows, slug, reviewer_ids)

    now = utcnow()
    assert review_dates_on_page(client, slug) == {
        "Last reviewed": long_date(now), "Last updated": long_date(first),
        "Next review due": long_date(now + timedelta(days=365))}
    review = client.get(f"/api/v1/articles/{slug}").get_json()["review"]
    assert review["last_reviewed"][:10] == now.date().isoformat()
    assert review["last_updated"][:10] == first.date().isoformat()
    assert review["next_review_due"] == (now + timedelta(days=365)).date().isoformat()
    [item] = client.get("/api/v1/articles").get_json()["items"]
    assert (item["last_reviewed"], item["last_updated"], item["next_review_due"]) == (
        review["last_reviewed"], review["last_updated"], review["next_review_due"])
    assert f"last updated {long_date(first)}" in text_of(client.get("/articles").get_data(
        as_text=True))

    # A changed text, approved: now it is updated too.
    age_everything(rows, slug, 10)
    publisher.review(publisher.new_version_in_review(slug), ("Dr. Una New", "Dr. Otto New"))
    assert review_dates_on_page(client, slug) == {
        "Last reviewed": long_date(now), "Last updated": long_date(now),
        "Next review due": long_date(now + timedelta(days=365))}


def test_the_next_review_is_due_within_three_years_whatever_the_interval(app, client,
                                                                         publisher, rows):
    app.config["REVIEW_INTERVAL_DAYS"] = 2000
    slug = publisher.approved()
    publisher.approved(title="Reviewed 1100 days ago", body="Ibuprofen helps [1].",
                       references="1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1")
    age_everything(rows, "reviewed-1100-days-ago", 1100)
    publisher.approved(title="Reviewed 1000 days ago", body="Ibuprofen helps [1].",
                       references="1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1")
    age_everything(rows, "reviewed-1000-days-ago", 1000)
    due = (utcnow() + timedelta(days=3 * 365)).date()
    assert review_dates_on_page(client, slug)["Next review due"] == long_date(due)
    assert client.get(f"/api/v1/articles/{slug}").get_json()["review"][
        "next_review_due"] == due.isoformat()
    listed = {i["slug"]: i["next_review_due"]
              for i in client.get("/api/v1/articles").get_json()["items"]}
    assert listed[slug] == due.isoformat()
    assert "at least every <strong>1095 days</strong>" in client.get(
        "/editorial-policy").get_data(as_text=True)

    editor = make_editor_client(app)
    page = editor.get("/desk/editor").get_data(as_text=True)
    overdue = text_of(section(page, 'aria-label="Past the review interval"'))
    assert "Approved more than 1095 days ago" in overdue
    assert "Reviewed 1100 days ago" in overdue and "Reviewed 1000 days ago" not in overdue


def make_editor_client(app):
    from reviewapp.extensions import db

    with app.app_context():
        create_user(email="editor-cap@example.org", display_name="Eddie Editor",
                    password=PASSWORD, roles=["editor"])
        db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": "editor-cap@example.org",
                                       "password": PASSWORD}).status_code == 302
    return client


# -- trust facts ---------------------------------------------------------------------------------

def test_readers_see_sources_and_when_they_were_checked_not_finding_counts(client, publisher,
                                                                           rows):
    slug = publisher.approved()
    publisher.retraction("1", "Retraction", doi="10.5555/retracted.1")
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    facts = text_of(re.search(r'<p class="trust-facts.*?</p>', page, re.S).group(0))
    with rows() as session:
        from reviewapp.citations.services import report_of

        article = session.scalar(select(Article).where(Article.slug == slug))
        checked_at = report_of(article.approved_revision_id).checked_at
    assert facts.startswith(f"6 sources, checked {long_date(checked_at)}.")
    assert "1 cited work has been retracted since (marked above)." in facts
    readable = text_of(page)
    for internal in (" warning", " errors", " notes", "Automatic citation check"):
        assert internal not in readable
    # The API keeps the counts for programs.
    summary = client.get(f"/api/v1/articles/{slug}").get_json()["citation_summary"]
    assert {"errors", "warnings", "notes"} <= set(summary)
