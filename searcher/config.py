"""Where the corpus and the index live: command-line flags win, then the environment, then the defaults."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = "index"


def corpus_dir(value: str | os.PathLike[str] | None = None) -> Path:
    return Path(value or os.environ.get("SEARCHER_CORPUS") or DEFAULT_CORPUS)


def given_corpus(value: str | os.PathLike[str] | None = None) -> Path | None:
    """The corpus a person named (flag, then environment), or None: then the index's recorded corpus applies."""
    chosen = value or os.environ.get("SEARCHER_CORPUS")
    return Path(chosen) if chosen else None


def index_dir(value: str | os.PathLike[str] | None = None) -> Path:
    return Path(value or os.environ.get("SEARCHER_INDEX") or DEFAULT_INDEX)


# Which engine serves searches: the embedded Whoosh index (default) or an OpenSearch cluster (issue 10).
BACKENDS = ("whoosh", "opensearch")
DEFAULT_OPENSEARCH_URL = "http://127.0.0.1:9200"
DEFAULT_OPENSEARCH_INDEX = "searcher"


def backend() -> str:
    """SEARCHER_BACKEND: `whoosh` (the default) or `opensearch`; anything else is a clear error, not a fallback."""
    from .errors import SearcherError

    value = (os.environ.get("SEARCHER_BACKEND") or BACKENDS[0]).strip().lower()
    if value not in BACKENDS:
        raise SearcherError(f"SEARCHER_BACKEND must be one of {', '.join(BACKENDS)}, got {value[:20]!r}")
    return value


def opensearch_url() -> str:
    """SEARCHER_OPENSEARCH_URL: the cluster's HTTP address."""
    return os.environ.get("SEARCHER_OPENSEARCH_URL") or DEFAULT_OPENSEARCH_URL


def opensearch_index() -> str:
    """SEARCHER_OPENSEARCH_INDEX: the alias searches read and builds switch (its indexes are named after it)."""
    return os.environ.get("SEARCHER_OPENSEARCH_INDEX") or DEFAULT_OPENSEARCH_INDEX
