"""Reading published heads and key sets from a file or a URL, for
`audit verify --against` (and provenance checks): JSON only, no code run."""

import json
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from reviewapp.errors import InvalidInput

MAX_PAGES = 100_000
TIMEOUT = 30


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def read_json(source: str):
    """The JSON of a file or an http(s) URL; InvalidInput naming what went wrong."""
    try:
        if is_url(source):
            request = urllib.request.Request(source, headers={"Accept": "application/json"})
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                return json.load(response)
        return json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidInput(f"Could not read JSON from {source}: {error}") from None


def published_heads(source: str) -> tuple[list, str | None]:
    """Every head the source publishes, following "next" links page after page, and
    the address of its key set when it names one. A file holds one page ({"heads":
    [...]}) or a bare list of heads."""
    page = read_json(source)
    if isinstance(page, list):
        return page, None
    if not isinstance(page, dict) or not isinstance(page.get("heads"), list):
        raise InvalidInput(f"{source} is not a list of published heads.")
    heads, keys = list(page["heads"]), page.get("keys")
    seen = {source}
    while is_url(source) and isinstance(page.get("next"), str) and len(seen) < MAX_PAGES:
        source = urljoin(source, page["next"])
        if source in seen:
            break
        seen.add(source)
        page = read_json(source)
        if not isinstance(page, dict) or not isinstance(page.get("heads"), list):
            raise InvalidInput(f"{source} is not a page of published heads.")
        heads += page["heads"]
    return heads, keys if isinstance(keys, str) else None
