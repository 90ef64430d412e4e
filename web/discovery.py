"""Discovery routes: autocomplete, did you mean, dates as written, keywords and related, duplicates, exports, feeds.

Thin: every answer is computed in searcher/ (autocomplete, spelling, written_dates, keywords, duplicates, feeds)
from the engine's Whoosh searcher; errors are the library's exceptions, shaped by web.errors.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from searcher.discovery import autocomplete, duplicates, feeds, keywords, spelling
from searcher.discovery.search import paragraph_related, search_with_discovery
from searcher.discovery.vocabulary import Vocabulary, cached_vocabulary, ready_vocabulary
from searcher.discovery.written_dates import parse_written_date
from searcher.errors import BadQuery, NotFound

from .params import SearchParams, parse_search_args
from .state import get_engine

bp = Blueprint("discovery", __name__)
MAX_PREFIX = 50


def _vocabulary() -> Vocabulary | None:
    """The index vocabulary, or None while it is being built in the background (the first requests after a new
    generation then get no suggestion rather than wait; DISCOVERY_WAIT makes them wait, as tests do)."""
    engine = get_engine()
    if engine.backend != "whoosh":  # the vocabulary is read from a Whoosh index: no suggestions on OpenSearch yet
        return None
    generation, searcher = engine.whoosh_searcher()
    index_key = current_app.config["INDEX_DIR"]
    if current_app.config.get("DISCOVERY_WAIT"):
        return cached_vocabulary(index_key, generation, searcher)
    return ready_vocabulary(index_key, generation, searcher)


def warm_vocabulary() -> None:
    """Start building the vocabulary when the start page is shown, so that it is ready by the first keystroke."""
    _vocabulary()


def _required(name: str, limit: int = 500) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise BadQuery(f"missing query parameter {name}（缺少参数 {name}）")
    if len(value) > limit:
        raise BadQuery(f"{name} is longer than {limit} characters（{name} 超过 {limit} 个字符）")
    return value


@bp.get("/api/suggest")
def suggest() -> Any:
    prefix = request.args.get("q", "").strip()
    if len(prefix) > MAX_PREFIX:
        raise BadQuery(f"q is longer than {MAX_PREFIX} characters（q 超过 {MAX_PREFIX} 个字符）")
    vocab = _vocabulary() if prefix else None
    return jsonify(suggestions=autocomplete.suggest(prefix, vocab) if vocab else [])


@bp.get("/api/did-you-mean")
def did_you_mean() -> Any:
    query = _required("q")
    vocab = _vocabulary()
    return jsonify(query=query, suggestion=spelling.suggest_correction(query, vocab) if vocab else None)


@bp.get("/api/dates")
def dates() -> Any:
    query = _required("q")
    today = _reference_day(request.args.get("relative_to", "today"))
    written = parse_written_date(query, today)
    return jsonify(written._asdict() | {"relative_to": today.isoformat()})


def _reference_day(relative_to: str) -> date:
    if relative_to == "today":
        return date.today()
    if relative_to == "archive":
        newest = get_engine().date_range()
        return date.fromisoformat(newest[1]) if newest else date.today()
    raise BadQuery("relative_to must be today or archive（relative_to 只能是 today 或 archive）")


@bp.get("/api/articles/<path:article_id>/keywords")
def article_keywords(article_id: str) -> Any:
    article = get_engine().article(article_id)
    return jsonify(id=article.id, keywords=keywords.article_keywords(article))


@bp.get("/api/articles/<path:article_id>/related")
def related(article_id: str) -> Any:
    engine = get_engine()
    article = engine.article(article_id)
    words = keywords.article_keywords(article)
    return jsonify({"id": article.id, "keywords": words} | keywords.related(engine, words, article.id))


@bp.get("/api/paragraphs/<path:paragraph_id>/related")
def paragraph_related_json(paragraph_id: str) -> Any:
    return jsonify(paragraph_related(get_engine(), paragraph_id))


@bp.get("/api/paragraphs/<path:paragraph_id>/duplicates")
def paragraph_duplicates(paragraph_id: str) -> Any:
    _, searcher = get_engine().whoosh_searcher()
    doc = searcher.document(id=paragraph_id)
    if doc is None:
        raise NotFound(f"no paragraph with id {paragraph_id!r}（没有这一段）")
    found = duplicates.duplicates_in_index(searcher, doc.get("text", ""), exclude_id=paragraph_id)
    articles = sorted({d["article_id"] for d in found} - {doc["article_id"]})
    return jsonify(id=paragraph_id, duplicates=found, articles=articles)


def discovered_search(params: SearchParams, fold: bool, facets: bool = False) -> dict[str, Any]:
    """The one search behind the page, /api/search and the exports: written dates, did you mean, folding."""
    return search_with_discovery(get_engine(), params.q, vocabulary=_vocabulary, fold=fold, facets=facets,
                                 **params.engine_kwargs())


def fold_requested() -> bool:
    """Near duplicates are folded unless the request says `fold=0`."""
    return request.args.get("fold", "1").strip() not in {"0", "false", "no"}


def _search_dict() -> dict[str, Any]:
    """What the exports and the feed hold: the page's search, every hit listed (no folding)."""
    params = parse_search_args(request.args)
    if not params.q:
        raise BadQuery("missing query parameter q（缺少查询词 q）")
    return discovered_search(params, fold=False)


@bp.get("/api/search.json")
def search_json() -> Any:
    response = jsonify(feeds.with_citations(_search_dict()))
    response.headers["Content-Disposition"] = "attachment; filename=search.json"
    return response


@bp.get("/api/search.csv")
def search_csv() -> Response:
    return Response(feeds.to_csv(_search_dict()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=search.csv"})


@bp.get("/feeds/search.atom")
def search_atom() -> Response:
    result = _search_dict()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = feeds.to_atom(result, request.full_path.rstrip("?"), request.host_url, now)
    return Response(body, mimetype="application/atom+xml")
