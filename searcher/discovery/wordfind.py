"""Growing the dictionary: runs of jieba pieces that behave like one word (嘉源和达 = 嘉源/和/达, 双溪湖 = 双溪/湖).

A run of two or three adjacent pieces is proposed when
- it occurs at least `min_count` times,
- its pieces stick together far more than chance (pointwise mutual information, the weakest split counted),
- and what stands before and after it varies (left and right neighbour entropy): a fragment of a longer name
  (嘉源和 is always followed by 达) has one neighbour and is dropped in favour of the whole name.
`add_words` appends chosen words to the corpus's userdict.txt (jieba's format); the next build applies them.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..analysis.normalize import normalize
from ..analysis.resources import USERDICT, load_resources
from ..analysis.segmentation import load_words
from ..analysis.tokenizers import dictionary, segment
from ..corpus.reading import load_corpus
from ..models import ParsedFile
from .vocabulary import is_han

MIN_PMI = 3.0           # natural log: the run is at least e^3 = 20 times more frequent than its pieces suggest
MIN_ENTROPY = 1.0       # nats of neighbour variety, lowered for rare runs (see _entropy_floor)
_EDGE = set("的了在是和与及等也都就而把被从向对为这那其")


@dataclass(frozen=True)
class Candidate:
    word: str
    pieces: tuple[str, ...]
    count: int
    pmi: float
    left_entropy: float
    right_entropy: float
    example: str


def paragraphs_of(corpus_dir: Path) -> Iterable[str]:
    """Every body paragraph of the corpus, as the index would see it."""
    for parsed in load_corpus(corpus_dir):
        if isinstance(parsed, ParsedFile):
            for article in parsed.articles:
                yield from (p.text for p in article.paragraphs)


def suggest_words(paragraphs: Iterable[str], min_count: int = 3, limit: int = 50) -> list[Candidate]:
    """Runs worth adding to the dictionary, most frequent first."""
    pieces: Counter[str] = Counter()
    runs: Counter[tuple[str, ...]] = Counter()
    left: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    right: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    examples: dict[tuple[str, ...], str] = {}
    for number, paragraph in enumerate(paragraphs):
        words = [w for w, _, _ in segment(normalize(paragraph).text)]
        pieces.update(words)
        for n in (2, 3):
            for i in range(len(words) - n + 1):
                run = tuple(words[i : i + n])
                if not all(is_han(w) for w in run) or run[0][0] in _EDGE or run[-1][-1] in _EDGE:
                    continue
                runs[run] += 1
                # Paragraph edges are distinct neighbours: a name that opens paragraphs is still free-standing.
                left[run][words[i - 1] if i else f"^{number}"] += 1
                right[run][words[i + n] if i + n < len(words) else f"${number}"] += 1
                examples.setdefault(run, paragraph)
    total = sum(pieces.values())
    found = []
    for run, count in runs.items():
        word = "".join(run)
        if count < min_count or len(word) > 8 or dictionary().get(word):
            continue
        pmi = min(_pmi(run[:k], run[k:], count, pieces, runs, total) for k in range(1, len(run)))
        floor = min(MIN_ENTROPY, 0.5 * math.log(count))
        lent, rent = _entropy(left[run]), _entropy(right[run])
        if pmi >= MIN_PMI and lent >= floor and rent >= floor:
            found.append(Candidate(word, run, count, round(pmi, 2), round(lent, 2), round(rent, 2), examples[run]))
    found.sort(key=lambda c: (-c.count, -c.pmi, c.word))
    return _drop_fragments(found)[:limit]


def _pmi(a: tuple[str, ...], b: tuple[str, ...], count: int, pieces: Counter[str],
         runs: Counter[tuple[str, ...]], total: int) -> float:
    def freq(part: tuple[str, ...]) -> int:
        return pieces[part[0]] if len(part) == 1 else runs[part] or count

    return math.log(count * total / (freq(a) * freq(b)))


def _entropy(neighbours: Counter[str]) -> float:
    total = sum(neighbours.values())
    return -sum(c / total * math.log(c / total) for c in neighbours.values())


def _drop_fragments(found: list[Candidate]) -> list[Candidate]:
    """A run inside a longer proposed run with the same count is a fragment of it."""
    words = {c.word: c.count for c in found}
    return [c for c in found if not any(c.word in w and w != c.word and n >= c.count for w, n in words.items())]


def add_words(corpus_dir: Path, words: Iterable[str]) -> tuple[list[str], list[str]]:
    """Append `words` to corpus_dir/userdict.txt (one a line, jieba's format); returns (added, already there).
    The index is not changed: the next `searcher build` segments with them."""
    known = {w for w, _, _ in load_resources(corpus_dir).words}
    added: list[str] = []
    present: list[str] = []
    for word in dict.fromkeys(normalize(w).text.strip() for w in words):
        if not word:
            continue
        (present if word in known else added).append(word)
    if added:
        path = corpus_dir / USERDICT
        existing = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
        lead = "" if not existing or existing.endswith("\n") else "\n"
        with path.open("a", encoding="utf-8") as out:
            out.write(lead + "".join(f"{w}\n" for w in added))
        load_words([(w, None, None) for w in added])
    return added, present
