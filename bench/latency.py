"""Query latency on the relevance benchmark's index (113k paragraphs): keyword, two-word, phrase and question
queries, each timed through `Engine.search` (parse, search, highlight) on a warm engine.

    .venv/bin/python bench/latency.py [--per-kind N]

Needs the index that `bench/relevance.py` builds (bench/.cache/relevance/index); builds it if missing.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searcher.analysis.tokenizers import segment  # noqa: E402
from searcher.index.build import build_index  # noqa: E402
from searcher.search.engine import Engine  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "relevance"


def sample_words(corpus: Path, count: int, rng: random.Random) -> list[str]:
    """Content words (2+ characters) drawn from real paragraphs, so queries have realistic frequencies."""
    lines = (corpus / "news.jsonl").read_text(encoding="utf-8").splitlines()
    words: list[str] = []
    while len(words) < count:
        text = json.loads(rng.choice(lines))["text"]
        candidates = [w for w, _, _ in segment(text) if len(w) >= 2 and not w.isascii()]
        if candidates:
            words.append(rng.choice(candidates))
    return words


def queries(corpus: Path, per_kind: int) -> dict[str, list[str]]:
    rng = random.Random(7)
    words = sample_words(corpus, per_kind * 4, rng)
    questions = [json.loads(line)["query"] for line in
                 (ROOT.parent / "shared/eval/cmrc2018/cmrc2018-dev.queries.jsonl").read_text().splitlines()]
    return {
        "one word": words[:per_kind],
        "two words": [f"{a} {b}" for a, b in zip(words[per_kind : 2 * per_kind], words[2 * per_kind : 3 * per_kind],
                                                   strict=True)],
        "quoted phrase": [f'"{w}"' for w in words[3 * per_kind :]],
        "question": rng.sample(questions, per_kind),
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-kind", type=int, default=100)
    args = parser.parse_args()
    index = CACHE / "index"
    if not (index / "CURRENT").exists():
        from relevance import prepare_corpus  # type: ignore[import-not-found]

        prepare_corpus(CACHE / "corpus")
        build_index(CACHE / "corpus", index)
    engine = Engine(index, result_cache_mb=0)  # the cost of answering, not of finding a kept answer
    engine.warm_up()
    paragraphs = engine.health()["paragraphs"]
    print(f"{paragraphs} paragraphs; {args.per_kind} queries of each kind; times in ms (Engine.search, warm)\n")
    print("| kind | p50 | p95 | p99 | max | mean hits |\n|---|---|---|---|---|---|")
    for kind, batch in queries(CACHE / "corpus", args.per_kind).items():
        times, totals = [], []
        for q in batch:
            started = time.perf_counter()
            result = engine.search(q)
            times.append((time.perf_counter() - started) * 1000)
            totals.append(result.total)
        print(f"| {kind} | {percentile(times, 50):.0f} | {percentile(times, 95):.0f} | {percentile(times, 99):.0f} "
              f"| {max(times):.0f} | {statistics.mean(totals):.0f} |")


if __name__ == "__main__":
    main()
