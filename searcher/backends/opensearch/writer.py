"""Writing the paragraph index on OpenSearch: a rebuild fills a new index and then moves the alias to it in one
atomic `_aliases` call, so searches see the old index or the new one, never a half-filled one; a rebuild that
fails or is interrupted deletes its unfinished index and leaves the alias where it was. Removing articles goes
through the bulk API on the index behind the alias; adding files is `adding.py`'s.

Paragraphs are routed by article id, so every paragraph of an article lives on one shard: folding to a number
of paragraphs per article (`collapse`) and the per-article totals are then exact on any number of shards.
"""

from __future__ import annotations

import multiprocessing
import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from ...analysis.resources import Resources, load_resources
from ...corpus.reading import load_corpus
from ...errors import BackendUnavailable, SearcherError, UnreadableFile
from ...index.build import BuildReport, file_hash
from ...index.documents import paragraph_documents
from ...models import Article, Skipped
from .client import raise_unavailable
from .documents import encode, index_body, tokenizers

BATCH = 500  # paragraphs per bulk request
MAX_PARAGRAPHS = 10_000  # of one article (the default search window)
ANALYSIS_BATCH = 32  # articles per task of an analysing process
REPLICA_WAIT = "600s"  # how long a build waits for its replicas before it fails (and leaves the alias)


class WriteFailed(SearcherError):
    """OpenSearch refused some documents of a bulk request; the message names the first."""


def current_indexes(client: Any, alias: str) -> list[str]:
    """The indexes the alias points to now (none before the first build)."""
    if not client.indices.exists_alias(name=alias):
        return []
    return sorted(client.indices.get_alias(name=alias))


def index_name(alias: str) -> str:
    """A fresh, sortable index name for the next build behind `alias`."""
    return f"{alias}-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"


def abandoned(client: Any, alias: str) -> list[str]:
    """Indexes named for builds behind `alias` that it does not point to: left by a build killed outright (SIGKILL,
    a lost machine) before it could delete its unfinished index. Only names `index_name` makes are considered,
    never another alias's indexes."""
    named = re.compile(re.escape(alias) + r"-[0-9]{14}-[0-9a-f]{6}")
    live = set(current_indexes(client, alias))
    found = client.indices.get(index=f"{alias}-*", expand_wildcards="open,closed", allow_no_indices=True)
    return sorted(name for name in found if named.fullmatch(name) and name not in live)


Encoded = list[tuple[str, str, dict[str, Any]]]  # (paragraph id, routing, document) of one article
_analysers: dict[str, Any] = {}  # an analysing process's tokenizers, made once by `_start_analyser`


def _encode(article: Article, content_hash: str, analysers: dict[str, Any]) -> Encoded:
    return [(doc["id"], article.id, encode(doc, analysers)) for doc in paragraph_documents(article, content_hash)]


def _start_analyser(resources: Resources) -> None:
    _analysers.update(tokenizers(resources))


def _encode_there(item: tuple[Article, str]) -> Encoded:
    return _encode(*item, _analysers)


def _encoded(articles: Iterable[tuple[Article, str]], resources: Resources, procs: int) -> Iterator[Encoded]:
    """Every article's documents, in order. Our analysis (jieba, n-grams, synonyms) is the costly part of a build
    into a cluster, and it runs in Python on the machine that sends the bulk requests: with `procs` > 1 it runs in
    that many processes (spawned, so a build started from a thread of the web app is safe; each loads jieba once),
    while this process reads the corpus and sends what they return."""
    if procs <= 1:
        analysers = tokenizers(resources)
        yield from (_encode(article, content_hash, analysers) for article, content_hash in articles)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(procs, initializer=_start_analyser, initargs=(resources,)) as pool:
        pending: deque[Any] = deque()  # at most 2 × procs batches in flight: memory stays bounded
        items = iter(articles)  # read here, in this process and thread (progress callbacks, the build's report)
        while batch := list(islice(items, ANALYSIS_BATCH)):
            pending.append(pool.map_async(_encode_there, batch))
            if len(pending) >= 2 * procs:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def _actions(index: str, articles: Iterable[tuple[Article, str]], resources: Resources,
             procs: int) -> Iterator[Any]:
    for encoded in _encoded(articles, resources, procs):
        for paragraph_id, routing, source in encoded:
            yield {"index": {"_index": index, "_id": paragraph_id, "routing": routing}}
            yield source


def write(client: Any, index: str, articles: Iterable[tuple[Article, str]], resources: Resources,
          procs: int = 1) -> int:
    """Bulk-index every paragraph of `articles` (with their files' content hashes) into `index`, then refresh;
    returns the number of paragraphs. Raises WriteFailed when any document was refused. `procs` analysing
    processes (see `_encoded`)."""
    written = send(client, _actions(index, articles, resources, procs))
    client.indices.refresh(index=index)
    return written


def _send(client: Any, batch: list[Any], lines: int = 2) -> int:
    """One bulk request of `lines` lines per document; returns the documents sent."""
    response = client.bulk(body=batch)
    if response["errors"]:
        failed = next(item for item in response["items"] if "error" in next(iter(item.values())))
        raise WriteFailed(f"OpenSearch refused a document: {failed}")
    return len(batch) // lines


def document_actions(index: str, docs: Iterable[Mapping[str, Any]], analysers: dict[str, Any]) -> Iterator[Any]:
    """Bulk lines indexing paragraph documents (searcher/index/documents.py), each routed by its article id."""
    for doc in docs:
        yield {"index": {"_index": index, "_id": doc["id"], "routing": doc["article_id"]}}
        yield encode(doc, analysers)


def send(client: Any, actions: Iterable[Any], lines: int = 2) -> int:
    """Bulk requests of BATCH documents (`lines` lines each) until `actions` is used up; returns the documents
    sent. Raises WriteFailed when any document was refused."""
    sent = 0
    batch: list[Any] = []
    for action in actions:
        batch.append(action)
        if len(batch) >= lines * BATCH:
            sent += _send(client, batch, lines)
            batch = []
    if batch:
        sent += _send(client, batch, lines)
    return sent


def rebuild(client: Any, alias: str, articles: Iterable[tuple[Article, str]], resources: Resources,
            shards: int = 1, replicas: int = 0, procs: int = 1) -> tuple[str, int]:
    """Fill a new index and switch `alias` to it atomically, then delete the indexes it pointed to before (and
    any a killed build left). Returns the new index's name and its number of paragraphs. Whatever stops the build
    (an error, a refused document, KeyboardInterrupt) deletes the new index and leaves the alias on the old one."""
    for leftover in abandoned(client, alias):  # one build at a time: a build running meanwhile then fails
        client.indices.delete(index=leftover, ignore_unavailable=True)
    previous = current_indexes(client, alias)
    index = index_name(alias)
    body = index_body(resources, shards, 0)
    body["settings"]["refresh_interval"] = "-1"  # bulk loading: no refreshes and no replicas to copy into yet
    client.indices.create(index=index, body=body)
    try:
        written = write(client, index, articles, resources, procs)
        _ready(client, index, replicas)
        actions: list[dict[str, Any]] = [{"remove": {"index": old, "alias": alias}} for old in previous]
        client.indices.update_aliases(body={"actions": [*actions, {"add": {"index": index, "alias": alias}}]})
    except BaseException:
        client.indices.delete(index=index, ignore_unavailable=True)
        raise
    for old in previous:
        client.indices.delete(index=old, ignore_unavailable=True)
    return index, written


def _ready(client: Any, index: str, replicas: int) -> None:
    """Give a filled index its replicas and normal refreshes, and wait until every copy is allocated (green): the
    alias never moves to an index less safe than asked for. On a cluster with too few nodes for `replicas`, or
    when copying takes longer than REPLICA_WAIT, the build fails and the alias stays where it was."""
    client.indices.put_settings(index=index, body={"index": {"number_of_replicas": replicas,
                                                             "refresh_interval": None}})  # `write` refreshed it
    if replicas == 0:
        return
    health = client.cluster.health(index=index, wait_for_status="green", timeout=REPLICA_WAIT,
                                   params={"request_timeout": _seconds(REPLICA_WAIT) + 30,
                                           "ignore": 408})  # 408: timed out, the body still holds the health
    if health.get("timed_out") or health.get("status") != "green":
        raise BackendUnavailable(index, f"its {replicas} replica(s) of each shard were not all allocated within "
                                 f"{REPLICA_WAIT} ({health.get('unassigned_shards')} copies unassigned on "
                                 f"{health.get('number_of_data_nodes')} data node(s)): build with fewer --replicas "
                                 "or on more nodes")


def _seconds(duration: str) -> int:
    return int(duration.rstrip("s"))


def build(client: Any, alias: str, corpus_dir: Path, progress: Callable[[str], None] | None = None,
          shards: int = 1, replicas: int = 0, procs: int = 1) -> BuildReport:
    """`searcher build` into OpenSearch: every corpus file into a new index behind `alias` (see `rebuild`), analysed
    in `procs` processes."""
    started = time.perf_counter()
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise UnreadableFile(str(corpus_dir), "corpus directory not found")
    report = BuildReport("")

    def articles() -> Iterator[tuple[Article, str]]:
        for item in load_corpus(corpus_dir):
            if progress:
                progress(item.path)
            if isinstance(item, Skipped):
                report.skipped.append(item)
                continue
            report.files += 1
            content_hash = file_hash(corpus_dir / item.path)
            for article in item.articles:
                report.articles += 1
                report.article_ids.append(article.id)
                yield article, content_hash

    try:
        report.generation, report.paragraphs = rebuild(client, alias, articles(), load_resources(corpus_dir),
                                                       shards, replicas, procs)
    except Exception as exc:
        raise_unavailable(repr(alias), exc)
    report.seconds = time.perf_counter() - started
    return report


def live_index(client: Any, alias: str) -> str:
    """The one index behind `alias`; raises BackendUnavailable when nothing was built yet or the cluster cannot be
    reached."""
    try:
        indexes = current_indexes(client, alias)
    except Exception as exc:
        raise_unavailable(repr(alias), exc)
    if len(indexes) != 1:
        raise BackendUnavailable(repr(alias), f"it names {len(indexes)} indexes: build one with `searcher build`")
    return indexes[0]


def remove(client: Any, alias: str, article_ids: Iterable[str]) -> dict[str, int]:
    """Delete articles from the live index; returns paragraphs removed per id (0 = unknown id)."""
    index = live_index(client, alias)
    removed = {article_id: _delete_article(client, index, article_id) for article_id in article_ids}
    client.indices.refresh(index=index)
    return removed


def _delete_article(client: Any, index: str, article_id: str) -> int:
    """Delete every paragraph of one article by id (delete-by-query lives in the `reindex` module, which a
    cluster need not have); returns how many there were."""
    found = client.search(index=index, routing=article_id, body={
        "query": {"term": {"article_id": article_id}}, "size": MAX_PARAGRAPHS, "_source": False})
    ids = [hit["_id"] for hit in found["hits"]["hits"]]
    if ids:
        _send(client, [{"delete": {"_index": index, "_id": pid, "routing": article_id}} for pid in ids], 1)
    return len(ids)
