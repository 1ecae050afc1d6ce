"""Operations endpoints: /healthz for load balancers and /metrics for
Prometheus, on SQLite and PostgreSQL; and the metrics of several gunicorn
workers summed in one scrape (prometheus-client's multiprocess mode)."""

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from reviewapp import create_app
from reviewapp.app import ConfigurationError
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from reviewapp.mail.models import OutboxMessage
from tests.live import HTTP_TIMEOUT, LiveServer


@pytest.fixture
def make_app():
    """create_app(config) for a test's own app; its connections closed after."""
    from reviewapp.extensions import db

    made = []
    yield lambda config: made.append(create_app(config)) or made[-1]
    for app in made:
        with app.app_context():
            db.engine.dispose()


def audit_count(rows) -> int:
    with rows() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def metrics(client, address="127.0.0.1") -> dict:
    """{(name, frozenset(labels)): value} of one scrape."""
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(response.get_data(as_text=True))


def parse(text: str) -> dict:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def requests_counted(scrape: dict, endpoint: str, method="GET", status="200") -> float:
    key = frozenset({"endpoint": endpoint, "method": method, "status": status}.items())
    return scrape.get(("reviewapp_http_requests_total", key), 0.0)


# --- /healthz -------------------------------------------------------------------

def test_healthz_is_200_when_the_database_is_at_head_and_writes_nothing(client, rows):
    before = audit_count(rows)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers  # a load balancer gets no session
    assert response.headers["Cache-Control"] == "no-store"
    assert audit_count(rows) == before


def test_healthz_is_503_when_the_schema_is_behind_the_migration_scripts(app, client, rows):
    """A server started with code newer than the database (`db upgrade` not
    run yet) must not be sent traffic."""
    with rows() as session:
        head = session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        session.execute(sa.text("UPDATE alembic_version SET version_num = '0001_initial'"))
        session.commit()
    try:
        response = client.get("/healthz")
    finally:
        with rows() as session:  # the PostgreSQL test database outlives this test
            session.execute(sa.text("UPDATE alembic_version SET version_num = :head"),
                            {"head": head})
            session.commit()
    assert response.status_code == 503
    assert response.get_json() == {"status": "migrations not at head"}
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1:1/nowhere", "sqlite://"])
def test_healthz_is_503_when_the_database_does_not_answer_and_says_no_more(url, make_app):
    """Port 1: nothing listens. sqlite:// : an empty database, never migrated."""
    app = make_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == '{"status":"database unavailable"}\n'


# --- /metrics -------------------------------------------------------------------

def test_requests_are_counted_by_endpoint_never_by_path(client):
    before = metrics(client)
    client.get("/articles/some-private-slug-1")
    client.get("/articles/some-private-slug-2")
    client.get("/no/such/page-with-a-secret-token")
    client.open("/healthz", method="BREW")
    text = client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).get_data(as_text=True)
    after = parse(text)
    assert "some-private-slug" not in text and "secret-token" not in text
    assert requests_counted(after, "public.article", status="404") - requests_counted(
        before, "public.article", status="404") == 2
    assert requests_counted(after, "<unmatched>", status="404") - requests_counted(
        before, "<unmatched>", status="404") == 1
    assert requests_counted(after, "<unmatched>", method="other", status="405") - (
        requests_counted(before, "<unmatched>", method="other", status="405")) == 1
    latency = ("reviewapp_http_request_duration_seconds_count",
               frozenset({"endpoint": "public.article", "method": "GET"}.items()))
    assert after[latency] - before.get(latency, 0) == 2


def test_outbox_backlog_and_the_last_recorded_audit_verify_are_reported(app, client, rows):
    from reviewapp.audit.services import record_verification

    scrape = metrics(client)
    assert scrape[("reviewapp_database_up", frozenset())] == 1
    assert scrape[("reviewapp_outbox_unsent_messages", frozenset())] == 0
    assert not any(name.startswith("reviewapp_audit_verify") for name, _ in scrape)
    with rows() as session:
        session.add_all([OutboxMessage(recipient=f"r{n}@example.org", subject="s", body="b",
                                       sent_at=utcnow() if n == 0 else None)
                         for n in range(3)])
        session.commit()
    verified = app.test_cli_runner().invoke(args=["audit", "verify", "--record"])
    assert verified.exit_code == 0, verified.output

    scrape = metrics(client)
    assert scrape[("reviewapp_outbox_unsent_messages", frozenset())] == 2
    assert scrape[("reviewapp_outbox_oldest_unsent_age_seconds", frozenset())] >= 0
    assert scrape[("reviewapp_audit_verify_last_intact", frozenset())] == 1
    assert scrape[("reviewapp_audit_verify_last_events", frozenset())] == 0
    with app.app_context():  # a later run that found the chain broken
        record_verification(SimpleNamespace(ok=False, checked=1, head_seq=1, head_hash="0" * 64,
                                            broken_seq=1, message="Audit chain broken"), None)
    assert metrics(client)[("reviewapp_audit_verify_last_intact", frozenset())] == 0


def test_metrics_answer_only_the_allowed_addresses(app, client, rows):
    before = audit_count(rows)
    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert refused.status_code == 404
    assert "reviewapp_" not in refused.get_data(as_text=True)
    assert audit_count(rows) == before  # a probe is no audit event
    metrics(client, "::1")
    app.extensions["reviewapp.metrics_allowed"] = []  # what METRICS_ALLOWED_IPS=[] gives
    assert client.get("/metrics").status_code == 404


def test_allowed_addresses_may_be_networks_and_are_checked_at_start(app_config, make_app):
    app = make_app({**app_config, "METRICS_ALLOWED_IPS": ["10.0.0.0/8"]})
    client = app.test_client()
    metrics(client, "10.20.30.40")
    metrics(client, "::ffff:10.1.1.1")  # IPv4 written as IPv6 by a dual-stack socket
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is no longer listed
    with pytest.raises(ConfigurationError, match="METRICS_ALLOWED_IPS"):
        make_app({**app_config, "METRICS_ALLOWED_IPS": ["localhost"]})


def test_metrics_can_be_turned_off(app_config, make_app):
    app = make_app({**app_config, "METRICS_ENABLED": False})
    assert app.test_client().get("/metrics").status_code == 404
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_scrape_sums_every_gunicorn_worker_in_multiprocess_mode(database_url, tmp_path):
    """Four workers; forty requests spread over them; each scrape, whichever
    worker answers it, counts all forty."""
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    with LiveServer(database_url, tmp_path / "gunicorn.log", workers=4,
                    env={"PROMETHEUS_MULTIPROC_DIR": str(multiproc)}) as server:
        server.start()

        def scrape():
            response = requests.get(f"{server.url}/metrics", timeout=HTTP_TIMEOUT)
            assert response.status_code == 200, response.text
            return requests_counted(parse(response.text), "ops.healthz")

        before = scrape()
        sent = 0
        # Batches of forty until a second worker has served some (a loaded
        # machine may leave one worker answering everything for a while).
        while sent < 400 and (sent == 0 or len(list(multiproc.glob("counter_*.db"))) < 2):
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda _: requests.get(
                    f"{server.url}/healthz", timeout=HTTP_TIMEOUT).status_code, range(40)))
            assert statuses == [200] * 40
            sent += 40
        assert len(list(multiproc.glob("counter_*.db"))) >= 2  # more than one worker served
        assert [scrape() - before for _ in range(4)] == [sent] * 4
