"""`searcher add`, uploads and rebuilds on OpenSearch: the OpenSearch side of `searcher.index.writable`.

Everything about a file (reading, refusing, its place in the corpus, the content-hash check, parsing, placing,
removing what was placed when the write fails) is `searcher.index.adding.ingest`'s, as on Whoosh. This module
answers what the index behind the alias holds of a file (its paragraphs carry `file` and `file_hash`) and
replaces a file's paragraphs.

The corpus: OpenSearch keeps no index directory to record it in, so it is the one configured (`--corpus`, else
SEARCHER_CORPUS, else `corpus/`), and it must exist: files put where no build looks would be lost at the next
rebuild.

The writer lock: an `flock` on `CORPUS/.searcher-writer.lock` (hidden, so no build reads it), taken by every add,
upload, remove and rebuild of that corpus, through `store.file_lock`, as the Whoosh lock is. It serialises the
writers of one machine (or of a file system where `flock` works across machines), and dies with its holder: a
killed writer never leaves it held. It does not stop a writer on another machine with its own copy of the corpus;
such setups need one writer host. A rebuild holds it from start to alias switch, so an add never writes into an
index a rebuild is about to replace.

What is atomic and what is not: a bulk request is not a transaction, and OpenSearch has none. So an add writes
nothing until every file of the request is placed and parsed, then (`OpenSearchWriter.commit`):
1. reads what it will overwrite or delete: the file's current paragraphs, and any paragraph elsewhere with an id
   it is about to write;
2. indexes the new paragraphs (a paragraph keeps its id, so a changed paragraph is overwritten in place);
3. deletes the file's old paragraphs that are not among the new ones; refreshes.
A failure in 2 or 3 (a refused document, a lost node, SIGTERM) undoes the step: the paragraphs it created are
deleted and the ones it read in 1 are written back, then the files the request placed are removed from the corpus.
At no moment does a file have no paragraphs in the index: searches see the old paragraphs, then for a moment some
new ones beside the old, then only the new. If the cluster fails the undo too, the error says so: the index may
then hold part of the change until the next `searcher build` (which rebuilds from the corpus, without it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from ...errors import BackendUnavailable, CorpusMismatch, SearcherError, UnreadableFile
from ...index import store
from ...index.build import BuildReport, Progress
from ...index.writable import Indexed
from . import writer
from .client import raise_unavailable
from .documents import decode, resources_of, tokenizers

LOCK = ".searcher-writer.lock"
PAGE = 1000  # paragraphs or article ids per request when reading a file's


class CorpusNotFound(CorpusMismatch):
    """The configured corpus does not exist: added files would go where no build reads them."""

    def __init__(self, where: str, corpus: str) -> None:
        SearcherError.__init__(self, f"the corpus {corpus} does not exist: give the corpus the OpenSearch index "
                                     f"{where} was built from with --corpus or SEARCHER_CORPUS")
        self.recorded, self.given = "", corpus


class AddFailed(BackendUnavailable):
    """The cluster refused or failed part of an add; the message says whether it was undone."""

    def __init__(self, where: str, problem: str) -> None:
        SearcherError.__init__(self, f"the OpenSearch index {where} could not be written: {problem}")
        self.index_dir, self.problem = where, problem


class OpenSearchReader:
    """The concrete index behind the alias when a request began."""

    def __init__(self, client: Any, index: str) -> None:
        self.client, self.name = client, index

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response: dict[str, Any] = self.client.search(index=self.name, body=body)
        except Exception as exc:
            raise_unavailable(repr(self.name), exc)
        return response

    def indexed(self, rel: str, content_hash: str) -> Indexed | None:
        """The file's article ids and paragraph count, when every paragraph of it has these bytes' hash."""
        of_file = {"term": {"file": rel}}
        found = self._search({"size": 0, "track_total_hits": True, "query": of_file,
                              "aggs": {"hashes": {"terms": {"field": "file_hash", "size": 2}}}})
        hashes = [bucket["key"] for bucket in found["aggregations"]["hashes"]["buckets"]]
        if hashes != [content_hash]:
            return None
        return self._article_ids(of_file), found["hits"]["total"]["value"]

    def _article_ids(self, query: dict[str, Any]) -> list[str]:
        """The distinct article ids of the paragraphs `query` matches, sorted (a composite aggregation, paged)."""
        ids: list[str] = []
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": PAGE, "sources": [{"id": {"terms": {"field": "article_id"}}}]}
            if after:
                composite["after"] = after
            found = self._search({"size": 0, "query": query, "aggs": {"ids": {"composite": composite}}})["aggregations"]
            ids += [bucket["key"]["id"] for bucket in found["ids"]["buckets"]]
            after = found["ids"].get("after_key")
            if not found["ids"]["buckets"] or after is None:
                return ids

    def paragraphs_of(self, rel: str) -> Iterator[dict[str, Any]]:
        """Every stored paragraph document of corpus file `rel`, by id (search_after, paged)."""
        body: dict[str, Any] = {"size": PAGE, "query": {"term": {"file": rel}}, "sort": [{"id": "asc"}]}
        while True:
            hits = self._search(body)["hits"]["hits"]
            for hit in hits:
                yield decode(hit["_source"])
            if len(hits) < PAGE:
                return
            body["search_after"] = hits[-1]["sort"]


class OpenSearchWriter(OpenSearchReader):
    """Replacements gathered under the lock and written together by `commit` (see the module's docstring)."""

    def __init__(self, client: Any, index: str, analysers: dict[str, Any]) -> None:
        super().__init__(client, index)
        self.analysers = analysers
        self.new: dict[str, dict[str, Any]] = {}  # paragraph id -> document to write
        self.old: dict[str, dict[str, Any]] = {}  # paragraph id -> stored document it had before

    def replace(self, rel: str, docs: list[dict[str, Any]]) -> int:
        before = list(self.paragraphs_of(rel))
        self.old.update((doc["id"], doc) for doc in before)
        self.new.update((doc["id"], doc) for doc in docs)
        return len(before)

    def commit(self) -> None:
        overwritten = self._existing([doc for pid, doc in self.new.items() if pid not in self.old])
        before = self.old | overwritten  # every paragraph this commit changes, as it was
        gone = [doc for pid, doc in self.old.items() if pid not in self.new]
        try:
            writer.send(self.client, writer.document_actions(self.name, self.new.values(), self.analysers))
            writer.send(self.client, _deletions(self.name, gone), lines=1)
            self.client.indices.refresh(index=self.name)
        except BaseException as exc:
            self._undo(before, exc)
            failure = _failure(repr(self.name), exc, "nothing was added; the index holds what it held before")
            if failure is exc:
                raise
            raise failure from exc

    def _existing(self, docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The stored documents of these ids that the index holds now (another file's, or left by a failed add)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(docs), PAGE):
            wanted = [_address(self.name, doc) for doc in docs[start:start + PAGE]]
            try:
                response = self.client.mget(body={"docs": wanted})
            except Exception as exc:
                raise_unavailable(repr(self.name), exc)
            found.update((hit["_id"], decode(hit["_source"])) for hit in response["docs"] if hit.get("found"))
        return found

    def _undo(self, before: dict[str, dict[str, Any]], exc: BaseException) -> None:
        """Put back every paragraph as it was before `commit`; AddFailed (naming both failures) when that fails."""
        created = [doc for pid, doc in self.new.items() if pid not in before]
        try:
            writer.send(self.client, _deletions(self.name, created), lines=1)
            writer.send(self.client, writer.document_actions(self.name, before.values(), self.analysers))
            self.client.indices.refresh(index=self.name)
        except Exception as undo:
            raise _failure(repr(self.name), exc, f"undoing it failed too ({type(undo).__name__}: {str(undo)[:200]}): "
                           "the index may hold part of this add until the next `searcher build`") from undo


def _address(index: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """Where a paragraph document lives: its index, id and routing (its article id, see writer.py)."""
    return {"_index": index, "_id": doc["id"], "routing": doc["article_id"]}


def _deletions(index: str, docs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for doc in docs:
        yield {"delete": _address(index, doc)}


def _failure(where: str, exc: BaseException, outcome: str) -> BaseException:
    """What to raise for a failed write: SIGTERM (Terminated), Ctrl-C and our own errors stay what they are; a
    refused document or a client error becomes AddFailed, which says what became of the index."""
    if isinstance(exc, writer.WriteFailed) or isinstance(exc, Exception) and not isinstance(exc, SearcherError):
        return AddFailed(where, f"{type(exc).__name__}: {str(exc)[:200]}; {outcome}")
    return exc


class OpenSearchIndex:
    """The index behind `alias` on the cluster `client` talks to, fed from `corpus` (see the module docstring)."""

    def __init__(self, client: Any, alias: str, corpus: Path) -> None:
        self.client, self.alias, self.corpus = client, alias, Path(corpus)
        self.where = f"{alias!r}"
        self.staging = self.corpus  # a hidden `.add-…` folder, which no build reads

    def _lock(self, corpus: Path, wait: float) -> Any:
        return store.file_lock(corpus / LOCK, f"is writing the OpenSearch index {self.where} from {corpus}", wait)

    @contextmanager
    def reader(self) -> Iterator[OpenSearchReader]:
        if not self.corpus.is_dir():
            raise CorpusNotFound(self.where, str(self.corpus))
        yield OpenSearchReader(self.client, writer.live_index(self.client, self.alias))  # BackendUnavailable

    @contextmanager
    def writer(self, wait: float) -> Iterator[OpenSearchWriter]:
        with self._lock(self.corpus, wait):
            store.discard_stale_staging(self.corpus)  # left by adds killed outright
            index = writer.live_index(self.client, self.alias)  # a rebuild may have switched it meanwhile
            try:
                mapping: Mapping[str, Any] = self.client.indices.get_mapping(index=index)[index]["mappings"]
            except Exception as exc:
                raise_unavailable(self.where, exc)
            opened = OpenSearchWriter(self.client, index, tokenizers(resources_of(mapping)))
            yield opened
            opened.commit()

    def build(self, corpus_dir: Path, index_dir: Path | None, progress: Progress | None = None,
              wait: float = 0.0, *, shards: int | None = None, replicas: int | None = None,
              procs: int = 1) -> BuildReport:
        """`writer.build` (a new index, then the alias switched to it) under the corpus's writer lock. Shards and
        replicas not given are the live index's (so a rebuild from the admin page keeps the layout chosen at the
        last `searcher build --shards --replicas`), or 1 and 0 before the first build."""
        corpus_dir = Path(corpus_dir)
        if not corpus_dir.is_dir():
            raise UnreadableFile(str(corpus_dir), "corpus directory not found")
        with self._lock(corpus_dir, wait):
            live_shards, live_replicas = self._layout()
            return writer.build(self.client, self.alias, corpus_dir, progress=progress, procs=procs,
                                shards=live_shards if shards is None else shards,
                                replicas=live_replicas if replicas is None else replicas)

    def remove(self, article_ids: Iterable[str], wait: float = 0.0) -> dict[str, int]:
        """`writer.remove` under the corpus's writer lock, when this machine has that corpus; without one, no
        writer of this machine can be rebuilding from it."""
        with self._lock(self.corpus, wait) if self.corpus.is_dir() else nullcontext():
            return writer.remove(self.client, self.alias, article_ids)

    def _layout(self) -> tuple[int, int]:
        """The shards and replicas of the index behind the alias now; (1, 0) when there is none."""
        try:
            indexes = writer.current_indexes(self.client, self.alias)
            if len(indexes) != 1:
                return 1, 0
            settings = self.client.indices.get_settings(index=indexes[0])[indexes[0]]["settings"]["index"]
        except Exception as exc:
            raise_unavailable(self.where, exc)
        return int(settings["number_of_shards"]), int(settings["number_of_replicas"])
