"""Prometheus metrics at /metrics: requests by endpoint, the outbox backlog and
the last recorded `audit verify` outcome (and every metric defined elsewhere in
the default registry, e.g. the page cache's answers in public/page_cache.py).

Requests are labelled by Flask endpoint (never the raw path), method and status,
so the number of series is bounded by the URL map, not by what clients send.
The database figures are read when scraped. Under gunicorn with several workers
each worker counts its own requests: with PROMETHEUS_MULTIPROC_DIR set (an
empty directory, before the server starts) prometheus-client keeps the counts
in files there and a scrape sums every worker's; without it a scrape shows the
one worker that answered."""

import ipaddress
import os
import time

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from reviewapp.extensions import db

bp = Blueprint("metrics", __name__)
ALLOWED = "reviewapp.metrics_allowed"
STARTED = "reviewapp.request_started"
# Methods outside this set are counted as "other": clients choose the method.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter("reviewapp_http_requests", "HTTP requests answered, by Flask endpoint "
                   "(<unmatched> when no route matched), method and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("reviewapp_http_request_duration_seconds", "Time from the request's "
                    "first hook to its response, by Flask endpoint and method.",
                    ["endpoint", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def register_metrics(app) -> None:
    from reviewapp.app import ConfigurationError

    try:
        app.extensions[ALLOWED] = [ipaddress.ip_network(entry, strict=False)
                                   for entry in app.config["METRICS_ALLOWED_IPS"]]
    except ValueError as error:
        raise ConfigurationError(f"METRICS_ALLOWED_IPS: {error}") from None
    # First of the before-request hooks, so that the time covers the others.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_count)
    app.register_blueprint(bp)


def _start_timer():
    request.environ[STARTED] = time.perf_counter()


def _count(response):
    endpoint = request.endpoint or "<unmatched>"
    method = request.method if request.method in METHODS else "other"
    REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    if (started := request.environ.get(STARTED)) is not None:
        LATENCY.labels(endpoint, method).observe(time.perf_counter() - started)
    return response


@bp.get("/metrics")
def scrape():
    if not _allowed(request.remote_addr):
        abort(404)  # not 403: nothing to see here, and no audit event per probe
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_DatabaseFigures())
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))  # text or OpenMetrics
    response = Response(encode(registry), content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


def _allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return any(ip in network for network in current_app.extensions[ALLOWED])


class _ThisProcess:
    """This process's own metrics (requests, and the client's process figures)."""

    def collect(self):
        return REGISTRY.collect()


class _DatabaseFigures:
    """Read from the database at each scrape, by whichever process answers."""

    def collect(self):
        from reviewapp.audit.models import AuditEvent
        from reviewapp.mail.models import OutboxMessage

        try:
            unsent, oldest = db.session.execute(
                select(func.count(), func.min(OutboxMessage.created_at))
                .where(OutboxMessage.sent_at.is_(None))).one()
            verified = db.session.execute(
                select(AuditEvent.occurred_at, AuditEvent.details)
                .where(AuditEvent.action == "audit.verified")
                .order_by(AuditEvent.seq.desc()).limit(1)).first()
        except SQLAlchemyError:
            db.session.rollback()
            yield GaugeMetricFamily("reviewapp_database_up",
                                    "1 when the database answered this scrape.", value=0)
            return
        db.session.rollback()
        yield GaugeMetricFamily("reviewapp_database_up",
                                "1 when the database answered this scrape.", value=1)
        yield GaugeMetricFamily("reviewapp_outbox_unsent_messages",
                                "Mail in the outbox not yet delivered.", value=unsent)
        yield GaugeMetricFamily(
            "reviewapp_outbox_oldest_unsent_age_seconds",
            "Age of the oldest undelivered mail (0 when none).",
            value=max(0.0, time.time() - oldest.timestamp()) if oldest else 0.0)
        if verified is None:
            return  # never recorded: absent, which an alert on absent() catches
        occurred_at, details = verified
        yield GaugeMetricFamily(
            "reviewapp_audit_verify_last_intact",
            "1 when the last `audit verify --record` found the chain intact, else 0.",
            value=int(details.get("result") == "intact"))
        yield GaugeMetricFamily(
            "reviewapp_audit_verify_last_timestamp_seconds",
            "When the last `audit verify --record` ran (Unix time).",
            value=occurred_at.timestamp())
        yield GaugeMetricFamily(
            "reviewapp_audit_verify_last_events",
            "Events the last `audit verify --record` checked.",
            value=details.get("events", 0))

