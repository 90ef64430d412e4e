"""Relevance on real judgments: CMRC 2018 dev questions against their paragraphs plus 112k news distractors.

    .venv/bin/python bench/relevance.py [--limit N] [--reuse] [--opensearch]

Builds (through the normal JSONL reader and `build_index`) an index of the 848 CMRC 2018 dev paragraphs and the
112,374 news paragraphs in ../shared/eval/news, asks the dev questions, and prints MRR@10, Recall@1 and
Recall@10 for this engine and, in the same run, for plain jieba + BM25 over the same title and text.

With `--opensearch` the same corpus is also built into the OpenSearch backend, on a one-node cluster started from
the launcher the tests use (cluster/, JDK 17 and Maven; the `opensearch` extra), and asked the same questions: the
parity of issue 10 (its MRR@10 beside the Whoosh backend's, and how many questions get the same top 10 on both).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searcher.analysis.tokenizers import segment  # noqa: E402
from searcher.index.build import build_index  # noqa: E402
from searcher.search.engine import Engine  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


class Row(NamedTuple):
    name: str
    metrics: dict[str, float]
    p50: float | None
    p99: float | None
    seconds: float
    ranked: list[list[str]]
CACHE = ROOT / "bench" / ".cache" / "relevance"


def prepare_corpus(target: Path, split: str = "dev") -> None:
    """The eval corpus as JSONL files, the format users export from a content system."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(EVAL / "cmrc2018" / f"cmrc2018-{split}.corpus.jsonl", target / f"cmrc2018-{split}.jsonl")
    with gzip.open(EVAL / "news" / "xwlb_paragraphs.jsonl.gz", "rt", encoding="utf-8") as src:
        (target / "news.jsonl").write_text(src.read(), encoding="utf-8")


def load_queries(limit: int | None, split: str = "dev") -> list[dict]:
    path = EVAL / "cmrc2018" / f"cmrc2018-{split}.queries.jsonl"
    queries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return queries[:limit] if limit else queries


class PlainBM25:
    """The baseline: jieba accurate-mode words, BM25 (k1=1.2, b=0.75) over title + text, OR of query words."""

    def __init__(self, docs: list[tuple[str, str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids, self.k1, self.b = [], k1, b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = []
        for n, (doc_id, text) in enumerate(docs):
            counts = Counter(w for w, _, _ in segment(text))
            for word, tf in counts.items():
                self.postings[word].append((n, tf))
            self.ids.append(doc_id)
            lengths.append(sum(counts.values()))
        self.lengths, self.avg = lengths, sum(lengths) / max(1, len(lengths))

    def search(self, query: str, k: int = 10) -> list[str]:
        scores: Counter[int] = Counter()
        total = len(self.ids)
        for word in {w for w, _, _ in segment(query)}:
            posting = self.postings.get(word, [])
            idf = math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
            for n, tf in posting:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[n] / self.avg)
                scores[n] += idf * tf * (self.k1 + 1) / (tf + norm)
        return [self.ids[n] for n, _ in scores.most_common(k)]


def baseline_docs(corpus: Path) -> list[tuple[str, str]]:
    docs = []
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            docs.append((row["id"], f"{row.get('title', '')}\n{row['text']}"))
    return docs


def metrics(ranked: list[list[str]], queries: list[dict]) -> dict[str, float]:
    rr, r1, r10 = 0.0, 0, 0
    for ids, q in zip(ranked, queries, strict=True):
        relevant = set(q["relevant"])
        hit = next((i for i, doc in enumerate(ids[:10]) if doc in relevant), None)
        if hit is not None:
            rr += 1 / (hit + 1)
            r10 += 1
            r1 += hit == 0
    n = len(queries)
    return {"MRR@10": rr / n, "R@1": r1 / n, "R@10": r10 / n}


def engine_ranking(engine: Engine, queries: list[dict]) -> tuple[list[list[str]], list[float]]:
    ranked, times = [], []
    for q in queries:
        result = engine.search(q["query"][:500], size=10)
        ranked.append([h.article.id for h in result.hits])
        times.append(result.took_ms)
    return ranked, times


def opensearch_ranking(corpus: Path, queries: list[dict]) -> tuple[list[list[str]], list[float]]:
    """The questions asked of the OpenSearch backend, built from `corpus` into a temporary one-node cluster."""
    sys.path.insert(0, str(ROOT / "tests"))
    from opensearch_cluster import start_cluster

    from searcher.backends.opensearch import writer
    from searcher.backends.opensearch.engine import OpenSearchEngine

    home = CACHE.with_name("relevance-opensearch")
    shutil.rmtree(home, ignore_errors=True)
    cluster = start_cluster(nodes=1, tmp_path=home, heap="2g")
    try:
        report = writer.build(cluster.client(timeout=120), "relevance", corpus)
        print(f"built {report.paragraphs} paragraphs into OpenSearch in {report.seconds:.0f} s", file=sys.stderr)
        return engine_ranking(OpenSearchEngine(cluster.url, "relevance"), queries)
    finally:
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)


def timed_row(name: str, rank: Callable[[], tuple[list[list[str]], list[float]]], queries: list[dict]) -> Row:
    started = time.perf_counter()
    ranked, times = rank()
    times.sort()
    return Row(name, metrics(ranked, queries), times[len(times) // 2], times[int(len(times) * 0.99) - 1],
               time.perf_counter() - started, ranked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="ask only the first N questions")
    parser.add_argument("--reuse", action="store_true", help="reuse the index built by an earlier run")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--opensearch", action="store_true", help="also ask the OpenSearch backend (issue 10)")
    parser.add_argument("--split", choices=["dev", "trial"], default="dev",
                        help="dev (3,219 questions; the weights were tuned on it) or trial (1,000, held out)")
    args = parser.parse_args()
    cache = CACHE if args.split == "dev" else CACHE.with_name(f"relevance-{args.split}")
    corpus, index = cache / "corpus", cache / "index"
    if not (args.reuse and (index / "CURRENT").exists()):
        shutil.rmtree(cache, ignore_errors=True)
        prepare_corpus(corpus, args.split)
        report = build_index(corpus, index)
        print(f"built {report.paragraphs} paragraphs in {report.seconds:.0f} s", file=sys.stderr)
    queries = load_queries(args.limit, args.split)
    rows = [timed_row("searcher (this engine)", lambda: engine_ranking(Engine(index), queries), queries)]
    if args.opensearch:
        rows.append(timed_row("searcher on OpenSearch", lambda: opensearch_ranking(corpus, queries), queries))
    if not args.no_baseline:
        started = time.perf_counter()
        bm25 = PlainBM25(baseline_docs(corpus))
        ranked = [bm25.search(q["query"]) for q in queries]
        rows.append(Row("plain jieba + BM25", metrics(ranked, queries), None, None, time.perf_counter() - started,
                        ranked))
    print(f"\nCMRC 2018 {args.split}: {len(queries)} questions")
    print("| engine | MRR@10 | R@1 | R@10 | p50 ms | p99 ms |\n|---|---|---|---|---|---|")
    for row in rows:
        m = row.metrics
        lat = f"{row.p50:.0f} | {row.p99:.0f}" if row.p50 is not None else "– | –"
        print(f"| {row.name} | {m['MRR@10']:.3f} | {m['R@1']:.3f} | {m['R@10']:.3f} | {lat} |")
    if args.opensearch:
        whoosh, opensearch = rows[0], rows[1]
        same = sum(a == b for a, b in zip(whoosh.ranked, opensearch.ranked, strict=True))
        first = sum(a[:1] == b[:1] for a, b in zip(whoosh.ranked, opensearch.ranked, strict=True))
        print(f"\nparity: MRR@10 difference {opensearch.metrics['MRR@10'] - whoosh.metrics['MRR@10']:+.4f}; "
              f"the same top 10 for {same} of {len(queries)} questions, the same first hit for {first}")


if __name__ == "__main__":
    main()
