"""Second-stage ranking for natural-language questions: BM25 finds candidates, proximity picks the answer.

BM25 scores each word on its own, so a long paragraph that mentions the question's words far apart can beat the
one where they stand together in a sentence. For the top candidates we therefore add how much of the question
(its character bigrams, weighted by IDF) appears inside one window of text, and how much appears in the title.
Measured on CMRC 2018 questions (bench/relevance.py), this lifts MRR@10 by about two points.

A question that asks for a quantity (多少家, 几个, 多少人) also counts whether the paragraph has the shape of its
answer: a number right before that measure word (4980家). Without it, 家 asked for in 有多少家 would only ever
match inside other words (家庭, 专家), or not at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..analysis.normalize import normalize_text
from ..analysis.tokenizers import alnum_runs

DEPTH = 40
WINDOW_WEIGHT = 1.5
TITLE_WEIGHT = 0.5
MIN_WINDOW = 30
ANSWER_WEIGHT = 0.8
_QUANTITY = re.compile(r"(?:多少|几)([^\W\d_])")
_PARTICLES = set("的了是在和与及或呢吗啊吧")
_NUMBER = r"(?:\d[\d,.]*|[零〇一二三四五六七八九十百千万亿两]+)[多余]?[万亿]?"


@dataclass
class Candidate:
    """A hit on its way to the page: a Whoosh hit until its stored fields are needed, then their dict."""

    source: Any
    score: float

    def document(self) -> dict[str, Any]:
        if not isinstance(self.source, dict):
            self.source = self.source.fields()
        return self.source


def alnum_bigrams(text: str) -> set[str]:
    """Bigrams inside runs of letters, digits and CJK characters of normalised text."""
    return {run[i : i + 2] for run in alnum_runs(normalize_text(text)) for i in range(len(run) - 1)}


def idf_weights(grams: set[str], doc_frequency: Callable[[str], int], doc_count: int) -> dict[str, float]:
    """BM25's IDF for each bigram; bigrams that occur nowhere carry no weight."""
    weights = {}
    for gram in grams:
        df = doc_frequency(gram)
        if df:
            weights[gram] = math.log(1 + (doc_count - df + 0.5) / (df + 0.5))
    return weights


def window_coverage(text: str, weights: dict[str, float], width: int) -> float:
    """The largest total weight of distinct bigrams found within `width` characters of each other."""
    norm = normalize_text(text)
    hits = sorted((i, g) for g in weights for i in _find_all(norm, g))
    best = current = 0.0
    counts: dict[str, int] = {}
    left = 0
    for pos, gram in hits:
        counts[gram] = counts.get(gram, 0) + 1
        current += weights[gram] if counts[gram] == 1 else 0.0
        while hits[left][0] < pos - width:
            old = hits[left][1]
            counts[old] -= 1
            current -= weights[old] if counts[old] == 0 else 0.0
            left += 1
        best = max(best, current)
    return best


def _find_all(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def answer_shape(question: str) -> re.Pattern[str] | None:
    """For a question asking 多少X / 几X: a number followed by X (the measure word), else None. 多少的 asks
    for no unit."""
    units = {m.group(1) for m in _QUANTITY.finditer(normalize_text(question))} - _PARTICLES
    return re.compile(_NUMBER + "[" + "".join(sorted(units)) + "]") if units else None


def rerank(candidates: list[Candidate], question: str, weights: dict[str, float]) -> list[Candidate]:
    """New scores (BM25 relative to the best, plus proximity, title coverage and the answer's shape), best
    first."""
    if not candidates or not weights:
        return candidates
    total = sum(weights.values())
    width = max(MIN_WINDOW, 3 * len(question))
    top = max(c.score for c in candidates) or 1.0
    shape = answer_shape(question)
    for c in candidates:
        doc = c.document()
        title = normalize_text(doc.get("title", ""))
        text = doc.get("text", "")
        window = window_coverage(text, weights, width) / total
        in_title = sum(w for g, w in weights.items() if g in title) / total
        answer = ANSWER_WEIGHT if shape and shape.search(normalize_text(text)) else 0.0
        c.score = c.score / top + WINDOW_WEIGHT * window + TITLE_WEIGHT * in_title + answer
    return sorted(candidates, key=lambda c: -c.score)


# Keywords typed as one run (嘉兴光伏) rank higher where their words stand together: in order, with at most NEAR_GAP
# characters between them (about one word), and higher again where the run stands exactly as typed (中国人民, or 的汇报
# whose 的 is not searched). Checked on the NEAR_DEPTH best hits' text, a fixed head so that every page of a result
# is cut from the same order.
NEAR_DEPTH = 100
NEAR_GAP = 4
NEAR_BONUS = 0.5
VERBATIM_BONUS = 0.5


def near_patterns(runs: list[tuple[str, ...]]) -> list[re.Pattern[str]]:
    return [re.compile(f".{{0,{NEAR_GAP}}}".join(re.escape(w) for w in words)) for words in runs]


def boost_near(candidates: list[Candidate], runs: list[tuple[str, ...]],
               verbatim: list[str] | None = None) -> list[Candidate]:
    """The head re-ordered with NEAR_BONUS more score for hits where some run's words stand together, and up to
    VERBATIM_BONUS more for the share of the `verbatim` runs found as typed; the rest as they were (a boost only
    raises scores, so the head stays above them)."""
    if not runs and not verbatim:
        return candidates
    patterns = near_patterns(runs)
    head = candidates[:NEAR_DEPTH]
    for c in head:
        text = normalize_text(c.document().get("text", ""))
        bonus = NEAR_BONUS if any(p.search(text) for p in patterns) else 0.0
        if verbatim:
            bonus += VERBATIM_BONUS * sum(1 for run in verbatim if run in text) / len(verbatim)
        c.score *= 1 + bonus
    return sorted(head, key=lambda c: -c.score) + candidates[NEAR_DEPTH:]
