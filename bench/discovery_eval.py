"""Measure near-duplicate grouping (precision/recall) on a test set made from real news paragraphs.

    .venv/bin/python bench/discovery_eval.py [--news ../shared/eval/news/xwlb_paragraphs.jsonl.gz] [--n 300]

Positives: a paragraph and a copy with one to three small edits (a changed number, one or two changed
characters, a wire prefix added or removed, a clause cut, punctuation changed). Negatives: two different
paragraphs of one story, and two different paragraphs that quote the same sentence. Every item is put in one
pool, grouped, and each pair of the pool is scored: a true pair is one made as a positive.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import re
import time
from pathlib import Path

from searcher.discovery import duplicates

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "eval" / "news" / "xwlb_paragraphs.jsonl.gz"
_HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后"


def edit(text: str, rng: random.Random) -> str:
    """One to three small edits of the kinds reprints make."""
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["number", "chars", "prefix", "clause", "punct"])
        if kind == "number" and re.search(r"\d+", text):
            text = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), text, count=1)
        elif kind == "chars":
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice(_HAN) * rng.randint(1, 2) + text[i + 1 :]
        elif kind == "prefix":
            text = f"新华社北京{rng.randint(1, 12)}月{rng.randint(1, 28)}日电 " + text
        elif kind == "clause":
            parts = text.split("，")
            if len(parts) > 3:
                del parts[rng.randrange(1, len(parts))]
                text = "，".join(parts)
        else:
            text = text.replace("，", "、", 1).replace("。", "；", 1)
    return text


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？])", text) if len(s) >= 15]


def test_set(rows: list[dict], n: int, seed: int = 0) -> tuple[list[tuple[str, str]], set[frozenset[str]], dict]:
    """(items, true pairs, counts of each kind of pair made)."""
    rng = random.Random(seed)
    unique = {r["text"]: r for r in rows if len(r["text"]) >= 60}
    long_rows = list(unique.values())
    rng.shuffle(long_rows)
    items: list[tuple[str, str]] = []
    truth: set[frozenset[str]] = set()
    kinds = {"duplicate": 0, "same_story": 0, "shared_sentence": 0}
    by_story: dict[str, list[dict]] = {}
    for row in long_rows[n : len(long_rows) // 2]:
        by_story.setdefault(row["id"].rsplit("-", 1)[0], []).append(row)
    for i, row in enumerate(long_rows[:n]):
        items += [(f"d{i}a", row["text"]), (f"d{i}b", edit(row["text"], rng))]
        truth.add(frozenset((f"d{i}a", f"d{i}b")))
        kinds["duplicate"] += 1
    stories = [s for s in by_story.values() if len(s) >= 2]
    for i, story in enumerate(stories[:n]):
        items += [(f"s{i}a", story[0]["text"]), (f"s{i}b", story[1]["text"])]
        kinds["same_story"] += 1
    donors = long_rows[len(long_rows) // 2 :][: 2 * n]
    for i, (a, b) in enumerate(zip(donors[::2], donors[1::2], strict=False)):
        shared = sentences(a["text"])
        if not shared or not sentences(b["text"]):
            continue
        sentence = rng.choice(shared)
        items += [(f"q{i}a", a["text"]), (f"q{i}b", b["text"] + sentence)]
        kinds["shared_sentence"] += 1
    return items, truth, kinds


def score(groups: list[list[str]], truth: set[frozenset[str]]) -> tuple[float, float]:
    found = {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}
    true_positive = len(found & truth)
    precision = true_positive / len(found) if found else 1.0
    return precision, true_positive / len(truth)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--news", type=Path, default=NEWS)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    with gzip.open(args.news, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in itertools.islice(f, 20000)]
    items, truth, kinds = test_set(rows, args.n)
    print(f"{len(items)} paragraphs; pairs made: {kinds}")
    for threshold in (0.4, 0.5, 0.6, 0.7):
        started = time.perf_counter()
        groups = duplicates.group_near_duplicates(items, threshold=threshold)
        precision, recall = score(groups, truth)
        print(f"threshold {threshold}: precision {precision:.3f} recall {recall:.3f} "
              f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
