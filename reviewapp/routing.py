"""Numbers in URLs that the database can hold. An id beyond its column is no
page (404) and a paging value beyond it a bad request (400), never a query that
fails on PostgreSQL (integer out of range) or SQLite (int too large)."""

from werkzeug.routing import IntegerConverter

from reviewapp.errors import InvalidInput

# PostgreSQL's INTEGER, the type of every id column.
MAX_ID = 2**31 - 1
# PostgreSQL's BIGINT, the type of the audit log's sequence number.
MAX_BIGINT = 2**63 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` with an upper bound by default: `<int:article_id>` matches 1 to
    MAX_ID only, `<int(max=…):seq>` another range. Negative numbers never match."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_converters(app) -> None:
    """Before the blueprints: a rule takes its converter when it is added."""
    app.url_map.converters["int"] = IdConverter


def id_argument(name: str, maximum: int = MAX_ID) -> int | None:
    """The query parameter `name` as a positive whole number, None when absent
    or empty; InvalidInput (400) when it is something else."""
    from flask import request

    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(maximum))
            and 1 <= int(raw) <= maximum):
        raise InvalidInput(f"{name} must be a whole number from 1 to {maximum}.")
    return int(raw)
