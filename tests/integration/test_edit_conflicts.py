"""The author's edit page keeps what was typed (issue 16): a stale form (409)
shows what changed since it was opened and merges the author's changes into
the latest version when they do not collide; the next save after a conflict
succeeds."""

from urllib.parse import parse_qs, urlsplit

import lxml.html
from sqlalchemy import select

from reviewapp.articles.models import Article
from tests.conftest import PASSWORD, audit_actions

BODY = ("Ibuprofen reduces pain [1].\n\n## Dose\n\nGive 400 mg every 8 hours with food.\n\n"
        "## Warnings\n\nNot for people with stomach ulcers.")
REFERENCES = "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1"


def log_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302
    return client


def form_of(page: str) -> dict[str, str]:
    """What the browser would send with the edit form (text fields and hidden ones)."""
    form = lxml.html.fromstring(page).xpath("//form[.//textarea[@name='body']]")[0]
    fields = {name: value or "" for name, value in form.form_values()
              if name not in ("csrf_token", "reference_file")}
    for name in ("body", "references"):  # a browser drops a textarea's first line break
        fields[name] = fields[name].removeprefix("\n")
    return fields


def open_form(client, article_id) -> dict[str, str]:
    response = client.get(f"/desk/articles/{article_id}/edit")
    assert response.status_code == 200
    return form_of(response.get_data(as_text=True))


def send(client, article_id, fields, button="save"):
    return client.post(f"/desk/articles/{article_id}/edit",
                       data={**fields, button: "x"})


def saved(rows, article_id):
    with rows() as session:
        article = session.get(Article, article_id)
        revision = article.current_revision
        return article.version, revision.title, revision.body.replace("\r\n", "\n")


def two_forms(app, make_user, make_article):
    author = make_user(roles=["author"], name="Alice Author")
    article_id = make_article(author, body=BODY, references=REFERENCES)
    here, there = log_in(app, author), log_in(app, author)
    return article_id, here, there, open_form(here, article_id), open_form(there, article_id)


def test_a_stale_form_shows_what_changed_and_keeps_the_text(app, make_user, make_article):
    article_id, here, there, mine, theirs = two_forms(app, make_user, make_article)
    assert send(there, article_id, {**theirs, "body": BODY.replace("400 mg", "200 mg")}
                ).status_code == 302
    typed = BODY.replace("stomach ulcers", "stomach ulcers or kidney disease")
    response = send(here, article_id, {**mine, "body": typed})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The draft was changed after you opened this form" in page
    (diff,) = lxml.html.fromstring(page).find_class("word-diff")  # the body only
    assert diff.find_class("word-diff-label")[0].text_content() == "Body"
    assert [d.text_content() for d in diff.iter("del")] == ["[deleted: 400]"]
    assert [i.text_content() for i in diff.iter("ins")] == ["[inserted: 200]"]
    shown = form_of(page)
    assert shown["body"] == typed  # nothing typed lost
    assert "Apply my changes to the latest version" in page
    # The form now carries the latest version; what it was opened on stays.
    assert shown["version"] == str(saved_version(app, article_id))
    assert shown["opened_body"] == mine["opened_body"]


def saved_version(app, article_id) -> int:
    with app.app_context():
        from reviewapp.extensions import db

        return db.session.scalar(select(Article.version).where(Article.id == article_id))


def test_the_next_save_after_a_conflict_succeeds(app, rows, make_user, make_article):
    article_id, here, there, mine, theirs = two_forms(app, make_user, make_article)
    send(there, article_id, {**theirs, "title": "Ibuprofen for acute back pain"})
    conflict = send(here, article_id, {**mine, "body": BODY + "\n\nTake it with water."})
    assert conflict.status_code == 409
    again = send(here, article_id, form_of(conflict.get_data(as_text=True)))
    assert again.status_code == 302
    version, title, body = saved(rows, article_id)
    # "Save draft" keeps the form as typed: the other title is replaced.
    assert (title, body) == ("Ibuprofen for back pain", BODY + "\n\nTake it with water.")


def test_changes_apart_are_merged_and_saved_once(app, rows, make_user, make_article):
    article_id, here, there, mine, theirs = two_forms(app, make_user, make_article)
    send(there, article_id, {**theirs, "title": "Ibuprofen for acute back pain",
                             "body": BODY.replace("400 mg", "200 mg")})
    typed = BODY.replace("stomach ulcers", "stomach ulcers or kidney disease")
    conflict = send(here, article_id, {**mine, "body": typed})
    assert conflict.status_code == 409
    before = audit_actions(app)
    response = send(here, article_id, form_of(conflict.get_data(as_text=True)), "merge")
    assert response.status_code == 302
    page = here.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your changes were applied to the latest version and saved." in page
    version, title, body = saved(rows, article_id)
    assert title == "Ibuprofen for acute back pain"
    assert body == BODY.replace("400 mg", "200 mg").replace("stomach ulcers",
                                                              "stomach ulcers or kidney disease")
    assert audit_actions(app)[len(before):] == ["article.draft_saved"]


def test_changes_in_the_same_place_are_not_merged(app, rows, make_user, make_article):
    article_id, here, there, mine, theirs = two_forms(app, make_user, make_article)
    send(there, article_id, {**theirs, "body": BODY.replace("400 mg", "600 mg")})
    typed = BODY.replace("400 mg", "200 mg")
    conflict = send(here, article_id, {**mine, "body": typed})
    before, latest = audit_actions(app), saved(rows, article_id)
    response = send(here, article_id, form_of(conflict.get_data(as_text=True)), "merge")
    assert response.status_code == 409
    assert saved(rows, article_id) == latest and audit_actions(app) == before
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    refused = lxml.html.fromstring(page).get_element_by_id("merge-refused").text_content()
    assert "Body: \u201cGive 200 mg every 8 hours with food.\u201d" in refused
    assert form_of(page)["body"] == typed


def test_a_merge_refused_when_the_draft_changed_again(app, rows, make_user, make_article):
    article_id, here, there, mine, theirs = two_forms(app, make_user, make_article)
    send(there, article_id, {**theirs, "title": "Second title"})
    conflict = form_of(send(here, article_id, {**mine, "body": BODY + "\n\nMore."}
                            ).get_data(as_text=True))
    send(there, article_id, {**form_of(there.get(f"/desk/articles/{article_id}/edit")
                                        .get_data(as_text=True)), "title": "Third title"})
    response = send(here, article_id, conflict, "merge")
    assert response.status_code == 409
    assert saved(rows, article_id)[1:] == ("Third title", BODY)
    assert "Third title" in lxml.html.fromstring(response.get_data(as_text=True)
                                                 ).get_element_by_id("stale-form").text_content()


# --- a save after the session ended ------------------------------------------------------

def signed_out_save(app, make_user, make_article, csrf):
    """Open the form, lose the session (cookies cleared), save: the redirect."""
    author = make_user(roles=["author"], name="Alice Author")
    article_id = make_article(author, body=BODY, references=REFERENCES)
    client = log_in(app, author)
    fields = open_form(client, article_id)
    client.delete_cookie("session")
    typed = {**fields, "body": BODY + "\n\nTake it with water."}
    return author, article_id, client, typed, send_anonymous(client, article_id, typed, csrf)


def send_anonymous(client, article_id, fields, csrf):
    data = {**fields, "save": "Save draft"}
    if not csrf:
        data["csrf_token"] = "a token from the session that ended"
    return client.post(f"/desk/articles/{article_id}/edit", data=data)


def test_a_save_after_the_session_ended_is_kept_through_the_login(app, rows, make_user,
                                                                 make_article):
    for csrf in (False, True):  # the session's token gone, or a fresh anonymous one
        author, article_id, client, typed, response = signed_out_save(
            app, make_user, make_article, csrf)
        assert response.status_code == 302
        login_url = response.headers["Location"]
        assert login_url.startswith("/login?next=")
        before = saved(rows, article_id)
        page = client.get(login_url).get_data(as_text=True)
        assert "You were signed out before your changes were saved." in page
        response = client.post(login_url, data={"email": author.email, "password": PASSWORD})
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "You were signed out before your changes were saved." in page
        assert "Save them now?" in page
        shown = form_of(page)
        assert shown["body"] == typed["body"]
        assert saved(rows, article_id) == before  # nothing saved without the author
        assert send(client, article_id, shown).status_code == 302
        assert saved(rows, article_id)[2] == typed["body"]
        # Saved: the kept form is gone.
        again = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "no longer there" in again


def test_a_kept_form_is_shown_only_to_its_author(app, rows, make_user, make_article):
    author, article_id, client, typed, response = signed_out_save(
        app, make_user, make_article, csrf=False)
    kept_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert kept_url.startswith(f"/desk/articles/{article_id}/edit?kept=")
    other = make_user(roles=["author"], name="Other Author")
    stranger = log_in(app, other)
    assert stranger.get(kept_url).status_code in (403, 404)
    # Its author, with a changed token, sees the saved draft only.
    mine = log_in(app, author)
    page = mine.get(kept_url[:-4] + "xxxx").get_data(as_text=True)
    assert "no longer there" in page and "Take it with water" not in page


def test_a_form_without_a_genuine_key_is_not_kept(app, rows, make_user, make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author, body=BODY, references=REFERENCES)
    client = app.test_client()
    response = send_anonymous(client, article_id, {
        "title": "Spam", "body": "Buy now", "references": "", "tags": "", "version": "1",
        "draft_key": "forged"}, csrf=False)
    assert response.status_code == 302
    assert "kept" not in response.headers["Location"]
    with rows() as session:
        from reviewapp.articles.models import KeptDraft

        assert session.scalars(select(KeptDraft)).all() == []


def test_a_form_open_longer_than_its_token_is_shown_again_unsaved(app, rows, make_user,
                                                                  make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author, body=BODY, references=REFERENCES)
    client = log_in(app, author)
    typed = {**open_form(client, article_id), "body": BODY + "\n\nMore."}
    before = saved(rows, article_id)
    response = send_anonymous(client, article_id, typed, csrf=False)  # the token is stale
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This form was open too long to be saved safely." in page
    assert form_of(page)["body"] == typed["body"] and saved(rows, article_id) == before
    assert send(client, article_id, form_of(page)).status_code == 302
    assert saved(rows, article_id)[2] == typed["body"]


def test_a_save_after_an_idle_session_ended_is_kept_too(app, rows, make_user, make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author, body=BODY, references=REFERENCES)
    client = log_in(app, author)
    page = client.get(f"/desk/articles/{article_id}/edit").get_data(as_text=True)
    token = lxml.html.fromstring(page).xpath("//input[@name='csrf_token']/@value")[0]
    typed = {**form_of(page), "body": BODY + "\n\nMore.", "csrf_token": token}
    idle = app.config["SESSION_IDLE_MINUTES"] * 60 + 60
    with client.session_transaction() as session:  # the author was away too long
        session["seen_at"] -= idle
        session["login_at"] -= idle
    response = client.post(f"/desk/articles/{article_id}/edit", data={**typed, "save": "x"})
    assert response.status_code == 302
    assert "kept%3D" in response.headers["Location"]
    assert saved(rows, article_id)[2] == BODY
