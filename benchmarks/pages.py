"""Page latency and queries per request at archive sizes S, M and L, in-process.

Each size is a database filled by benchmarks.scale (kept between runs under
/tmp and reused when its row counts match): SQLite always, PostgreSQL when
BENCH_DATABASE_URL is set (its database name gets a size suffix, e.g.
reviewapp_bench_s; they are dropped and recreated as needed, so never point
it at data you keep). Every page is requested through app.test_client():
warm-up, then REQUESTS timed requests; server time is the wall-clock time of
client.get(). Prints one Markdown table.

QUICK=1: size S only, fewer requests (the CI form, under two minutes).
"""

import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from reviewapp.site_keys import new_private_key_text

QUICK = os.environ.get("QUICK", "") not in ("", "0")
SIZES = {"S": (1_000, 10_000), "M": (20_000, 200_000), "L": (100_000, 1_000_000)}
REQUESTS = 50 if QUICK else 200
WARMUP = 5 if QUICK else 20
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/reviewapp-bench"))


def _pg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _app(url: str, serving: bool = False):
    """The app; `serving`: as reviewapp.wsgi serves it (start-up objects frozen)."""
    from reviewapp.app import create_app, freeze_startup_objects

    # Nobody is sent to two-factor enrolment: the admin logs in with the password.
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                      "SIGNING_KEY": new_private_key_text(), "WTF_CSRF_ENABLED": False,
                      "LOGIN_IP_LIMIT": 1000, "REQUIRE_TWO_FACTOR_FOR": []})
    if serving:
        freeze_startup_objects()
    return app


def _counts_match(url: str, articles: int, events: int) -> bool:
    engine = sa.create_engine(_pg(url) if url.startswith("postgresql") else url)
    try:
        with engine.connect() as conn:
            got = (conn.scalar(sa.text("SELECT count(*) FROM article")),
                   conn.scalar(sa.text("SELECT seq FROM audit_head WHERE id = 1")))
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()
    # Each run adds its own logins to the log: a kept database is still this size.
    return got[0] == articles and events <= got[1] < events + 10_000


def _recreate_postgres(url: str) -> None:
    base, name = url.rsplit("/", 1)
    engine = sa.create_engine(_pg(base + "/postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def prepare(url: str, articles: int, events: int) -> None:
    """Fill the database, unless it already holds this size; migrate it either
    way (a kept database gets the indexes of newer migrations)."""
    from flask_migrate import upgrade

    from reviewapp.extensions import db

    if _counts_match(url, articles, events):
        with _app(url).app_context():
            upgrade()
            db.engine.dispose()
        return
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        _recreate_postgres(url)
    from benchmarks.scale import generate

    app = _app(url)
    start = time.perf_counter()
    with app.app_context():
        upgrade()
        generate(articles, events)
        db.session.remove()
        db.engine.dispose()
    print(f"<!-- generated {articles:,} articles, {events:,} events on "
          f"{url.split(':', 1)[0]} in {time.perf_counter() - start:.0f} s -->",
          file=sys.stderr, flush=True)


def pages(app) -> list[tuple[str, str, str]]:
    """(page, role to log in as, url)."""
    from reviewapp.articles.models import Article
    from reviewapp.audit.models import AuditEvent
    from reviewapp.extensions import db

    with app.app_context():
        s = db.session
        low_article = s.scalar(sa.select(sa.func.min(Article.id)))
        # An article with many events, and a seq in the middle of its history.
        busy = s.scalar(sa.select(AuditEvent.article_id).where(AuditEvent.article_id.is_not(None))
                        .group_by(AuditEvent.article_id)
                        .order_by(sa.func.count().desc()).limit(1))
        busy_mid = s.scalar(sa.select(AuditEvent.seq).where(AuditEvent.article_id == busy)
                            .order_by(AuditEvent.seq).limit(1))
        in_review = s.scalar(sa.select(Article.id).where(Article.state == "under_review")
                             .order_by(Article.id.desc()).limit(1))
        slug = s.scalar(sa.select(Article.slug).where(Article.state == "approved")
                        .order_by(Article.id.desc()).limit(1))
    return [
        ("author dashboard", "author", "/desk/articles/"),
        ("reviewer queue", "reviewer", "/desk/reviews"),
        ("editor dashboard", "editor", "/desk/editor"),
        ("all articles, page 1", "editor", "/desk/articles/all"),
        ("all articles, deep page", "editor", f"/desk/articles/all?before={low_article + 60}"),
        ("audit, page 1", "admin", "/admin/audit"),
        ("audit, deep page", "admin", "/admin/audit?before=100"),
        ("audit by article, page 1", "admin", f"/admin/audit?article={busy}"),
        ("audit by article, deep page", "admin",
         f"/admin/audit?article={busy}&before={busy_mid + 1}"),
        ("article review page", "editor", f"/desk/articles/{in_review}/review"),
        # Readers without a session are served from the page cache (one query); the
        # "rendered" rows empty it before each request: what a change costs once.
        ("public article", None, f"/articles/{slug}"),
        ("public article, rendered", RENDERED, f"/articles/{slug}"),
        ("public index", None, "/articles"),
        ("API list", None, "/api/v1/articles"),
        ("API item", None, f"/api/v1/articles/{slug}"),
        ("API item, rendered", RENDERED, f"/api/v1/articles/{slug}"),
    ]


def _users(app) -> dict[str, str]:
    """An email per role: the busiest author and reviewer, any editor and admin."""
    from reviewapp.accounts.models import User, UserRole
    from reviewapp.articles.models import Article
    from reviewapp.extensions import db
    from reviewapp.reviews.models import Assignment

    with app.app_context():
        s = db.session
        author = s.scalar(sa.select(Article.author_id).group_by(Article.author_id)
                          .order_by(sa.func.count().desc()).limit(1))
        reviewer = s.scalar(sa.select(Assignment.reviewer_id).group_by(Assignment.reviewer_id)
                            .order_by(sa.func.count().desc()).limit(1))
        by_role = {"author": author, "reviewer": reviewer}
        for role in ("editor", "admin"):
            by_role[role] = s.scalar(sa.select(UserRole.user_id).join(User)
                                     .where(UserRole.role == role, User.active)
                                     .order_by(UserRole.user_id.desc()).limit(1))
        return {role: s.get(User, uid).email for role, uid in by_role.items()}


RENDERED = "reader, page cache emptied"


def measure(app, client, url: str, rendered: bool = False) -> tuple[int, float, float]:
    """(queries per request, p50 ms, p95 ms); `rendered`: the page cache emptied
    before each request (not timed)."""
    from reviewapp.extensions import cache, db

    def empty_cache():
        if rendered:
            with app.app_context():
                cache.clear()

    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(statement)

    for _ in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    empty_cache()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    times = []
    for _ in range(REQUESTS):
        empty_cache()
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return len(seen), statistics.median(times), cuts[94]


def run(label: str, url: str, size: str) -> list[str]:
    from benchmarks.scale import SCALE_PASSWORD

    prepare(url, *SIZES[size])
    app = _app(url, serving=True)
    emails = _users(app)
    clients = {}
    for role, email in emails.items():
        clients[role] = app.test_client()
        response = clients[role].post("/login", data={"email": email,
                                                       "password": SCALE_PASSWORD})
        assert response.status_code == 302, (role, response.status_code)
    clients[None] = clients[RENDERED] = app.test_client()
    lines = []
    for page, role, path in pages(app):
        queries, p50, p95 = measure(app, clients[role], path, rendered=role == RENDERED)
        lines.append(f"| {page} | {size} | {label} | {queries} | {p50:.1f} | {p95:.1f} |")
        print(lines[-1], flush=True)
    from reviewapp.extensions import db

    with app.app_context():
        db.engine.dispose()
    return lines


def main() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    postgres = os.environ.get("BENCH_DATABASE_URL")
    print(f"Pages, in-process: {WARMUP} warm-up requests, then {REQUESTS} timed "
          "(server time in ms).\n")
    print("| page | size | database | queries | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for size in ("S",) if QUICK else ("S", "M", "L"):
        run("SQLite", f"sqlite:///{BENCH_DIR}/bench_{size.lower()}.sqlite3", size)
        if postgres:
            run("PostgreSQL", f"{postgres}_{size.lower()}", size)


if __name__ == "__main__":
    main()
