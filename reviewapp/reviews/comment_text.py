"""A comment's text as safe HTML: Markdown where a line break stays a line
break and lists stay lists; raw HTML is shown as text and only http(s) and
mailto links are links (the same allow-list as article bodies)."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from reviewapp.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})


def render_comment(text: str) -> Markup:
    html = _markdown.render(text or "")
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                            url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow"))
