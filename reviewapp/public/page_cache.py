"""Readers' pages from a cache keyed by what was published (issue 19).

Each public response is one *variant* (the endpoint, the article, the audience,
the query) at one *publication version* (reviewapp/publication_versions.py),
found with one query before anything is loaded. That version, with the build
(the code and the settings), is the response's ETag: a matching If-None-Match
is answered 304 from it alone, and a cached body is served without another
query. A change of anything readers see raises the version in the transaction
that made it, so the next request asks for a key no cache holds: nothing
outdated is ever served, and old entries are simply never asked for again.

What readers may share: a request without a session (no one signed in, no
message waiting); every other request is rendered as before and kept private.
CDN headers: Cache-Control that makes browsers revalidate at every visit and
shared caches keep a page s-maxage seconds, CDN-Cache-Control and
Surrogate-Control with max-age and stale-while-revalidate for CDNs, and a
Surrogate-Key naming the article, its tags and "site", so that a proxy can purge
exactly the pages a change touches (docs/caching.md)."""

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, make_response, request, session
from prometheus_client import Counter
from sqlalchemy import Select, String, bindparam, cast, func, literal, or_, select

from reviewapp import publication_versions as versions
from reviewapp.articles.models import Article, ArticleTag
from reviewapp.extensions import cache, db
from reviewapp.public import publish_on_read

log = logging.getLogger(__name__)
# At /metrics (reviewapp/metrics.py serves the default registry).
PAGE_CACHE = Counter("reviewapp_page_cache_answers", "Responses readers share, by how the "
                     "page cache answered: not_modified (304 from the publication version), "
                     "hit (a kept copy) or miss (rendered, then kept).", ["answer"])

# Settings not hashed into the build: secrets (the site key counts by its id), and
# what differs between instances of one site by design (each has its own folder).
_NOT_HASHED = ("SECRET_KEY", "SIGNING_KEY", "SIGNING_KEYS_RETIRED", "AUDIT_HMAC_KEY",
               "SMTP_PASSWORD", "MAIL_PASSWORD", "CACHE_REDIS_URL",
               "SQLALCHEMY_DATABASE_URI", "DATABASE_URL", "MIGRATION_DATABASE_URL",
               "INSTANCE_PATH")


@dataclass(frozen=True)
class Published:
    """A variant's publication version and the Surrogate-Keys naming its parts."""
    version: int
    surrogate_keys: tuple[str, ...]
    article_id: int | None = None
    publish_at: datetime | None = None      # a schedule's time, for publish-on-read
    scheduled_revision_id: int | None = None


# -- the one query ------------------------------------------------------------------------------

def _greatest(scopes) -> object:
    """The greatest version among these scopes: names, SQL expressions of one, or
    SELECTs of several."""
    v = versions.PublicationVersion
    return (select(func.coalesce(func.max(v.version), 0))
            .where(or_(*(v.scope.in_(s) if isinstance(s, Select) else v.scope == s
                         for s in scopes)))
            .scalar_subquery())


def article_published(slug: str, extra_scopes=None) -> Published | None:
    """article_version(), after publishing the article's schedule if its time has come."""
    published = article_version(slug, extra_scopes)
    if published is not None and publish_on_read.publish_when_due(published):
        published = article_version(slug, extra_scopes)
    return published


def article_version(slug: str, extra_scopes=None) -> Published | None:
    """The article's version: the greatest of the site's, its own, its tags' (the
    related lists) and `extra_scopes(Article.id)`'s (a correlated SELECT of scope
    names, e.g. the articles its "Readers also asked" links to); None: no such slug."""
    with _reading() as conn:
        row = conn.execute(_article_statement(extra_scopes), {"slug": slug[:120]}).first()
    if row is None:
        return None
    article_id, publish_at, scheduled, version, names = row
    keys = (f"article-{article_id}",
            *(f"tag-{quote(name, safe='')}" for name in sorted((names or "").split("\n"))
              if name), "site")
    return Published(version, keys, article_id, publish_at, scheduled)


@contextmanager
def _reading():
    """Where the version is read: rows of plain values, no ORM. On PostgreSQL a
    connection of its own in autocommit: one statement, no BEGIN and no ROLLBACK,
    each a round trip to the server. On SQLite (in the process) the session's."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn
    else:
        yield db.session.connection()


@functools.cache
def _article_statement(extra_scopes) -> Select:
    """Built once per process: building it costs more than running it."""
    tags = (select(literal("tag:") + ArticleTag.name)
            .where(ArticleTag.article_id == Article.id).correlate(Article))
    scopes = [versions.SITE, literal("article:") + cast(Article.id, String), tags]
    if extra_scopes is not None:  # two levels down: correlated by name
        scopes.append(extra_scopes(Article.id).correlate(Article))
    tag_names = (select(func.aggregate_strings(ArticleTag.name, "\n"))
                 .where(ArticleTag.article_id == Article.id).scalar_subquery())
    return (select(Article.id, Article.publish_at, Article.scheduled_revision_id,
                   _greatest(scopes), tag_names)
            .where(Article.slug == bindparam("slug")))


def site_published(*, lists: bool = False) -> Published:
    """site_version(), after publishing the schedules whose time has come (lists)."""
    published = site_version(lists=lists)
    if lists and publish_on_read.publish_when_due(published):
        published = site_version(lists=lists)
    return published


def site_version(*, lists: bool = False) -> Published:
    """The version of a page made of site-wide parts (the board, the policy), or
    with `lists` of the index and the API list; publish_at: the earliest schedule
    (publish-on-read before a list is served)."""
    with _reading() as conn:
        version, publish_at = conn.execute(_site_statement(lists)).one()
    return Published(version, ("site", "list") if lists else ("site",), publish_at=publish_at)


# -- who may share a response ---------------------------------------------------------------

@functools.cache
def _site_statement(lists: bool) -> Select:
    scopes = [versions.SITE, versions.LIST] if lists else [versions.SITE]
    earliest = (select(func.min(Article.publish_at)).scalar_subquery() if lists
                else literal(None))
    return select(_greatest(scopes), earliest)


def shareable() -> bool:
    """A reader without a session: nobody signed in, no message waiting (a
    signed-in user's page shows their menu; a flash is meant for one reader)."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return not session and remember not in request.cookies


# -- serving ------------------------------------------------------------------------------------

def build_fingerprint() -> str:
    """The code and the settings the pages were made with (computed once per app):
    a deployment or a changed setting changes every key and ETag."""
    app = current_app._get_current_object()
    found = app.extensions.get("page_cache_build")
    if found is None:
        digest = hashlib.sha256()
        package = Path(__file__).resolve().parents[1]
        for path in sorted(package.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".txt", ".css", ".js",
                                                  ".svg"):
                digest.update(str(path.relative_to(package)).encode())
                digest.update(path.read_bytes())
        for name in sorted(app.config):
            if name not in _NOT_HASHED:
                digest.update(f"{name}={_stable(app.config[name])}\n".encode())
        digest.update(app.extensions["site_keys"].kid.encode())
        found = app.extensions["page_cache_build"] = digest.hexdigest()[:12]
    return found


def settings_changed(app) -> None:
    """Settings are read when the app starts; a test that changes one on a running
    app says so here (the next request computes the build again)."""
    app.extensions.pop("page_cache_build", None)


def _stable(value) -> str:
    """A setting as text that is the same in every process (a set's order is not)."""
    return json.dumps(value, sort_keys=True, default=lambda o: sorted(map(repr, o))
                      if isinstance(o, set | frozenset) else repr(o))


def with_query(name: str) -> str:
    """A list's variant: its name and its query (order kept, so ?a&b and ?b&a differ
    only in their cache entries, never in what they show)."""
    return f"{name}?{request.query_string.decode('latin-1')}"


def etag_of(variant: str, published: Published) -> str:
    return (f"{published.version:x}-{build_fingerprint()}-"
            f"{hashlib.sha256(variant.encode()).hexdigest()[:12]}")


def serve(variant: str, published: Published, render: Callable[[], object], *,
          vary_cookie: bool = False) -> Response:
    """The variant at this version: 304 when the reader has it (no query more),
    else the cached body, else render() (kept only when it answered 200)."""
    etag = etag_of(variant, published)
    if request.if_none_match and request.if_none_match.contains_weak(etag):
        PAGE_CACHE.labels("not_modified").inc()
        return _public(Response(status=304), etag, published, vary_cookie)
    key = f"page:{etag}"
    entry = _cache_get(key)
    PAGE_CACHE.labels("miss" if entry is None else "hit").inc()
    if entry is None:
        rendered = make_response(render())
        if rendered.status_code != 200:
            return rendered
        entry = {"body": rendered.get_data(), "mimetype": rendered.mimetype,
                 "last_modified": rendered.headers.get("Last-Modified"),
                 "cors": rendered.headers.get("Access-Control-Allow-Origin")}
        _cache_set(key, entry)
    response = Response(entry["body"], mimetype=entry["mimetype"])
    if entry["last_modified"]:
        response.headers["Last-Modified"] = entry["last_modified"]
    if entry["cors"]:
        response.headers["Access-Control-Allow-Origin"] = entry["cors"]
    response = _public(response, etag, published, vary_cookie)
    return response.make_conditional(request)  # If-Modified-Since on its own


def _public(response: Response, etag: str, published: Published,
            vary_cookie: bool) -> Response:
    config = current_app.config
    response.set_etag(etag)
    # A reader's browser asks again at every visit (a 304 from the version when nothing
    # changed): a stored copy would show an approval's change late. Shared caches (a
    # CDN, nginx) keep it a short while, serve it stale while asking again, and are
    # purged by Surrogate-Key; the targeted fields (RFC 9213) are theirs alone.
    shared = (f"max-age={config['PUBLIC_MAX_AGE']}, "
              f"stale-while-revalidate={config['PUBLIC_STALE_WHILE_REVALIDATE']}")
    response.headers["Cache-Control"] = (f"public, max-age=0, must-revalidate, "
                                         f"s-maxage={config['PUBLIC_MAX_AGE']}")
    response.headers["CDN-Cache-Control"] = shared
    response.headers["Surrogate-Control"] = shared
    response.headers["Surrogate-Key"] = " ".join(published.surrogate_keys)
    if vary_cookie:  # the reader's audience is a cookie (audience_choice.py)
        response.vary.add("Cookie")
    return response


def private(response: Response) -> Response:
    """A response made for one reader (it sets their cookie): no shared cache keeps it."""
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _cache_get(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 — a cache that fails is passed by, never an error page
        log.warning("page cache: reading %s failed; rendering instead", key, exc_info=True)
        return None


def _cache_set(key: str, entry: dict) -> None:
    try:
        cache.set(key, entry)
    except Exception:  # noqa: BLE001
        log.warning("page cache: storing %s failed", key, exc_info=True)
