"""Sortable fields as arrays over the whole index: what results are folded by (article), ordered by (date,
article, paragraph) and counted by (facets).

Looking a column up hit by hit cost a few microseconds each, and a common word has a hundred thousand hits in a
million paragraphs: folding, newest-first order and facets took seconds. Here a column is read once per set of
segments (a generation, or its state after an `add`), coded as integers that sort like its values, and every
later search indexes the array. The arrays are shared by every thread; a few sets of segments are kept.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .caches import LruCache

KEPT = 8  # columns kept (three per generation: article, date, paragraph)


@dataclass(frozen=True)
class Column:
    """`codes[docnum]` is the rank of the document's value among `values`, the distinct values in sorted order
    (so codes compare as the values do)."""

    codes: np.ndarray
    values: list[Any]

    def __getitem__(self, docnum: int) -> Any:
        return self.values[self.codes[docnum]]


_cache: LruCache[Column] = LruCache(KEPT, lambda _: 1)  # counted in columns, not bytes
_reading = threading.Lock()


def column(searcher: Any, name: str) -> Column:
    """The column `name` of the searcher's index (read once for its segments)."""
    key = (tuple(leaf.reader()._segid for leaf, _ in searcher.leaf_searchers()), searcher.doc_count_all(), name)
    found = _cache.get(key)
    if found is not None:
        return found
    with _reading:  # one thread reads it; the others, which would each have read it too (1.5 s at a million
        found = _cache.get(key)  # paragraphs, all a server's threads at its first searches), wait and share it
        if found is None:
            found = _cache.put(key, _read(searcher, name))
    return found


def _read(searcher: Any, name: str) -> Column:
    """Every document's value (from the stored fields for an index built before the field was a column), coded by
    a dictionary in order of appearance, then ranked by sorting the distinct values only."""
    reader = searcher.reader()
    if reader.has_column(name):
        values = reader.column_reader(name)
    else:
        values = (searcher.stored_fields(docnum).get(name, "") for docnum in range(reader.doc_count_all()))
    seen: dict[Any, int] = {}
    first_seen = np.fromiter((seen.setdefault(value, len(seen)) for value in values), dtype=np.int32)
    distinct = list(seen)
    order = sorted(range(len(distinct)), key=distinct.__getitem__)
    rank = np.empty(len(distinct), dtype=np.int32)
    rank[order] = np.arange(len(distinct), dtype=np.int32)
    return Column(rank[first_seen] if len(first_seen) else first_seen, [distinct[i] for i in order])


def occurrence(codes: np.ndarray) -> np.ndarray:
    """For each element, how many earlier elements have the same code (0 for the first of its kind): the rank of
    a hit within its article, in the order the hits are given."""
    by_code = np.argsort(codes, kind="stable")
    ordered = codes[by_code]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))) if len(codes) else by_code
    first = np.repeat(starts, np.diff(np.concatenate((starts, [len(codes)]))))
    out = np.empty(len(codes), dtype=np.int64)
    out[by_code] = np.arange(len(codes)) - first
    return out
