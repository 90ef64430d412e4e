"""Where the corpus and the index live: command-line flags win, then the environment, then the defaults."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = "index"


def corpus_dir(value: str | os.PathLike[str] | None = None) -> Path:
    return Path(value or os.environ.get("SEARCHER_CORPUS") or DEFAULT_CORPUS)


def index_dir(value: str | os.PathLike[str] | None = None) -> Path:
    return Path(value or os.environ.get("SEARCHER_INDEX") or DEFAULT_INDEX)
