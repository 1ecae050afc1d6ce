"""`python -m benchmarks.scale`: bulk data in every state, with an audit chain that
verifies, written to the database the app is configured with (DATABASE_URL)."""

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from benchmarks.scale.__main__ import main as scale_command
from reviewapp.accounts.models import UserRole
from reviewapp.articles.models import Article, Reference, Revision
from reviewapp.audit.models import AuditEvent, AuditHead
from reviewapp.citations.models import CitationReport, CitationWaiver
from reviewapp.lifecycle.states import STATES
from reviewapp.reports.models import ReaderReport
from reviewapp.reviews.models import (
    ASSIGNMENT_STATES,
    Assignment,
    Review,
    ReviewRound,
    Signature,
)
from tests.live import LIVE_SIGNING_KEY


@pytest.fixture
def scale(app_config, tmp_path):
    """Runs the command as `python -m benchmarks.scale ARGS` would, configured
    by the environment alone: the test's database and cheap password hashes."""
    env = {"DATABASE_URL": app_config["DATABASE_URL"], "SECRET_KEY": "scale-secret",
           "SIGNING_KEY": LIVE_SIGNING_KEY,  # a server on PostgreSQL needs both keys
           "REVIEWAPP_INSTANCE_PATH": str(tmp_path / "scale-instance")}
    env.update({f"REVIEWAPP_{name}": str(value) for name, value in app_config.items()
                if name.startswith("ARGON2_")})

    def invoke(*args: str):
        return CliRunner().invoke(scale_command, list(args), env=env)

    return invoke


def test_scale_covers_every_state_and_the_chain_verifies(app, rows, scale):
    runner = app.test_cli_runner()
    # An event recorded before: the generated chain continues from it.
    with app.app_context():
        from reviewapp.audit.services import record
        from reviewapp.extensions import db

        record("audit.exported", details={"rows": 0})
        db.session.commit()

    result = scale("--articles", "120", "--events", "300")
    assert result.exit_code == 0, result.output
    assert "120 articles and 300 audit events" in result.output

    with rows() as session:
        def values(column):
            return set(session.scalars(select(column).distinct()))

        assert values(Article.state) == set(STATES)
        assert values(Assignment.state) == set(ASSIGNMENT_STATES)
        assert values(Review.decision) == {"approve", "request_changes"}
        # Review rounds (issue 14): every decision, open rounds, and some waiting
        # on the editor; at most one open round per article (a unique index).
        assert values(ReviewRound.decision) == {None, "approved", "changes_requested",
                                                "rejected", "withdrawn"}
        assert session.scalar(select(func.count()).select_from(ReviewRound).where(
            ReviewRound.decision_needed_at.is_not(None))) > 0
        assert values(UserRole.role) == {"author", "reviewer", "editor", "admin"}
        assert values(ReaderReport.status) == {"open", "resolved"}
        assert session.scalar(select(func.count()).select_from(Signature)) > 0
        assert session.scalar(select(func.count()).select_from(CitationWaiver)) > 0
        assert session.scalar(select(func.count()).select_from(Reference)) > 120
        # Several revisions per article, each with its citation report.
        revisions = session.scalar(select(func.count()).select_from(Revision))
        assert revisions > 120
        assert session.scalar(select(func.count()).select_from(CitationReport)) == revisions
        assert session.scalar(select(func.max(Revision.number))) >= 3
        # Every article points at its last revision; approved ones at an approved one.
        assert session.scalar(select(func.count()).select_from(Article)
                              .where(Article.current_revision_id.is_(None))) == 0
        assert session.scalar(select(func.count()).select_from(Article).where(
            Article.state == "approved", Article.approved_revision_id.is_(None))) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 301
        assert session.get(AuditHead, 1).seq == 301

    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert "Audit chain intact: 301 events" in verify.output

    # Pages render the generated rows.
    client = app.test_client()
    with rows() as session:
        slug = session.scalar(select(Article.slug).where(Article.state == "approved"))
    assert client.get(f"/articles/{slug}").status_code == 200
    assert client.get("/articles").status_code == 200
    assert client.get(f"/api/v1/articles/{slug}").status_code == 200


def test_scale_refuses_a_database_with_articles_unless_forced(app, scale):
    runner = app.test_cli_runner()
    assert scale("--articles", "10", "--events", "5").exit_code == 0
    refused = scale("--articles", "10", "--events", "5")
    assert refused.exit_code == 1
    assert "already has articles" in refused.output
    forced = scale("--articles", "10", "--events", "5", "--force")
    assert forced.exit_code == 0, forced.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    # New rows can still be added the ordinary way after explicit ids.
    with app.app_context():
        from reviewapp.accounts.services import create_user
        from reviewapp.extensions import db

        create_user(email="after@example.org", display_name="After", password="x" * 12,
                    roles=["author"], specialties=[])
        db.session.commit()


def test_the_production_cli_has_no_scale_command(app):
    """Benchmark data is made by benchmarks/, never by the app's own `flask` CLI."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "scale", "--articles", "10"])
    assert result.exit_code == 2
    assert "No such command 'scale'" in result.output
    assert "load" in runner.invoke(args=["demo", "--help"]).output
