"""OpenAPI entries for the discovery routes (web/discovery.py), merged into the document by web/openapi.py."""

from __future__ import annotations

from typing import Any

_STRINGS = {"type": "array", "items": {"type": "string"}}
_ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}
_ERR: dict[str, Any] = {"description": "bad parameter", "content": {"application/json": {"schema": _ERROR_SCHEMA}}}
_NOT_FOUND: dict[str, Any] = _ERR | {"description": "no such article or paragraph"}
_BAD = {"400": _ERR}
_MISSING = {"404": _NOT_FOUND}


def _get(operation: str, summary: str, schema: dict[str, Any], parameters: list[dict[str, Any]],
         media: str = "application/json", errors: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"get": {"operationId": operation, "summary": summary, "parameters": parameters,
                    "responses": {"200": {"description": "OK", "content": {media: {"schema": schema}}},
                                  **(errors or {})}}}


def _q(description: str, required: bool = True) -> dict[str, Any]:
    return {"name": "q", "in": "query", "required": required, "schema": {"type": "string"}, "description": description}


_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
_OBJECT = {"type": "object"}

DISCOVERY_PATHS: dict[str, Any] = {
    "/api/suggest": _get("suggest", "Autocomplete: index words, names and titles starting with q (or its pinyin)",
                         {"type": "object", "required": ["suggestions"], "properties": {"suggestions": _STRINGS}},
                         [_q("what has been typed so far (at most 50 characters)", required=False)], errors=_BAD),
    "/api/did-you-mean": _get("didYouMean", "The query with typos and pinyin corrected from the index, or null",
                              {"type": "object", "required": ["query", "suggestion"],
                               "properties": {"query": {"type": "string"},
                                              "suggestion": {"type": ["string", "null"]}}},
                              [_q("the query")], errors=_BAD),
    "/api/dates": _get("writtenDates", "A date written in the query (2019年3月, 去年, 上个月) as a date range",
                       {"type": "object", "required": ["rest", "date_from", "date_to", "label", "relative_to"]},
                       [_q("the query"), {"name": "relative_to", "in": "query", "required": False,
                                          "schema": {"type": "string", "enum": ["today", "archive"]},
                                          "description": "resolve 去年/上个月 against today or the newest article"}],
                       errors=_BAD),
    "/api/articles/{id}/keywords": _get("articleKeywords", "Keywords of an article (jieba TF-IDF)",
                                        {"type": "object", "required": ["id", "keywords"]}, _ID,
                                        errors=_MISSING),
    "/api/articles/{id}/related": _get("related", "Paragraphs and articles sharing the article's keywords",
                                       {"type": "object", "required": ["id", "keywords", "paragraphs", "articles"]},
                                       _ID, errors=_MISSING),
    "/api/paragraphs/{id}/duplicates": _get("duplicates", "Near-duplicate paragraphs (reprints) of a paragraph",
                                            {"type": "object", "required": ["id", "duplicates", "articles"]}, _ID,
                                            errors=_MISSING),
    "/api/search.json": _get("searchJson", "/api/search as a download, each hit with `citation` {gbt7714, plain}",
                             _OBJECT, [_q("as for /api/search")], errors=_BAD),
    "/api/search.csv": _get("searchCsv", "/api/search as CSV (UTF-8 with BOM), citations included", {"type": "string"},
                            [_q("as for /api/search")], media="text/csv", errors=_BAD),
    "/feeds/search.atom": _get("searchAtom", "An Atom feed of a query's hits, to follow a topic", {"type": "string"},
                               [_q("as for /api/search")], media="application/atom+xml", errors=_BAD),
}


# Fields /api/search adds (searcher/discovery/search.py), merged into the SearchResult and Hit schemas by
# web/openapi.py.
_ALSO_IN = {"type": "object", "required": ["id", "title", "url", "source", "date"], "additionalProperties": False,
            "properties": {"id": {"type": "string", "description": "article id"}, "title": {"type": "string"},
                           "url": {"type": "string", "description": "article page at the folded paragraph"},
                           "source": {"type": "string"}, "date": {"type": "string"}}}
SEARCH_RESULT_FIELDS: dict[str, Any] = {
    "suggestion": {"type": ["string", "null"],
                   "description": "did you mean: the query with typos or pinyin corrected from the index, or null"},
    "corrected": {"type": "boolean",
                  "description": "true when the query as typed found nothing and these hits are for `suggestion`"},
    "date_filter": {"type": ["object", "null"], "required": ["text", "label", "date_from", "date_to", "rest"],
                    "description": "a date written in q (2024年12月, 去年) that became the date filter; `query` is "
                                   "then q without it",
                    "properties": {"text": {"type": "string"}, "label": {"type": "string"},
                                   "date_from": {"type": "string"}, "date_to": {"type": "string"},
                                   "rest": {"type": "string", "description": "q without the date"}}},
    "folded": {"type": "integer", "minimum": 0,
               "description": "hits of this page folded under a near duplicate above them (`total` still counts "
                              "every paragraph)"},
}
HIT_FIELDS: dict[str, Any] = {
    "also_in": {"type": "array", "items": _ALSO_IN,
                "description": "other articles whose near-duplicate paragraph was folded under this hit (present "
                               "when folding is on)"},
}
FOLD_PARAMETER = {"name": "fold", "in": "query", "required": False, "schema": {"type": "integer", "default": 1},
                  "description": "0: list near-duplicate paragraphs separately instead of folding them"}
DISCOVERY_PATHS["/api/paragraphs/{id}/related"] = _get(
    "paragraphRelated", "Paragraphs and articles sharing the keywords of one paragraph",
    {"type": "object", "required": ["paragraph", "keywords", "paragraphs", "articles"]}, _ID, errors=_MISSING)


def extend_search_schemas(schemas: dict[str, Any], parameters: list[dict[str, Any]]) -> None:
    """Add the discovery fields to the SearchResult and Hit schemas and `fold` to the search parameters."""
    for name, fields in (("SearchResult", SEARCH_RESULT_FIELDS), ("Hit", HIT_FIELDS)):
        schemas[name]["properties"] |= fields
    schemas["SearchResult"]["required"] += list(SEARCH_RESULT_FIELDS)
    parameters.append(FOLD_PARAMETER)
