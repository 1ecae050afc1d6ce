"""Admin pages and the CLI for users; role checks with access-denied events."""

import pytest
from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from tests.conftest import PASSWORD, audit_actions

NEW_USER = {"email": "new.reviewer@example.org", "display_name": "Dr. New Reviewer",
            "roles": ["reviewer"], "specialties": "Cardiology, pain medicine"}


@pytest.fixture
def admin(make_user, login_as):
    user = make_user(roles=["admin"], name="Ada Admin")
    login_as(user)
    return user


def test_admin_creates_a_user_with_roles_and_specialties(client, admin, rows, app):
    response = client.post("/admin/users/new", data=NEW_USER)
    assert response.status_code == 302
    with rows() as session:
        user = session.scalar(select(User).where(User.email == "new.reviewer@example.org"))
        assert user.role_names == ["reviewer"]
        assert user.specialty_names == ["cardiology", "pain medicine"]
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.created")).all()[-1]
        assert event.actor_id == admin.id and event.object_id == str(user.id)
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "Dr. New Reviewer" in listing and "pain medicine" in listing


@pytest.mark.parametrize("email", ["NEW.Reviewer@example.org", "ｎｅｗ.reviewer@example.org",
                                   "new.reviewer\u200b@example.org"])
def test_look_alike_duplicate_emails_are_refused(client, admin, rows, email):
    client.post("/admin/users/new", data=NEW_USER)
    response = client.post("/admin/users/new", data={**NEW_USER, "email": email})
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    with rows() as session:
        assert len(session.scalars(select(User)).all()) == 2  # the admin and the first one


def test_user_form_asks_no_password_and_refuses_a_missing_role(client, admin, rows):
    # The new user chooses their password from a mailed link (test_password_reset).
    assert 'type="password"' not in client.get("/admin/users/new").get_data(as_text=True)
    response = client.post("/admin/users/new", data={**NEW_USER, "roles": []})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose at least one role." in page
    assert 'value="Dr. New Reviewer"' in page  # what was typed stays on screen
    with rows() as session:
        assert session.scalar(select(User).where(User.email == NEW_USER["email"])) is None


def test_admin_changes_roles_and_the_change_is_audited(client, admin, make_user, rows):
    user = make_user(roles=["author"])
    response = client.post(f"/admin/users/{user.id}",
                           data={"roles": ["author", "reviewer"], "specialties": "oncology"})
    assert response.status_code == 302
    with rows() as session:
        assert session.get(User, user.id).role_names == ["author", "reviewer"]
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.roles_changed")).one()
        assert event.details == {"before": ["author"], "after": ["author", "reviewer"]}


def test_deactivation_ends_the_users_sessions_and_keeps_the_user(
        app, client, admin, make_user, rows):
    user = make_user(roles=["author"])
    theirs = app.test_client()
    theirs.post("/login", data={"email": user.email, "password": PASSWORD})
    assert theirs.get("/desk/articles/").status_code == 200
    response = client.post(f"/admin/users/{user.id}/active",
                           data={"active-make_active": "0", "active-reason": "left the board"})
    assert response.status_code == 302
    assert theirs.get("/desk/articles/").status_code == 302
    with rows() as session:
        stored = session.get(User, user.id)
        assert stored is not None and stored.active is False
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.deactivated")).one()
        assert event.reason == "left the board"
    # The same form sent twice does not flip the user back.
    client.post(f"/admin/users/{user.id}/active", data={"active-make_active": "0"})
    with rows() as session:
        assert session.get(User, user.id).active is False


@pytest.mark.parametrize("roles", [["author"], ["reviewer"], ["editor"]])
@pytest.mark.parametrize("method,url", [("get", "/admin/users"), ("get", "/admin/users/new"),
                                        ("post", "/admin/users/new")])
def test_non_admins_are_refused_admin_pages_and_it_is_logged(
        client, make_user, login_as, app, rows, roles, method, url):
    user = make_user(roles=roles)
    login_as(user)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data=NEW_USER)
    assert response.status_code == 403
    assert "admin role" in response.get_data(as_text=True)
    assert audit_actions(app)[-1] == "access.denied"
    with rows() as session:
        assert session.scalar(select(User).where(User.email == NEW_USER["email"])) is None


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_cli_creates_user_with_password_from_stdin(app, rows):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "Cli.User@Example.org",
                                 "--name", "Cli User", "--role", "editor", "--role", "admin"],
                           input="a long cli password\n")
    assert result.exit_code == 0, result.output
    assert "cli.user@example.org" in result.output
    with rows() as session:
        user = session.scalar(select(User).where(User.email == "cli.user@example.org"))
        assert user.role_names == ["admin", "editor"]
    client = app.test_client()
    response = client.post("/login", data={"email": "cli.user@example.org",
                                           "password": "a long cli password"})
    assert response.status_code == 302


@pytest.mark.parametrize("args,stdin,message", [
    (["--role", "author"], "short\n", "at least 12 characters"),
    (["--role", "superuser"], "a long cli password\n", "Unknown role: superuser"),
])
def test_cli_refuses_bad_input_with_a_clear_message(app, rows, args, stdin, message):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "x@example.org",
                                 "--name", "X", *args], input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    with rows() as session:
        assert session.scalars(select(User)).all() == []


def test_demo_load_creates_one_user_per_role_once(app, rows):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and "Demo data loaded." in first.output
    assert "admin@example.org" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "already has users" in second.output
    with rows() as session:
        roles = sorted(r for u in session.scalars(select(User)) for r in u.role_names)
        states = sorted(session.scalars(select(Article.state)))
    assert roles == ["admin", "author", "editor", "reviewer", "reviewer"]
    assert states == ["approved", "changes_requested", "draft", "under_review"]
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_a_specialty_longer_than_its_column_gets_a_form_error(client, admin, rows):
    response = client.post("/admin/users/new", data={**NEW_USER, "specialties": "s" * 81})
    assert response.status_code == 400
    assert "Specialties: each can be at most 80 characters" in response.get_data(as_text=True)
    with rows() as session:
        assert session.scalar(select(User).where(User.email == NEW_USER["email"])) is None
