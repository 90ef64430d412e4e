"""A first look at the OpenSearch backend beside Whoosh on the bundled seed pages: build time, search latency and
whether both find the same paragraphs (docs/scale-out.md). Starts a one-node cluster like the tests do.

    .venv/bin/python bench/opensearch_smoke.py [--corpus corpus] [--rounds 20]

Indicative only (one small corpus, one node): scale and parity figures are issue 10's item 5.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the cluster launcher the tests use

from opensearch_cluster import start_cluster  # noqa: E402

from searcher.backends.opensearch import writer  # noqa: E402
from searcher.backends.opensearch.engine import OpenSearchEngine  # noqa: E402
from searcher.index.build import build_index  # noqa: E402
from searcher.search.engine import Engine  # noqa: E402

QUERIES = ["嘉兴", "光伏 企业", '"南湖"', "嘉兴 -光伏", "上海 嘉兴", "嘉兴的光伏企业有多少家？", "经济"]


def timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    whoosh_build = timed(lambda: build_index(args.corpus, tmp / "index"))
    cluster = start_cluster(nodes=1, tmp_path=tmp)
    try:
        client = cluster.client()
        opensearch_build = timed(lambda: writer.build(client, "smoke", args.corpus))
        print(f"build: whoosh {whoosh_build:.2f} s, opensearch {opensearch_build:.2f} s")
        engines = {"whoosh": Engine(tmp / "index"), "opensearch": OpenSearchEngine(cluster.url, "smoke", client=client)}
        for name, engine in engines.items():
            engine.search("预热")
            times = sorted(timed(lambda q=q, e=engine: e.search(q)) * 1000 for _ in range(args.rounds) for q in QUERIES)
            print(f"{name}: {len(times)} searches, p50 {statistics.median(times):.1f} ms, "
                  f"p90 {times[int(len(times) * 0.9)]:.1f} ms")
        for query in QUERIES:
            a, b = (engine.search(query, size=100) for engine in engines.values())
            same = {h.id for h in a.hits} == {h.id for h in b.hits} and a.total == b.total
            print(f"{query}: {a.total} / {b.total} hits, {'same' if same else 'DIFFERENT'} paragraphs")
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
