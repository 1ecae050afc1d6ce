"""Absolute URLs of the site, built from SITE_URL, never from the request's
Host header, which the client chooses (API links, mail, feeds)."""

from urllib.parse import urlsplit

from flask import current_app


def site_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` on the site named by SITE_URL (which may
    carry a path prefix, e.g. https://example.org/review)."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path.rstrip("/") or "/",
                                       url_scheme=site.scheme)
    return adapter.build(endpoint, values, force_external=True)
