"""A small exception tree, so the CLI and the web layer can turn each failure into one clear message."""

from __future__ import annotations


class SearcherError(Exception):
    """Base of every error this package raises on purpose."""


class UnreadableFile(SearcherError):
    """A corpus file that cannot be read or parsed; the message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexMissing(SearcherError):
    """No index has been built yet in the given directory."""

    def __init__(self, index_dir: str) -> None:
        super().__init__(f"no index in {index_dir}: build one with `searcher build --index {index_dir}`")
        self.index_dir = index_dir


class BadQuery(SearcherError):
    """A search parameter outside what the API accepts (the query text itself never raises this)."""


class NotFound(SearcherError):
    """An article id the index does not hold."""


class IndexBusy(SearcherError):
    """Another process holds the writer lock of this index."""
