"""Vocabulary tables and autocomplete latency at the size of the whole news set, without building an index.

    .venv/bin/python bench/discovery_scale.py [NEWS.jsonl.gz]

One jieba pass gives each word's paragraph count (what the index's `text` lexicon holds, less jieba's
search-mode sub-words); the tables and the per-keystroke latency are then measured as in discovery_latency.py.
"""

from __future__ import annotations

import gzip
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path

from discovery_eval import NEWS
from discovery_latency import keystrokes

from searcher.analysis.normalize import normalize
from searcher.analysis.tokenizers import segment
from searcher.discovery.vocabulary import Vocabulary, title_phrases


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else NEWS
    started = time.perf_counter()
    counts: Counter[str] = Counter()
    titles: set[str] = set()
    paragraphs = 0
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            paragraphs += 1
            counts.update({w for w, _, _ in segment(normalize(row["text"]).text)})
            titles.add(row["title"])
    print(f"{paragraphs} paragraphs, {len(counts)} distinct words, {len(titles)} titles; "
          f"jieba pass {time.perf_counter() - started:.0f} s")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    words = dict(counts)
    for phrase, count in title_phrases(sorted(titles)).items():
        words.setdefault(phrase, count)
    vocab = Vocabulary.from_words(words, titles)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1e3
    print(f"tables: {len(vocab.words)} words, {len(vocab.pinyin_keys)} pinyin keys, "
          f"{time.perf_counter() - started:.1f} s, peak RSS +{grown:.0f} MB")
    print(keystrokes(vocab))


if __name__ == "__main__":
    main()
