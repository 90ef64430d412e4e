"""Markdown tables of a bench/run.py result.

    python bench/report.py RESULT.json                      # re-renders one run
    python bench/report.py A.json B.json --out MERGED       # runs side by side (MERGED.json and MERGED.md)

Merging puts the engines of sizes with the same label in one table, in the order given, and lists every run's
command and start: runs that overlapped or followed each other on a shared machine are compared with that said.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

KINDS = (("keywords", "keywords"), ("phrases", "quoted phrases"), ("questions", "CMRC questions"))


def fmt(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def ms3(row: dict | None) -> str:
    if not row:
        return "—"
    digits = 2 if row["p99_ms"] < 10 else 0
    return " / ".join(fmt(float(row[k]), digits) for k in ("p50_ms", "p95_ms", "p99_ms"))


def build_table(engines: list[dict]) -> list[str]:
    lines = ["| engine | paragraphs | build s (cpu s) | paragraphs/s | jieba s¹ | index MB "
             "| peak RSS MB build / queries | load avg start / end |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for e in engines:
        if "build_s" not in e:
            lines.append(f"| {e['engine']} | {e.get('error', 'failed')} |||||||")
            continue
        lines.append(f"| {e['engine']} | {e['paragraphs']:,} | {fmt(e['build_s'], 0)} ({fmt(e['build_cpu_s'], 0)}) "
                     f"| {fmt(e['paragraphs_per_s'], 0)} | {fmt(e['jieba_build_s'], 0)} "
                     f"| {fmt(e['index_bytes'] / 2**20, 0)} | {fmt(e['rss_build_peak_mb'], 0)} / "
                     f"{fmt(e.get('rss_query_peak_mb'), 0)} | {fmt(e['loadavg_start'], 2)} / "
                     f"{fmt(e.get('loadavg_end'), 2)} |")
    return lines + [f"| ↳ {e['engine']}'s OpenSearch node ({e['cluster']['heap']} heap) | | | | | | "
                    f"{fmt(e['cluster']['rss_peak_mb'], 0)} peak, {fmt(e['cluster']['rss_mb'], 0)} at the end | |"
                    for e in engines if e.get("cluster")]


def query_table(engines: list[dict]) -> list[str]:
    head = " | ".join(f"{name} p50 / p95 / p99 ms | zero % | exact-P@10 all / answerable²" for _, name in KINDS[:2])
    lines = [f"| engine, query mode | {head} | questions p50 / p95 / p99 ms | MRR@10 | R@10 |",
             "|---|" + "---:|" * (3 * 2 + 3)]
    for e in engines:
        for variant, kinds in e.get("variants", {}).items():
            cells = []
            for kind, _ in KINDS[:2]:
                row = kinds.get(kind)
                cells += [ms3(row), fmt(100 * row["zero_result_rate"], 0) if row else "—",
                          f"{fmt(row.get('exact_p@10'), 3)} / {fmt(row.get('exact_p@10_answerable'), 3)}"
                          if row else "—"]
            questions = kinds.get("questions") or {}
            quality = questions.get("quality") or {}
            lines.append(f"| {variant} | " + " | ".join(cells) + f" | {ms3(questions)} | "
                         f"{fmt(quality.get('mrr@10'), 3)} | {fmt(quality.get('recall@10'), 3)} |")
    return lines


def cpu_table(engines: list[dict]) -> list[str]:
    """Per-query CPU time of the measuring process: less disturbed than wall time when other work shares the
    cores (tantivy's and SQLite's own threads are counted too, as they run in that process)."""
    lines = ["| engine, query mode | " + " | ".join(f"{name} CPU p50 / p99 ms" for _, name in KINDS) + " |",
             "|---|" + "---:|" * len(KINDS)]
    for e in engines:
        for variant, kinds in e.get("variants", {}).items():
            cells = [f"{fmt(float(r['cpu_p50_ms']), 2)} / {fmt(float(r['cpu_p99_ms']), 2)}" if (r := kinds.get(k))
                     else "—" for k, _ in KINDS]
            lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    return lines


def http_table(engines: list[dict]) -> list[str]:
    rows = [e for e in engines if e.get("http")]
    if not rows:
        return []
    lines = ["| engine | server processes × threads | connections × s | requests/s | p50 / p90 / p99 ms "
             "| errors (non-2xx + socket) | first answer s | server RSS MB after first / end / peak |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for e in rows:
        h = e["http"]
        if "error" in h:
            lines.append(f"| {e['engine']} | {h['error']} |||||||")
            continue
        warm = f" after {h['warmup_s']} s warm-up" if h.get("warmup_s") else ""
        shape = f"{h.get('workers', 1)} × {h['threads']}"
        lines.append(f"| {e['engine']} | {shape} | {h['connections']} × {h['seconds']}{warm} "
                     f"| {fmt(h['requests_per_s'], 1)} | {fmt(h.get('p50_ms'), 0)} / {fmt(h.get('p90_ms'), 0)} / "
                     f"{fmt(h.get('p99_ms'), 0)} | {h['non_2xx'] + h['socket_errors']} | {fmt(h['first_answer_s'], 2)} "
                     f"| {fmt(h['rss_after_first_mb'], 0)} / {fmt(h['rss_end_mb'], 0)} / {fmt(h['rss_peak_mb'], 0)} |")
    return lines


def growth_table(sizes: list[dict]) -> list[str]:
    """How each engine's costs grow from the smallest size of the run to each larger one (ratios)."""
    if len(sizes) < 2:
        return []
    first = {e["engine"]: e for e in sizes[0]["engines"] if e.get("build_s") is not None}
    lines = [f"Growth against {sizes[0]['label']} (× the smaller size's value):", "",
             "| engine | size | paragraphs × | build s (CPU s) × | index MB × | peak RSS build × "
             "| keyword p99 (CPU p99) × |", "|---|---|---:|---:|---:|---:|---:|"]
    for size in sizes[1:]:
        for e in size["engines"]:
            base = first.get(e["engine"])
            if not base or e.get("build_s") is None:
                continue
            v, b = next(iter(e["variants"].values()), {}), next(iter(base["variants"].values()), {})
            p99, cpu99 = ((v.get("keywords", {}).get(k) or 0) / (b.get("keywords", {}).get(k) or 1)
                          for k in ("p99_ms", "cpu_p99_ms"))
            lines.append(f"| {e['engine']} | {size['label']} | {e['paragraphs'] / base['paragraphs']:.1f} "
                         f"| {e['build_s'] / base['build_s']:.1f} ({e['build_cpu_s'] / base['build_cpu_s']:.1f}) "
                         f"| {e['index_bytes'] / base['index_bytes']:.1f} "
                         f"| {e['rss_build_peak_mb'] / base['rss_build_peak_mb']:.1f} | {p99:.1f} ({cpu99:.1f}) |")
    return lines


def merge(reports: list[dict]) -> dict:
    """One report of several runs: sizes with the same label share a table, engines in the order of `reports`."""
    sizes: dict[str, dict] = {}
    for report in reports:
        for size in report["sizes"]:
            into = sizes.setdefault(size["label"], {**size, "engines": []})
            into["engines"] += size["engines"]
    runs = [run for report in reports for run in report["meta"].get("runs", [report["meta"]])]
    return {"meta": {**reports[0]["meta"], "runs": runs}, "sizes": list(sizes.values())}


def header(meta: dict) -> list[str]:
    runs = meta.get("runs", [meta])
    out = [f"Runs on {meta['machine']}, {meta['cpus']} cores; {meta['note']}:", ""] if len(runs) > 1 else []
    return out + [f"- started {run['started']}: `{run['command']}`" for run in runs] + [""]


def markdown(report: dict) -> str:
    meta = report["meta"]
    out = ([f"Run {meta['started']} on {meta['machine']}, {meta['cpus']} cores; {meta['note']}", ""]
           if len(meta.get("runs", [meta])) == 1 else header(meta))
    for size in report["sizes"]:
        queries = ", ".join(f"{n} {kind}" for kind, n in size["queries"].items())
        out += [f"### {size['label']}: {size['paragraphs']:,} paragraphs ({queries})", ""]
        out += build_table(size["engines"]) + [""] + query_table(size["engines"]) + [""]
        out += cpu_table(size["engines"]) + [""]
        http = http_table(size["engines"])
        out += http + [""] if http else []
    out += growth_table(report["sizes"])
    out += ["", "¹ jieba's time inside the measuring process only: segmentation in Whoosh's writer processes "
            "(this engine builds with two) is not seen here; see the build profile.",
            "² exact-P@10: the share of top-10 hits holding every query part verbatim (quotes removed), averaged over "
            "the queries with results (all), and over those some paragraph answers exactly (answerable): a fallback "
            "to partial matches lowers the first, not the second."]
    return "\n".join(out) + "\n"


def outputs(out: Path) -> tuple[Path, Path]:
    """OUT.json and OUT.md: suffixes added, never replaced (a name like `all-1.1m` keeps its `.1m`)."""
    return out.with_name(out.name + ".json"), out.with_name(out.name + ".md")


def save(report: dict, out: Path) -> None:
    as_json, as_md = outputs(out)
    as_json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    as_md.write_text(markdown(report), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Markdown tables of bench/run.py results, one run or several merged.")
    ap.add_argument("results", nargs="+", type=Path, help="RESULT.json files of bench/run.py")
    ap.add_argument("--out", type=Path, help="write OUT.json and OUT.md instead of printing the tables")
    args = ap.parse_args(argv)
    report = merge([json.loads(p.read_text(encoding="utf-8")) for p in args.results])
    if args.out is None:
        print(markdown(report))
    else:
        save(report, args.out)


if __name__ == "__main__":
    main()
