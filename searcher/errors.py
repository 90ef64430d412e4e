"""A small exception tree, so the CLI and the web layer can turn each failure into one clear message."""

from __future__ import annotations

import re

# The password of a URL written as scheme://user:password@host (which the OpenSearch client accepts).
_USERINFO = re.compile(r"(?<=://)([^/@\s:]*):[^/@\s]*@")


def redact(text: str) -> str:
    """`text` with the password of every URL in it shown as ***: no message or log line carries one."""
    return _USERINFO.sub(r"\1:***@", text)


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


class IndexCorrupt(IndexMissing):
    """The live generation is missing, incomplete or unreadable. A subclass of IndexMissing because every
    caller treats both alike (503, a message naming the rebuild command); the message says what is wrong."""

    def __init__(self, index_dir: str, problem: str) -> None:
        SearcherError.__init__(self, f"the index in {index_dir} cannot be used: {problem}; "
                                     f"rebuild it with `searcher build --index {index_dir}`")
        self.index_dir = index_dir
        self.problem = problem


class CorpusMismatch(SearcherError):
    """Files would go into a corpus other than the one the index was built from (and be lost at the next build)."""

    def __init__(self, index_dir: str, recorded: str, given: str) -> None:
        super().__init__(f"the index {index_dir} was built from the corpus {recorded}, not {given}; "
                         f"leave out --corpus to add to {recorded}, or rebuild from {given} with "
                         f"`searcher build --corpus {given} --index {index_dir}`")
        self.recorded = recorded
        self.given = given


class CorpusMissing(CorpusMismatch):
    """The corpus the index was built from is gone (moved or deleted): files added now would be lost."""

    def __init__(self, index_dir: str, recorded: str) -> None:
        SearcherError.__init__(self, f"the corpus {recorded} that the index {index_dir} was built from no longer "
                                     f"exists; rebuild from where the corpus is now with "
                                     f"`searcher build --corpus DIR --index {index_dir}`")
        self.recorded = recorded
        self.given = ""


class DiskFull(SearcherError):
    """No space left (or quota exceeded) while writing; the message names the path and what to do."""

    def __init__(self, path: str, what: str) -> None:
        super().__init__(f"no space left on the device while writing {path}: {what}")
        self.path = path


class TooManyParagraphs(SearcherError):
    """An upload or add that would create more paragraphs than one request may (see searcher.index.limits)."""


class Terminated(SearcherError):
    """The process was asked to stop (SIGTERM) in the middle of a write."""


class WriterFailed(SearcherError):
    """A worker process of a multiprocess build died; the build is abandoned rather than missing its documents."""


class BackendUnavailable(IndexMissing):
    """The search cluster (SEARCHER_BACKEND=opensearch) cannot be reached or has no index behind its alias. A
    subclass of IndexMissing, so every caller answers it alike (503 with the reason)."""

    def __init__(self, where: str, problem: str) -> None:
        where, problem = redact(where), redact(problem)
        SearcherError.__init__(self, f"the OpenSearch index {where} cannot be searched: {problem}")
        self.index_dir = where
        self.problem = problem
