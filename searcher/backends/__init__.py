"""Search backends beside the embedded Whoosh index (searcher/search/engine.py): each executes the query plan that
searcher/search/plan.py decides once, backend-neutrally. `open_engine` picks the one the configuration names."""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..search.engine import Engine


def open_engine(index_dir: str | Path) -> Engine:
    """The Engine of the configured backend (SEARCHER_BACKEND): Whoosh reads `index_dir`; OpenSearch reads the
    alias SEARCHER_OPENSEARCH_INDEX at SEARCHER_OPENSEARCH_URL, with the configured credentials and CA bundle."""
    if config.backend() == "opensearch":
        from .opensearch.client import connect
        from .opensearch.engine import OpenSearchEngine

        settings = config.opensearch_settings()
        return OpenSearchEngine(settings.url, settings.index, client=connect(settings))
    return Engine(index_dir)
