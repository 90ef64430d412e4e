"""The engines a benchmark run compares: this project's `searcher` and the peers of the shared harness
(../shared/bench/peers.py: Whoosh as tutorials set it up, tantivy and SQLite FTS5 over jieba words).

Every engine answers `search(query, variant, k)` with source paragraph ids, so ranked lists compare across engines.
The peers index the paragraphs one by one (`build(docs)`); this engine reads the prepared corpus directory through
its normal JSONL reader and `build_index`, as `searcher build` does. `opensearch` is this engine's OpenSearch backend
on a one-node cluster that bench/run.py starts (its address in BENCH_OPENSEARCH_URL): `searcher build` with
SEARCHER_BACKEND=opensearch, then the same `Engine.search`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from bench_data import PEERS, paragraph_id

sys.path.insert(0, str(PEERS))
import peers  # noqa: E402  (the shared harness, read-only beside the project)

PEER_ENGINES = ("whoosh_naive", "tantivy", "sqlite_fts5")
SEARCHER = "searcher"
OPENSEARCH = "opensearch"


class SearcherEngine(peers.Engine):
    """`build_index` with the CLI's defaults (two writer processes on two cores) and `Engine.search`, top 10 with
    highlights, exactly what `searcher search --json` and /api/search do, but without the cache of answers: the
    timed pass asks again the queries of the warm-up pass, and the peers keep no answers either. (The HTTP test's
    server keeps them, as served; SEARCHER_RESULT_CACHE_MB=0 in the environment turns them off there too.)"""

    name = SEARCHER
    variants = ("default",)

    def __init__(self, workdir: str) -> None:
        super().__init__(workdir)
        from searcher.index.build import build_index
        from searcher.search.engine import Engine

        self._engine_class, self._build_index = Engine, build_index
        self.index_dir = Path(workdir) / "index"
        self.procs = min(2, os.cpu_count() or 1)
        self.engine: Any = None
        self.paragraphs = 0

    def build_corpus(self, corpus: Path) -> None:
        report = self._build_index(corpus, self.index_dir, procs=self.procs)
        self.paragraphs = report.paragraphs
        self.engine = self._engine_class(self.index_dir, result_cache_mb=0)
        self.engine.warm_up()

    def open_built(self) -> None:
        """Search the index already in the workdir (bench/run.py --reuse-index)."""
        self.engine = self._engine_class(self.index_dir, result_cache_mb=0)
        self.engine.warm_up()

    def search(self, query: str, variant: str, k: int) -> list[str]:
        result = self.engine.search(query[:500], size=k)
        return [paragraph_id(hit.article.id, hit.paragraph) for hit in result.hits]

    def index_bytes(self) -> int:
        return peers.dir_bytes(str(self.index_dir))

    def version(self) -> str:
        from importlib.metadata import version

        return f"searcher {version('searcher')}, whoosh-reloaded {version('whoosh-reloaded')}"


class OpenSearchBackend(SearcherEngine):
    """The OpenSearch backend (searcher/backends/opensearch): the corpus read and analysed by this engine (in the
    CLI's default two processes), sent pre-tokenized in bulk into a new index behind an alias (one shard, no
    replica: one node on this machine), then searched through `OpenSearchEngine`, the same plan and highlights as
    `searcher`. Its index size is the cluster's store size of that index; the node's memory is bench/run.py's."""

    name = OPENSEARCH
    alias = "bench"

    def __init__(self, workdir: str) -> None:
        peers.Engine.__init__(self, workdir)
        from searcher.backends.opensearch import writer
        from searcher.backends.opensearch.client import connect
        from searcher.backends.opensearch.engine import OpenSearchEngine

        self.url = os.environ["BENCH_OPENSEARCH_URL"]
        self.client, self._writer, self._engine_class = connect(self.url), writer, OpenSearchEngine
        self.procs = min(2, os.cpu_count() or 1)  # analysing processes: the CLI's default
        self.engine: Any = None
        self.paragraphs = 0

    def build_corpus(self, corpus: Path) -> None:
        report = self._writer.build(self.client, self.alias, corpus, procs=self.procs)  # as `searcher build`
        self.paragraphs = report.paragraphs
        self.engine = self._engine_class(self.url, self.alias, client=self.client)
        self.engine.warm_up()

    def index_bytes(self) -> int:
        stats = self.client.indices.stats(index=self.alias, metric="store")
        return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])

    def version(self) -> str:
        from importlib.metadata import version

        cluster = self.client.info()["version"]["number"]
        return f"searcher {version('searcher')}, OpenSearch {cluster}, opensearch-py {version('opensearch-py')}"


def create(name: str, workdir: str) -> peers.Engine:
    if name == SEARCHER:
        return SearcherEngine(workdir)
    if name == OPENSEARCH:
        return OpenSearchBackend(workdir)
    if name not in PEER_ENGINES:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join((SEARCHER, OPENSEARCH, *PEER_ENGINES))}")
    return peers.ENGINES[name](workdir)
