"""The JSON API: the library's own dataclasses, serialised as they are, so API and CLI never disagree.

Errors are not handled here: views raise the library's exceptions and `web.errors` turns them into the one
error shape (this also covers unknown /api/ paths and wrong methods, which never reach a view).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from searcher.errors import BadQuery

from .discovery import discovered_search, fold_requested
from .openapi import openapi_document
from .params import parse_flag, parse_search_args
from .state import get_engine

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> Any:
    params = parse_search_args(request.args)
    if not params.q:
        raise BadQuery("missing query parameter q（缺少查询词 q）")
    return jsonify(discovered_search(params, fold=fold_requested(), facets=parse_flag(request.args, "facets")))


@bp.get("/articles/<path:article_id>")
def article(article_id: str) -> Any:
    return jsonify(get_engine().article(article_id).to_dict())


@bp.get("/health")
def health() -> Any:
    return jsonify(get_engine().health())


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())
