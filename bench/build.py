"""Index build speed: the first N news paragraphs, with one writer process and with two.

    .venv/bin/python bench/build.py [--paragraphs N]

Each build runs in its own process (so peak memory is measured per build) through `searcher build`'s library
call, into a temporary directory, and the table gives seconds, paragraphs per second, peak RSS and index size.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "eval" / "news" / "xwlb_paragraphs.jsonl.gz"

CHILD = """
import json, resource, sys
from pathlib import Path
from searcher.index.build import build_index
report = build_index(Path(sys.argv[1]), Path(sys.argv[2]), procs=int(sys.argv[3]))
rss = [resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
print(json.dumps({"seconds": report.seconds, "paragraphs": report.paragraphs, "rss_kb": rss}))
"""


def write_subset(target: Path, count: int) -> None:
    target.mkdir(parents=True)
    with gzip.open(NEWS, "rt", encoding="utf-8") as src, open(target / "news.jsonl", "w", encoding="utf-8") as out:
        for n, line in enumerate(src):
            if n >= count:
                break
            out.write(line)


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(corpus: Path, index: Path, procs: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(corpus), str(index), str(procs)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    # The writer process, and the largest of its sub-processes when there are two.
    result["rss_mb"] = "+".join(f"{kb / 1024:.0f}" for kb in result["rss_kb"] if kb)
    result["size_mb"] = size_of(index) / 2**20
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_subset(corpus, args.paragraphs)
        print(f"{args.paragraphs} news paragraphs (JSONL), one build per row\n")
        print("| writer processes | seconds | paragraphs/s | peak RSS MB (writer+worker) | index MB |")
        print("|---|---|---|---|---|")
        for procs in (1, 2):
            r = run(corpus, Path(tmp) / f"index-{procs}", procs)
            print(f"| {procs} | {r['seconds']:.0f} | {r['paragraphs'] / r['seconds']:.0f} | {r['rss_mb']} "
                  f"| {r['size_mb']:.0f} |")


if __name__ == "__main__":
    main()
