"""The read API, /api/v1: what the public pages show, as JSON. GET only, no
login; errors are JSON too; ETag and Last-Modified answer conditional GETs
with 304 before anything is rendered."""

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, default_exceptions

from reviewapp.errors import DomainError, InvalidInput, NotFound
from reviewapp.public import (
    article_page,
    audience_choice,
    listing,
    page_cache,
    people_payload,
)
from reviewapp.public.openapi import openapi_document
from reviewapp.urls import site_url

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)


# -- JSON in and out ---------------------------------------------------------------------------

def _json(payload, status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"  # errors: revalidated each time
    return response


def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    response = _json({"error": {"status": status, "message": message}}, status)
    response.headers.update(headers or {})
    return response


def _timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _with_last_modified(response: Response, moment: datetime | None) -> Response:
    if moment is not None:
        response.last_modified = moment.replace(microsecond=0)
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return error_response(error.code or 500, error.description or error.name, headers)


# The app's HTML handlers are registered per status code, and Flask prefers a
# code's handler to a class's: register ours per code too (e.g. the app-wide
# 400 for a NUL byte in a parameter, or a 500) so API errors stay JSON.
for _code in default_exceptions:
    bp.register_error_handler(_code, _http_error)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return error_response(error.status_code, error.message)


@bp.before_app_request
def _api_routing_errors():
    """Unknown API paths and wrong methods answer in JSON too (the app's own
    handlers answer in HTML): routing errors are raised after this hook."""
    error = request.routing_exception
    if error is None or not (request.path == PREFIX or request.path.startswith(PREFIX + "/")):
        return None
    if isinstance(error, HTTPException) and error.code in (404, 405):
        return _http_error(error)
    return None


# -- serialisation ----------------------------------------------------------------------------

def _summary(item: listing.ArticleSummary) -> dict:
    return {"slug": item.slug, "title": item.title, "tags": item.tags,
            "review_status": "approved", "last_updated": _timestamp(item.last_updated),
            "last_reviewed": _timestamp(item.approved_at),
            "next_review_due": item.next_review_due.isoformat(),
            "url": site_url("public.article", slug=item.slug),
            "api_url": site_url("api.article", slug=item.slug)}


def article_payload(shown: article_page.PublicArticle) -> dict:
    """Exactly what the article page shows."""
    summary = shown.citation_summary
    return {
        "slug": shown.slug,
        "title": shown.title,
        "tags": shown.tags,
        "url": site_url("public.article", slug=shown.slug),
        "revision": shown.revision.number,
        "content_hash": shown.revision.content_hash,
        "review": {
            "status": shown.status,
            "status_label": shown.status_label,
            "steps": [{"step": s["step"], "label": s["label"], "done": s["done"],
                       "current": s["current"]} for s in shown.tracker],
            "statement": article_page.BOARD_STATEMENT,
            "pending": shown.pending,
            "caution": shown.caution,
            "update_under_review": shown.update_under_review,
            "update_notice": article_page.UPDATE_NOTICE if shown.update_under_review else None,
            "submitted_at": _timestamp(shown.revision.frozen_at),
            "last_updated": _timestamp(shown.last_updated),
            "last_reviewed": _timestamp(shown.last_reviewed),
            "next_review_due": (shown.next_review_due.isoformat()
                                if shown.next_review_due else None),
            "written_by": people_payload.person(shown.author),
            "reviewed_by": [{"name": r.name, "signed_at": _timestamp(r.signed_at),
                             "competing_interests": r.competing_interests,
                             **people_payload.profile(shown.person_of(r))}
                            for r in shown.reviewers],
            "editorial_policy_url": site_url("public.editorial_policy"),
        },
        "markdown": shown.revision.body,
        "html": str(shown.body_html),
        "references": [{
            "number": ref.number, "text": ref.text, "doi": ref.doi, "pmid": ref.pmid,
            "pmcid": ref.pmcid, "isbn": ref.isbn, "url": ref.url,
            "links": {"doi": ref.doi_url, "pubmed": ref.pubmed_url, "pmc": ref.pmc_url,
                      "web": ref.web_url},
            "retracted": ref.retracted,
            "notice": ({"kind": ref.notice.kind, "label": ref.notice.label,
                        "nature": ref.notice.nature, "date": ref.notice.date,
                        "record_id": ref.notice.record_id} if ref.notice else None),
        } for ref in shown.references],
        "citation_summary": ({**summary, "checked_at": _timestamp(summary["checked_at"])}
                             if summary else None),
        "related": [{"slug": r.slug, "title": r.title,
                     "url": site_url("public.article", slug=r.slug)}
                    for r in shown.related],
        "disclaimer": shown.disclaimer,
        "update_history": [{"revision": entry.revision,
                            "approved_at": _timestamp(entry.approved_at),
                            "note": entry.note} for entry in shown.update_history],
        "versions": audience_choice.api_versions(
            shown.revision, audience_choice.site_audiences(), len(shown.references)),
    }


# -- routes -----------------------------------------------------------------------------------

def _limit() -> int:
    raw = request.args.get("limit")
    maximum = current_app.config["API_MAX_PAGE_SIZE"]
    if raw is None:
        return min(current_app.config["PAGE_SIZE"], maximum)
    # ASCII digits only ("²" is a digit to str.isdigit but not to int()), and
    # few of them (int() refuses thousands of digits).
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not 1 <= int(raw) <= maximum:
        raise InvalidInput(f"limit must be a whole number from 1 to {maximum}.")
    return int(raw)


def _updated_since() -> datetime | None:
    raw = request.args.get("updated_since")
    if raw is None:
        return None
    try:
        return listing.parse_updated_since(raw)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00, before the year 1 in UTC
        raise InvalidInput("updated_since must fall between the years 1 and 9999 in UTC.") \
            from None


def _cursor() -> str | None:
    """The cursor, also refused when it decodes to values no page holds: a
    moment outside the UTC calendar, an id beyond the database column."""
    cursor = request.args.get("cursor") or None
    if cursor is not None and not _on_some_page(*listing.decode_cursor(cursor)):
        raise InvalidInput("The cursor is not valid; start again from the first page.")
    return cursor


def _on_some_page(moment: datetime, revision_id: int) -> bool:
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return 1 <= revision_id < 2**31


@bp.get("/articles")
def articles():
    """A page of the list, from the page cache (public/page_cache.py)."""
    return page_cache.serve(page_cache.with_query("api-list"),
                            page_cache.site_published(lists=True), _articles_page)


def _articles_page() -> Response:
    page = listing.list_public_articles(
        query=request.args.get("q", ""), tag=request.args.get("tag", ""),
        updated_since=_updated_since(), cursor=_cursor(), limit=_limit())
    payload = {"items": [_summary(item) for item in page.items],
               "next_cursor": page.next_cursor,
               "next": (site_url("api.articles", **{**request.args.to_dict(),
                                                    "cursor": page.next_cursor})
                        if page.next_cursor else None)}
    moments = [m for item in page.items for m in (item.approved_at, item.updated_at)]
    return _with_last_modified(_json(payload), max(moments) if moments else None)


@bp.get("/articles/<slug>")
def article(slug: str):
    """An article, from the page cache: its ETag is its publication version."""
    published = page_cache.article_published(slug)
    if published is None:
        raise NotFound("There is no such article.")
    return page_cache.serve(f"api:{published.article_id}", published, lambda: _item(slug))


def _item(slug: str) -> Response:
    shown = article_page.public_article(slug)
    return _with_last_modified(_json(article_payload(shown)), shown.last_modified)


@bp.get("/openapi.json")
def openapi():
    return _json(openapi_document())

