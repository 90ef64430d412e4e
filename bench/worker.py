"""One engine, one process: build over a prepared corpus, then time every query set (run by bench/run.py).

    bench/.venv/bin/python bench/worker.py --engine NAME --corpus DIR --workdir DIR --result FILE \
        --queries keywords=Q1.jsonl --queries phrases=Q2.jsonl --queries questions=Q3.jsonl[:500]

Memory is the summed RSS of this process and its children (Whoosh's writer processes), sampled every 0.1 s, so
the build peak counts every process that built. Segmentation time is jieba's module functions, timed by the peer
harness's clock, in this process only (work in child processes is not seen).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import threading
import time
from pathlib import Path

import psutil
from bench_data import corpus_paragraphs
from engines import SearcherEngine, create, peers

WARM_UP = 50


class MemoryPeak:
    """Peak summed RSS (MB) of this process tree since the last `reset`, sampled in a daemon thread."""

    def __init__(self, interval: float = 0.1) -> None:
        self.proc, self.interval, self.peak = psutil.Process(), interval, 0.0
        self._lock, self._period = threading.Lock(), 0  # a sample taken before a reset must not count after it
        threading.Thread(target=self._run, daemon=True).start()

    def now(self) -> float:
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def _run(self) -> None:
        while True:
            period = self._period
            now = self.now()
            with self._lock:
                if period == self._period:
                    self.peak = max(self.peak, now)
            time.sleep(self.interval)

    def reset(self) -> float:
        """The peak so far (MB), then start a new one."""
        now = self.now()
        with self._lock:
            peak, self.peak = max(self.peak, now), 0.0
            self._period += 1
        return round(peak, 1)


def load_query_sets(specs: list[str]) -> dict[str, tuple[str, list]]:
    """kind=path[:sample] -> (path, queries); a sample is seeded (the peer harness's load_queries, seed 1)."""
    sets = {}
    for spec in specs:
        kind, _, path = spec.partition("=")
        sample = 0
        if ":" in path:
            path, n = path.rsplit(":", 1)
            sample = int(n)
        sets[kind] = (path, peers.load_queries(path, sample=sample))
    return sets


def parts(query: str) -> list[str]:
    """What a top-10 hit must hold verbatim to count as exact: every space-separated part, quotes removed."""
    return [p.strip('"') for p in query.split() if p.strip('"')] or [query]


def answerable(queries: list, bodies: dict[str, str], cache: Path) -> set[str]:
    """The queries some paragraph answers exactly (holds every part verbatim), found by scanning every paragraph;
    kept in `cache` (one file per corpus and query file), since it is the same for every engine."""
    if cache.exists():
        return set(json.loads(cache.read_text(encoding="utf-8")))
    wanted = {q.qid: parts(q.query) for q in queries}
    found: set[str] = set()
    for body in bodies.values():
        for qid in [qid for qid, ps in wanted.items() if all(p in body for p in ps)]:
            found.add(qid)
            del wanted[qid]
    cache.write_text(json.dumps(sorted(found)), encoding="utf-8")
    return found


def exactness(queries: list, runs: dict[str, list[str]], bodies: dict[str, str], exact_ok: set[str]) -> dict:
    """exact-P@10 over every query with results, and over the queries some paragraph answers exactly; found@10:
    the share of those whose top 10 holds at least one exact paragraph."""
    n_exact = {q.qid: sum(all(p in bodies.get(i, "") for p in parts(q.query)) for i in runs[q.qid])
               for q in queries}
    every = [n_exact[q.qid] / len(runs[q.qid]) for q in queries if runs[q.qid]]
    ok = [n_exact[q.qid] / len(runs[q.qid]) for q in queries if runs[q.qid] and q.qid in exact_ok]
    return {"exact_p@10": sum(every) / len(every) if every else None,
            "exact_p@10_answerable": sum(ok) / len(ok) if ok else None,
            "exact_found@10": sum(1 for q in queries if q.qid in exact_ok and n_exact[q.qid]) / len(exact_ok)
            if exact_ok else None, "answerable": len(exact_ok)}


def time_queries(eng: peers.Engine, variant: str, queries: list, bodies: dict[str, str],
                 exact_ok: set[str] | None) -> dict:
    """A warm-up pass over the first WARM_UP queries, then one timed pass over all, top 10."""
    for q in queries[:WARM_UP]:
        eng.search(q.query, variant, 10)
    lat, cpu, runs, errors = [], [], {}, []
    for q in queries:
        c, t = time.process_time(), time.perf_counter()
        try:
            runs[q.qid] = eng.search(q.query, variant, 10)
        except Exception as exc:  # noqa: BLE001 - a rejected query counts as empty and is reported
            runs[q.qid] = []
            errors.append(f"{q.query!r}: {type(exc).__name__}: {exc}"[:200])
        lat.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    lat.sort()
    cpu.sort()
    out = {"n": len(queries), "p50_ms": peers.pct(lat, 50), "p95_ms": peers.pct(lat, 95),
           "p99_ms": peers.pct(lat, 99), "max_ms": lat[-1], "mean_ms": sum(lat) / len(lat),
           "cpu_p50_ms": peers.pct(cpu, 50), "cpu_p99_ms": peers.pct(cpu, 99),
           "zero_result_rate": sum(1 for r in runs.values() if not r) / len(queries),
           **(exactness(queries, runs, bodies, exact_ok) if exact_ok is not None else {}),
           "quality": peers.quality(runs, queries), "errors": len(errors), "error_examples": errors[:3]}
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def build(eng: peers.Engine, corpus: Path, docs: list) -> None:
    if isinstance(eng, SearcherEngine):  # this engine, on either backend, reads the corpus as `searcher build` does
        eng.build_corpus(corpus)
    else:
        eng.build(docs)


def measure_build(eng: peers.Engine, corpus: Path, docs: list, res: dict, memory: MemoryPeak) -> None:
    peers.log(f"{res['engine']}: building {len(docs)} paragraphs")
    j0, c0, t0 = peers.CLOCK.seconds, peers.cpu_s(), time.perf_counter()
    build(eng, corpus, docs)
    seconds = time.perf_counter() - t0
    children = psutil.Process().cpu_times()
    res.update(build_s=round(seconds, 2), build_cpu_s=round(peers.cpu_s() - c0 + children.children_user
                                                            + children.children_system, 1),
               jieba_build_s=round(peers.CLOCK.seconds - j0, 2), paragraphs_per_s=round(len(docs) / seconds, 1),
               index_bytes=eng.index_bytes(), rss_build_peak_mb=memory.reset())
    peers.log(f"{res['engine']}: built in {seconds:.1f} s, {res['index_bytes'] / 2**20:.1f} MB")


def reuse(eng: peers.Engine, res: dict) -> None:
    """Query the index an earlier run kept (--keep-index): no build figures."""
    if not isinstance(eng, SearcherEngine) or not eng.index_dir.is_dir():
        raise SystemExit(f"{res['engine']}: no kept index to reuse in {eng.workdir}")
    eng.open_built()
    res.update(reused_index=True, build_s=None, build_cpu_s=None, jieba_build_s=None, paragraphs_per_s=None,
               index_bytes=eng.index_bytes(), rss_build_peak_mb=None)
    peers.log(f"{res['engine']}: reusing the index in {eng.index_dir}")


def run(args: argparse.Namespace) -> dict:
    peers.CLOCK.install()
    import jieba

    memory = MemoryPeak()
    corpus = Path(args.corpus)
    docs = [peers.Doc(i, title, text) for i, title, text in corpus_paragraphs(corpus)]
    bodies = {d.id: peers.body_of(d) for d in docs}
    query_sets = load_query_sets(args.queries)
    exact = {kind: None if kind == "questions" else
             answerable(queries, bodies, corpus / f".answerable-{Path(path).stem}.json")
             for kind, (path, queries) in query_sets.items()}
    jieba.initialize()
    workdir = Path(args.workdir)
    if not args.reuse_index:
        shutil.rmtree(workdir, ignore_errors=True)
    eng = create(args.engine, str(workdir))
    res: dict = {"engine": args.engine, "version": eng.version(), "paragraphs": len(docs),
                 "corpus_chars": sum(len(b) for b in bodies.values()), "rss_base_mb": memory.reset(),
                 "loadavg_start": round(os.getloadavg()[0], 2)}
    if args.reuse_index:
        reuse(eng, res)
    else:
        measure_build(eng, corpus, docs, res, memory)
    res["variants"] = {}
    for variant in eng.variants:
        row = {kind: time_queries(eng, variant, queries, bodies, exact[kind])
               for kind, (_, queries) in query_sets.items()}
        label = args.engine if len(eng.variants) == 1 else f"{args.engine}_{variant}"
        res["variants"][label] = row
        peers.log(f"{label}: " + "; ".join(f"{k} p50 {v['p50_ms']:.2f} p99 {v['p99_ms']:.2f} ms"
                                          for k, v in row.items()))
    res["rss_query_peak_mb"] = memory.reset()
    res["loadavg_end"] = round(os.getloadavg()[0], 2)
    eng.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--result", required=True)
    ap.add_argument("--queries", action="append", default=[], help="kind=path[:sample]")
    ap.add_argument("--reuse-index", action="store_true", help="query the index kept in WORKDIR, do not build")
    args = ap.parse_args()
    res = run(args)
    Path(args.result).write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
