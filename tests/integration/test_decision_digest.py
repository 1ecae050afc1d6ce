"""Review rounds (issue 14): the CHANGES_DECISION setting, and "Decision needed"
in the editor's digest (`reminders send`), on SQLite and PostgreSQL."""

import re
from datetime import timedelta

import pytest

from reviewapp import create_app
from reviewapp.app import ConfigurationError
from reviewapp.db import utcnow
from tests.integration.test_review_rounds import COMMENT, LETTER, mails_to
from tests.integration.test_workflow import Desk


@pytest.fixture
def desk(app, make_user, make_article):
    desk = Desk(app, make_user, make_article)
    desk.under_review()
    return desk


# --- the setting ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["Editor", "reviewers", "", "board"])
def test_an_unknown_changes_decision_refuses_to_start(tmp_path, monkeypatch, value):
    monkeypatch.setenv("REVIEWAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REVIEWAPP_CHANGES_DECISION", value)
    with pytest.raises(ConfigurationError, match=r'^CHANGES_DECISION must be "editor" '
                       r'\(.*\) or "reviewer" \(.*\), not ' + re.escape(repr(value))):
        create_app({"SECRET_KEY": "x"})


@pytest.mark.parametrize("value", ["editor", "reviewer"])
def test_changes_decision_from_the_environment(tmp_path, monkeypatch, value):
    monkeypatch.setenv("REVIEWAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REVIEWAPP_CHANGES_DECISION", value)
    assert create_app({"SECRET_KEY": "x"}).config["CHANGES_DECISION"] == value


def test_the_default_is_the_editor(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("REVIEWAPP_CHANGES_DECISION", raising=False)
    assert create_app({"SECRET_KEY": "x"}).config["CHANGES_DECISION"] == "editor"


# --- the editor's digest ---------------------------------------------------------------

def test_the_digest_lists_decision_needed_to_the_editor_who_assigned(app, desk, make_user):
    other_editor = make_user(roles=["editor"], name="Other Editor")
    assert desk.request_changes(desk.reviewers[0], COMMENT).status_code == 302
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Queued 0 reminders and 1 digest;")
    (digest,) = [m for m in mails_to(app, desk.editor.email)
                 if m.subject.startswith("Decision needed")]
    today = digest.created_at.strftime("%Y-%m-%d")
    assert digest.subject == f"Decision needed: 1 article ({today})"
    assert ('- "Ibuprofen for back pain" by Alice Author: round 1, 1 reviewer asked for '
            'changes (since ') in digest.body
    assert f"/desk/articles/{desk.article_id}/decision" in digest.body
    assert "overdue" not in digest.body
    assert mails_to(app, other_editor.email) == []  # assigned no reviewer of it
    # Decided, it leaves the next day's digest.
    assert desk.decide_changes(LETTER).status_code == 302
    with app.app_context():
        from reviewapp.workflow.reminders import queue_reminders

        assert queue_reminders(digest.created_at + timedelta(days=1)) == (0, 0)


def test_the_digest_with_decisions_and_overdue_reviews(app, make_user, make_article):
    desk = Desk(app, make_user, make_article)
    desk.reviewers.append(make_user(roles=["reviewer"], name="Dr. Late"))
    assert desk.submit().status_code == 302
    for reviewer in desk.reviewers:
        assert desk.assign(reviewer, days=1).status_code == 302
        assert desk.accept(reviewer).status_code == 302
    assert desk.request_changes(desk.reviewers[0], COMMENT).status_code == 302
    with app.app_context():
        from reviewapp.extensions import db
        from reviewapp.workflow.reminders import queue_reminders

        later = utcnow() + timedelta(days=2)
        assert queue_reminders(later) == (2, 1)
        db.session.commit()
    (digest,) = [m for m in mails_to(app, desk.editor.email) if "Decision needed" in m.subject]
    assert digest.subject == (f"Decision needed: 1 article; overdue reviews: 2 reviews "
                              f"({later:%Y-%m-%d})")
    assert digest.body.index("Decision needed:") < digest.body.index("2 reviews you assigned")
    assert "Dr. Late <" in digest.body
