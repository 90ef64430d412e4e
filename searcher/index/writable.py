"""What adding files and rebuilding need of one backend's index, and the embedded Whoosh index's answer.

`searcher.index.adding` decides everything about a file once, for every backend: reading it, refusing it,
choosing its place in the corpus, skipping it when the index already holds these bytes, parsing it, placing it,
and removing what it placed when the write fails. A backend only answers three things (`WritableIndex`):
what the index holds of one corpus file (`IndexReader.indexed`), how to replace a file's paragraphs under the
writer lock, all of a request's files committed or none (`IndexWriter`), and how to rebuild from the corpus
(`build`). `searcher.backends.writable_index` picks the configured backend's; the OpenSearch one is in
searcher/backends/opensearch/adding.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from .. import config
from . import procwriter, store
from .build import BuildReport, Progress, build_index, remove_articles

Indexed = tuple[list[str], int]  # article ids (sorted) and paragraphs the index holds for one file


class IndexReader(Protocol):
    """The live index as one request sees it."""

    name: str  # the live generation (Whoosh) or concrete index (OpenSearch), for the report

    def indexed(self, rel: str, content_hash: str) -> Indexed | None:
        """What the index holds of corpus file `rel` when it holds exactly these bytes of it, else None."""
        ...


class IndexWriter(IndexReader, Protocol):
    """The live index under the writer lock: replacements take effect together when the `writer()` block ends."""

    def replace(self, rel: str, docs: list[dict[str, Any]]) -> int:
        """Make `docs` the paragraphs of corpus file `rel`, instead of the ones it had; returns how many it had."""
        ...


class WritableIndex(Protocol):
    """One backend's index, for `add`, uploads and rebuilds."""

    staging: Path  # where a hidden folder holds files while they are read, before the lock
    where: str  # the index, as messages name it

    @property
    def corpus(self) -> Path:
        """Where added files go, so that the next rebuild keeps them."""
        ...

    def reader(self) -> AbstractContextManager[IndexReader]:
        """The live index; IndexMissing, IndexCorrupt or BackendUnavailable when there is none to add to."""
        ...

    def writer(self, wait: float) -> AbstractContextManager[IndexWriter]:
        """Take the writer lock (IndexBusy after `wait` seconds), open the live index as it is now, and commit the
        block's replacements when it ends, or undo them when it raises."""
        ...

    def build(self, corpus_dir: Path, index_dir: Path | None, progress: Progress | None = None,
              wait: float = 0.0, *, shards: int | None = None, replicas: int | None = None,
              procs: int = 1) -> BuildReport:
        """A full rebuild from `corpus_dir`, switched to atomically (the Rebuilder's `build`), analysed by `procs`
        processes. `shards` and `replicas` are OpenSearch's (the embedded index is one shard, one copy)."""
        ...

    def remove(self, article_ids: Iterable[str], wait: float = 0.0) -> dict[str, int]:
        """Delete articles from the live index under the writer lock (so a rebuild in progress cannot bring them
        back by switching to an index built before the delete); paragraphs removed per id, 0 for an unknown id."""
        ...


# --- the embedded Whoosh index ------------------------------------------------------------------------------


def open_live(index_dir: Path) -> tuple[Path, Any, Any]:
    """The live generation, its index and a searcher of it; IndexCorrupt when it cannot be read."""
    generation = store.require_generation(index_dir)
    ix = store.open_generation(index_dir, generation)
    try:
        return generation, ix, ix.searcher()  # a truncated segment fails here
    except Exception as exc:
        raise store.unreadable(index_dir, generation, exc) from exc


class WhooshReader:
    def __init__(self, name: str, searcher: Any) -> None:
        self.name, self.searcher = name, searcher

    def indexed(self, rel: str, content_hash: str) -> Indexed | None:
        stored: Mapping[str, Any] | None = self.searcher.document(file=rel)
        if not stored or stored["file_hash"] != content_hash:
            return None
        docs = list(self.searcher.documents(file=rel))
        return sorted({d["article_id"] for d in docs}), len(docs)


class WhooshWriter(WhooshReader):
    """A Whoosh writer of the live generation: deletions and additions are one transaction (commit or cancel)."""

    def __init__(self, name: str, searcher: Any, writer: Any) -> None:
        super().__init__(name, searcher)
        self.writer = writer

    def replace(self, rel: str, docs: list[dict[str, Any]]) -> int:
        removed: int = self.writer.delete_by_term("file", rel)
        for doc in docs:
            self.writer.add_document(**doc)
        return removed


class WhooshIndex:
    """The index directory's live generation; files go into the corpus it records (`store.resolve_corpus`: a
    different `given` corpus is CorpusMismatch); the writer lock is the index directory's `flock`."""

    def __init__(self, index_dir: Path, given: Path | None = None, default: Path | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.corpus = store.resolve_corpus(self.index_dir, None if given is None else Path(given),
                                           default or config.corpus_dir())
        self.staging = self.index_dir
        self.where = str(self.index_dir)

    @contextmanager
    def reader(self) -> Iterator[WhooshReader]:
        generation, _, searcher = open_live(self.index_dir)  # IndexMissing / IndexCorrupt
        with searcher:
            yield WhooshReader(generation.name, searcher)

    @contextmanager
    def writer(self, wait: float) -> Iterator[WhooshWriter]:
        with store.writer_lock(self.index_dir, wait=wait):
            generation, ix, searcher = open_live(self.index_dir)  # a build may have switched it meanwhile
            with searcher:
                writer = procwriter.writer(ix, limitmb=256)
                try:
                    yield WhooshWriter(generation.name, searcher, writer)
                    writer.commit()
                except BaseException:
                    procwriter.cancel(writer)
                    raise

    @staticmethod
    def build(corpus_dir: Path, index_dir: Path | None, progress: Progress | None = None,
              wait: float = 0.0, *, shards: int | None = None, replicas: int | None = None,
              procs: int = 1) -> BuildReport:
        assert index_dir is not None
        return build_index(corpus_dir, index_dir, progress=progress, wait=wait, procs=procs)

    def remove(self, article_ids: Iterable[str], wait: float = 0.0) -> dict[str, int]:
        return remove_articles(article_ids, self.index_dir, wait=wait)
