"""The reader's audience on the public page ("Which best describes you?"): which
audience a request chose (`?for=<key>`, else the `reader_audience` cookie, else
none), the text shown for it (the article's version for that audience, or the
main text when it has none) and that audience's disclaimer, and the API's list
of every version. The choice never needs a script: a GET form and plain links."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from flask import Response, current_app, make_response, request
from markupsafe import Markup

from reviewapp.articles.audiences import Audience, audience_by_key, parse_audiences
from reviewapp.articles.models import AudienceVersion, Revision
from reviewapp.public.citation_links import link_markers
from reviewapp.rendering import render_markdown

COOKIE = "reader_audience"
COOKIE_MAX_AGE = timedelta(days=365)
QUESTION = "Which best describes you?"
QUESTION_HINT = "Your choice helps us use language that's most understandable for you."


def site_audiences() -> tuple[Audience, ...]:
    """The AUDIENCES setting (checked when the app starts), in the site's order."""
    return parse_audiences(current_app.config["AUDIENCES"])


@dataclass(frozen=True)
class Choice:
    """The audience a request chose, and where the choice came from."""
    audience: Audience | None
    from_url: bool = False     # ?for=<a valid key>: the response remembers it
    forget_cookie: bool = False  # the cookie holds a key the site no longer has


def chosen_audience(audiences: tuple[Audience, ...], for_key: str | None,
                    cookie: str | None) -> Choice:
    """`?for=` wins when it names an audience; an unknown one is ignored (as if
    absent). Then the cookie, when it still names one; else no choice."""
    from_url = audience_by_key(audiences, for_key) if for_key else None
    if from_url is not None:
        return Choice(from_url, from_url=True)
    from_cookie = audience_by_key(audiences, cookie) if cookie else None
    return Choice(from_cookie, forget_cookie=bool(cookie) and from_cookie is None)


def request_choice() -> Choice:
    return chosen_audience(site_audiences(), request.args.get("for"),
                           request.cookies.get(COOKIE))


def page_response(page: str, status: int, choice: Choice) -> Response:
    """The article page's response: `Vary: Cookie` and the reader's choice
    remembered (readers without a session get it from the page cache, whose
    ETag is the publication version: public/page_cache.py)."""
    return remember_choice(make_response(page, status), choice)


def remember_choice(response: Response, choice: Choice) -> Response:
    """A choice made in the URL is kept a year in the reader's cookie (sent on
    same-site links, so every article page opens in it); a stale cookie goes."""
    config = current_app.config
    if choice.from_url and choice.audience is not None:
        response.set_cookie(COOKIE, choice.audience.key,
                            max_age=int(COOKIE_MAX_AGE.total_seconds()), path="/",
                            samesite="Lax", httponly=True,
                            secure=config["SESSION_COOKIE_SECURE"])
    elif choice.forget_cookie:
        response.delete_cookie(COOKIE, path="/", samesite="Lax", httponly=True,
                               secure=config["SESSION_COOKIE_SECURE"])
    # The page differs with the cookie: a cache must keep one copy per audience.
    response.vary.add("Cookie")
    return response


@dataclass
class AudienceReading:
    """What the page shows a reader who chose `audience`: the revision's version
    for it, or (version None) the main text, with the audience's disclaimer."""

    audience: Audience
    version: AudienceVersion | None
    reference_count: int

    @property
    def key(self) -> str:
        return self.audience.key

    @property
    def disclaimer(self) -> str:
        return self.audience.disclaimer

    @property
    def has_version(self) -> bool:
        return self.version is not None

    @property
    def statement(self) -> str:
        """Which text the reader is seeing, in a sentence."""
        if self.version is None:
            return (f"This article has no separate version for “{self.audience.label}”; "
                    "you are reading its main text.")
        return f"You are reading the version of this article for “{self.audience.label}”."

    @cached_property
    def key_points_html(self) -> Markup | None:
        if self.version is None or not self.version.key_points.strip():
            return None
        return self.render(self.version.key_points)

    def render(self, text: str) -> Markup:
        return Markup(link_markers(str(render_markdown(text)), self.reference_count))


def reading_for(revision: Revision, audience: Audience | None,
                reference_count: int) -> AudienceReading | None:
    """The reading shown for the chosen audience (revision.audience_versions loaded
    with the revision), or None without a choice: the main text."""
    if audience is None:
        return None
    version = next((v for v in revision.audience_versions if v.audience == audience.key), None)
    return AudienceReading(audience, version, reference_count)


def chooser(reading: AudienceReading | None) -> dict | None:
    """The question's options, the current one marked; None when the site has
    fewer than two audiences (nothing to choose)."""
    audiences = site_audiences()
    if len(audiences) < 2:
        return None
    current = reading.key if reading else None
    return {"question": QUESTION, "hint": QUESTION_HINT,
            "options": [{"key": a.key, "label": a.label, "current": a.key == current}
                        for a in audiences]}


def api_versions(revision: Revision, audiences: tuple[Audience, ...],
                 reference_count: int) -> list[dict]:
    """Every version of the revision for an audience the site has, in the site's
    order, with the audience's label and disclaimer (Markdown and HTML)."""
    by_key = {v.audience: v for v in revision.audience_versions}
    versions = []
    for audience in audiences:
        version = by_key.get(audience.key)
        if version is None:
            continue
        reading = AudienceReading(audience, version, reference_count)
        versions.append({
            "audience": audience.key, "label": audience.label, "title": version.title,
            "key_points": version.key_points, "body": version.body,
            "key_points_html": str(reading.key_points_html or ""),
            "html": str(reading.render(version.body)),
            "disclaimer": audience.disclaimer})
    return versions
