"""Where an index's bytes go: terms, postings and bytes per field of a built Whoosh index.

    bench/.venv/bin/python bench/index_sizes.py INDEX_DIR [--json]

INDEX_DIR is a `searcher build` index (its live generation is read) or any Whoosh index directory (the peer
harness's `whoosh_naive` too). Per segment, every entry of the term index is decoded (Whoosh's W3 codec): a
term's postings are either inlined in its term-index entry (rare terms) or a run of blocks in the postings file,
whose length the entry records, so the bytes add up per field exactly. Stored fields are one compressed pickle per
document; they are split between fields in proportion to each field's pickled size in a sample of documents.
Columns (sortable fields, per-field lengths) are files of their own and reported as such.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3TermInfo

STORED_SAMPLE = 2000


def open_index(path: Path) -> Any:
    """A searcher index's live generation, or a plain Whoosh index directory."""
    current = path / "CURRENT"
    if current.exists():
        path = path / current.read_text(encoding="ascii").strip()
    return whoosh_index.open_dir(str(path))


def segment_files(reader: Any) -> dict[str, int]:
    """Sub-file name -> bytes of one segment (compound segments hold their files in one .seg file)."""
    storage, segment = reader.storage(), reader.segment()
    prefix = segment.make_filename("")
    if segment.is_compound():
        compound = segment.open_compound_file(storage)
        try:
            return {name: compound.range(name)[1] for name in compound.list()}
        finally:
            compound.close()
    return {name: storage.file_length(name) for name in storage.list() if name.startswith(prefix)}


def term_stats(reader: Any, fields: dict[str, dict[str, float]], grams: dict[str, dict[str, float]]) -> None:
    """Add one segment's terms, postings and their bytes, per field, into `fields`, and per n-gram field and
    term length (in characters) into `grams`."""
    terms = reader._terms  # noqa: SLF001 - the codec's term table is what holds the per-term extents
    for keybytes, valbytes in terms._tindex.items():  # noqa: SLF001
        fieldname, tbytes = terms._keydecoder(keybytes)  # noqa: SLF001
        info = W3TermInfo.from_bytes(valbytes)
        rows = [fields[fieldname]]
        if fieldname.endswith("grams"):
            rows.append(grams[f"{fieldname} {len(tbytes.decode('utf-8', 'replace'))}-char"])
        for row in rows:
            add_term(row, info, len(keybytes) + len(valbytes))


def add_term(row: dict[str, float], info: W3TermInfo, entry_bytes: int) -> None:
    row["terms"] += 1
    row["postings"] += info.doc_frequency()
    row["term_index_bytes"] += entry_bytes
    if info.is_inlined():
        row["inlined_terms"] += 1
    else:
        length = info.extent()[1]  # W3TermInfo.from_bytes leaves it as unpack()'s 1-tuple
        row["postings_bytes"] += length[0] if isinstance(length, tuple) else length


def stored_shares(reader: Any, sample: int = STORED_SAMPLE) -> dict[str, float]:
    """Each stored field's share of the pickled stored-field bytes, from the first `sample` documents."""
    sizes: dict[str, int] = defaultdict(int)
    for n, fields in enumerate(reader.all_stored_fields()):
        if n >= sample:
            break
        for name, value in fields.items():
            sizes[name] += len(pickle.dumps(value, 2))
    total = sum(sizes.values()) or 1
    return {name: size / total for name, size in sizes.items()}


def measure(path: Path) -> dict[str, Any]:
    ix = open_index(path)
    fields: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    grams: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    files: dict[str, int] = defaultdict(int)
    with ix.reader() as top:
        readers = [r for r, _ in top.leaf_readers()]
        docs = top.doc_count_all()
        for reader in readers:
            term_stats(reader, fields, grams)
            for name, size in segment_files(reader).items():
                files[name.split(".", 1)[1] if "." in name else name] += size
        stored_bytes = sum(size for name, size in files.items() if name.startswith("_stored"))
        for name, share in stored_shares(readers[0]).items():
            fields[name]["stored_bytes_est"] += share * stored_bytes
        for name, size in files.items():
            field = name.split(".")[0]
            if name.endswith(".col") and field in ix.schema.names():
                fields[field]["column_bytes"] += size
    total = sum(size for size in files.values())
    entries = sum(row.get("term_index_bytes", 0) for row in fields.values())
    fields["(term index structure)"]["term_index_bytes"] = files.get("trm", 0) - entries
    return {"path": str(path), "documents": docs, "segments": len(readers), "bytes": total,
            "files": dict(sorted(files.items(), key=lambda kv: -kv[1])),
            "fields": {name: dict(row) for name, row in sorted(fields.items())},
            "grams": {name: dict(row) for name, row in sorted(grams.items())}}


def markdown(result: dict[str, Any]) -> str:
    docs, total = result["documents"], result["bytes"]
    lines = [f"{result['path']}: {docs:,} documents, {result['segments']} segment(s), {total / 2**20:.1f} MB", "",
             "| field | terms | postings | postings/doc | postings MB | term index MB | stored MB (est.) "
             "| columns MB | share of index |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rows = sorted(result["fields"].items(), key=lambda kv: -sum(v for k, v in kv[1].items() if k.endswith("bytes")
                                                                 or k.endswith("bytes_est")))
    for name, row in rows:
        size = sum(row.get(k, 0) for k in ("postings_bytes", "term_index_bytes", "stored_bytes_est", "column_bytes"))
        lines.append(f"| {name} | {int(row.get('terms', 0)):,} | {int(row.get('postings', 0)):,} "
                     f"| {row.get('postings', 0) / max(docs, 1):.1f} | {row.get('postings_bytes', 0) / 2**20:.1f} "
                     f"| {row.get('term_index_bytes', 0) / 2**20:.1f} | {row.get('stored_bytes_est', 0) / 2**20:.1f} "
                     f"| {row.get('column_bytes', 0) / 2**20:.1f} | {100 * size / max(total, 1):.0f} % |")
    lines += ["", "| n-gram field, term length | terms | postings | postings/doc | postings MB | term index MB |",
              "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {name} | {int(row['terms']):,} | {int(row['postings']):,} | {row['postings'] / max(docs, 1):.1f} "
              f"| {row.get('postings_bytes', 0) / 2**20:.1f} | {row.get('term_index_bytes', 0) / 2**20:.1f} |"
              for name, row in result["grams"].items()]
    lines += ["", "| file (all segments) | MB |", "|---|---:|"]
    lines += [f"| {name} | {size / 2**20:.1f} |" for name, size in result["files"].items() if size > 2**16]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("index", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = measure(args.index)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n" if args.json else markdown(result))


if __name__ == "__main__":
    main()
