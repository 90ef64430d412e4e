"""HTML pages of the discovery features that are not the results page: the advanced-search form's target (which
writes the query and sends the reader to the results) and the paragraphs related to one hit.

Thin: the query is written by searcher.search.advanced, the related paragraphs come from searcher.discovery.search.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from searcher.discovery.search import paragraph_related
from searcher.search.advanced import build_query

from .state import get_engine

bp = Blueprint("discovery_pages", __name__)


@bp.get("/advanced")
def advanced() -> Any:
    """The form's fields as one query in the ordinary syntax; an empty form goes back to the start page."""
    query = build_query(request.args)
    if not query:
        return redirect(url_for("pages.home", _anchor="advanced-search"))
    return redirect(url_for("pages.search", q=query))


@bp.get("/related/<path:paragraph_id>")
def related(paragraph_id: str) -> Any:
    found = paragraph_related(get_engine(), paragraph_id)
    return render_template("related.html", found=found, back=request.args.get("q", ""))
