"""The HTML pages: search form, results, article. Server-rendered, so they work without JavaScript."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, render_template, request, url_for

from searcher.discovery import feeds
from searcher.discovery.keywords import article_keywords, related
from searcher.errors import BadQuery
from searcher.models import Article, ArticleRef
from searcher.search.engine import MAX_QUERY_CHARS

from .discovery import discovered_search, warm_vocabulary
from .messages import for_page
from .params import SearchParams, parse_search_args
from .presenters import Pager, citation, marked_paragraphs, sections
from .state import get_engine

bp = Blueprint("pages", __name__)


def _filters() -> dict[str, Any]:
    """What the filter controls offer: every source, and the date bounds if any article is dated."""
    engine = get_engine()
    return {"sources": engine.sources(), "date_range": engine.date_range()}


@bp.get("/")
def home() -> Any:
    warm_vocabulary()
    newest = get_engine().newest_articles()
    return render_template("search.html", params=SearchParams(q=""), filters=_filters(), result=None,
                           newest=newest)


def _cut(query: str) -> tuple[str, int | None]:
    """A pasted text over the limit is searched by its beginning, and the page says so (the API refuses it)."""
    if len(query) <= MAX_QUERY_CHARS:
        return query, None
    return query[:MAX_QUERY_CHARS].strip(), MAX_QUERY_CHARS


@bp.get("/search")
def search() -> Any:
    query, cut = _cut(request.args.get("q", "").strip())
    try:
        params = replace(parse_search_args(request.args), q=query)
        if not params.q:
            return home()
        result = _with_linked_citations(feeds.with_citations(discovered_search(params, fold=True, facets=True)))
    except BadQuery as exc:
        # A bad parameter is the reader's to fix: say so next to the form, with the form still filled in.
        page = render_template("search.html", params=SearchParams(q=query), filters=_filters(), result=None,
                               error=for_page(str(exc), 400), cut=cut)
        return page, 400
    return render_template(
        "search.html",
        params=params,
        filters=_filters(),
        result=result,
        cut=cut,
        # Folded hits still came back for this page, so they count as shown: a page with a fold is not the last.
        pager=Pager(result["page"], result["size"], result["total"], shown=len(result["hits"]) + result["folded"]),
    )


@bp.get("/articles/<path:article_id>")
def article(article_id: str) -> Any:
    engine = get_engine()
    found = engine.article(article_id)
    current = request.args.get("p", "")
    query, _ = _cut(request.args.get("q", "").strip())
    return render_template(
        "article.html",
        article=found,
        sections=sections(found.paragraphs),
        current=int(current) if current.isascii() and current.isdigit() and len(current) < 10 else None,
        q=query,
        marked=marked_paragraphs(found.paragraphs, engine.highlight_terms(query)),
        **_more_like_this(found),
    )


def _more_like_this(found: Article) -> dict[str, Any]:
    """The article's keywords (each a search) and other articles sharing them, for the article page."""
    words = article_keywords(found)
    return {"keywords": words, "related": related(get_engine(), words, found.id)["articles"]}


@bp.app_template_filter("is_web_url")
def is_web_url(value: str) -> bool:
    """Only http(s) addresses from the corpus become links; a `javascript:` URL stays inert text."""
    return urlsplit(value.strip()).scheme.lower() in {"http", "https"}


def _with_linked_citations(result: dict[str, Any]) -> dict[str, Any]:
    """Each hit's citations (GB/T 7714, plain) plus the one-line form with this site's link, for copying."""
    hits = [hit | {"citation": hit["citation"] | {"linked": _citation(ArticleRef(**hit["article"]), hit["paragraph"])}}
            for hit in result["hits"]]
    return result | {"hits": hits}


def _citation(ref: ArticleRef, paragraph: int) -> str:
    link = url_for("pages.article", article_id=ref.id, _external=True, _anchor=f"p-{paragraph}")
    return citation(ref, paragraph, link)
