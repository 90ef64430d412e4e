"""Turning a parsed query into Whoosh queries: strict keyword search, a looser partial search, a ranked question
search and the filters.

What was typed as one run (`滴水湖`, `4980家`, `嘉兴光伏`) is read into *pieces* that must all be found in the same
field of the same paragraph, each as a jieba word or as an exact substring through the character n-gram fields (so
曦, 国梁 in 刘国梁 and 市长 in 南京市长江大桥 are found). A single character that jieba split off (家 in 4980家,
湖 in 滴水湖, 强 in 高柱强) is glued to its neighbour instead of standing alone, so it only ever matches next to
it. Space-separated units must each be found somewhere in the paragraph's article context (paragraph, heading,
title or byline), at least one of them in the paragraph itself. Long natural-language questions are not a strict
AND: they rank by how many and which words and bigrams match.

A query plan is bounded (MAX_PIECES distinct pieces, MAX_PHRASE_CHARS per quoted phrase), so that no query of the
500 characters a user may send costs more than a few hundred term lookups; `trimmed` says when it was cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as Q
from whoosh.matching import RequireMatcher

from ..analysis.normalize import normalize_text
from ..analysis.tokenizers import alnum_runs, segment, sub_words
from .rerank import alnum_bigrams
from .substrings import substring
from .syntax import ParsedQuery, Unit


class AnyOf(Q.Or):
    """Or that always builds Whoosh's tree of union matchers. For small indexes Whoosh otherwise picks an
    array matcher whose quality bounds are wrong, and its top-N search then silently dropped the best hits."""

    matcher_type = Q.Or.DEFAULT_MATCHER


class _Required(RequireMatcher):
    """Whoosh's RequireMatcher, with its skip_to_quality fixed: it re-aligned its two halves even when they already
    stood on the same document, and failed an assertion doing so."""

    def skip_to_quality(self, minquality: float) -> int:
        skipped = self.a.skip_to_quality(minquality)
        if self.a.is_active() and self.b.is_active() and self.a.id() != self.b.id():
            self.child._find_next()
        return skipped


class Filtered(Q.Require):
    """Documents of `a` that `b` also matches, scored by `a` alone: a filter that keeps Whoosh's block-quality
    optimisations and exact counts (the filter is part of the query, not a collector's afterthought)."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return _Required(self.a.matcher(searcher, context), self.b.matcher(searcher, searcher.boolean_context()))


# Relative weights, tuned on the CMRC 2018 judgments (bench/relevance.py).
TITLE_BOOST = 0.6
HEADING_BOOST = 0.4
BYLINE_BOOST = 0.4
GRAM_BOOST = 0.35
QUESTION_GRAM_BOOST = 0.7  # 0.6 before the lean n-gram fields; re-tuned on dev: docs/relevance.md
QUESTION_MIN_WORDS = 4
SUBWORD_BOOST = 0.5
QUESTION_TERMS = 24
COMMON_RATIO = 0.2
QUESTION_MARKS = re.compile(r"[?？]|什么|哪|谁|多少|几[个年月日号次位种]|怎么|怎样|如何|为什么|为何|是否|吗$|呢$")

# Bounds of one query plan (issue 12: `嘉兴` typed 250 times took minutes).
MAX_PIECES = 32
MAX_PHRASE_CHARS = 64
MAX_PROXIMITY_WORDS = 12

DocFrequency = Callable[[str, str], tuple[int, int]]

STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 由 被 把 对 为 于 从 向 以 之 其 这 那 这个 那个 哪 哪个 哪些 哪里 哪儿 什么 谁 多少 几 "
    "怎么 怎样 如何 为什么 为何 吗 呢 啊 吧 也 都 就 而 并 等 有 个 一个 些 该 此 时 中 上 下 会 要 能 可以 "
    "曾 曾经 已 已经 还 又 被称为 称为 叫 叫做 哪一 哪一个 哪年 何 何时 什么时候 第几 位于 属于".split()
)

# (word field, character n-gram field) of each place a unit can be found.
BODY = ("text", "grams")
TITLE = ("title", "title_grams")
HEADING = ("heading", "heading_grams")
BYLINE = ("byline", "byline_grams")
FIRST_PARAGRAPH = Q.Term("paragraph", 1)


@dataclass(frozen=True)
class Run:
    """A unit typed without spaces, as it is matched: `pieces` must all be in one field (each as a word or a
    substring); `words` are its jieba content words (split-off single characters left out), for proximity
    boosts and question ranking; `tokens` all its content words, single characters included, which tell a
    question from keywords."""

    text: str
    pieces: tuple[str, ...]
    words: tuple[str, ...]
    tokens: tuple[str, ...] = ()

    @property
    def glued(self) -> tuple[str, ...]:
        """Pieces that are not words: a split-off character with its neighbour (4980家, 巡视船)."""
        return tuple(p for p in self.pieces if p not in self.words)


@dataclass
class QueryPlan:
    """What to run and what to highlight: `strict` (every unit), `loose` (any piece: the partial fallback),
    `question` (ranked OR of terms), the filter, the needles to mark, and whether the query was trimmed."""

    strict: Q.Query | None
    question: Q.Query | None
    needles: list[str] = field(default_factory=list)
    filter: Q.Query | None = None
    loose: Q.Query | None = None
    words: list[str] = field(default_factory=list)  # every content word (Builder.is_question counts them)
    trimmed: bool = False
    near: list[tuple[str, ...]] = field(default_factory=list)  # words of each run, ranked higher standing together
    verbatim: list[str] = field(default_factory=list)  # runs matched by parts, ranked higher found as typed


def words_of(text: str) -> list[str]:
    """Query words of a loose unit: jieba accurate mode; stopwords dropped unless nothing else is left."""
    words = [w for w, _, _ in segment(text)]
    content = [w for w in words if w not in STOPWORDS]
    return content or words


def read_run(text: str) -> Run:
    """Pieces and words of a run. A single character jieba split off is glued to the piece on its left (4980家,
    滴水湖, 高柱强), or, with none, to the word on its right; a stopword is dropped (嘉兴的光伏 needs 嘉兴 and
    光伏) unless a split-off character leans on it (的家). A single character glued to no other content word
    (蓍 in 蓍的别名, 死 in 怎么死的) is a word of its own."""
    tokens = segment(text)
    has_content = any(w not in STOPWORDS for w, _, _ in tokens)
    if len(tokens) <= 1:
        alone = tuple(w for w, _, _ in tokens)
        return Run(text, alone, alone, alone)
    spans: list[list[int]] = []  # [start, end, content words in it]
    members: list[tuple[str, int]] = []  # (content word, index of its span)
    glue_right, stop_before = False, -1
    for word, start, end in tokens:
        if has_content and word in STOPWORDS:
            glue_right, stop_before = False, start
            continue
        single = len(word) == 1
        if spans and spans[-1][1] == start and (single or glue_right):
            spans[-1][1:] = [end, spans[-1][2] + 1]
        elif single and stop_before >= 0 and _ends_at(tokens, stop_before, start):
            spans.append([stop_before, end, 1])
        else:
            spans.append([start, end, 1])
        members.append((word, len(spans) - 1))
        glue_right, stop_before = single and spans[-1][:2] == [start, end], -1
    words = [w for w, i in members if len(w) > 1 or spans[i][2] == 1]
    return Run(text, tuple(dict.fromkeys(text[s:e] for s, e, _ in spans)), tuple(dict.fromkeys(words)),
               tuple(dict.fromkeys(w for w, _ in members)))


def _ends_at(tokens: list[tuple[str, int, int]], start: int, end: int) -> bool:
    return any(s == start and e == end for _, s, e in tokens)


class Budget:
    """Counts the distinct pieces a plan holds and cuts what goes beyond MAX_PIECES."""

    def __init__(self, limit: int = MAX_PIECES) -> None:
        self.limit = limit
        self.seen: set[str] = set()
        self.trimmed = False

    def take(self, pieces: tuple[str, ...]) -> tuple[str, ...]:
        kept = []
        for piece in pieces:
            if piece not in self.seen and len(self.seen) >= self.limit:
                self.trimmed = True
                continue
            self.seen.add(piece)
            kept.append(piece)
        return tuple(kept)


class Builder:
    """Builds queries for one index: knows its synonym map (from the schema's analyzer) and whether it indexes
    bylines (an index built before they were searchable does not; it needs `searcher build` for them)."""

    def __init__(self, synonyms: dict[str, str] | None = None, bylines: bool = True) -> None:
        self.synonyms = synonyms or {}
        self.places = [BODY, TITLE, HEADING, BYLINE] if bylines else [BODY, TITLE, HEADING]
        self.groups: dict[str, list[str]] = {}
        for term, canonical in self.synonyms.items():
            self.groups.setdefault(canonical, []).append(term)

    def variants(self, word: str) -> list[str]:
        canonical = self.synonyms.get(word)
        return self.groups[canonical] if canonical else [word]

    def piece_in(self, place: tuple[str, str], piece: str) -> Q.Query:
        """One piece in one place: as a word (ranks higher) or as a substring, synonyms included."""
        words_field, grams_field = place
        alts: list[Q.Query] = [Q.Term(words_field, self.synonyms.get(piece, piece))]
        alts += [AnyOf([substring(grams_field, v, None if v in self.groups else words_field)], boost=GRAM_BOOST)
                 for v in self.variants(piece)]
        return AnyOf(alts)

    def unit_in(self, place: tuple[str, str], unit: Unit, run: Run | None) -> Q.Query:
        """A whole unit in one place: the exact text for a phrase, every piece of a run (never split between
        places). Whether a run's words stand together is not part of the query (a phrase matcher reads positions
        for every match and turns off Whoosh's block skipping): the best hits are re-ranked by it instead
        (`QueryPlan.near`, rerank.boost_near)."""
        if run is None:
            return substring(place[1], unit.text)
        return Q.And([self.piece_in(place, p) for p in run.pieces])

    def anywhere(self, unit: Unit, run: Run | None) -> Q.Query:
        """The unit in the paragraph, its heading, its article's title or byline (those score lower)."""
        boosts = {BODY: 1.0, TITLE: TITLE_BOOST, HEADING: HEADING_BOOST, BYLINE: BYLINE_BOOST}
        return AnyOf([AnyOf([self.unit_in(place, unit, run)], boost=boosts[place]) for place in self.places])

    def exclusion(self, unit: Unit, run: Run | None) -> Q.Query:
        """Excludes paragraphs (and their headings) that contain the text; the article title does not count,
        since the paragraph is what is returned."""
        return AnyOf([self.unit_in(BODY, unit, run), self.unit_in(HEADING, unit, run)])

    def needles(self, words: list[str]) -> list[str]:
        out: list[str] = []
        for word in words:
            out += self.variants(word)
        return out

    def read(self, unit: Unit, budget: Budget) -> tuple[Unit, Run | None]:
        """The unit as it will be matched: a phrase cut to MAX_PHRASE_CHARS (run None), a run's pieces within the
        budget (a run with no pieces left, or a phrase over budget, is dropped by the caller)."""
        if unit.phrase:
            if len(unit.text) > MAX_PHRASE_CHARS:
                budget.trimmed = True
                unit = Unit(unit.text[:MAX_PHRASE_CHARS], True)
            return unit, (None if budget.take((unit.text,)) else Run(unit.text, (), ()))
        run = read_run(unit.text)
        return unit, Run(run.text, budget.take(run.pieces), run.words[:MAX_PIECES], run.tokens[:MAX_PIECES])

    def plan(self, parsed: ParsedQuery, df: DocFrequency | None = None) -> QueryPlan:
        budget = Budget()
        musts, bodies, bylines, needles, words, glued, tokens, loose = [], [], [], [], [], [], [], []
        near: list[tuple[str, ...]] = []
        verbatim: list[str] = []
        for group in dict.fromkeys(tuple(dict.fromkeys(g)) for g in parsed.groups):  # repeats count once
            read = [(u, r) for u, r in (self.read(u, budget) for u in group) if r is None or r.pieces]
            if not read:
                continue
            musts.append(AnyOf([self.anywhere(u, r) for u, r in read]))
            bodies += [self.unit_in(BODY, u, r) for u, r in read]
            bylines += [self.unit_in(BYLINE, u, r) for u, r in read if BYLINE in self.places]
            needles += [p for u, r in read for p in (r.pieces if r else [u.text])]
            words += [w for u, r in read for w in (r.words if r else [u.text])]
            glued += [p for _, r in read if r for p in r.glued]
            near += [r.words for _, r in read if r and 1 < len(r.words) <= MAX_PROXIMITY_WORDS]
            verbatim += [r.text for _, r in read if r and r.pieces != (r.text,) and len(r.text) <= MAX_PHRASE_CHARS]
            tokens += [t for u, r in read for t in (r.tokens if r else [u.text])]
            loose += [self.piece_in(BODY, p) if r else self.unit_in(BODY, u, r)
                      for u, r in read for p in (r.pieces if r else [u.text])]
        for unit in parsed.title:
            unit, run = self.read(unit, budget)
            if run is None or run.pieces:
                musts.append(self.unit_in(TITLE, unit, run))
        strict = self._strict(musts, bodies, bylines, single=len(musts) == 1 and bool(bodies))
        question = self.question(parsed, tokens, df, glued)
        loose_query = AnyOf(loose) if loose else None
        exclude = [self.exclusion(u, r) for u, r in (self.read(u, budget) for u in parsed.exclude)
                   if r is None or r.pieces]
        if exclude:
            strict, question, loose_query = (None if q is None else Q.AndNot(q, AnyOf(exclude))
                                             for q in (strict, question, loose_query))
        return QueryPlan(strict, question, self.needles(needles), self.filter(parsed), loose_query,
                         list(dict.fromkeys(tokens)), budget.trimmed, list(dict.fromkeys(near)),
                         list(dict.fromkeys(verbatim)))

    @staticmethod
    def _strict(musts: list[Q.Query], bodies: list[Q.Query], bylines: list[Q.Query], single: bool) -> Q.Query | None:
        """Every must, and at least one unit in the paragraph itself (or in the byline, for the article's first
        paragraph, which then stands for the article). With one item the title/heading only add to the score."""
        if not musts:
            return None
        if not bodies:
            return Q.And(musts)
        anchor = AnyOf(bodies + ([Q.And([AnyOf(bylines), FIRST_PARAGRAPH])] if bylines else []))
        return Q.AndMaybe(anchor, musts[0]) if single else Q.And(musts + [anchor])

    def question(self, parsed: ParsedQuery, words: list[str], df: DocFrequency | None = None,
                 glued: list[str] | None = None) -> Q.Query | None:
        """The ranked OR query for long questions: plain terms only (words, their sub-words, character bigrams),
        since BM25 here only has to find candidates that `rerank` then orders; position checks would make it
        slow. Split-off single characters are not among the words: they count only with their neighbours,
        through the question's character bigrams, which hold every `glued` piece's (with the lean n-gram fields a
        glued piece has no terms of its own; adding its bigrams again only doubled their weight: full CMRC dev
        MRR@10 0.970 with, 0.971 without). With `df` ((field, term) -> (count,
        of total)) only the QUESTION_TERMS rarest terms are kept: common ones (中国, 公司) barely change the order
        but cost a scored posting each."""
        if not words and not glued:
            return None
        terms: list[tuple[str, str, float]] = []
        for word in dict.fromkeys(words):
            term = self.synonyms.get(word, word)
            terms += [("text", term, 1.0), ("title", term, TITLE_BOOST)]
            terms += [("text", sub, SUBWORD_BOOST) for sub, _ in sub_words(word)]
            if len(word) == 1:
                terms.append(("grams", word, QUESTION_GRAM_BOOST))
        for gram in sorted(alnum_bigrams(question_text(parsed))):
            terms += [("grams", gram, QUESTION_GRAM_BOOST), ("title_grams", gram, QUESTION_GRAM_BOOST * TITLE_BOOST)]
        return AnyOf([Q.Term(f, t, boost=b) for f, t, b in _rarest(terms, df)])

    def filter(self, parsed: ParsedQuery) -> Q.Query | None:
        """Source (any of), author (any of, a substring of the byline) and date range."""
        filters: list[Q.Query] = []
        if parsed.source:
            filters.append(AnyOf([Q.Term("source", s) for s in parsed.source]))
        authors = [normalize_text(a) for a in parsed.author if alnum_runs(normalize_text(a))]
        if authors:
            filters.append(AnyOf([substring("byline_grams", a) for a in authors]) if BYLINE in self.places
                           else Q.NullQuery)
        if parsed.date_from or parsed.date_to:
            filters.append(Q.TermRange("date", parsed.date_from, parsed.date_to))
        return Q.And(filters) if filters else None

    def is_question(self, parsed: ParsedQuery, words: list[str]) -> bool:
        """A natural-language question (ranked, re-ranked) rather than keywords (strict AND): it asks
        (？, 什么, 哪, 多少…) or is one long run of words; words the user separated by spaces are keywords."""
        if parsed.operators or len(set(words)) < 2:
            return False
        return bool(QUESTION_MARKS.search(parsed.raw)) or (
            len(parsed.groups) == 1 and len(set(words)) >= QUESTION_MIN_WORDS)


def question_text(parsed: ParsedQuery) -> str:
    """The typed words of a question, for bigrams and re-ranking."""
    return " ".join(u.text for g in parsed.groups for u in g)


def _rarest(terms: list[tuple[str, str, float]], df: DocFrequency | None) -> list[tuple[str, str, float]]:
    """The QUESTION_TERMS terms found in the fewest paragraphs (terms found nowhere are dropped)."""
    if df is None or len(terms) <= QUESTION_TERMS:
        return terms
    counted = sorted(((*df(f, t), (f, t, b)) for f, t, b in terms), key=lambda c: c[0])
    kept = [term for n, total, term in counted if 0 < n <= COMMON_RATIO * total]
    return (kept if len(kept) >= 2 else [term for n, _, term in counted if n][:2])[:QUESTION_TERMS]
