"""Vocabulary size and build time, autocomplete latency per keystroke, and did-you-mean on a real index.

    .venv/bin/python bench/discovery_latency.py INDEX_DIR
"""

from __future__ import annotations

import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from searcher.discovery.autocomplete import suggest
from searcher.discovery.spelling import suggest_correction
from searcher.discovery.vocabulary import Vocabulary
from searcher.index import store

WORDS = ["嘉兴高新区", "习近平总书记", "人工智能", "jiaxing", "xijinping", "rgzn", "guowuyuan", "一带一路",
         "新能源汽车",
         "zhongguo"]
TYPOS = ["隆基录能", "佳兴", "jiaxing", "jxgxq", "景点", "新能原汽车", "国务院总里", "rengongzhineng", "一带一陆",
         "航州亚运会"]


def keystrokes(vocab: Vocabulary) -> str:
    """Autocomplete timed on every prefix of WORDS, as a person types them."""
    times = []
    for word in WORDS:
        for i in range(1, len(word) + 1):
            started = time.perf_counter()
            suggest(word[:i], vocab)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return (f"autocomplete, {len(times)} keystrokes: median {statistics.median(times):.2f} ms, "
            f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms")


def main() -> None:
    index = Path(sys.argv[1])
    searcher = store.open_generation(index, store.require_generation(index)).searcher()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    vocab = Vocabulary.from_reader(searcher.reader(), searcher)
    built = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1e3
    print(f"paragraphs {searcher.doc_count()} words {len(vocab.words)} titles {len(vocab.titles)} "
          f"pinyin keys {len(vocab.pinyin_keys)} build {built:.1f} s, peak RSS +{grown:.0f} MB")
    print(keystrokes(vocab))
    for typo in TYPOS:
        started = time.perf_counter()
        fixed = suggest_correction(typo, vocab)
        print(f"{typo} -> {fixed} ({(time.perf_counter() - started) * 1000:.0f} ms)")
    fragments = archive_fragments(searcher, 300)
    corrected = [(f, c) for f in fragments if (c := suggest_correction(f, vocab))]
    print(f"{len(corrected)} of {len(fragments)} random runs of the archive's own text were corrected: {corrected}")


def archive_fragments(searcher: Any, count: int) -> list[str]:
    """Random 2-6 character pieces of Han runs of stored paragraphs: text that is in the archive, often cut
    across words (the worst case for "never correct what is there")."""
    rng = random.Random(1)
    out: list[str] = []
    while len(out) < count:
        runs = re.findall(r"[\u4e00-\u9fff]{6,}", searcher.stored_fields(rng.randrange(searcher.doc_count_all()))
                          .get("text", ""))
        if runs:
            run, size = rng.choice(runs), rng.randint(2, 6)
            start = rng.randrange(len(run) - size + 1)
            out.append(run[start : start + size])
    return out


if __name__ == "__main__":
    main()
