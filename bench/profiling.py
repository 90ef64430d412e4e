"""Where the time goes: cProfile of an index build and of slow queries, summed into stages.

    bench/.venv/bin/python bench/profiling.py build [--paragraphs 5000]
    bench/.venv/bin/python bench/profiling.py queries --index bench/.cache/idx/searcher-40k/index [--repeat 3]

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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_data import CACHE, prepare_corpus  # noqa: E402

# Stage name -> functions (file suffix, function name) whose cumulative time is that stage. Nested stages are
# listed inner first; each line is a share of the whole run, so they overlap (jieba is inside "analysis").
BUILD_STAGES = {
    "reading + parsing corpus files": [("searcher/reading.py", "load_corpus")],
    "writer.add_document": [("whoosh/writing.py", "add_document")],
    "  field.index: analysis + posting encoding": [("whoosh/formats.py", "word_values")],
    "    tokenizers (jieba words, n-grams)": [("searcher/analysis.py", "__call__")],
    "      jieba.tokenize": [("jieba/__init__.py", "tokenize")],
    "      normalize (NFKC, simplified)": [("searcher/normalize.py", "normalize")],
    "  posting pool: sorting and writing runs": [("whoosh/externalsort.py", "save")],
    "writer.commit": [("whoosh/writing.py", "commit")],
    "  external sort: reading runs back, merging": [("whoosh/externalsort.py", "_read_run")],
    "  writing postings and term index": [("whoosh/writing.py", "write_postings")],
    "all marshal/pickle dumps (runs)": [("~", "<built-in method marshal.dump>")],
    "all marshal/pickle loads (runs)": [("~", "<built-in method marshal.load>")],
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


def profile_build(paragraphs: int) -> None:
    from searcher.indexing import build_index

    corpus = prepare_corpus(paragraphs, questions=False)
    out = CACHE / "profile-build"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    profiler = cProfile.Profile()
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

    from searcher import store
    from searcher.indexing import paragraph_documents
    from searcher.reading import load_corpus

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


def profile_queries(index: Path, queries: list[str], repeat: int) -> None:
    from searcher.engine import Engine

    engine = Engine(index)
    engine.warm_up()
    print("| query | total | partial | ms (best of repeats) |\n|---|---:|---|---:|")
    for q in queries:
        best, result = float("inf"), None
        for _ in range(repeat):
            started = time.perf_counter()
            result = engine.search(q)
            best = min(best, (time.perf_counter() - started) * 1000)
        print(f"| {q} | {result.total} | {result.partial} | {best:.0f} |")  # type: ignore[union-attr]
    profiler = cProfile.Profile()
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
    queries = sub.add_parser("queries")
    queries.add_argument("--index", type=Path, required=True)
    queries.add_argument("--repeat", type=int, default=3)
    queries.add_argument("query", nargs="*", help=f"default: {' / '.join(SLOW_QUERIES)}")
    args = ap.parse_args()
    if args.what == "build":
        profile_build(args.paragraphs)
    else:
        profile_queries(args.index, args.query or SLOW_QUERIES, args.repeat)


if __name__ == "__main__":
    main()
