"""Running a query plan's Whoosh query over whole posting lists at once, with numpy, instead of one posting at a
time through Whoosh's matcher tree.

Whoosh walks every matching posting in Python: a union of a word term and its n-gram term, nested four places deep
(paragraph, title, heading, byline), costs tens of Python calls per document, and a common word at a million
paragraphs has over a hundred thousand of them (`发展`: 1.7 s CPU, docs/performance.md). Here each term's postings
are decoded block by block straight into arrays, and each query node becomes one array operation: a union adds the
scores of the documents in common, an intersection keeps them, and so on. The scores are Whoosh's own: the same
BM25F formula with the same global statistics (IDF and average field lengths from the whole index, field lengths
from the segment's length column), boosts applied the way Whoosh's matchers apply them (a compound query with a
single subquery passes its boost over, as Whoosh's `CompoundQuery.matcher` does). So the hits, their order and the
exact totals are those of `searcher.search`, which `tests/test_vectorized.py` checks query by query.

Checks that cannot be array operations (`Holding`: does the stored text really hold the substring) run only on the
documents that are still candidates when they are reached: an `And` evaluates its cheap parts first and hands the
survivors down, so a substring is verified only in paragraphs that hold every other part of the query.

What is read is kept, per segment (a segment never changes once written): the decoded, scored posting lists
(POSTINGS) and the verdicts of the stored-text checks (VERDICTS), both bounded and shared by every thread.

A node type not listed here is run through Whoosh's own matcher (exact, only slower), so any query a plan can hold
is answered.
"""

from __future__ import annotations

import io
import math
import pickle
import struct
import threading
import weakref
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.util.numeric import byte_to_length

from .caches import LruCache
from .substrings import Holding, _text_holds

# byte -> field length, Whoosh's lossy one-byte length encoding.
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
# A W3 posting list starts with a 4-byte tag; each block with its signed big-endian length.
_TAG = 4
_BLOCK_LENGTH = struct.Struct("!i")
_SEGMENT_LENGTHS: weakref.WeakKeyDictionary[Any, dict[str, np.ndarray]] = weakref.WeakKeyDictionary()
# A union of fewer documents than 1/SPARSE of its docnum range sorts them rather than filling a range-long array.
SPARSE = 16
_EMPTY_DOCS = np.empty(0, dtype=np.int64)
_EMPTY_SCORES = np.empty(0, dtype=np.float64)


def member(docs: np.ndarray, of: np.ndarray) -> np.ndarray:
    """Which of `docs` are in `of` (both sorted and distinct docnums). A binary search of the shorter in the
    longer costs about (shorter × log longer); numpy's lookup table costs the docnum range (it fills a table that
    long), which is less only when both are long: measured over the keyword queries at a million paragraphs, this
    choice took the time in here to half of the table's alone."""
    if not len(docs) or not len(of):
        return np.zeros(len(docs), dtype=bool)
    short, long_ = sorted((len(docs), len(of)))
    if short * math.log2(long_ + 2) * 4 < int(of[-1]) - int(of[0]):
        if len(docs) <= len(of):
            at = np.minimum(np.searchsorted(of, docs), len(of) - 1)
            return of[at] == docs
        at = np.searchsorted(docs, of)
        inside = at < len(docs)
        at, present = at[inside], of[inside]
        found = np.zeros(len(docs), dtype=bool)
        found[at[docs[at] == present]] = True
        return found
    return np.isin(docs, of, assume_unique=True, kind="table")


@dataclass(frozen=True)
class Matches:
    """Documents (sorted, distinct segment docnums) and their scores."""

    docs: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.docs)

    def keep(self, mask: np.ndarray) -> Matches:
        return Matches(self.docs[mask], self.scores[mask])

    def within(self, docs: np.ndarray | None) -> Matches:
        return self if docs is None else self.keep(member(self.docs, docs))

    def boosted(self, boost: float) -> Matches:
        return self if boost == 1.0 else Matches(self.docs, self.scores * boost)


NOTHING = Matches(_EMPTY_DOCS, _EMPTY_SCORES)


def union(parts: list[Matches]) -> Matches:
    """Every document of any part, its score the sum of the parts that hold it: added up in an array as long as
    the docnum range (no sort, whatever the number and length of the parts), unless the parts are sparse in it."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return NOTHING
    if len(parts) == 1:
        return parts[0]
    low = min(int(p.docs[0]) for p in parts)
    high = max(int(p.docs[-1]) for p in parts)
    if sum(len(p) for p in parts) * SPARSE < high - low:  # few documents over a wide range: sorting them is cheaper
        unique, inverse = np.unique(np.concatenate([p.docs for p in parts]), return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate([p.scores for p in parts]), minlength=len(unique))
        return Matches(unique, scores)
    total = np.zeros(high - low + 1)
    present = np.zeros(high - low + 1, dtype=bool)
    for part in parts:
        total[part.docs - low] += part.scores  # a part's docnums are distinct, so no addition is lost
        present[part.docs - low] = True
    at = np.flatnonzero(present)
    return Matches(at + low, total[at])


def intersection(a: Matches, b: Matches, add: bool = True) -> Matches:
    """The documents of both; scores summed (`add`) or `a`'s alone."""
    in_b, in_a = member(a.docs, b.docs), member(b.docs, a.docs)  # the same documents, in the same order
    return Matches(a.docs[in_b], a.scores[in_b] + b.scores[in_a] if add else a.scores[in_b])


def plus_where(a: Matches, b: Matches) -> Matches:
    """`a`'s documents, with `b`'s score added where `b` holds them too (AndMaybe)."""
    if not len(b):
        return a
    in_b = member(a.docs, b.docs)
    scores = a.scores.copy()
    scores[in_b] += b.scores[member(b.docs, a.docs)]
    return Matches(a.docs, scores)


class SegmentScorer:
    """Evaluates queries on one segment of a searcher: `top` is the whole index's searcher (global statistics,
    as Whoosh's scorers take them), `leaf` the segment's."""

    def __init__(self, top: Any, leaf: Any, segments: tuple[str, ...] = ()) -> None:
        self.top, self.leaf, self.segments = top, leaf, segments
        self.reader = leaf.reader()
        self.schema = self.reader.schema
        self.weighting = top.weighting

    def run(self, query: Q.Query) -> Matches:
        """Every live document of the segment `query` matches, with Whoosh's score."""
        found = self.evaluate(query, None)
        deleted = deleted_docs(self.reader)
        return found.keep(~member(found.docs, deleted)) if len(deleted) else found

    def evaluate(self, query: Q.Query, within: np.ndarray | None, scored: bool = True) -> Matches:
        """The matches of `query` among the documents `within` (all when None). Documents outside `within` may
        be left in by nodes that cost nothing to evaluate whole; the caller intersects anyway."""
        handler = _HANDLERS.get(type(query))
        if handler is None:
            handler = next((h for cls, h in _HANDLERS.items() if isinstance(query, cls)), _whoosh_matcher)
        return handler(self, query, within, scored)

    # --- terms ---

    def term(self, query: Q.Term, within: np.ndarray | None, scored: bool) -> Matches:
        fieldname = query.fieldname
        if fieldname not in self.schema:
            return NOTHING
        field = self.schema[fieldname]
        text = query.text if isinstance(query.text, bytes) else field.to_bytes(query.text)
        docs, scores = self._scored(fieldname, text, field.format)
        if not len(docs):
            return NOTHING
        if within is not None:
            mask = member(docs, within)
            docs, scores = docs[mask], scores[mask]
        return Matches(docs, scores * query.boost if scored else np.zeros(len(docs)))

    def _scored(self, fieldname: str, text: bytes, format_: Any) -> tuple[np.ndarray, np.ndarray]:
        """All of a term's postings in this segment (deleted documents included: they are dropped at the end) and
        their scores, decoded and scored once, then kept in POSTINGS: a segment never changes once written, and
        the statistics scores depend on (document frequency, average length) change only with the set of
        segments, which the key holds. A term the segment lacks is kept too, as no postings: looking a term up in
        the on-disk term index is a few file reads, an eighth of a warm keyword query's time when repeated."""
        key = (self.reader._segid, fieldname, text, self.segments)
        found = POSTINGS.get(key)
        if found is None:
            if (fieldname, text) in self.reader:
                docs, weights = _decode(self.reader._terms.matcher(fieldname, text, format_))
                found = POSTINGS.put(key, (docs, self._score(fieldname, text, docs, weights)))
            else:
                found = POSTINGS.put(key, (_EMPTY_DOCS, _EMPTY_SCORES))
        return found

    def _score(self, fieldname: str, text: bytes, docs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """BM25F as whoosh.scoring.BM25FScorer computes it; a field that is not scorable scores its weight."""
        if not self.schema[fieldname].scorable:
            return weights
        weighting = self.weighting
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1
        idf = self.top.idf(fieldname, text)
        avgfl = self.top.avg_field_length(fieldname) or 1
        encoded = _encoded_lengths(self.reader, fieldname)[docs]
        lengths = np.where(encoded > 0, _LENGTHS[encoded], 1.0)  # 1 where none is stored, as Whoosh defaults
        return idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))

    # --- stored-text checks ---

    def holding(self, query: Holding, within: np.ndarray | None, scored: bool) -> Matches:
        """The child's candidates that really hold the substring: those with the word term (`known`) without a
        look, the others by their stored text."""
        candidates = self.evaluate(query.child, within, scored).within(within)
        if not len(candidates):
            return candidates
        holds, todo = self._known_verdicts(query, candidates.docs)
        if len(todo):
            holds[todo] = self._check(query, candidates.docs[todo])
        return candidates.keep(holds)

    def count_holding(self, query: Holding, enough: int) -> int:
        """The segment's live documents holding the substring, exactly if fewer than `enough`; else at least
        `enough`: stored texts are checked, a few at a time, only until that many hold it."""
        candidates = self.evaluate(query.child, None, scored=False)
        deleted = deleted_docs(self.reader)
        if len(deleted):
            candidates = candidates.keep(~member(candidates.docs, deleted))
        if not len(candidates):
            return 0
        holds, todo = self._known_verdicts(query, candidates.docs)
        found = int(np.count_nonzero(holds))
        looked, verdicts = [], []
        for start in range(0, len(todo), CHECKED_AT_ONCE):
            if found >= enough:
                break
            docs = candidates.docs[todo[start : start + CHECKED_AT_ONCE]]
            looked.append(docs)
            verdicts.append(self._stored_verdicts(query, docs))
            found += int(np.count_nonzero(verdicts[-1]))
        if looked:  # recorded once, not merged into VERDICTS after every few
            self._record(query, np.concatenate(looked), np.concatenate(verdicts))
        return found

    def _known_verdicts(self, query: Holding, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of `docs` are known to hold the substring (by the word term, or checked before), and the
        positions of those not known either way."""
        sure = np.zeros(len(docs), dtype=bool)
        if query.known is not None:
            sure = member(docs, self.evaluate(query.known, docs, scored=False).docs)
        checked, verdicts = VERDICTS.get(self._verdict_key(query)) or (_EMPTY_DOCS, np.zeros(0, dtype=bool))
        holds = sure.copy()
        before = member(docs, checked)
        holds[before] = verdicts[np.searchsorted(checked, docs[before])]
        return holds, np.flatnonzero(~sure & ~before)

    def _check(self, query: Holding, docs: np.ndarray) -> np.ndarray:
        """Whether each of `docs` (sorted, none checked before) holds the substring, by its stored text; the
        verdicts are added to VERDICTS."""
        fresh = self._stored_verdicts(query, docs)
        self._record(query, docs, fresh)
        return fresh

    def _stored_verdicts(self, query: Holding, docs: np.ndarray) -> np.ndarray:
        check = _stored_check(self.leaf, query)
        return np.fromiter((check(int(d)) for d in docs), dtype=bool, count=len(docs))

    def _record(self, query: Holding, docs: np.ndarray, fresh: np.ndarray) -> None:
        """Add the verdicts on `docs` (sorted) to VERDICTS."""
        key = self._verdict_key(query)
        checked, verdicts = VERDICTS.get(key) or (_EMPTY_DOCS, np.zeros(0, dtype=bool))
        new = ~member(docs, checked)  # another thread may have checked some meanwhile
        merged = np.concatenate((checked, docs[new]))
        order = np.argsort(merged, kind="stable")
        VERDICTS.put(key, (merged[order], np.concatenate((verdicts, fresh[new]))[order]))

    def _verdict_key(self, query: Holding) -> tuple[Any, ...]:
        return (self.reader._segid, query.source, query.pattern)


def deleted_docs(reader: Any) -> np.ndarray:
    """A segment reader's deleted docnums, sorted (empty when it has none)."""
    if not reader.has_deletions():
        return _EMPTY_DOCS
    return np.sort(np.fromiter(reader.deleted_docs_set, dtype=np.int64))


def _encoded_lengths(reader: Any, fieldname: str) -> np.ndarray:
    """A segment's one-byte field lengths, every document's, read once per segment reader (a byte each: 1 MB a
    field at a million paragraphs)."""
    cached = _SEGMENT_LENGTHS.setdefault(reader, {})
    if fieldname not in cached:
        count = reader.doc_count_all()
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        encoded = np.zeros(count, dtype=np.uint8)
        if column is not None:
            stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
            encoded[: len(stored)] = stored[:count]
        cached[fieldname] = encoded
    return cached[fieldname]


def _decode(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, weights) of a posting list: W3's blocks read directly, anything else (postings inlined in the
    term index) through the matcher."""
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        return _read_blocks(matcher)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


ENTRY = 256  # bytes of a cache entry's key and bookkeeping


def _array_bytes(value: tuple[np.ndarray, ...]) -> int:
    return ENTRY + sum(array.nbytes for array in value)


# 256 MB of decoded and scored postings, (segment, field, term, segments) -> (docnums, scores): about 16 million
# postings, the longest lists of a million-paragraph index many times.
POSTINGS: LruCache[tuple[np.ndarray, np.ndarray]] = LruCache(256 << 20, _array_bytes)
# Stored-text checks, (segment, source field, pattern) -> (docnums checked, whether each holds it): a unit is checked
# in several places of one query, and the same substring again when a reader pages on or searches it again.
VERDICTS: LruCache[tuple[np.ndarray, np.ndarray]] = LruCache(32 << 20, _array_bytes)
# Stored texts checked between two looks at the count, when only enough of them are needed (count_holding).
CHECKED_AT_ONCE = 16


def _read_blocks(matcher: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """Decode a W3 posting list from one read of its bytes: after a 4-byte tag, each block is its length (a
    big-endian int, negative for the last block), a pickled info tuple (count, max id, max weight, compression,
    min and max length bytes) and its data, a pickled (ids, weights, values) tuple, zlib-compressed when the info
    says so. Ids are deltas from the previous id (from 0 in each block); weights an array, one float for all, or
    None for 1.0. (Whoosh's own matcher reads the info tuple byte by byte through its file object.)"""
    extent = matcher._length
    length = extent[0] if isinstance(extent, tuple) else extent  # Whoosh's term info unpacks it as a 1-tuple
    buffer = io.BytesIO(matcher._postfile.get(matcher._startoffset, length))
    buffer.seek(_TAG)
    deltas: list[int] = []
    weights: list[float] = []
    counts: list[int] = []
    while True:
        start = buffer.tell()
        (length,) = _BLOCK_LENGTH.unpack(buffer.read(_BLOCK_LENGTH.size))
        end = start + _BLOCK_LENGTH.size + abs(length)
        count, _, _, compression, _, _ = pickle.load(buffer)
        data = buffer.read(end - buffer.tell())
        block_ids, block_weights = pickle.loads(zlib.decompress(data) if compression else data)[:2]
        deltas.extend(block_ids)
        counts.append(count)
        if block_weights is None or isinstance(block_weights, float):
            weights.extend([1.0 if block_weights is None else block_weights] * count)
        else:
            weights.extend(block_weights)
        if length < 0:
            break
    return _restart_cumsum(np.array(deltas, dtype=np.int64), np.array(counts)), np.array(weights, dtype=np.float64)


def _restart_cumsum(deltas: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Running sums that start again at each block (`counts` long each): one cumulative sum of everything, less
    what the blocks before each had added up to."""
    total = np.cumsum(deltas)
    ends = np.cumsum(counts)
    before = np.concatenate(([0], total[ends[:-1] - 1]))
    return total - np.repeat(before, counts)


def _stored_check(leaf: Any, query: Holding) -> Callable[[int], bool]:
    """Whether a document's stored source text holds the pattern (read without Whoosh's per-field copying)."""
    perdoc, source, pattern = leaf.reader()._perdoc, query.source, query.pattern

    def holds(docnum: int) -> bool:
        return _text_holds(pattern, perdoc.stored_fields(docnum).get(source) or "")

    return holds


# --- compound nodes ---


def _compound_boost(query: Q.CompoundQuery, found: Matches) -> Matches:
    """Whoosh applies a compound query's boost only when it has more than one subquery."""
    return found.boosted(query.boost) if len(query.subqueries) > 1 else found


def _or(scorer: SegmentScorer, query: Q.Or, within: np.ndarray | None, scored: bool) -> Matches:
    if query.minmatch or query.scale:
        return _whoosh_matcher(scorer, query, within, scored)
    found = union([scorer.evaluate(sub, within, scored) for sub in query.subqueries])
    return _compound_boost(query, found)


def _and(scorer: SegmentScorer, query: Q.And, within: np.ndarray | None, scored: bool) -> Matches:
    """Cheap parts first; parts with stored-text checks see only the documents every other part holds."""
    subs = sorted(query.subqueries, key=_checks)
    found: Matches | None = None
    for sub in subs:
        part = scorer.evaluate(sub, within if found is None else found.docs, scored)
        found = part.within(within) if found is None else intersection(found, part)
        if not len(found):
            return NOTHING
    return _compound_boost(query, found) if found is not None else NOTHING


def _checks(query: Q.Query) -> int:
    """How many stored-text checks a query holds (0 for plain term queries)."""
    if isinstance(query, Holding):
        return 1 + _checks(query.child)
    return sum(_checks(child) for child in query.children())


def _and_maybe(scorer: SegmentScorer, query: Q.AndMaybe, within: np.ndarray | None, scored: bool) -> Matches:
    required = scorer.evaluate(query.a, within, scored).within(within)
    if not len(required) or not scored:
        return required
    return plus_where(required, scorer.evaluate(query.b, required.docs, scored))


def _and_not(scorer: SegmentScorer, query: Q.AndNot, within: np.ndarray | None, scored: bool) -> Matches:
    kept = scorer.evaluate(query.a, within, scored).within(within)
    if not len(kept):
        return kept
    excluded = scorer.evaluate(query.b, kept.docs, scored=False)
    return kept.keep(~member(kept.docs, excluded.docs))


def _require(scorer: SegmentScorer, query: Q.Require, within: np.ndarray | None, scored: bool) -> Matches:
    """`a`'s documents that `b` also matches, scored by `a` (plan.Filtered is one)."""
    allowed = scorer.evaluate(query.b, within, scored=False).within(within)
    if not len(allowed):
        return NOTHING
    return intersection(scorer.evaluate(query.a, allowed.docs, scored), allowed, add=False)


def _constant(scorer: SegmentScorer, query: Q.ConstantScoreQuery, within: np.ndarray | None,
              scored: bool) -> Matches:
    found = scorer.evaluate(query.child, within, scored=False)
    return Matches(found.docs, np.full(len(found), query.score))


def _terms(scorer: SegmentScorer, query: Q.MultiTerm, within: np.ndarray | None, scored: bool) -> Matches:
    """A range or pattern of terms as a filter (date ranges): the union of its terms' documents. Scored, it is
    Whoosh's (its scoring depends on how it rewrites itself)."""
    if scored:
        return _whoosh_matcher(scorer, query, within, scored)
    texts = list(query._btexts(scorer.reader))
    return union([scorer.term(Q.Term(query.fieldname, text), within, False) for text in texts])


def _null(scorer: SegmentScorer, query: Q.Query, within: np.ndarray | None, scored: bool) -> Matches:
    return NOTHING


def _whoosh_matcher(scorer: SegmentScorer, query: Q.Query, within: np.ndarray | None, scored: bool) -> Matches:
    """Any other node through Whoosh's own matcher: exact, one posting at a time."""
    context = None if scored else scorer.leaf.boolean_context()
    matcher = query.matcher(scorer.leaf, context)
    ids, scores = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        scores.append(matcher.score() if scored else 0.0)
        matcher.next()
    return Matches(np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64))


_HANDLERS: dict[type, Callable[[SegmentScorer, Any, np.ndarray | None, bool], Matches]] = {
    Q.Term: SegmentScorer.term,
    Holding: SegmentScorer.holding,
    Q.Or: _or,
    Q.And: _and,
    Q.AndMaybe: _and_maybe,
    Q.AndNot: _and_not,
    Q.Require: _require,
    Q.ConstantScoreQuery: _constant,
    Q.MultiTerm: _terms,
    type(Q.NullQuery): _null,
}


def count_at_least(searcher: Any, query: Q.Query, enough: int) -> int:
    """How many documents `query` matches: exactly when fewer than `enough`, else some number at least `enough`.
    A substring (a Holding at the top) stops checking stored text once `enough` paragraphs hold it: whether a typed
    run is text of the archive is settled by a few paragraphs, and a common run has thousands of candidates."""
    if not isinstance(query, Holding):
        return len(matches(searcher, query)[0])
    leaves = searcher.leaf_searchers()
    segments = tuple(leaf.reader()._segid for leaf, _ in leaves)
    found = 0
    for leaf, _ in leaves:
        found += SegmentScorer(searcher, leaf, segments).count_holding(query, enough - found)
        if found >= enough:
            break
    return found


def matches(searcher: Any, query: Q.Query) -> tuple[np.ndarray, np.ndarray]:
    """Every document of the index `query` matches (global docnums, ascending) and its score, as Whoosh's
    `searcher.search(query, limit=None)` would score it. The last answer of each thread is kept: a search with
    facets asks for the same query twice, once to rank and count, once for the facets."""
    last = getattr(_last, "answer", None)
    if last is not None and last[0] is searcher and last[1] == query:
        return last[2]
    docs, scores = [], []
    leaves = searcher.leaf_searchers()
    segments = tuple(leaf.reader()._segid for leaf, _ in leaves)
    for leaf, offset in leaves:
        found = SegmentScorer(searcher, leaf, segments).run(query)
        docs.append(found.docs + offset)
        scores.append(found.scores)
    answer = (np.concatenate(docs), np.concatenate(scores)) if docs else (_EMPTY_DOCS, _EMPTY_SCORES)
    _last.answer = (searcher, query, answer)
    return answer


_last = threading.local()


def order(docs: np.ndarray, scores: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Positions of the best `limit` (all when None) in result order: by score, then docnum, as Whoosh orders
    ties. Scores are compared rounded to 1e-9 (`keys`), so that the order of float additions (Whoosh's matcher tree
    and these arrays add in different orders) cannot swap equally scored documents."""
    scored = keys(scores)
    if limit is not None and limit < len(docs):
        cut = np.argpartition(-scored, limit - 1)[:limit]
        cut = np.flatnonzero(scored >= scored[cut].min())  # every tie at the boundary, ordered below
    else:
        cut = np.arange(len(docs))
    return cut[np.lexsort((docs[cut], -scored[cut]))][:limit]


def keys(scores: np.ndarray) -> np.ndarray:
    """Scores as they are compared."""
    return np.round(scores, 9)


def ranked(docs: np.ndarray, scores: np.ndarray, limit: int | None) -> list[tuple[float, int]]:
    """(score, docnum) of the best `limit` (all when None), in result order (`order`)."""
    return [(float(scores[i]), int(docs[i])) for i in order(docs, scores, limit)]
