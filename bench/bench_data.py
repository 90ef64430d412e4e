"""Benchmark data: the first N news paragraphs (or the news ten times over), the CMRC questions' paragraphs, and
the three query sets (keywords, quoted phrases, questions), all written under bench/.cache and never committed.

News paragraphs are grouped back into their stories (`xwlb-YYYYMMDD-SS`, paragraphs numbered 1, 2, ...), the shape
a newsroom export has, so the engine sees articles of several paragraphs; a hit on paragraph n of story S is the
source paragraph `S-00n`. The peers index the very same paragraphs one by one (their tutorial shape).
"""

from __future__ import annotations

import gzip
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
PEERS = ROOT.parent / "shared" / "bench"
NEWS = EVAL / "news" / "xwlb_paragraphs.jsonl.gz"
CMRC = EVAL / "cmrc2018"
CACHE = ROOT / "bench" / ".cache"
NEWS_PARAGRAPHS = 112_374
STORIES_PER_FILE = 2_000
COPIES_PREFIX = re.compile(r"^r\d+-")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SIZE = re.compile(r"^([0-9.]+)\s*([km]?)$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'40k' -> 40,000; '112k' -> every news paragraph (112,374); '1.1m' -> the news ten times over; '5000' -> 5,000.
    The two named sizes are exact so that '112k' means the whole real collection, not 112,000 of it."""
    named = {"112k": NEWS_PARAGRAPHS, "1.1m": 10 * NEWS_PARAGRAPHS}
    key = text.strip().lower()
    if key in named:
        return named[key]
    match = _SIZE.match(key)
    if not match:
        raise ValueError(f"not a size: {text!r} (use e.g. 40k, 112k, 1.1m or 5000)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]
    return int(float(match.group(1)) * scale)


def label(size: int) -> str:
    """The short name of a size, for file and table names (40000 -> '40k', 1123740 -> '1.1m')."""
    if size == NEWS_PARAGRAPHS:
        return "112k"
    if size == 10 * NEWS_PARAGRAPHS:
        return "1.1m"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def news_paragraphs(count: int) -> Iterator[dict]:
    """The first `count` news paragraphs; past the real 112,374 the collection repeats with ids prefixed
    `r1-`, `r2-`, ... (new paragraphs to the index, the same text)."""
    copy = 0
    produced = 0
    while produced < count:
        with gzip.open(NEWS, "rt", encoding="utf-8") as src:
            for line in src:
                if produced >= count:
                    return
                row = json.loads(line)
                if copy:
                    row["id"] = f"r{copy}-{row['id']}"
                yield row
                produced += 1
        copy += 1


def stories(paragraphs: Iterable[dict]) -> Iterator[dict]:
    """Consecutive paragraphs of one story as one article record: {'id': story, 'title', 'text': one line each}."""
    current: dict | None = None
    for row in paragraphs:
        story, number = row["id"].rsplit("-", 1)
        if current is None or current["id"] != story:
            if current is not None:
                yield current
            current = {k: v for k, v in row.items() if k != "text"} | {"id": story, "lines": []}
        if int(number) != len(current["lines"]) + 1:
            raise ValueError(f"paragraph {row['id']} out of order in the news file")
        current["lines"].append(row["text"])
    if current is not None:
        yield current


def paragraph_id(article_id: str, paragraph: int) -> str:
    """The source paragraph a hit is: news stories are numbered like their source ids, CMRC paragraphs are
    articles of their own (one id, whatever paragraph of it the hit is)."""
    if COPIES_PREFIX.sub("", article_id).startswith("xwlb-"):
        return f"{article_id}-{paragraph:03d}"
    return article_id


def prepare_corpus(size: int, cache: Path = CACHE, questions: bool = True) -> Path:
    """bench/.cache/corpus-SIZE/: the CMRC dev paragraphs and the first `size` news paragraphs as stories, in
    JSONL files of 2,000 stories (news only, in corpus-SIZE-news/, without `questions`). Written once; a finished
    corpus has a `.done` marker holding its number of paragraphs (each CMRC paragraph counted once, as the
    peers index them)."""
    target = cache / (f"corpus-{label(size)}" if questions else f"corpus-{label(size)}-news")
    if (target / ".done").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.jsonl"):
        old.unlink()
    cmrc = (CMRC / "cmrc2018-dev.corpus.jsonl").read_bytes() if questions else b""
    if questions:
        (target / "cmrc2018-dev.jsonl").write_bytes(cmrc)
    out, written = None, sum(1 for line in cmrc.splitlines() if line.strip())
    for n, story in enumerate(stories(news_paragraphs(size))):
        if n % STORIES_PER_FILE == 0:
            if out:
                out.close()
            out = open(target / f"news-{n // STORIES_PER_FILE:04d}.jsonl", "w", encoding="utf-8")
        lines = story.pop("lines")
        out.write(json.dumps(story | {"text": "\n".join(lines)}, ensure_ascii=False) + "\n")
        written += len(lines)
    if out:
        out.close()
    (target / ".done").write_text(f"{written}\n", encoding="utf-8")
    return target


def corpus_paragraphs(corpus: Path) -> Iterator[tuple[str, str, str]]:
    """(paragraph id, title, text) of every paragraph of a prepared corpus, in file order: what peers index."""
    for path in sorted(corpus.glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                lines = row["text"].split("\n")
                if row["id"].startswith("cmrc2018"):
                    yield row["id"], row["title"], row["text"]
                    continue
                for number, text in enumerate(lines, start=1):
                    yield paragraph_id(row["id"], number), row["title"], text


def keyword_queries(sample_from: int, count: int, cache: Path = CACHE) -> Path:
    """1-3 word keyword queries drawn by the peer harness's make_queries.py from the first `sample_from` news
    paragraphs (a prefix, so every word exists at every larger size)."""
    out = cache / "queries" / f"keywords-{label(sample_from)}-{count}.jsonl"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(PEERS / "make_queries.py"), "--corpus", str(NEWS), "--limit",
                        str(sample_from), "--n", str(count), "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


def phrase_queries(sample_from: int, count: int, cache: Path = CACHE, seed: int = 11) -> Path:
    """Quoted phrases: 2-3 adjacent jieba words (4-8 characters, CJK only) cut from random paragraphs of the
    first `sample_from` news paragraphs, in ASCII double quotes."""
    out = cache / "queries" / f"phrases-{label(sample_from)}-{count}.jsonl"
    if out.exists():
        return out
    import jieba

    jieba.setLogLevel(60)
    rng = random.Random(seed)
    texts = [row["text"] for row in news_paragraphs(sample_from)]
    seen: set[str] = set()
    while len(seen) < count:
        words = jieba.lcut(rng.choice(texts))
        width = rng.choice((2, 3))
        if len(words) <= width:
            continue
        start = rng.randrange(len(words) - width)
        phrase = "".join(words[start : start + width])
        if 4 <= len(phrase) <= 8 and all(_CJK.match(c) for c in phrase):
            seen.add(phrase)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for n, phrase in enumerate(sorted(seen, key=lambda p: rng.random())):
            f.write(json.dumps({"qid": f"p{n + 1:03d}", "query": f'"{phrase}"', "relevant": []},
                               ensure_ascii=False) + "\n")
    return out


def question_queries() -> Path:
    """The CMRC 2018 dev questions (judged: each has its one relevant paragraph in the corpus)."""
    return CMRC / "cmrc2018-dev.queries.jsonl"
