"""Reading JATS text: element names, entity references the unloaded DTD would define, and an
element's plain text."""

from __future__ import annotations

import html.entities
import re

from lxml import etree

# Elements with no text for a reader: images, identifiers, licences and metadata.
SILENT = frozenset({
    "graphic", "inline-graphic", "object-id", "alt-text", "long-desc", "permissions",
    "sec-meta", "kwd-group", "processing-meta", "counts",
})

# The private-use range the renderer's placeholders for Markdown syntax live in.
PRIVATE = re.compile("[\ue000-\ue00f]")


def local_name(element) -> str:
    if not isinstance(element.tag, str):
        return ""
    return etree.QName(element).localname


def entity_text(entity) -> str:
    """Named entities the (unloaded) JATS DTD would define, such as &nbsp; or &mdash;."""
    return html.entities.html5.get(f"{entity.name};", "")


def plain_text(element) -> str:
    """Text content of an element with entity references resolved and markup dropped."""
    parts = [element.text or ""] if isinstance(element.tag, str) else []
    for child in element:
        if isinstance(child, etree._Entity):
            parts.append(entity_text(child))
        elif local_name(child) not in SILENT:
            parts.append(plain_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", PRIVATE.sub("", text)).strip()
