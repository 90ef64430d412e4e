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
from typing import Any

from whoosh import query as Q
from whoosh.matching import NullMatcher, WrappingMatcher

from .analysis import alnum_runs
from .normalize import normalize_text

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


def substring(fieldname: str, text: str) -> Q.Query:
    """Paragraphs whose field holds normalised `text` exactly: one term for one or two characters, else the
    intersection of its n-grams, checked against the stored text. Runs separated by spaces or punctuation must stand
    with exactly one such character between them (runs of them in the query count as one)."""
    runs = alnum_runs(text)
    if not runs:
        return Q.NullQuery
    if len(runs) == 1 and len(runs[0]) <= 2:
        return Q.Term(fieldname, runs[0])
    terms = list(dict.fromkeys(t for run in runs for t in gram_terms(run)))
    candidates = Q.Term(fieldname, terms[0]) if len(terms) == 1 else Q.And([Q.Term(fieldname, t) for t in terms])
    return Holding(candidates, SOURCES[fieldname], _BREAK.join(re.escape(run) for run in runs))


class Holding(Q.WrappingQuery):
    """The documents of `child` whose stored `source` field, normalised, matches `pattern` (scored by `child`)."""

    def __init__(self, child: Q.Query, source: str, pattern: str) -> None:
        super().__init__(child)
        self.source = source
        self.pattern = pattern

    def __repr__(self) -> str:
        return f"Holding({self.child!r}, {self.source!r}, {self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Holding) and self.child == other.child and self.source == other.source
                and self.pattern == other.pattern)

    def __hash__(self) -> int:
        return hash((self.child, self.source, self.pattern))

    def _rewrap(self, child: Q.Query) -> Holding:
        return Holding(child, self.source, self.pattern)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        found = re.compile(self.pattern).search
        source = self.source
        stored = searcher.stored_fields

        def holds(docnum: int) -> bool:
            return found(normalize_text(stored(docnum).get(source) or "")) is not None

        child = self.child.matcher(searcher, context)
        return _Checked(child, holds) if child.is_active() else child


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
