"""Exact substrings through a character n-gram field that keeps no positions.

The n-gram fields index every character and every pair of adjacent characters (inside runs of letters, digits and
CJK characters) as plain terms, without positions: positions and trigram terms made up half of the index's bytes
and build time (docs/BENCHMARKS.md, "Redesign proposal"). A substring of one or two characters is then one term,
exact by construction. A longer one, or one with a space or punctuation mark in it (`"南湖 晨曦"`), needs all its
n-grams in the paragraph (a cheap intersection of posting lists) and, for each such candidate, a look at the stored
text the field was made from: the candidate is kept only if its normalised text really holds the substring. So
totals, filters and ranking see exactly the paragraphs that hold what was typed, as with positional phrases before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from whoosh import query as Q
from whoosh.matching import NullMatcher, WrappingMatcher

from ..analysis.normalize import normalize_text
from ..analysis.tokenizers import alnum_runs

# The stored field each n-gram field was made from (the text a candidate is checked against).
SOURCES = {"grams": "text", "title_grams": "title", "heading_grams": "heading", "byline_grams": "byline"}
# Between two runs of a quoted text: exactly one character that is not a letter, digit or CJK character, the way
# the n-gram fields break runs (str.isalnum).
_BREAK = r"[\W_]"


def gram_terms(run: str) -> list[str]:
    """The n-gram terms a run of letters and digits is found by: itself when it is one or two characters long,
    else its distinct bigrams."""
    if len(run) <= 2:
        return [run]
    return list(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))


def substring(fieldname: str, text: str, word_field: str | None = None) -> Q.Query:
    """Paragraphs whose field holds normalised `text` exactly: one term for one or two characters, else the
    intersection of its n-grams, checked against the stored text. Runs separated by spaces or punctuation must stand
    with exactly one such character between them (runs of them in the query count as one). With `word_field` (the
    word field made from the same stored text), a candidate that has `text` as a word term there holds it without
    a look at its stored text; the caller passes it only when that term can only come from `text` itself (not a
    synonym group's canonical term, which also stands for the group's other members)."""
    runs = alnum_runs(text)
    if not runs:
        return Q.NullQuery
    if len(runs) == 1 and len(runs[0]) <= 2:
        return Q.Term(fieldname, runs[0])
    terms = list(dict.fromkeys(t for run in runs for t in gram_terms(run)))
    candidates = Q.Term(fieldname, terms[0]) if len(terms) == 1 else Q.And([Q.Term(fieldname, t) for t in terms])
    known = Q.Term(word_field, runs[0]) if word_field and len(runs) == 1 else None
    return Holding(candidates, SOURCES[fieldname], _BREAK.join(re.escape(run) for run in runs), known)


@lru_cache(maxsize=65536)
def _text_holds(pattern: str, text: str) -> bool:
    """Whether the normalised `text` matches `pattern`; remembered, since a title, heading or byline is checked
    once for each paragraph of its article, and a search looks at the same paragraph more than once (a unit in the
    paragraph is part of both the anchor and the musts; the total is counted in a second pass)."""
    return re.search(pattern, normalize_text(text)) is not None


class _Holder:
    """The check of one matcher: documents come in increasing order, so the word term's postings are walked once
    alongside (a fresh walk if a copied matcher goes back)."""

    def __init__(self, searcher: Any, source: str, pattern: str, known: Q.Query | None) -> None:
        self.searcher, self.source, self.pattern, self.known = searcher, source, pattern, known
        self.words = self._walk()

    def _walk(self) -> Any:
        return self.known.matcher(self.searcher) if self.known is not None else None

    def __call__(self, docnum: int) -> bool:
        words = self.words
        if words is not None:
            if words.is_active() and words.id() > docnum:
                words = self.words = self._walk()
            if words.is_active() and words.id() < docnum:
                words.skip_to(docnum)
            if words.is_active() and words.id() == docnum:
                return True
        text = self.searcher.stored_fields(docnum).get(self.source) or ""
        return _text_holds(self.pattern, text)


class Holding(Q.WrappingQuery):
    """The documents of `child` whose stored `source` field, normalised, matches `pattern` (scored by `child`);
    those `known` matches hold it without a look."""

    def __init__(self, child: Q.Query, source: str, pattern: str, known: Q.Query | None = None) -> None:
        super().__init__(child)
        self.source = source
        self.pattern = pattern
        self.known = known

    def __repr__(self) -> str:
        return f"Holding({self.child!r}, {self.source!r}, {self.pattern!r}, {self.known!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Holding) and self.child == other.child and self.source == other.source
                and self.pattern == other.pattern and self.known == other.known)

    def __hash__(self) -> int:
        return hash((self.child, self.source, self.pattern, self.known))

    def _rewrap(self, child: Q.Query) -> Holding:
        return Holding(child, self.source, self.pattern, self.known)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        child = self.child.matcher(searcher, context)
        if not child.is_active():
            return child
        return _Checked(child, _Holder(searcher, self.source, self.pattern, self.known))


class _Checked(WrappingMatcher):
    """A matcher that passes over the child's documents that `holds` rejects. Its quality bounds are the child's:
    still upper bounds, since checking only removes documents."""

    def __init__(self, child: Any, holds: Callable[[int], bool], boost: float = 1.0) -> None:
        super().__init__(child, boost)
        self.holds = holds
        self._settle()

    def _settle(self) -> None:
        child, holds = self.child, self.holds
        while child.is_active() and not holds(child.id()):
            child.next()

    def _replacement(self, newchild: Any) -> Any:
        return _Checked(newchild, self.holds, self.boost)

    def copy(self) -> Any:
        return _Checked(self.child.copy(), self.holds, self.boost)

    def replace(self, minquality: float = 0) -> Any:
        if not self.is_active():
            return NullMatcher()
        return self

    def all_ids(self) -> Iterator[int]:
        holds = self.holds
        return (docnum for docnum in self.child.all_ids() if holds(docnum))

    def next(self) -> None:
        self.child.next()
        self._settle()

    def skip_to(self, id: int) -> None:
        self.child.skip_to(id)
        self._settle()

    def skip_to_quality(self, minquality: float) -> int:
        skipped = self.child.skip_to_quality(minquality)
        self._settle()
        return skipped
