"""Security headers on every response."""

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


CROSS_SITE_FORM = ("This form can only be sent from its page on this site. Nothing was "
                   "saved.")


def refuse_cross_site_form() -> None:
    """The reader forms under a public article carry no per-session token: the page
    is one copy shared by every reader (public/page_cache.py). A post another site
    made a browser send is refused instead, by what the browser says of it:
    Sec-Fetch-Site when sent (every current browser), else Origin."""
    from flask import current_app, request

    from reviewapp.errors import PermissionDenied

    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site not in ("same-origin", "none"):
            raise PermissionDenied(CROSS_SITE_FORM)
        return
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser's cross-site form (browsers send Origin with every POST)
    ours = {request.host_url.rstrip("/"), _origin(current_app.config["SITE_URL"])}
    if origin not in ours:
        raise PermissionDenied(CROSS_SITE_FORM)


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def register_security(app):
    if proxies := app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from reviewapp.accounts import session_limits

    session_limits.register(app)

    # A single form field may be as large as the whole request; our own
    # length validators then answer with a message that names the limit.
    app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_CONTENT_LENGTH"]

    @app.before_request
    def refuse_bad_characters_in_query():
        # Forms check their fields (BaseForm); query parameters and path
        # parts (slugs) go straight into queries, where PostgreSQL fails on NUL.
        from flask import abort, request

        from reviewapp.forms import bad_character

        path_args = [(k, v) for k, v in (request.view_args or {}).items() if isinstance(v, str)]
        for name, value in [*request.args.items(multi=True), *path_args]:
            bad = bad_character(name + value)
            if bad:
                abort(400, f"The parameter {name[:50]!r} contains {bad}, which is not "
                           "allowed.")

    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS only: say so
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
