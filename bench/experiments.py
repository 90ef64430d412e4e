"""Index-design experiments for the redesign: the same paragraphs written with variants of today's schema, so that
each proposed change is priced in build seconds, postings and bytes before anyone rewrites searcher/.

    bench/.venv/bin/python bench/experiments.py [--paragraphs 5000] [--variants current,title-once,...]
    bench/.venv/bin/python bench/experiments.py --substrings bench/.cache/idx/searcher-40k/index

Every variant is built by one Whoosh writer in this process (no writer processes; CPU seconds, which other work on
the machine disturbs less than wall time) from
the very documents `searcher build` writes (`paragraph_documents`), then measured by bench/index_sizes.py. Queries
are not run: a variant's schema is not one the engine can search yet, so query costs are argued in
docs/BENCHMARKS.md from the query profile instead.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.fields import TEXT, Schema

from searcher.analysis.resources import load_resources
from searcher.analysis.tokenizers import GramTokenizer
from searcher.corpus.reading import load_corpus
from searcher.index.build import paragraph_documents
from searcher.index.schema import build_schema
from searcher.models import ParsedFile

sys.path.insert(0, str(Path(__file__).resolve().parent))
import index_sizes  # noqa: E402
from bench_data import CACHE, prepare_corpus  # noqa: E402

TITLE_FIELDS = ("title", "title_grams")
# whoosh-reloaded 2.7.5 never inlines a posting list (inlinelimit=1 means "fewer than one posting"), and the code
# that would has a typo (`set_inline`); the alias lets the inline-8 variant show what inlining would save.
W3TermInfo.set_inline = W3TermInfo.set_inlined  # type: ignore[attr-defined]


class SizedGramTokenizer(GramTokenizer):
    """Today's n-gram tokenizer restricted to some sizes (1-2 or 3 only), to split one field into two."""

    def __init__(self, sizes: tuple[int, ...]) -> None:
        self.sizes = sizes

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SizedGramTokenizer) and self.sizes == other.sizes

    def __hash__(self) -> int:
        return hash(self.sizes)

    def _spans(self, norm: Any, mode: str) -> Iterator[tuple[str, int, int, int]]:
        return (span for span in super()._spans(norm, mode) if len(span[0]) in self.sizes)


def split_grams(schema: Schema) -> Schema:
    """grams -> grams12 (1- and 2-grams, frequencies only: a short substring is one term, never a phrase) and
    grams3 (trigrams with positions, for longer substrings as phrases); the same for title grams."""
    fields = {name: schema[name] for name in schema.names() if not name.endswith("grams")}
    for base in ("grams", "title_grams", "heading_grams"):
        fields[base + "12"] = TEXT(analyzer=SizedGramTokenizer((1, 2)), phrase=False)
        fields[base + "3"] = TEXT(analyzer=SizedGramTokenizer((3,)), phrase=True)
    return Schema(**fields)


def split_doc(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if not k.endswith("grams")}
    for base in ("grams", "title_grams", "heading_grams"):
        if base in doc:  # title_once drops the title's fields from later paragraphs
            out[base + "12"] = out[base + "3"] = doc[base]
    return out


def title_once(doc: dict[str, Any]) -> dict[str, Any]:
    """The article's title indexed and stored with its first paragraph only (an article record would hold it)."""
    if doc["paragraph"] == 1:
        return doc
    return {k: v for k, v in doc.items() if k not in TITLE_FIELDS}


def no_text_positions(schema: Schema) -> Schema:
    """Words without positions: phrases would run on trigrams only."""
    fields = {name: schema[name] for name in schema.names()}
    for name in ("text", "title", "heading"):
        fields[name] = TEXT(analyzer=schema[name].analyzer, stored=True, phrase=False)
    return Schema(**fields)


Variant = tuple[Callable[[Schema], Schema], Callable[[dict], dict], dict[str, Any]]
VARIANTS: dict[str, Variant] = {
    "current": (lambda s: s, lambda d: d, {}),
    "title-once": (lambda s: s, title_once, {}),
    "grams-12-no-positions": (split_grams, split_doc, {}),
    "no-1grams": (lambda s: s, lambda d: d, {"drop": "1gram"}),
    "inline-8": (lambda s: s, lambda d: d, {"codec": W3Codec(inlinelimit=8)}),
    "words-no-positions": (no_text_positions, lambda d: d, {}),
    "combined": (split_grams, lambda d: split_doc(title_once(d)), {"codec": W3Codec(inlinelimit=8)}),
}


def grams_sized(sizes: tuple[int, ...], positions: bool) -> Callable[[Schema], Schema]:
    """Every n-gram field restricted to `sizes`, with or without positions."""

    def schema_of(schema: Schema) -> Schema:
        fields = {name: schema[name] for name in schema.names()}
        for name in ("grams", "title_grams", "heading_grams"):
            fields[name] = TEXT(analyzer=SizedGramTokenizer(sizes), phrase=positions)
        return Schema(**fields)

    return schema_of


VARIANTS |= {
    "no-3grams": (grams_sized((1, 2), True), lambda d: d, {}),
    # 1-2-grams as plain terms, no trigrams, no n-gram positions: a longer substring is an AND of its bigrams whose
    # candidates are checked against the stored text (see --substrings); titles once per article; short lists inlined.
    "lean": (grams_sized((1, 2), False), title_once, {"codec": W3Codec(inlinelimit=8)}),
}


def documents(corpus: Path) -> list[dict[str, Any]]:
    return [doc for item in load_corpus(corpus) if isinstance(item, ParsedFile)
            for article in item.articles for doc in paragraph_documents(article, "")]


def drop_unigrams(schema: Schema) -> Schema:
    fields = {name: schema[name] for name in schema.names()}
    for name in ("grams", "title_grams", "heading_grams"):
        fields[name] = TEXT(analyzer=SizedGramTokenizer((2, 3)), phrase=True)
    return Schema(**fields)


def build_variant(name: str, docs: list[dict], corpus: Path, target: Path) -> dict[str, Any]:
    schema_of, doc_of, options = VARIANTS[name]
    schema = schema_of(build_schema(load_resources(corpus)))
    if options.get("drop") == "1gram":
        schema = drop_unigrams(schema)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    ix = whoosh_index.create_in(str(target), schema)
    started, cpu = time.perf_counter(), time.process_time()
    writer = ix.writer(limitmb=256, codec=options.get("codec"))
    for doc in docs:
        writer.add_document(**doc_of(doc))
    writer.commit()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    sizes = index_sizes.measure(target)
    postings = sum(row.get("postings", 0) for row in sizes["fields"].values())
    return {"variant": name, "seconds": seconds, "cpu": cpu, "mb": sizes["bytes"] / 2**20, "postings": int(postings),
            "terms": int(sum(row.get("terms", 0) for row in sizes["fields"].values()))}


def substring_designs(searcher: Any, text: str) -> dict[str, Any]:
    """Ways to find a substring of 3+ characters in the n-gram field: what `grams` gives today (one trigram term, or
    a phrase of trigrams), a phrase of bigrams (no trigram terms at all), and an AND of bigrams with no positions
    whose candidates are checked against the stored paragraph text."""
    from whoosh import query as Q

    def ngrams(n: int) -> list[str]:
        return [text[i : i + n] for i in range(len(text) - n + 1)]

    tri = Q.Term("grams", text) if len(text) == 3 else Q.Phrase("grams", ngrams(3))
    return {"trigrams (today)": tri, "phrase of bigrams": Q.Phrase("grams", ngrams(2)),
            "bigram AND + verify": Q.And([Q.Term("grams", g) for g in ngrams(2)])}


def time_design(searcher: Any, name: str, query: Any, text: str) -> tuple[float, int]:
    """CPU ms and total for the top 10 and the exact count, as Engine.search asks for them."""
    started = time.process_time()
    if name == "bigram AND + verify":
        total = sum(1 for n in searcher.docs_for_query(query) if text in searcher.stored_fields(n).get("text", ""))
    else:
        results = searcher.search(query, limit=10)
        total = len(results)
    return (time.process_time() - started) * 1000, total


def substring_costs(index: Path, queries: list[str]) -> None:
    import statistics

    ix = index_sizes.open_index(index)
    with ix.searcher() as searcher:
        times: dict[str, list[float]] = {}
        totals: dict[str, list[int]] = {}
        for text in queries:
            for name, query in substring_designs(searcher, text).items():
                ms, total = time_design(searcher, name, query, text)
                times.setdefault(name, []).append(ms)
                totals.setdefault(name, []).append(total)
    print(f"{len(queries)} substrings of 3-8 characters on {index}; CPU ms per query (top 10 + exact total)\n")
    print("| design | p50 ms | p95 ms | p99 ms | mean total | totals equal to today's |")
    print("|---|---:|---:|---:|---:|---:|")
    base = totals["trigrams (today)"]
    for name, values in times.items():
        ordered = sorted(values)
        same = sum(1 for a, b in zip(totals[name], base, strict=True) if a == b)
        print(f"| {name} | {statistics.median(ordered):.1f} | {ordered[int(0.95 * (len(ordered) - 1))]:.1f} "
              f"| {ordered[int(0.99 * (len(ordered) - 1))]:.1f} | {statistics.mean(totals[name]):.0f} "
              f"| {same} / {len(values)} |")


def substring_queries(query_files: list[Path]) -> list[str]:
    """Quoted phrases and the 3-character CJK words of keyword queries, from the benchmark's query files."""
    import json

    out: list[str] = []
    for path in query_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            for part in json.loads(line)["query"].replace('"', " ").split():
                if len(part) >= 3 and part.isalnum() and part not in out:
                    out.append(part)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, default=5000)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--substrings", type=Path, metavar="INDEX",
                    help="instead: time substring designs on a built searcher index (e.g. the 40k one)")
    args = ap.parse_args()
    if args.substrings:
        queries = CACHE / "queries"
        substring_costs(args.substrings, substring_queries(sorted(queries.glob("phrases-40k-*.jsonl"))
                                                           + sorted(queries.glob("keywords-40k-*.jsonl"))))
        return
    corpus = prepare_corpus(args.paragraphs, questions=False)
    docs = documents(corpus)
    print(f"{len(docs)} paragraphs, one writer, no profiler\n")
    print("| variant | build s (cpu s) | paragraphs per cpu s | index MB | postings | terms | vs current: cpu s / MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    base = None
    for name in args.variants.split(","):
        r = build_variant(name, docs, corpus, CACHE / "experiments" / name)
        base = base or r
        print(f"| {name} | {r['seconds']:.1f} ({r['cpu']:.1f}) | {len(docs) / r['cpu']:.0f} | {r['mb']:.1f} "
              f"| {r['postings']:,} | {r['terms']:,} | {r['cpu'] / base['cpu']:.2f} / {r['mb'] / base['mb']:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
