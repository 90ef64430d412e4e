"""Whether the engine's words are jieba's on real news, and how much faster it cuts them.

    .venv/bin/python bench/segmentation.py [--limit N] [--user-words]

Cuts every paragraph of ../shared/eval/news (normalised, as the analyzers see it) with `searcher.analysis.
segmentation.cut` (jieba-rs for blocks of CJK characters, letters and digits, jieba for the rest) and with jieba
alone, and prints how many paragraphs' words differ (with the first few), and the seconds each took.
`--user-words` first teaches both a few user words, one of them a word jieba already knows.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searcher.analysis.normalize import normalize  # noqa: E402
from searcher.analysis.segmentation import cut, jieba, load_words  # noqa: E402

NEWS = ROOT.parent / "shared" / "eval" / "news" / "xwlb_paragraphs.jsonl.gz"
USER_WORDS = [("南湖区委", None, None), ("嘉兴南湖", 50, "ns"), ("中国", None, None), ("光伏产业", 5, "n")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N paragraphs")
    parser.add_argument("--user-words", action="store_true")
    args = parser.parse_args()
    with gzip.open(NEWS, "rt", encoding="utf-8") as lines:
        texts = [normalize(json.loads(line)["text"]).text for line in lines]
    texts = texts[: args.limit] if args.limit else texts
    if args.user_words:
        load_words(USER_WORDS)
    cut("预热")  # both dictionaries loaded before the clocks start
    started = time.perf_counter()
    ours = [cut(text) for text in texts]
    middle = time.perf_counter()
    jiebas = [list(jieba.dt.cut(text)) for text in texts]
    ended = time.perf_counter()
    differ = [i for i, (a, b) in enumerate(zip(ours, jiebas, strict=True)) if a != b]
    print(f"{len(texts)} paragraphs, {sum(map(len, jiebas))} words: {len(differ)} paragraphs cut differently; "
          f"searcher {middle - started:.1f} s, jieba {ended - middle:.1f} s")
    for i in differ[:5]:
        print(texts[i][:60], [(a, b) for a, b in zip(ours[i], jiebas[i], strict=False) if a != b][:3])


if __name__ == "__main__":
    main()
