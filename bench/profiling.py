"""Where the time goes: cProfile of an index build and of slow queries, summed into stages.

    bench/.venv/bin/python bench/profiling.py build [--paragraphs 5000]
    bench/.venv/bin/python bench/profiling.py queries --index bench/.cache/idx/searcher-40k/index [--repeat 3] \
        [--slowest-of bench/.cache/queries/keywords-40k-200.jsonl] [QUERY ...]

`build` indexes the first N news paragraphs (as stories) with ONE writer process, so that every stage runs in the
profiled process, and keeps the index in bench/.cache/profile-build/index for bench/index_sizes.py. `queries` times
and profiles `Engine.search` on a built index for a few slow shapes: a common 3-character word, two-word ANDs and a
query whose strict AND finds nothing (the OR fallback). Both print a stage table and the top functions, and save
the raw profile (.prof) next to the index for snakeviz / pstats.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_data import CACHE, prepare_corpus  # noqa: E402

# Stage name -> functions (file suffix, function name) whose cumulative time is that stage. Nested stages are
# listed inner first; each line is a share of the whole run, so they overlap (jieba is inside "analysis").
BUILD_STAGES = {
    "reading + parsing corpus files": [("searcher/corpus/reading.py", "load_corpus")],
    "writer.add_document": [("whoosh/writing.py", "add_document")],
    "  field.index: analysis + posting encoding": [("whoosh/formats.py", "word_values")],
    "    tokenizers (jieba words, n-grams)": [("searcher/analysis/tokenizers.py", "__call__")],
    "      jieba words (jieba-rs and jieba)": [("searcher/analysis/segmentation.py", "cut")],
    "      normalize (NFKC, simplified)": [("searcher/analysis/normalize.py", "normalize")],
    "  posting pool: sort + pickle runs to disk": [("whoosh/externalsort.py", "save")],
    "writer.commit": [("whoosh/writing.py", "commit")],
    "  merge sorted runs (unpickle + heap merge)": [("whoosh/externalsort.py", "_read_run")],
    "  write postings blocks + term index": [("whoosh/codec/base.py", "add_postings")],
    "    field-length lookups per posting": [("whoosh/codec/whoosh3.py", "doc_field_length")],
    "    zlib compression of blocks": [("~", "<built-in method zlib.compress>")],
    "pickle.dump of postings (runs)": [("~", "<built-in method _pickle.dump>")],
    "pickle.load of postings (runs)": [("~", "<built-in method _pickle.load>")],
}
SLOW_QUERIES = ["重实践", "发展 经济", "习近平 会见", "疫情 防控 措施", "长江 光伏 嘉兴", "总书记 冰雪运动"]


def stage_table(stats: pstats.Stats, stages: dict[str, list[tuple[str, str]]]) -> list[str]:
    total = stats.total_tt  # type: ignore[attr-defined]
    cumulative: dict[tuple[str, str], float] = {}
    for (path, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for name, targets in stages.items():
            for suffix, fname in targets:
                if path.endswith(suffix) and func == fname:
                    cumulative[(name, suffix)] = max(cumulative.get((name, suffix), 0.0), ct)
    lines = [f"| stage | s | share of {total:.0f} s |", "|---|---:|---:|"]
    for name, targets in stages.items():
        seconds = sum(cumulative.get((name, suffix), 0.0) for suffix, _ in targets)
        lines.append(f"| {name} | {seconds:.1f} | {100 * seconds / total:.0f} % |")
    return lines


def top_functions(stats: pstats.Stats, sort: str, count: int) -> str:
    buffer = io.StringIO()
    stats.stream = buffer  # type: ignore[attr-defined]
    stats.sort_stats(sort).print_stats(count)
    return "\n".join(line for line in buffer.getvalue().splitlines() if line.strip()
                     and not line.lstrip().startswith(("Ordered by", "List reduced")))


def render_build(prof: Path) -> None:
    """The stage table of a saved build profile (`build --render`), without building again."""
    print("\n".join(stage_table(pstats.Stats(str(prof)), BUILD_STAGES)))


def profile_build(paragraphs: int) -> None:
    from searcher.index.build import build_index

    corpus = prepare_corpus(paragraphs, questions=False)
    out = CACHE / "profile-build"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    profiler = cProfile.Profile(time.process_time)  # CPU time: other work on the machine does not inflate it
    started = time.perf_counter()
    report = profiler.runcall(build_index, corpus, out / "index", procs=1)
    wall = time.perf_counter() - started
    profiler.dump_stats(out / "build.prof")
    stats = pstats.Stats(profiler)
    print(f"build of {report.paragraphs} paragraphs, one writer process: {wall:.1f} s under cProfile "
          f"({report.paragraphs / wall:.0f} paragraphs/s; without the profiler it is faster)\n")
    print("\n".join(stage_table(stats, BUILD_STAGES)))
    print("\n" + "\n".join(field_costs(corpus, out / "index")))
    print("\nTop functions by own time:\n```")
    print(top_functions(stats, "tottime", 25))
    print("```")


def field_costs(corpus: Path, index: Path) -> list[str]:
    """Per indexed field: seconds of `field.index` (analysis + posting encoding) over the same documents, and the
    postings it yields, outside the profiler; Whoosh's own sort and write come on top, per posting."""
    from whoosh import index as whoosh_index

    from searcher.corpus.reading import load_corpus
    from searcher.index import store
    from searcher.index.build import paragraph_documents

    schema = whoosh_index.open_dir(str(store.require_generation(index))).schema
    docs = [doc for item in load_corpus(corpus) if hasattr(item, "articles")
            for article in item.articles for doc in paragraph_documents(article, "")]
    lines = ["| field | field.index s | postings | postings/paragraph |", "|---|---:|---:|---:|"]
    for name in sorted(n for n in schema.names() if schema[n].indexed and any(n in d for d in docs)):
        field, started, postings = schema[name], time.perf_counter(), 0
        for doc in docs:
            if doc.get(name) is not None:
                postings += sum(1 for _ in field.index(doc[name]))
        seconds = time.perf_counter() - started
        lines.append(f"| {name} | {seconds:.2f} | {postings:,} | {postings / len(docs):.1f} |")
    return lines


def slowest(engine: Any, path: Path, count: int) -> list[str]:
    """The `count` slowest queries of a query file (one timed pass each), printed with their timing."""
    import json

    queries = [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    timed = []
    for q in queries:
        started = time.perf_counter()
        result = engine.search(q)
        timed.append(((time.perf_counter() - started) * 1000, q, result.total, result.partial))
    timed.sort(reverse=True)
    partial = [t for t in timed if t[3]]
    print(f"{len(queries)} queries of {path.name}: {len(partial)} fell back to partial matches "
          f"(mean {sum(t[0] for t in partial) / max(1, len(partial)):.0f} ms, others "
          f"{sum(t[0] for t in timed if not t[3]) / max(1, len(timed) - len(partial)):.0f} ms)\n")
    return [q for _, q, _, _ in timed[:count]]


def profile_queries(index: Path, queries: list[str], repeat: int, source: Path | None = None) -> None:
    from searcher.search.engine import Engine

    engine = Engine(index, result_cache_mb=0)  # the cost of answering, not of finding a kept answer
    engine.warm_up()
    if source:
        queries = slowest(engine, source, 10) + queries
    print("| query | total | partial | ms (best of repeats) | cpu ms |\n|---|---:|---|---:|---:|")
    for q in queries:
        best, cpu, result = float("inf"), float("inf"), None
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = engine.search(q)
            best = min(best, (time.perf_counter() - started) * 1000)
            cpu = min(cpu, (time.process_time() - cpu_started) * 1000)
        print(f"| {q} | {result.total} | {result.partial} | {best:.0f} | {cpu:.0f} |")  # type: ignore[union-attr]
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(lambda: [engine.search(q) for q in queries for _ in range(repeat)])
    profiler.dump_stats(index.parent / "queries.prof")
    stats = pstats.Stats(profiler)
    print("\nTop functions by own time, all queries above:\n```")
    print(top_functions(stats, "tottime", 25))
    print("```\n\nBy cumulative time:\n```")
    print(top_functions(stats, "cumulative", 40))
    print("```")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    build = sub.add_parser("build")
    build.add_argument("--paragraphs", type=int, default=5000)
    build.add_argument("--render", type=Path, metavar="PROF", help="only print the stages of a saved profile")
    queries = sub.add_parser("queries")
    queries.add_argument("--index", type=Path, required=True)
    queries.add_argument("--repeat", type=int, default=3)
    queries.add_argument("--slowest-of", type=Path, metavar="QUERIES.jsonl",
                         help="also profile the 10 slowest queries of this file")
    queries.add_argument("query", nargs="*", help=f"default: {' / '.join(SLOW_QUERIES)}")
    args = ap.parse_args()
    if args.what == "build" and args.render:
        render_build(args.render)
    elif args.what == "build":
        profile_build(args.paragraphs)
    else:
        profile_queries(args.index, args.query or SLOW_QUERIES, args.repeat, args.slowest_of)


if __name__ == "__main__":
    main()
