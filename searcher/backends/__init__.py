"""Search backends beside the embedded Whoosh index (searcher/search/engine.py): each executes the query plan that
searcher/search/plan.py decides once, backend-neutrally. `open_engine` picks the one the configuration names for
searching, `writable_index` for adding files, uploads and rebuilds (searcher/index/writable.py)."""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..index.writable import WhooshIndex, WritableIndex
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


def writable_index(index_dir: str | Path, given: Path | None = None, default: Path | None = None) -> WritableIndex:
    """The configured backend's index for `searcher add`, uploads and rebuilds. `given` is the corpus a person
    named (`--corpus`, SEARCHER_CORPUS), else None. Whoosh then adds to the corpus its index records (a different
    `given` is CorpusMismatch); OpenSearch, which records none, to `given`, else `default` (`corpus/`)."""
    default = default or config.corpus_dir()
    if config.backend() == "opensearch":
        from .opensearch.adding import OpenSearchIndex
        from .opensearch.client import connect

        settings = config.opensearch_settings()
        return OpenSearchIndex(connect(settings), settings.index, given or default)
    return WhooshIndex(Path(index_dir), given, default)
