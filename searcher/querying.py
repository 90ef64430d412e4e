"""Turning a parsed query into Whoosh queries: strict keyword search, and a ranked question search.

Every word matches either as a jieba word (precise, ranks higher) or as an exact substring through the character
n-gram fields (so 曦, 国梁 in 刘国梁 and 市长 in 南京市长江大桥 are found). Long natural-language queries are
not a strict AND: they rank by how many and which words and bigrams match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as Q

from .analysis import alnum_runs, grams, segment, sub_words
from .query_syntax import ParsedQuery, Unit
from .rerank import alnum_bigrams


class AnyOf(Q.Or):
    """Or that always builds Whoosh's tree of union matchers. For small indexes Whoosh otherwise picks an
    array matcher whose quality bounds are wrong, and its top-N search then silently dropped the best hits."""

    matcher_type = Q.Or.DEFAULT_MATCHER

# Relative weights, tuned on the CMRC 2018 judgments (bench/relevance.py).
TITLE_BOOST = 0.6
HEADING_BOOST = 0.4
GRAM_BOOST = 0.35
PROXIMITY_BOOST = 1.5
QUESTION_GRAM_BOOST = 0.6
QUESTION_MIN_WORDS = 4
SUBWORD_BOOST = 0.5
QUESTION_TERMS = 24
COMMON_RATIO = 0.2
QUESTION_MARKS = re.compile(r"[?？]|什么|哪|谁|多少|几[个年月日号次位种]|怎么|怎样|如何|为什么|为何|是否|吗$|呢$")

DocFrequency = Callable[[str, str], tuple[int, int]]

STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 由 被 把 对 为 于 从 向 以 之 其 这 那 这个 那个 哪 哪个 哪些 哪里 哪儿 什么 谁 多少 几 "
    "怎么 怎样 如何 为什么 为何 吗 呢 啊 吧 也 都 就 而 并 等 有 个 一个 些 该 此 时 中 上 下 会 要 能 可以 "
    "曾 曾经 已 已经 还 又 被称为 称为 叫 叫做 哪一 哪一个 哪年 何 何时 什么时候 第几 位于 属于".split()
)


@dataclass
class QueryPlan:
    """What to run and what to highlight."""

    strict: Q.Query | None
    question: Q.Query | None
    needles: list[str] = field(default_factory=list)
    filter: Q.Query | None = None


def words_of(text: str) -> list[str]:
    """Query words of a loose unit: jieba accurate mode; stopwords dropped unless nothing else is left."""
    words = [w for w, _, _ in segment(text)]
    content = [w for w in words if w not in STOPWORDS]
    return content or words


def substring(fieldname: str, text: str) -> Q.Query:
    """Exact substring match through a character n-gram field (punctuation splits it into parts)."""
    parts: list[Q.Query] = []
    for run in alnum_runs(text):
        terms = grams(run)
        parts.append(Q.Term(fieldname, terms[0]) if len(terms) == 1 else Q.Phrase(fieldname, terms))
    return parts[0] if len(parts) == 1 else Q.And(parts)


class Builder:
    """Builds queries for one index: knows its synonym map (from the schema's analyzer)."""

    def __init__(self, synonyms: dict[str, str] | None = None) -> None:
        self.synonyms = synonyms or {}
        self.groups: dict[str, list[str]] = {}
        for term, canonical in self.synonyms.items():
            self.groups.setdefault(canonical, []).append(term)

    def variants(self, word: str) -> list[str]:
        canonical = self.synonyms.get(word)
        return self.groups[canonical] if canonical else [word]

    def word_anywhere(self, word: str) -> Q.Query:
        """A word in the paragraph, its heading or its article title; as a word or as a substring."""
        term = self.synonyms.get(word, word)
        alts: list[Q.Query] = [
            Q.Term("text", term),
            Q.Term("title", term, boost=TITLE_BOOST),
            Q.Term("heading", term, boost=HEADING_BOOST),
        ]
        for variant in self.variants(word):
            alts += [
                AnyOf([substring("grams", variant)], boost=GRAM_BOOST),
                AnyOf([substring("title_grams", variant)], boost=GRAM_BOOST * TITLE_BOOST),
                AnyOf([substring("heading_grams", variant)], boost=GRAM_BOOST * HEADING_BOOST),
            ]
        return AnyOf(alts)

    def word_in_body(self, word: str) -> Q.Query:
        term = self.synonyms.get(word, word)
        return AnyOf([Q.Term("text", term)] + [substring("grams", v) for v in self.variants(word)])

    def phrase_anywhere(self, text: str) -> Q.Query:
        return AnyOf([
            substring("grams", text),
            AnyOf([substring("title_grams", text)], boost=TITLE_BOOST),
            AnyOf([substring("heading_grams", text)], boost=HEADING_BOOST),
        ])

    def unit(self, unit: Unit) -> tuple[Q.Query, Q.Query, list[str]]:
        """(must-match query, body-match query, words) for one unit."""
        if unit.phrase:
            return self.phrase_anywhere(unit.text), substring("grams", unit.text), [unit.text]
        words = words_of(unit.text)
        must = Q.And([self.word_anywhere(w) for w in words])
        body = AnyOf([self.word_in_body(w) for w in words])
        if len(words) > 1:
            must = Q.AndMaybe(must, Q.Phrase("text", words, slop=1, boost=PROXIMITY_BOOST))
        return must, body, words

    def exclusion(self, unit: Unit) -> Q.Query:
        """Excludes paragraphs (and their headings) that contain the text; the article title does not count,
        since the paragraph is what is returned."""
        if unit.phrase:
            return AnyOf([substring("grams", unit.text), substring("heading_grams", unit.text)])
        return Q.And([AnyOf([self.word_in_body(w), substring("heading_grams", w)]) for w in words_of(unit.text)])

    def needles(self, words: list[str]) -> list[str]:
        out: list[str] = []
        for word in words:
            out += self.variants(word)
        return out

    def plan(self, parsed: ParsedQuery, df: DocFrequency | None = None) -> QueryPlan:
        musts, bodies, words = [], [], []
        for group in parsed.groups:
            built = [self.unit(u) for u in group]
            musts.append(AnyOf([b[0] for b in built]))
            bodies += [b[1] for b in built]
            words += [w for b in built for w in b[2]]
        for unit in parsed.title:
            musts.append(substring("title_grams", unit.text) if unit.phrase else
                         Q.And([AnyOf([Q.Term("title", w), substring("title_grams", w)]) for w in words_of(unit.text)]))
        strict: Q.Query | None = None
        if len(musts) == 1 and bodies:
            # One item: the body match decides; the title/heading alternatives only add to the score.
            strict = Q.AndMaybe(AnyOf(bodies), musts[0])
        elif musts:
            strict = Q.And(musts + ([AnyOf(bodies)] if bodies else []))
        question = self.question(parsed, words, df)
        exclude = [self.exclusion(u) for u in parsed.exclude]
        if exclude:
            strict = Q.AndNot(strict, AnyOf(exclude)) if strict is not None else None
            question = Q.AndNot(question, AnyOf(exclude)) if question is not None else None
        return QueryPlan(strict, question, self.needles(words), self.filter(parsed))

    def question(self, parsed: ParsedQuery, words: list[str], df: DocFrequency | None = None) -> Q.Query | None:
        """The ranked OR query for long questions, and the fallback when the strict query finds nothing: plain
        terms only (words, their sub-words, character bigrams), since BM25 here only has to find candidates
        that `rerank` then orders; position checks would make it slow. With `df` ((field, term) -> (count,
        of total)) only the QUESTION_TERMS rarest terms are kept: common ones (中国, 公司) barely change the
        order but cost a scored posting each."""
        if not words:
            return None
        terms: list[tuple[str, str, float]] = []
        for word in dict.fromkeys(words):
            term = self.synonyms.get(word, word)
            terms += [("text", term, 1.0), ("title", term, TITLE_BOOST)]
            terms += [("text", sub, SUBWORD_BOOST) for sub, _ in sub_words(word)]
            if len(word) == 1:
                terms.append(("grams", word, QUESTION_GRAM_BOOST))
        text = " ".join(u.text for g in parsed.groups for u in g)
        for gram in sorted(alnum_bigrams(text)):
            terms += [("grams", gram, QUESTION_GRAM_BOOST), ("title_grams", gram, QUESTION_GRAM_BOOST * TITLE_BOOST)]
        return AnyOf([Q.Term(f, t, boost=b) for f, t, b in _rarest(terms, df)])

    def filter(self, parsed: ParsedQuery) -> Q.Query | None:
        filters: list[Q.Query] = []
        if parsed.source:
            filters.append(AnyOf([Q.Term("source", s) for s in parsed.source]))
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


def _rarest(terms: list[tuple[str, str, float]], df: DocFrequency | None) -> list[tuple[str, str, float]]:
    """The QUESTION_TERMS terms found in the fewest paragraphs (terms found nowhere are dropped)."""
    if df is None or len(terms) <= QUESTION_TERMS:
        return terms
    counted = sorted(((*df(f, t), (f, t, b)) for f, t, b in terms), key=lambda c: c[0])
    kept = [term for n, total, term in counted if 0 < n <= COMMON_RATIO * total]
    return (kept if len(kept) >= 2 else [term for n, _, term in counted if n][:2])[:QUESTION_TERMS]
