"""The OpenAPI 3.1 description of /api/, written by hand next to the views it describes.

OpenAPI 3.1 schemas are plain JSON Schema (2020-12), so the tests can check real responses against them.
The schemas mirror `searcher.models`; a field added there must be added here (the API tests will notice).
"""

from __future__ import annotations

from typing import Any

from searcher import __version__
from searcher.corpus.uploads import ALLOWED_SUFFIXES, MAX_UPLOAD_BYTES
from searcher.search.engine import MAX_PAGE_SIZE, MAX_PER_ARTICLE, MAX_QUERY_CHARS, RANGES, SORTS
from searcher.search.plan import MAX_PHRASE_CHARS, MAX_PIECES

from .admin import MAX_ARTICLES_PER_REQUEST
from .openapi_discovery import DISCOVERY_PATHS, extend_search_schemas
from .params import MAX_INTEGER


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], description: str = "", optional: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}

SCHEMAS: dict[str, Any] = {
    "ArticleRef": _object(
        {
            "id": STRING,
            "title": STRING,
            "byline": STRING,
            "source": STRING,
            "date": {"type": "string", "description": "ISO date (YYYY-MM-DD), or empty when unknown"},
            "file": {"type": "string", "description": "corpus file the article came from"},
            "url": {"type": "string", "description": "article page at the paragraph: /articles/<id>#p-<n>"},
            "source_url": {"type": "string", "description": "original web address, or empty"},
        },
        "Attribution carried by every hit, enough to cite it.",
    ),
    "Hit": _object(
        {
            "id": STRING,
            "rank": {"type": "integer", "minimum": 1},
            "score": {"type": "number"},
            "text": {"type": "string", "description": "the paragraph as plain text"},
            "highlight": {
                "type": "string",
                "description": "HTML-escaped passage with the matched words in <mark>…</mark>",
            },
            "paragraph": {"type": "integer", "minimum": 1, "description": "paragraph number (第N段)"},
            "heading": {"type": "string", "description": "subheading the paragraph stands under, or empty"},
            "article": _ref("ArticleRef"),
            "byline_highlight": {
                "type": "string",
                "description": "the article's byline, HTML-escaped, with the matched words in <mark>…</mark>",
            },
        },
        "One ranked paragraph.",
    ),
    "SearchResult": _object(
        {
            "query": STRING,
            "total": {"type": "integer", "minimum": 0},
            "total_relation": {"type": "string", "enum": ["eq", "gte"],
                               "description": "eq: total is exact; gte: there are more than total (counting stops "
                                              "at 10,000 hits, as Elasticsearch's does)"},
            "page": {"type": "integer", "minimum": 1},
            "size": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            "took_ms": {"type": "number", "minimum": 0},
            "partial": {
                "type": "boolean",
                "description": "true when no paragraph holds every word and these hits hold only some of them",
            },
            "hits": {"type": "array", "items": _ref("Hit")},
            "facets": {
                "type": "object", "additionalProperties": False, "required": ["source", "author", "year", "month"],
                "properties": {name: {"type": "array", "items": _ref("FacetValue")}
                               for name in ("source", "author", "year", "month")},
                "description": "only with facets=1: the 10 commonest sources, reporters (names from bylines), "
                "years and months (YYYY-MM) of exactly what total counts (the same unit: paragraphs, or folded by "
                "per_article), by count then value; a value's count is the total that adding it as "
                "source=/author=/that year's or month's dates gives",
            },
            "facets_sampled": {"type": "boolean", "description": "only with facets=1: true when over 50,000 "
                               "matches and the counts are of the first 50,000 only"},
            "notice": {
                "type": "string",
                "description": f"empty, or what was changed: a query over {MAX_PIECES} distinct words or with a "
                f"quoted phrase over {MAX_PHRASE_CHARS} characters is trimmed, and says so here",
            },
        },
        "total counts exactly the hits that can be paged through (after filters and per_article folding), up to "
        "10,000; past that total is 10,000 and total_relation is gte.",
    ) | {"required": ["query", "total", "page", "size", "took_ms", "partial", "hits", "notice"]},
    "FacetValue": _object({"value": STRING, "count": {"type": "integer", "minimum": 1}}),
    "Paragraph": _object({"number": {"type": "integer", "minimum": 1}, "text": STRING, "heading": STRING}),
    "Dropped": _object({"text": STRING, "reason": STRING}, "A block that is not body text (caption, ad...), and why."),
    "Article": _object(
        {
            "id": STRING,
            "title": STRING,
            "byline": STRING,
            "paragraphs": {"type": "array", "items": _ref("Paragraph")},
            "source": STRING,
            "date": STRING,
            "url": STRING,
            "file": STRING,
            "page": STRING,
            "continued": STRING,
            "dropped": {"type": "array", "items": _ref("Dropped")},
        },
        "A whole article with every body paragraph in order.",
    ),
    "Health": _object(
        {
            "backend": {"type": "string", "enum": ["whoosh", "opensearch"],
                        "description": "the engine serving searches (SEARCHER_BACKEND)"},
            "generation": {"type": "string", "description": "the index generation being served (on OpenSearch: "
                                                             "the index behind the alias)"},
            "articles": {"type": "integer", "minimum": 0},
            "paragraphs": {"type": "integer", "minimum": 0},
            "cluster": _object(
                {
                    "name": STRING,
                    "status": {"type": "string", "enum": ["green", "yellow", "red"]},
                    "nodes": {"type": "integer", "minimum": 0},
                    "data_nodes": {"type": "integer", "minimum": 0},
                    "url": {"type": "string", "description": "SEARCHER_OPENSEARCH_URL, any password shown as ***"},
                },
                "only on OpenSearch: the cluster's health (_cluster/health)",
            ),
            "index": _object(
                {
                    "alias": {"type": "string", "description": "SEARCHER_OPENSEARCH_INDEX"},
                    "name": {"type": "string", "description": "the index the alias points to"},
                    "status": {"type": "string", "enum": ["green", "yellow"],
                               "description": "a red index answers 503 instead"},
                    "shards": {"type": "integer", "minimum": 1},
                    "replicas": {"type": "integer", "minimum": 0},
                    "unassigned_shards": {"type": "integer", "minimum": 0},
                    "documents": {"type": "integer", "minimum": 0,
                                  "description": "paragraph documents in its primary shards"},
                },
                "only on OpenSearch: the index behind the alias",
            ),
        },
        optional=("cluster", "index"),
    ),
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {
                        "type": "string",
                        "description": "stable machine-readable code, e.g. bad_request, not_found, "
                        "method_not_allowed, index_missing, too_many_requests, internal_error",
                    },
                    "message": {
                        "type": "string",
                        "description": "human-readable: the English message, then the same in Chinese in "
                        "full-width brackets, e.g. `page must be 1 or more（页码必须从 1 开始）`",
                    },
                }
            )
        }
    ),
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _query(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


_NO_INDEX = _error("no index has been built yet (build one with `searcher build`)")

SEARCH_PARAMETERS = [
    _query(
        "q",
        {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
        "Query. Space-separated words must all be found: each in the paragraph, or (for all but one of them) in "
        "its heading, its article's title or byline; what is typed without spaces (嘉兴光伏, 4980家) must be found "
        "in the paragraph as typed or as all of its words, a character segmentation split off (家 in 4980家) only "
        "next to its neighbour. \"quoted text\" matches exactly that text; -word excludes; a OR b; title:, "
        "source:, author: and date: (2024, 2024-11, 2024-11-30, FROM..TO) filter, and a filter alone lists its "
        "articles newest first. Natural-language questions are ranked instead. When nothing holds every word, "
        "hits holding some of them come with partial=true; words found nowhere give total 0.",
        required=True,
    ),
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER, "default": 1},
           "page number, from 1; more than 9 digits is refused as too large; a page past the last has no hits"),
    _query("size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 10}, "hits per page"),
    _query("source", {"type": "string"}, "only articles from this source"),
    _query("date_from", {"type": "string", "format": "date"}, "only articles dated on or after (YYYY-MM-DD)"),
    _query("date_to", {"type": "string", "format": "date"}, "only articles dated on or before (YYYY-MM-DD)"),
    _query("per_article", {"type": "integer", "minimum": 1, "maximum": MAX_PER_ARTICLE},
           "at most this many paragraphs from one article"),
    _query("author", {"type": "string"}, "only articles whose byline holds this name (like author: in q)"),
    _query("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"},
           "relevance, or newest first (then by relevance)"),
    _query("facets", {"type": "string", "enum": ["0", "1"], "default": "0"},
           "1 adds facets (source, author, year, month counts) and facets_sampled to the answer"),
    _query("range", {"type": "string", "enum": list(RANGES)},
           "only articles dated within the last day, week, month (30 days) or year (365 days), up to today"),
]

extend_search_schemas(SCHEMAS, SEARCH_PARAMETERS)

_ADMIN_NOTE = "Admin: only when SEARCHER_ADMIN_TOKEN is set (otherwise 404); `Authorization: Bearer <token>`."
_STATUS = {"type": "object", "required": ["state"], "properties": {
    "state": {"type": "string", "enum": ["idle", "running", "done", "failed"]}}}
_OUTCOME = {"type": "object", "required": ["name", "status"], "properties": {
    "name": STRING, "status": {"type": "string", "enum": ["indexed", "unchanged", "skipped"]},
    "file": {"description": "where it is in the corpus; null when skipped"},
    "articles": {"type": "array", "items": STRING}, "paragraphs": {"type": "integer", "minimum": 0},
    "reason": {"description": "why it was skipped; null otherwise"},
    "code": {"description": "why skipped, stable: unsupported_type, too_large, empty, unreadable, no_articles, "
                            "too_many_paragraphs; null otherwise"}}}
_UPLOADED = {"type": "object", "required": ["articles", "files", "skipped", "outcomes"], "properties": {
    "articles": {"type": "array", "items": STRING}, "files": {"type": "array"}, "skipped": {"type": "array"},
    "outcomes": {"type": "array", "items": _OUTCOME, "description": "one per file sent, in order"}}}


_THROTTLED = _error("too many wrong tokens from this address within a minute; every attempt is refused until "
                    "Retry-After seconds have passed") | {"headers": {"Retry-After": {
                        "description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}}}

# What POST /api/articles accepts. Limits: each file at most MAX_UPLOAD_BYTES, the request at most a few times
# that (413 otherwise), at most MAX_ARTICLES_PER_REQUEST JSON articles.
_NEW_ARTICLE = {
    "type": "object",
    "required": ["title", "text"],
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "text": {"type": "string", "minLength": 1, "description": "each non-empty line is one paragraph"},
        "source": STRING,
        "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD, a real date"},
        "url": {"type": "string", "description": "the original web address"},
    },
    "additionalProperties": False,
}
_UPLOAD_BODY = {
    "required": True,
    "description": f"Article files as multipart/form-data (field `files`, one or more; each at most "
    f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB; {' '.join(sorted(ALLOWED_SUFFIXES))}), or JSON: one article or "
    f"a list of at most {MAX_ARTICLES_PER_REQUEST}.",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {"files": {"type": "array", "minItems": 1,
                                         "items": {"type": "string", "format": "binary"}}},
            },
        },
        "application/json": {
            "schema": {"oneOf": [_ref("NewArticle"), {"type": "array", "minItems": 1,
                                                      "maxItems": MAX_ARTICLES_PER_REQUEST,
                                                      "items": _ref("NewArticle")}]},
        },
    },
}


def _admin(operation: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    base = {"401": _error("missing or wrong bearer token"), "404": _error("admin is not enabled"),
            "429": _THROTTLED}
    return {"operationId": operation, "summary": summary, "description": _ADMIN_NOTE,
            "security": [{"bearer": []}], "responses": responses | base, **extra}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ADMIN_PATHS: dict[str, Any] = {
    "/api/articles": {"post": _admin(
        "addArticles", "Upload article files (multipart `files`) or JSON articles {title, text, source, date, url}",
        {"201": _json("every good file saved into the corpus and indexed; each bad one reported in `outcomes`",
                      _UPLOADED),
         "400": _error("invalid article, or no file could be indexed (for differing reasons)"),
         "409": _error("another writer is busy (the good files are saved; send again)"),
         "413": _error("a file too large, or more paragraphs than one request may add"),
         "415": _error("unsupported type"), "422": _error("no file held a readable article"),
         "503": _error("no index, the server's corpus is not the one the index was built from (or is missing), or "
                       "the OpenSearch cluster failed the write (nothing was added)"),
         "507": _error("the server's disk is full; nothing was added")},
        requestBody=_UPLOAD_BODY)},
    "/api/rebuild": {"post": _admin(
        "rebuild", "Start a full rebuild in the background",
        {"202": _json("started", _STATUS), "409": _error("a rebuild is already running")})},
    "/api/rebuild/status": {"get": _admin("rebuildStatus", "Progress of the background rebuild",
                                          {"200": _json("status", _STATUS)})},
}


def openapi_document() -> dict[str, Any]:
    """The document served at /api/openapi.json."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "searcher",
            "version": __version__,
            "description": "Full-text search over a Chinese news archive; every hit is a paragraph.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Ranked paragraphs for a query",
                    "parameters": SEARCH_PARAMETERS,
                    "responses": {
                        "200": _ok("one page of ranked paragraphs", "SearchResult"),
                        "400": _error("missing query or a bad parameter"),
                        "503": _NO_INDEX,
                    },
                }
            },
            "/api/articles/{id}": {
                "get": {
                    "operationId": "article",
                    "summary": "A whole article",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": _ok("the article", "Article"),
                        "404": _error("no such article"),
                        "503": _NO_INDEX,
                    },
                }
            },
            "/api/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Which backend and index generation is served, how big it is, and (on OpenSearch) "
                               "the cluster's state",
                    "responses": {"200": _ok("the index is ready", "Health"),
                                  "503": _error("no index has been built yet, or (OpenSearch) the cluster cannot be "
                                                "reached or the index behind the alias is red")},
                }
            },
            **ADMIN_PATHS,
            **DISCOVERY_PATHS,
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
                }
            },
        },
        "components": {
            "schemas": SCHEMAS | {"NewArticle": _NEW_ARTICLE},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
