"""The OpenAPI 3.1 document of the read API. Its schemas are strict (no
undeclared properties), and a test checks every route and every response
against them."""

from flask import current_app

NULLABLE_STRING = {"type": ["string", "null"]}
TIMESTAMP = {"type": "string", "format": "date-time",
             "description": "UTC, ISO 8601, to the second (e.g. 2026-03-02T09:15:00Z)"}
NULLABLE_TIMESTAMP = {**TIMESTAMP, "type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}


UNAVAILABLE = "The database could not complete the request (nothing was saved); try again"


def _object(properties: dict, description: str | None = None) -> dict:
    schema = {"type": "object", "properties": properties, "required": sorted(properties),
              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


# A person's public profile (accounts/profiles.py), as the author and each reviewer carry it.
PROFILE = {
    "credentials": {"type": "string", "description": "e.g. \"MD, FRCA\"; empty if none"},
    "specialty": {"type": "string"},
    "orcid": {**NULLABLE_STRING, "description": "ORCID iD, bare (0000-0002-1825-0097)"},
    "board_url": {"type": ["string", "null"], "format": "uri",
                  "description": "Their entry on the Medical Advisory Board page; null when "
                                 "they are not a member"},
}

SCHEMAS = {
    "Error": _object({"error": _object({"status": {"type": "integer"},
                                        "message": {"type": "string"}})}),
    "ArticleSummary": _object({
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "review_status": {"const": "approved"},
        "last_updated": {**TIMESTAMP, "description": "When the shown content last changed "
                                                     "(its first approval)"},
        "last_reviewed": {**TIMESTAMP, "description": "The last approval by the board, a "
                                                      "re-review of unchanged text included"},
        "next_review_due": {**DATE, "description": "The last review plus the review interval "
                                                   "(never more than three years)"},
        "url": {"type": "string", "format": "uri", "description": "The public page"},
        "api_url": {"type": "string", "format": "uri"},
    }),
    "ArticleList": _object({
        "items": {"type": "array", "items": _ref("ArticleSummary")},
        "next_cursor": {**NULLABLE_STRING,
                        "description": "Pass as `cursor` for the next page; null on the last"},
        "next": {"type": ["string", "null"], "format": "uri"},
    }),
    "ReviewStep": _object({
        "step": {"enum": ["submitted", "under_review", "approved"]},
        "label": {"type": "string"},
        "done": {"type": "boolean"},
        "current": {"type": "boolean"},
    }),
    "Person": _object({"name": {"type": "string"}, **PROFILE},
                      "Who wrote the shown version, with their public profile"),
    "Reviewer": _object({
        **PROFILE,
        "name": {"type": "string"},
        "signed_at": TIMESTAMP,
        "competing_interests": {
            **NULLABLE_STRING,
            "description": "The competing interests the reviewer declared on accepting the "
                           "review, as written; null when they declared none (the page says "
                           "\"Competing interests: none declared\")"},
    }, "A board member who signed their approval of the shown version"),
    "Review": _object({
        "status": {"enum": ["submitted", "under_review", "approved"],
                   "description": "The tracker's current step"},
        "status_label": {"type": "string"},
        "steps": {"type": "array", "items": _ref("ReviewStep"), "minItems": 3, "maxItems": 3},
        "statement": {"type": "string"},
        "pending": {"type": "boolean",
                    "description": "Never approved, public because the site publishes "
                                   "before approval"},
        "caution": {**NULLABLE_STRING, "description": "Shown on pending articles"},
        "update_under_review": {"type": "boolean",
                                "description": "A newer version is being reviewed; the "
                                               "approved one is shown meanwhile"},
        "update_notice": NULLABLE_STRING,
        "submitted_at": NULLABLE_TIMESTAMP,
        "last_updated": {**NULLABLE_TIMESTAMP,
                         "description": "When the shown content last changed (its first "
                                        "approval); null while pending"},
        "last_reviewed": {**NULLABLE_TIMESTAMP,
                          "description": "The last approval, a re-review of unchanged text "
                                         "included; null while pending"},
        "next_review_due": {"type": ["string", "null"], "format": "date",
                            "description": "The last review plus the review interval, never "
                                           "more than three years"},
        "written_by": {"oneOf": [_ref("Person"), {"type": "null"}]},
        "reviewed_by": {"type": "array", "items": _ref("Reviewer")},
        "editorial_policy_url": {"type": "string", "format": "uri"},
    }),
    "Notice": _object({
        "kind": {"enum": ["retraction", "expression_of_concern", "correction"]},
        "label": {"type": "string"},
        "nature": {"type": "string", "description": "As the Retraction Watch database says"},
        "date": {"type": ["string", "null"], "format": "date"},
        "record_id": {"type": "string"},
    }),
    "Reference": _object({
        "number": {"type": "integer", "minimum": 1},
        "text": {"type": "string"},
        "doi": NULLABLE_STRING,
        "pmid": NULLABLE_STRING,
        "pmcid": NULLABLE_STRING,
        "isbn": NULLABLE_STRING,
        "url": NULLABLE_STRING,
        "links": _object({"doi": NULLABLE_STRING, "pubmed": NULLABLE_STRING,
                          "pmc": NULLABLE_STRING, "web": NULLABLE_STRING}),
        "retracted": {"type": "boolean"},
        "notice": {"oneOf": [_ref("Notice"), {"type": "null"}]},
    }),
    "CitationSummary": _object({
        "checked_at": TIMESTAMP,
        "errors": {"type": "integer", "minimum": 0},
        "warnings": {"type": "integer", "minimum": 0},
        "notes": {"type": "integer", "minimum": 0},
        "references": {"type": "integer", "minimum": 0},
        "references_with_identifier": {
            "type": "integer", "minimum": 0,
            "description": "References with a valid DOI, PMID, PMCID or ISBN"},
        "references_with_malformed_identifier": {
            "type": "integer", "minimum": 0,
            "description": "References with none of those that is valid, but one that is "
                           "malformed (a wrong ISBN check digit, say); not counted in "
                           "references_with_identifier"},
        "retracted_now": {"type": "integer", "minimum": 0},
    }, "The automatic citation check of the shown version, and cited works retracted since"),
    "RelatedArticle": _object({"slug": {"type": "string"}, "title": {"type": "string"},
                               "url": {"type": "string", "format": "uri"}}),
    "UpdateHistoryEntry": _object({
        "revision": {"type": "integer", "minimum": 1},
        "approved_at": TIMESTAMP,
        "note": {**NULLABLE_STRING,
                 "description": "The author's \"What changed\" note for readers; null on "
                                "the first version published and on updates approved before "
                                "notes were recorded"},
    }, "An approved version of the article"),
    "Article": _object({
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "url": {"type": "string", "format": "uri"},
        "revision": {"type": "integer", "minimum": 1},
        "content_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "review": _ref("Review"),
        "markdown": {"type": "string", "description": "The body as written"},
        "html": {"type": "string",
                 "description": "The body rendered and sanitised, citation markers linked "
                                "to #ref-n"},
        "references": {"type": "array", "items": _ref("Reference")},
        "citation_summary": {"oneOf": [_ref("CitationSummary"), {"type": "null"}]},
        "related": {"type": "array", "items": _ref("RelatedArticle")},
        "disclaimer": {"type": "string"},
        "update_history": {
            "type": "array", "items": _ref("UpdateHistoryEntry"),
            "description": "Each approved version up to the shown one, newest first (the "
                           "last is the first published); a re-review approving unchanged "
                           "text adds none. Empty on a pending article"},
        "versions": {"type": "array", "items": _ref("AudienceVersion"),
                     "description": "The article's versions for the site's audiences, in "
                                    "the site's order (none: only the main text above)"},
    }),
    "AudienceVersion": _object({
        "audience": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,39}$",
                     "description": "The audience's key, as in the page's ?for=<key>"},
        "label": {"type": "string", "description": "What readers choose, e.g. "
                                                   "\"Patient or carer\""},
        "title": {"type": "string"},
        "key_points": {"type": "string", "description": "Markdown, as written"},
        "key_points_html": {"type": "string", "description": "Rendered and sanitised, "
                                                             "citation markers linked"},
        "body": {"type": "string", "description": "Markdown, as written"},
        "html": {"type": "string", "description": "The body rendered and sanitised, "
                                                  "citation markers linked to #ref-n"},
        "disclaimer": {"type": "string", "description": "The audience's disclaimer, shown "
                                                        "with this version"},
    }, "The article's text for one audience, citing the same references"),
}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


def _validator_headers(last_modified_always: bool) -> dict:
    return {
        "ETag": {"schema": {"type": "string"}, "required": True,
                 "description": "Send back as If-None-Match"},
        "Last-Modified": {"schema": {"type": "string"}, "required": last_modified_always,
                          "description": "Send back as If-Modified-Since"
                                         + ("" if last_modified_always
                                            else " (absent when the page is empty)")},
    }


CONDITIONAL_PARAMETERS = [
    {"name": "If-None-Match", "in": "header", "required": False,
     "schema": {"type": "string"}},
    {"name": "If-Modified-Since", "in": "header", "required": False,
     "schema": {"type": "string"}},
]


def openapi_document() -> dict:
    max_limit = current_app.config["API_MAX_PAGE_SIZE"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "reviewapp read API",
            "version": "1",
            "description": "Approved articles as the public pages show them: Markdown and "
                           "sanitised HTML, references with identifiers and retraction "
                           "status, review status, reviewers and dates. Read-only, no "
                           "login. Responses carry ETag and Last-Modified; a conditional "
                           "GET that matches gets 304 Not Modified.",
        },
        "paths": {
            "/api/v1/articles": {"get": _list_articles_operation(max_limit)},
            "/api/v1/articles/{slug}": {"get": _get_article_operation()},
            "/api/v1/openapi.json": {"get": _get_openapi_operation()},
        },
        "components": _components(),
    }


def _list_articles_operation(max_limit: int) -> dict:
    return {
        "operationId": "listArticles",
        "summary": "Approved articles, most recently approved first",
        "parameters": [
            {"name": "q", "in": "query", "required": False,
             "schema": {"type": "string", "maxLength": 200},
             "description": "Words in the title or a tag"},
            {"name": "tag", "in": "query", "required": False,
             "schema": {"type": "string"}, "description": "Only this tag"},
            {"name": "updated_since", "in": "query", "required": False,
             "schema": {"type": "string"},
             "description": "ISO 8601 date or date-time (UTC unless given): "
                            "approved at or after it"},
            {"name": "cursor", "in": "query", "required": False,
             "schema": {"type": "string"},
             "description": "next_cursor of the previous page"},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": max_limit}},
            *CONDITIONAL_PARAMETERS,
        ],
        "responses": _conditional_get_responses(
            "One page", "ArticleList", last_modified_always=False,
            errors={"400": _error("A parameter is not valid, or contains a NUL byte")}),
    }


def _get_article_operation() -> dict:
    return {
        "operationId": "getArticle",
        "summary": "One article, exactly as its public page shows it",
        "parameters": [
            {"name": "slug", "in": "path", "required": True,
             "schema": {"type": "string"}},
            *CONDITIONAL_PARAMETERS,
        ],
        "responses": _conditional_get_responses(
            "The article", "Article", last_modified_always=True,
            errors={"400": _error("The slug or a query parameter contains a NUL byte"),
                    "404": _error("No such article, or it is not public")}),
    }


def _conditional_get_responses(description: str, schema: str, *, last_modified_always: bool,
                               errors: dict) -> dict:
    """200 with its validators, 304, then the given errors and 503, in that order."""
    return {
        "200": {"description": description,
                "headers": _validator_headers(last_modified_always=last_modified_always),
                "content": {"application/json": {"schema": _ref(schema)}}},
        "304": {"description": "Not modified since the client's copy"},
        **errors,
        "503": _error(UNAVAILABLE),
    }


def _get_openapi_operation() -> dict:
    return {
        "operationId": "getOpenAPI",
        "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1 document",
                              "content": {"application/json": {
                                  "schema": {"type": "object"}}}},
                      "400": _error("A query parameter contains a NUL byte")},
    }


def _components() -> dict:
    return {
        "schemas": SCHEMAS,
        "responses": {"NotFound": _error("No such path"),
                      "MethodNotAllowed": _error("The API is read-only (GET)")},
    }
