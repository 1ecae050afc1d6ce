"""Markdown to safe HTML: no raw HTML, then nh3 with an allow-list."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"},
                      "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str, top_heading: int = 2) -> Markup:
    """`top_heading`: the level the body's highest heading gets, so that it
    stays below the page's own title (h1, or h2 where the title is an h2)."""
    tokens = _markdown.parse(text or "")
    _shift_headings(tokens, top_heading)
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                            url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow"))


def _shift_headings(tokens, top: int) -> None:
    """Move every heading down so the highest is at least `top` (capped at h6);
    a body whose headings are already low enough keeps them."""
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    shift = top - min(levels) if levels else 0
    if shift <= 0:
        return
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + shift)}"
