"""The read API fuzzed by schemathesis against its own OpenAPI document, on
seeded articles: whatever the parameters and conditional headers, no 5xx, and
every response (200, 304, 400, 404) has a documented status, content type,
headers and body; error bodies name their status."""

from base64 import urlsafe_b64encode as b64encode
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reviewapp.articles.models import Article
from reviewapp.db import utcnow
from tests.integration.test_public_pages import Publisher

LIST, ITEM = "/api/v1/articles", "/api/v1/articles/{slug}"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
# Deterministic and bounded: the same examples on every run, no example
# database, no deadline (a PostgreSQL round trip varies), a few seconds each.
FUZZ = settings(max_examples=500, derandomize=True, database=None, deadline=None)
PLAIN = {"body": "Text [1].", "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1"}

JUNK = ["", " ", "\x00", "a\x00b", "%00", "'; DROP TABLE article; --", "%_\\", "<script>",
        "\u202e", "\ufeff", "-1", "1e2", "²", "١", "null", "[]", "{}"]
LONG_VALUES = ["9" * 5000, "0" * 5000, "é" * 300, "x" * 81, "x" * 201]
QUERY, HEADERS = ["q", "tag", "updated_since", "limit", "cursor"], ["If-None-Match",
                                                                      "If-Modified-Since"]
LIMITS = ["1", "2", "100", "0", "101", "-1", "01", " 1", "1.0", "²"]
UPDATED_SINCE = ["0001-01-01", "0001-01-01T00:00:00+05:00", "9999-12-31",
                 "9999-12-31T23:59:59-01:00", "2026-02-30", "2026-13-01", "20260131",
                 "2026-01-31T12", "yesterday", "2026-01-31T25:00:00Z"]


def seed(publisher: Publisher, rows) -> dict:
    """Approved articles with references, identifiers, retraction notices,
    reviewers and tags; one approved long ago, one with a newer version under
    review, one never approved. Returns the slugs and tags to aim at."""
    main = publisher.approved(tags=("pain medicine", "back pain"))
    publisher.retraction("1", "Retraction", doi="10.5555/retracted.1")
    publisher.retraction("2", "Expression of concern", pmid="29000004")
    slugs = [main]
    more_tags = [("pain medicine",), ("cardiology", "ÉCG & <rhythm>"), (), ("x" * 80,)]
    for n, tags in enumerate(more_tags):
        slugs.append(publisher.approved(title=f"Article {n} <b>&amp;</b>", tags=tags, **PLAIN))
    publisher.age(slugs[1], 400)  # due for re-review
    publisher.new_version_in_review(slugs[2])
    with rows() as session:
        pending = session.get(Article, publisher.submitted(title="Pending", **PLAIN)).slug
    return {"slugs": [*slugs, pending, "no-such-article"],
            "tags": ["pain medicine", "PAIN MEDICINE", " back pain ", "cardiology",
                     "écg & <rhythm>", "x" * 80, "nothing"]}


def known_values(client, seeded: dict) -> dict:
    """Values only a client that read the API has: cursors from first pages,
    ETags and Last-Modified dates, exact requests to revalidate."""
    cursors, revalidations, now = [], [], utcnow()
    for limit in ("1", "2", "3"):
        query = {"limit": limit}
        for _ in range(3):  # a few pages deep
            response = client.get(LIST, query_string=query)
            revalidations.append((LIST, dict(query), response))
            cursor = response.get_json()["next_cursor"]
            if cursor is None:
                break
            cursors.append(cursor)
            query = {**query, "cursor": cursor}
    for tag in seeded["tags"][:3]:
        revalidations.append((LIST, {"tag": tag}, client.get(LIST, query_string={"tag": tag})))
    for slug in seeded["slugs"]:
        revalidations.append((ITEM, {"slug": slug}, client.get(f"{LIST}/{slug}")))
    # Cursors as someone who decoded ours might forge them.
    forged = [b64encode(text.encode()).decode().rstrip("=") for text in (
        "0001-01-01T00:00:00+05:00|1", "9999-12-31T23:00:00-05:00|1", "2026-01-01T00:00:00|1",
        *(f"2026-01-01T00:00:00+00:00|{article_id}" for article_id in (0, -1, 2**31, 10**20)))]
    etags = [r.headers["ETag"] for *_, r in revalidations if "ETag" in r.headers]
    dates = [r.headers["Last-Modified"] for *_, r in revalidations if "Last-Modified" in r.headers]
    return {
        "cursor": [*cursors, *(c[:-2] for c in cursors), *(c + "A" for c in cursors), *forged,
                   *JUNK],
        "tag": seeded["tags"] + JUNK,
        "q": ["pain", "Article", "<b>", "%", "_"] + JUNK,
        "updated_since": [now.date().isoformat(), (now - timedelta(days=30)).isoformat(),
                          now.strftime("%Y-%m-%dT%H:%M:%SZ"), "2999-01-01T00:00:00+02:00",
                          *UPDATED_SINCE, *JUNK],
        "limit": LIMITS + JUNK,
        "slug": [*seeded["slugs"], *(s.upper() for s in seeded["slugs"]), "a/b", "..", *JUNK],
        "If-None-Match": etags + ["*", f'"x", W/{etags[0]}', "W/", '"unterminated', "junk"],
        "If-Modified-Since": dates + ["Thu, 01 Jan 1970 00:00:00 GMT", "yesterday", "0"],
        "revalidations": [(path, query, response.headers["ETag"], response.headers.get(
            "Last-Modified")) for path, query, response in revalidations
            if response.status_code == 200],
    }


def cases(schema, known: dict):
    """Generated requests (valid and invalid per the document), the same with
    some parameters or headers set to values aimed at the data, and exact
    revalidations with a current ETag or Last-Modified."""
    operations = {LIST: schema[LIST]["GET"], ITEM: schema[ITEM]["GET"]}

    def optional(names):
        return st.fixed_dictionaries({}, optional={
            n: st.sampled_from(known[n] + LONG_VALUES) for n in names})

    def aimed(path):
        fixed = st.fixed_dictionaries({
            "query": optional(QUERY) if path == LIST else st.just({}),
            "path_parameters": (st.sampled_from(known["slug"]).map(lambda s: {"slug": s})
                                if path == ITEM else st.just({})),
            "headers": optional(HEADERS),
        })
        return fixed.flatmap(lambda kw: operations[path].as_strategy(**kw))

    def revalidation(entry, header):
        path, params, etag, last_modified = entry
        headers = {"If-None-Match": etag} if header == "etag" else {
            "If-Modified-Since": last_modified or "Thu, 01 Jan 1970 00:00:00 GMT"}
        where = {"path_parameters": params} if path == ITEM else {"query": params}
        return operations[path].Case(headers=headers, **where)

    strategy = st.one_of(
        *[operations[p].as_strategy(mode) for p in operations for mode in GenerationMode],
        *[aimed(p) for p in operations],
        st.builds(revalidation, st.sampled_from(known["revalidations"]),
                  st.sampled_from(["etag", "date"])),
    )

    # Hypothesis notes the top strategy's repr on a rejected draw (schemathesis
    # rejects a negative case with nothing to negate); through a composite it
    # is "requests()", not a 50 kB repr that warns (an error under -W error).
    @st.composite
    def requests(draw):
        return draw(strategy)

    return requests()


@pytest.fixture
def seeded(app, client, rows):
    """The app on seeded data, its schema as schemathesis loads it from the
    app, and the values to aim at."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return schema, known_values(client, seed(Publisher(app, rows), rows))


def checked(case):
    """Call the API, check the response against the document, and check what
    the document cannot say: an error names its status, a 304 is empty."""
    response = case.call_and_validate(checks=CHECKS)
    if response.status_code >= 400:
        assert response.json()["error"]["status"] == response.status_code
    if response.status_code == 304:
        assert response.content == b"" and response.headers.get("etag")
    return response


def test_every_parameter_with_aimed_and_junk_values(app, seeded):
    """One request per parameter and value, the others left out, with and
    without PUBLISH_BEFORE_APPROVAL (which makes a pending article public)."""
    schema, known = seeded
    statuses = set()
    for publish_before_approval in (False, True):
        app.config["PUBLISH_BEFORE_APPROVAL"] = publish_before_approval
        for path, location, names in [(LIST, "query", QUERY), (ITEM, "path_parameters", ["slug"]),
                                      (LIST, "headers", HEADERS), (ITEM, "headers", HEADERS)]:
            operation = schema[path]["GET"]
            article = {"path_parameters": {"slug": known["slug"][0]}} if path == ITEM else {}
            for name in names:
                values = known[name] + LONG_VALUES
                if location == "headers":  # what HTTP can carry in a header
                    values = [v for v in values if v.isprintable() and v.isascii()]
                for value in values:
                    response = checked(operation.Case(**{**article, location: {name: value}}))
                    statuses.add((path, response.status_code))
                    if response.status_code == 400 and location != "headers":
                        assert name in response.json()["error"]["message"].lower(), (name, value)
    assert statuses >= {(LIST, 200), (LIST, 304), (LIST, 400),
                        (ITEM, 200), (ITEM, 304), (ITEM, 400), (ITEM, 404)}, statuses


def test_fuzzed_requests_get_documented_responses_and_never_a_5xx(app, seeded):
    schema, known = seeded
    statuses = set()

    @FUZZ
    @given(case=cases(schema, known), publish_before_approval=st.booleans())
    def fuzz(case, publish_before_approval):
        app.config["PUBLISH_BEFORE_APPROVAL"] = publish_before_approval
        statuses.add((case.operation.path, checked(case).status_code))

    fuzz()
    # The fuzzer reached real articles, pages, revalidations and refusals.
    assert statuses >= {(LIST, 200), (LIST, 304), (LIST, 400),
                        (ITEM, 200), (ITEM, 304), (ITEM, 400), (ITEM, 404)}, statuses
