"""OpenAPI entries for the discovery routes (web/discovery.py), merged into the document by web/openapi.py."""

from __future__ import annotations

from typing import Any

_STRINGS = {"type": "array", "items": {"type": "string"}}
_ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}
_ERR = {"description": "bad parameter", "content": {"application/json": {"schema": _ERROR_SCHEMA}}}
_NOT_FOUND = _ERR | {"description": "no such article or paragraph"}


def _get(operation: str, summary: str, schema: dict[str, Any], parameters: list[dict[str, Any]],
         media: str = "application/json", **errors: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"operationId": operation, "summary": summary, "parameters": parameters,
                    "responses": {"200": {"description": "OK", "content": {media: {"schema": schema}}}, **errors}}}


def _q(description: str, required: bool = True) -> dict[str, Any]:
    return {"name": "q", "in": "query", "required": required, "schema": {"type": "string"}, "description": description}


_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
_OBJECT = {"type": "object"}

DISCOVERY_PATHS: dict[str, Any] = {
    "/api/suggest": _get("suggest", "Autocomplete: index words, names and titles starting with q (or its pinyin)",
                         {"type": "object", "required": ["suggestions"], "properties": {"suggestions": _STRINGS}},
                         [_q("what has been typed so far (at most 50 characters)", required=False)], **{"400": _ERR}),
    "/api/did-you-mean": _get("didYouMean", "The query with typos and pinyin corrected from the index, or null",
                              {"type": "object", "required": ["query", "suggestion"],
                               "properties": {"query": {"type": "string"},
                                              "suggestion": {"type": ["string", "null"]}}},
                              [_q("the query")], **{"400": _ERR}),
    "/api/dates": _get("writtenDates", "A date written in the query (2019年3月, 去年, 上个月) as a date range",
                       {"type": "object", "required": ["rest", "date_from", "date_to", "label", "relative_to"]},
                       [_q("the query"), {"name": "relative_to", "in": "query", "required": False,
                                          "schema": {"type": "string", "enum": ["today", "archive"]},
                                          "description": "resolve 去年/上个月 against today or the newest article"}],
                       **{"400": _ERR}),
    "/api/articles/{id}/keywords": _get("articleKeywords", "Keywords of an article (jieba TF-IDF)",
                                        {"type": "object", "required": ["id", "keywords"]}, _ID,
                                        **{"404": _NOT_FOUND}),
    "/api/articles/{id}/related": _get("related", "Paragraphs and articles sharing the article's keywords",
                                       {"type": "object", "required": ["id", "keywords", "paragraphs", "articles"]},
                                       _ID, **{"404": _NOT_FOUND}),
    "/api/paragraphs/{id}/duplicates": _get("duplicates", "Near-duplicate paragraphs (reprints) of a paragraph",
                                            {"type": "object", "required": ["id", "duplicates", "articles"]}, _ID,
                                            **{"404": _NOT_FOUND}),
    "/api/search.json": _get("searchJson", "/api/search as a download, each hit with `citation` {gbt7714, plain}",
                             _OBJECT, [_q("as for /api/search")], **{"400": _ERR}),
    "/api/search.csv": _get("searchCsv", "/api/search as CSV (UTF-8 with BOM), citations included", {"type": "string"},
                            [_q("as for /api/search")], media="text/csv", **{"400": _ERR}),
    "/feeds/search.atom": _get("searchAtom", "An Atom feed of a query's hits, to follow a topic", {"type": "string"},
                               [_q("as for /api/search")], media="application/atom+xml", **{"400": _ERR}),
}
