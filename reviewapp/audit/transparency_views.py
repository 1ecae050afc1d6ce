"""The site's public keys and its transparency log, for anyone to fetch:
/.well-known/reviewapp-keys.json (a JWK set) and /transparency/heads (signed
chain heads, oldest first, keyset-paginated)."""

import json

from flask import Blueprint, Response, current_app, request

from reviewapp.audit.transparency import head_json, heads_after
from reviewapp.urls import site_url

bp = Blueprint("transparency", __name__)
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def _json(payload, status: int = 200, cache: str = "public, max-age=60") -> Response:
    response = Response(json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                        status=status, mimetype="application/json")
    response.headers["Cache-Control"] = cache
    response.headers["Access-Control-Allow-Origin"] = "*"  # meant to be checked from anywhere
    return response


def _whole_number(name: str, default: int, low: int, high: int) -> int | str:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        return f"{name} must be a whole number from {low} to {high}."
    return int(raw)


@bp.get("/.well-known/reviewapp-keys.json")
def keys():
    return _json(current_app.extensions["site_keys"].jwks(), cache="public, max-age=3600")


@bp.get("/transparency/heads")
def heads():
    after = _whole_number("after", 0, 0, 2**62)
    limit = _whole_number("limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    for value in (after, limit):
        if isinstance(value, str):
            return _json({"error": {"status": 400, "message": value}}, 400, cache="no-store")
    rows = heads_after(after, limit)
    full = len(rows) == limit
    payload = {
        "heads": [head_json(row) for row in rows],
        "next": site_url("transparency.heads", after=rows[-1].seq, limit=limit)
        if full else None,
        "keys": site_url("transparency.keys"),
    }
    # Heads are only ever appended: a full page never changes; the last one grows.
    return _json(payload, cache="public, max-age=86400, immutable" if full
                 else "public, max-age=60")
