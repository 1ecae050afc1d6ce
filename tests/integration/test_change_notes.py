""""What changed" (issue 17): an update of an approved article goes to the board
only with its author's note for readers, reviewers read it, approval checks it
again, and the public page and the API list every approved version with its
date and note ("Update history")."""

import lxml.html
import pytest
from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article, Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.reviews.models import Review
from reviewapp.workflow import services as workflow
from tests.conftest import PASSWORD, audit_actions
from tests.integration import test_edit_conflicts
from tests.integration.test_edit_conflicts import log_in, send, send_anonymous
from tests.integration.test_public_pages import Publisher, text_of
from tests.review_steps import sign_data, sign_directly

NOTE = "The dose for children was corrected and a 2024 trial added."
NEW_BODY = "Ibuprofen reduces acute low back pain [1]. Children take 5 mg/kg [2]."
REFUSAL = "write “What changed”"


def form_of(page: str) -> dict[str, str]:
    """The edit form as a browser sends it (which drops a textarea's first line break)."""
    fields = test_edit_conflicts.form_of(page)
    if "change_note" in fields:
        fields["change_note"] = fields["change_note"].removeprefix("\n")
    return fields


def open_form(client, article_id) -> dict[str, str]:
    response = client.get(f"/desk/articles/{article_id}/edit")
    assert response.status_code == 200
    return form_of(response.get_data(as_text=True))


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


class Update:
    """An approved article and its author, logged in, starting an update."""

    def __init__(self, app, rows, publisher):
        self.app, self.rows, self.publisher = app, rows, publisher
        self.slug = publisher.approved()
        self.article_id = publisher.article_id(self.slug)
        with rows() as session:
            self.author = log_in(app, session.get(Article, self.article_id).author)

    def version(self) -> int:
        with self.rows() as session:
            return session.get(Article, self.article_id).version

    def state(self) -> str:
        with self.rows() as session:
            return session.get(Article, self.article_id).state

    def current(self) -> tuple[int, str | None]:
        """The current revision's number and note."""
        with self.rows() as session:
            revision = session.get(Article, self.article_id).current_revision
            return revision.number, revision.change_note

    def post(self, action: str, client=None, **data):
        return (client or self.author).post(f"/desk/articles/{self.article_id}/{action}",
                                            data={"version": self.version(), **data})

    def revise(self, body=NEW_BODY, note=""):
        """Revise, then save the draft with `body` and `note` as the author types them."""
        assert self.post("revise").status_code == 302
        fields = open_form(self.author, self.article_id)
        response = send(self.author, self.article_id,
                        {**fields, "body": body, "change_note": note})
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]

    def page(self, path="") -> str:
        response = self.author.get(f"/desk/articles/{self.article_id}{path}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def reviewer(self, name) -> object:
        """A logged-in client of the reviewer Publisher.review made with this name."""
        with self.rows() as session:
            user = session.scalar(select(User).where(User.display_name == name))
            return log_in(self.app, user)


@pytest.fixture
def update(app, rows, publisher):
    return Update(app, rows, publisher)


def notes_field(page: str):
    found = lxml.html.fromstring(page).xpath("//textarea[@name='change_note']")
    return found[0] if found else None


def label_of(page: str, field_id: str) -> str:
    (label,) = lxml.html.fromstring(page).xpath(f"//label[@for='{field_id}']")
    return label.text_content().strip()


def history(client, slug) -> list[str]:
    """The public page's Update history, entry by entry, as a reader reads it."""
    root = lxml.html.fromstring(client.get(f"/articles/{slug}").get_data(as_text=True))
    return [" ".join(li.text_content().split())
            for li in root.xpath("//section[@class='update-history']//li")]


# -- the edit form -----------------------------------------------------------------------------

def test_the_edit_form_asks_what_changed_only_when_the_draft_updates_an_approved_article(
        app, make_user, make_article, update):
    author = make_user(roles=["author"])
    first = log_in(app, author).get(f"/desk/articles/{make_article(author)}/edit")
    assert notes_field(first.get_data(as_text=True)) is None  # a first revision: no note

    assert update.post("revise").status_code == 302
    page = update.page("/edit")
    field = notes_field(page)
    assert field is not None and field.text_content().strip() == ""  # not the last note
    assert label_of(page, "change_note") == "What changed"
    hint = lxml.html.fromstring(page).get_element_by_id("change_note-help").text_content()
    assert hint == ("A sentence or two for readers: what is new or corrected in this "
                    "update.")


def test_the_note_is_saved_on_the_draft_and_shown_again(update, rows):
    update.revise(note=NOTE)
    assert update.current() == (2, NOTE)
    assert form_of(update.page("/edit"))["change_note"] == NOTE
    with rows() as session:
        saved = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "article.draft_saved")).all()[-1]
        assert saved.details["changes"]["change_note"] == {"before_chars": 0,
                                                           "after_chars": len(NOTE)}


def test_a_note_too_long_is_refused_and_everything_typed_stays(update):
    assert update.post("revise").status_code == 302
    version = update.version()
    fields = open_form(update.author, update.article_id)
    typed = "Corrected. " * 100  # 1,100 characters
    response = send(update.author, update.article_id,
                    {**fields, "body": NEW_BODY, "change_note": typed})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "“What changed” can be at most 1,000 characters (this one has 1,100)." in page
    shown = form_of(page)
    assert shown["change_note"] == typed and shown["body"] == NEW_BODY
    assert update.version() == version and update.current() == (1, None)  # nothing saved


def test_a_first_revision_keeps_no_note_even_when_one_is_posted(app, rows, make_user,
                                                                make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author)
    client = log_in(app, author)
    fields = open_form(client, article_id)
    assert send(client, article_id, {**fields, "body": NEW_BODY,
                                     "change_note": "Sneaked in"}).status_code == 302
    with rows() as session:
        assert session.get(Article, article_id).current_revision.change_note is None


# -- the rule: submit, resubmit, approve ----------------------------------------------------------

def test_a_first_revision_is_submitted_without_a_note(app, rows, make_user, make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author)
    client = log_in(app, author)
    assert client.post(f"/desk/articles/{article_id}/submit",
                       data={"version": 1}).status_code == 302
    with rows() as session:
        assert session.get(Article, article_id).state == "submitted"


def test_submitting_an_update_without_a_note_is_refused_and_changes_nothing(update, app):
    update.revise(note="   ")
    version, actions = update.version(), audit_actions(app)
    response = update.post("submit")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert REFUSAL in text_of(page)
    assert update.state() == "draft" and update.version() == version
    assert audit_actions(app) == actions
    with update.rows() as session:  # the draft as the author left it
        revision = session.get(Article, update.article_id).current_revision
        assert revision.body == NEW_BODY and revision.content_hash is None

    fields = open_form(update.author, update.article_id)
    assert send(update.author, update.article_id,
                {**fields, "change_note": NOTE}).status_code == 302
    assert update.post("submit").status_code == 302
    assert update.state() == "submitted" and update.current() == (2, NOTE)


def test_an_update_back_to_the_approved_text_needs_no_note(update):
    """Saving the approved text unchanged is no update: nothing to tell readers."""
    assert update.post("revise").status_code == 302
    fields = open_form(update.author, update.article_id)
    assert send(update.author, update.article_id, fields).status_code == 302
    assert update.post("submit").status_code == 302


def test_resubmitting_an_update_without_its_note_is_refused(update, rows, publisher):
    update.revise(note=NOTE)
    assert update.post("submit").status_code == 302
    publisher.review(update.article_id, ("Dr. Ann Asker",), approve=False)
    with rows() as session:
        editor = session.scalar(select(User).where(User.display_name == "Eddie Editor"))
        workflow.decide_changes(update.article_id, editor, None, "Cite the 2024 trial.")
        session.commit()
    assert update.state() == "changes_requested"
    # The new draft opens with the note of the revision sent back.
    fields = open_form(update.author, update.article_id)
    assert fields["change_note"] == NOTE
    assert send(update.author, update.article_id,
                {**fields, "body": NEW_BODY + " See [1].", "change_note": ""}
                ).status_code == 302
    response = update.post("resubmit")
    assert response.status_code == 409 and REFUSAL in text_of(response.get_data(as_text=True))
    assert update.state() == "changes_requested"


def test_approving_an_update_without_a_note_is_refused(update, rows, publisher):
    """An update submitted before notes were asked for (its note NULL)."""
    update.revise(note=NOTE)
    assert update.post("submit").status_code == 302
    publisher.review(update.article_id, ("Dr. Rita Later", "Dr. Sam Later"), approve=False)
    with rows() as session:
        session.get(Article, update.article_id).current_revision.change_note = None
        session.commit()
    reviewer = update.reviewer("Dr. Rita Later")
    response = reviewer.post(f"/desk/articles/{update.article_id}/approve",
                             data=sign_data(reviewer, update.article_id, PASSWORD))
    assert response.status_code == 409
    assert ("This update has no “What changed” note for readers, so it cannot be approved"
            in text_of(response.get_data(as_text=True)))
    with rows() as session:
        revision = session.get(Article, update.article_id).current_revision
        assert session.scalars(select(Review).where(Review.revision_id == revision.id)
                               ).all() == []
    assert update.state() == "under_review"


def test_a_rereview_of_the_approved_text_is_approved_without_a_note(update, rows, client):
    with rows() as session:
        editor = session.scalar(select(User).where(User.display_name == "Eddie Editor"))
        workflow.start_rereview(update.article_id, editor, None)
        reviewers = session.scalars(select(User).where(User.display_name.in_(
            ["Dr. Rita Reviewer", "Dr. Sam Second"]))).all()
        for reviewer in reviewers:
            assert sign_directly(update.article_id, reviewer, PASSWORD)
        session.commit()
        article = session.get(Article, update.article_id)
        assert article.state == "approved" and article.approved_revision.number == 2
    # Not a content update: the history still holds the one version.
    assert [entry.split(": ", 1)[1] for entry in history(client, update.slug)] == [
        "First published"]


# -- reviewers see it -----------------------------------------------------------------------------

def test_reviewers_and_the_desk_article_page_show_what_changed(update, publisher):
    update.revise(note=NOTE)
    page = lxml.html.fromstring(update.page())
    section = page.get_element_by_id("change-note")
    assert section.xpath(".//h2")[0].text_content() == "What changed"
    assert NOTE in section.text_content()
    assert update.post("submit").status_code == 302
    publisher.review(update.article_id, ("Dr. Ann Asker",), approve=False)
    reviewer = update.reviewer("Dr. Ann Asker")
    review = lxml.html.fromstring(
        reviewer.get(f"/desk/articles/{update.article_id}/review").get_data(as_text=True))
    assert NOTE in review.get_element_by_id("change-note").text_content()


def test_a_first_revision_shows_no_what_changed_to_reviewers(app, make_user, make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author)
    page = log_in(app, author).get(f"/desk/articles/{article_id}").get_data(as_text=True)
    assert 'id="change-note"' not in page


# -- the public page and the API ------------------------------------------------------------------

def approve_update(update, publisher, note=NOTE, body=NEW_BODY, names=("Dr. U1", "Dr. U2")):
    update.revise(body=body, note=note)
    assert update.post("submit").status_code == 302
    publisher.review(update.article_id, names)
    assert update.state() == "approved"


def approvals(rows, article_id) -> list:
    with rows() as session:
        return session.execute(select(Revision.number, Revision.approved_at)
                               .where(Revision.article_id == article_id,
                                      Revision.approved_at.is_not(None))
                               .order_by(Revision.number.desc())).all()


def test_update_history_lists_each_approved_version_newest_first(update, publisher, rows,
                                                                  client):
    approve_update(update, publisher)
    (second, second_at), (first, first_at) = approvals(rows, update.article_id)
    assert history(client, update.slug) == [
        f"{second_at.day} {second_at:%B %Y}: {NOTE}",
        f"{first_at.day} {first_at:%B %Y}: First published"]
    page = client.get(f"/articles/{update.slug}").get_data(as_text=True)
    assert page.index("Update history") < page.index("Report a problem")
    root = lxml.html.fromstring(page)
    times = root.xpath("//section[@class='update-history']//time/@datetime")
    assert times == [second_at.date().isoformat(), first_at.date().isoformat()]

    body = client.get(f"/api/v1/articles/{update.slug}").get_json()
    assert body["update_history"] == [
        {"revision": second, "approved_at": second_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
         "note": NOTE},
        {"revision": first, "approved_at": first_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
         "note": None}]


def test_an_update_under_review_is_not_in_the_history_yet(update, client):
    update.revise(note=NOTE)
    assert update.post("submit").status_code == 302
    assert [e.split(": ", 1)[1] for e in history(client, update.slug)] == ["First published"]
    assert NOTE not in client.get(f"/articles/{update.slug}").get_data(as_text=True)
    body = client.get(f"/api/v1/articles/{update.slug}").get_json()
    assert [e["revision"] for e in body["update_history"]] == [1]


def test_an_update_approved_before_notes_says_none_was_recorded(update, publisher, rows,
                                                                client):
    approve_update(update, publisher)
    with rows() as session:  # as migration 0013 leaves an update approved before it
        session.get(Article, update.article_id).approved_revision.change_note = None
        session.commit()
    entries = [e.split(": ", 1)[1] for e in history(client, update.slug)]
    assert entries == ["No note was recorded for this update.", "First published"]
    body = client.get(f"/api/v1/articles/{update.slug}").get_json()
    assert [e["note"] for e in body["update_history"]] == [None, None]


def test_a_pending_article_has_no_update_history(app, publisher, client):
    app.config["PUBLISH_BEFORE_APPROVAL"] = True
    publisher.submitted(title="Pending article")
    page = client.get("/articles/pending-article").get_data(as_text=True)
    assert "Update history" not in page
    assert client.get("/api/v1/articles/pending-article").get_json()["update_history"] == []


def test_the_openapi_document_describes_the_update_history(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Article"]["properties"]["update_history"]["items"] == {
        "$ref": "#/components/schemas/UpdateHistoryEntry"}
    assert set(schemas["UpdateHistoryEntry"]["required"]) == {"revision", "approved_at",
                                                              "note"}


# -- kept forms and the stale-form merge keep the note ----------------------------------------

def test_a_stale_form_merges_the_note_with_a_change_made_meanwhile(update, app):
    assert update.post("revise").status_code == 302
    here = update.author
    there = log_in(app, _author_of(update))
    mine, theirs = open_form(here, update.article_id), open_form(there, update.article_id)
    assert send(there, update.article_id, {**theirs, "body": NEW_BODY}).status_code == 302
    conflict = send(here, update.article_id, {**mine, "change_note": NOTE})
    assert conflict.status_code == 409
    stale = form_of(conflict.get_data(as_text=True))
    assert stale["change_note"] == NOTE  # nothing typed lost
    response = send(here, update.article_id, stale, button="merge")
    assert response.status_code == 302
    with update.rows() as session:
        revision = session.get(Article, update.article_id).current_revision
        assert (revision.body, revision.change_note) == (NEW_BODY, NOTE)


def test_a_stale_form_shows_the_note_changed_meanwhile(update, app):
    assert update.post("revise").status_code == 302
    there = log_in(app, _author_of(update))
    mine, theirs = (open_form(update.author, update.article_id),
                    open_form(there, update.article_id))
    assert send(there, update.article_id, {**theirs, "change_note": NOTE}).status_code == 302
    response = send(update.author, update.article_id,
                    {**mine, "change_note": "Another note."})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    labels = [e.text_content() for e in
              lxml.html.fromstring(page).find_class("word-diff-label")]
    assert labels == ["What changed"]
    assert form_of(page)["change_note"] == "Another note."  # nothing typed lost


def test_a_note_sent_after_the_session_ended_is_kept_through_the_login(update):
    assert update.post("revise").status_code == 302
    client = update.author
    fields = open_form(client, update.article_id)
    client.delete_cookie("session")
    response = send_anonymous(client, update.article_id, {**fields, "change_note": NOTE},
                              csrf=False)
    assert response.status_code == 302
    login_url = response.headers["Location"]
    author = _author_of(update)
    response = client.post(login_url, data={"email": author.email, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out before your changes were saved." in page
    assert form_of(page)["change_note"] == NOTE
    assert update.current() == (1, None)  # kept, not saved


def _author_of(update) -> User:
    with update.rows() as session:
        author = session.get(Article, update.article_id).author
        session.expunge(author)
        return author
