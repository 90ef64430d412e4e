"""One benchmark command: this engine and its peers, in one run on one machine, at one or more corpus sizes.

    python3 bench/run.py [--paragraphs 40k,112k,1.1m] [--engines searcher,whoosh_naive,tantivy,sqlite_fts5,opensearch]
    make bench PARAGRAPHS=40k,112k

Per size it prepares the corpus (the CMRC 2018 dev paragraphs plus the first N news paragraphs; 1.1m is the news ten
times over with new ids) under bench/.cache, and per engine, in its own process: build seconds, paragraphs/s, index
MB, peak RSS building and querying, and p50/p95/p99 (top 10, warm) of 200 keyword queries (the peer harness's
make_queries.py), 200 quoted phrases and 500 CMRC questions (MRR@10, R@10), with the share of top-10 hits holding
every query word verbatim (exact-P@10). Then `searcher serve` on this engine's index: time to the first answer after
start, and wrk (16 connections, 20 s, loopback) for requests/s and latency percentiles. `opensearch` is the same
engine on its OpenSearch backend, against a one-node cluster started for it from the launcher in cluster/ (JDK 17
and Maven, as `make test` uses; its JVM's memory is reported beside the worker's).

Benchmark-only dependencies (tantivy, psutil, py-spy) live in bench/.venv, which this script creates (`pip install
-e '.[bench]'`) and re-runs itself in; the product's .venv is never touched. wrk comes from Debian (`make
bench-deps`). Writes RESULT.json and RESULT.md (default bench/results/run-DATE); indexes go to bench/.cache/idx and
are deleted after each engine unless --keep-index.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv"
DEFAULT_ENGINES = "searcher,whoosh_naive,tantivy,sqlite_fts5,opensearch"
SERVED = ("searcher", "opensearch")  # the engines `searcher serve` runs on, measured over HTTP too
OPENSEARCH_HEAP = "2g"


def ensure_venv() -> None:
    """Re-run inside bench/.venv, creating it (with the project and its `bench` extra) if needed."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    stamp = VENV / ".installed"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if not python.exists() or not stamp.exists() or stamp.read_text(encoding="utf-8") != pyproject:
        print(f"setting up {VENV} (benchmark-only dependencies)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", f"{ROOT}[bench]"], check=True)
        stamp.write_text(pyproject, encoding="utf-8")
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_engine(name: str, corpus: Path, query_specs: list[str], workdir: Path, timeout: int,
               env: dict[str, str], reuse_index: bool = False) -> dict:
    """One engine's worker process; its result, or what went wrong."""
    result = workdir.with_name(workdir.name + ".json")
    result.unlink(missing_ok=True)
    cmd = [sys.executable, str(HERE / "worker.py"), "--engine", name, "--corpus", str(corpus),
           "--workdir", str(workdir), "--result", str(result)]
    cmd += [x for spec in query_specs for x in ("--queries", spec)]
    cmd += ["--reuse-index"] if reuse_index else []
    started = time.perf_counter()
    try:
        rc = subprocess.run(cmd, timeout=timeout, check=False, env={**os.environ, **env}).returncode
    except subprocess.TimeoutExpired:
        rc = f"timeout after {timeout} s"
    if rc == 0 and result.exists():
        res = json.loads(result.read_text(encoding="utf-8"))
        result.unlink()
    else:
        res = {"engine": name, "error": f"failed (rc={rc})"}
    res["worker_wall_s"] = round(time.perf_counter() - started, 1)
    return res


def keyword_list(path: Path) -> list[str]:
    return [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@contextmanager
def backend_for(engine: str, workdir: Path) -> Iterator[tuple[dict[str, str], Callable[[], dict]]]:
    """What an engine's worker and server need around them: for `opensearch`, a one-node cluster of the launcher
    the tests use (cluster/, built by Maven), its address in the environment and its JVM's memory; else nothing."""
    if engine != "opensearch":
        yield {}, dict
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from http_load import memory_mb
    from opensearch_cluster import start_cluster

    home = workdir.with_name(workdir.name + "-cluster")  # beside the workdir, which the worker empties
    shutil.rmtree(home, ignore_errors=True)
    cluster = start_cluster(nodes=1, tmp_path=home, heap=OPENSEARCH_HEAP)
    node = cluster.nodes[0]
    env = {"BENCH_OPENSEARCH_URL": cluster.url, "SEARCHER_BACKEND": "opensearch",
           "SEARCHER_OPENSEARCH_URL": cluster.url, "SEARCHER_OPENSEARCH_INDEX": "bench"}

    def node_memory() -> dict:
        mem = memory_mb(node.process.pid)  # type: ignore[union-attr]
        return {"heap": OPENSEARCH_HEAP, "rss_mb": round(mem["VmRSS"], 1), "rss_peak_mb": round(mem["VmHWM"], 1)}

    try:
        yield env, node_memory
    finally:
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)


def measure_size(size: int, args: argparse.Namespace, report: dict, save) -> None:
    from bench_data import CACHE, keyword_queries, label, phrase_queries, prepare_corpus, question_queries
    from http_load import measure

    name = label(size)
    log(f"== {name}: preparing corpus and queries")
    corpus = prepare_corpus(size)
    sample_from = min(40_000, min(args.sizes))
    keywords = keyword_queries(sample_from, args.keywords)
    specs = [f"keywords={keywords}", f"phrases={phrase_queries(sample_from, args.phrases)}",
             f"questions={question_queries()}:{args.questions}"]
    entry = {"label": name, "paragraphs": int((corpus / ".done").read_text()),
             "queries": {"keywords": args.keywords, "phrases": args.phrases, "questions": args.questions},
             "engines": []}
    report["sizes"].append(entry)
    for engine in args.engines:
        workdir = CACHE / "idx" / f"{engine}-{name}"
        log(f"== {name}: {engine}")
        with backend_for(engine, workdir) as (env, node_memory):
            res = run_engine(engine, corpus, specs, workdir, args.timeout, env, args.reuse_index)
            if engine in SERVED and "build_s" in res and args.http_seconds > 0:
                log(f"== {name}: searcher serve ({engine}) + wrk {args.connections} connections, {args.http_seconds} s")
                res["http"] = measure(str(VENV / "bin" / "searcher"), workdir / "index", corpus,
                                      keyword_list(keywords), args.http_seconds, args.connections,
                                      args.server_threads, args.http_warmup, env, args.server_workers)
            if env:
                res["cluster"] = node_memory()
        entry["engines"].append(res)
        if not (args.keep_index or args.reuse_index):
            shutil.rmtree(workdir, ignore_errors=True)
        save()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", default="40k", help="comma-separated sizes: 40k, 112k (all news), 1.1m, 5000...")
    ap.add_argument("--engines", default=DEFAULT_ENGINES)
    ap.add_argument("--keywords", type=int, default=200, help="keyword queries (make_queries.py)")
    ap.add_argument("--phrases", type=int, default=200, help="quoted-phrase queries")
    ap.add_argument("--questions", type=int, default=500, help="CMRC 2018 dev questions (seeded sample)")
    ap.add_argument("--http-seconds", type=int, default=20, help="wrk duration; 0 skips the HTTP measurement")
    ap.add_argument("--http-warmup", type=int, default=0, help="seconds of unmeasured wrk load before the measured run")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--server-threads", type=int, default=8, help="searcher serve --threads (per process)")
    ap.add_argument("--server-workers", type=int, default=os.cpu_count() or 1,
                    help="searcher serve --workers (processes; default one per core, as the README advises)")
    ap.add_argument("--timeout", type=int, default=6 * 3600, help="seconds per engine and size")
    ap.add_argument("--keep-index", action="store_true", help="keep the indexes under bench/.cache/idx")
    ap.add_argument("--reuse-index", action="store_true",
                    help="this engine only: query the index a --keep-index run left, without building (implies "
                         "--keep-index)")
    ap.add_argument("--out", help="result path without suffix (default bench/results/run-DATE)")
    args = ap.parse_args()
    ensure_venv()
    sys.path.insert(0, str(HERE))
    from bench_data import parse_size
    from report import markdown, outputs, save

    args.sizes = [parse_size(s) for s in args.paragraphs.split(",") if s.strip()]
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    out = Path(args.out or HERE / "results" / f"run-{time.strftime('%Y%m%d-%H%M')}")
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"meta": {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": " ".join(sys.argv),
                       "machine": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                       "note": "2 cores shared with other work: compare ratios within one run"},
              "sizes": []}

    for size in args.sizes:
        measure_size(size, args, report, lambda: save(report, out))
    print(markdown(report))
    log("wrote {} and {}".format(*outputs(out)))


if __name__ == "__main__":
    main()
