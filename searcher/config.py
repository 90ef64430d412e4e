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
