"""/articles/<slug>/provenance.json: the signed provenance of what the page shows."""

import json

from flask import Blueprint, Response

from reviewapp.errors import DomainError
from reviewapp.public import page_cache
from reviewapp.public.api import error_response
from reviewapp.public.provenance import provenance

bp = Blueprint("provenance", __name__)


@bp.get("/articles/<slug>/provenance.json")
def manifest(slug: str):
    """From the page cache, like the page it proves (public/page_cache.py)."""
    published = page_cache.article_published(slug)
    if published is None:
        return error_response(404, "There is no such article.")
    return page_cache.serve(f"provenance:{published.article_id}", published,
                            lambda: _manifest(slug))


def _manifest(slug: str):
    try:
        document = provenance(slug)
    except DomainError as error:
        return error_response(error.status_code, error.message)
    response = Response(json.dumps(document, ensure_ascii=False, indent=1),
                        mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"  # for anyone's checker
    return response
