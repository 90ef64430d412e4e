"""Whoosh's posting pool, keeping each term's postings together as documents are added.

A segment writer collects every posting of its documents in a pool, and at commit writes each term's posting list
from it. Whoosh's pool keeps one tuple per posting (field, term, docnum, weight, value), sorts them all, spills
sorted runs to temporary files past `limitmb`, merges the runs back one posting at a time, and its field writer
makes four Python calls per posting: at 1.1 M paragraphs (about 145 postings each) that was two thirds of a writer
process's time (docs/performance.md). Here each term gets a number, and each posting is four numbers appended to
four arrays (term, docnum, weight, value); when a run is spilled or at commit, one stable numpy sort by term number
groups them, each term's postings still in the order added, which is docnum order. Only the terms themselves are
sorted in Python, and runs are merged term by term, their lists concatenated. A posting costs 20 bytes here
instead of about 150, so a pool of the same size spills far fewer runs. The field writer
(searcher/index/codec.py, ListFieldWriter) takes each term's lists at once. The index written is the same, posting
for posting (tests/test_pool.py).
"""

from __future__ import annotations

import heapq
import itertools
import pickle
from array import array
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import IO, Any

import numpy as np
from whoosh.writing import PostingPool

# (field name, term bytes, docnums, weights, values): one term's postings, docnums ascending.
Group = tuple[str, bytes, array, array, list[bytes]]
PER_POSTING = 20  # bytes in the pool: term number (4), docnum (4), weight (8), value number (4)
PER_TERM = 200  # bytes: the dictionary entry, the term, its (field, term) key
CHUNK = 1024  # terms per pickle call in a run
MAX_RUNS = 64  # runs merged at once (open files)
_SHARED_VALUE = 8  # values up to this long (a frequency's 4 bytes) are kept once and shared
_KEY = itemgetter(0, 1)


class TermGroups:
    """A pool's postings, term by term in term order. ListFieldWriter writes the groups as they are; any other
    code iterating it gets Whoosh's posting tuples, in the order Whoosh's own pool gives them."""

    def __init__(self, groups: Iterator[Group]) -> None:
        self.groups = groups

    def __iter__(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        for fieldname, tbytes, docnums, weights, values in self.groups:
            for docnum, weight, value in zip(docnums, weights, values, strict=True):
                yield fieldname, tbytes, docnum, weight, value


class TermPool(PostingPool):
    runs: list[str]  # Whoosh's, untyped: the run files spilled so far, oldest first

    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self._clear()

    def _clear(self) -> None:
        self._numbers: dict[str, dict[bytes, int]] = {}  # each term's number, by field then term
        self._keys: list[tuple[str, bytes]] = []  # each number's (field, term)
        self._value_numbers: dict[bytes, int] = {}  # short values are kept once
        self._values: list[bytes] = []
        # One entry per posting, in the order added: appended to the ends of four arrays, not to a list per term,
        # which would touch a different place in memory for nearly every posting.
        self._terms, self._docnums, self._weights, self._value_ids = array("I"), array("I"), array("d"), array("I")

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, value = item
        if docnum < 0:  # Whoosh's mark for a word of a separate spelling field, which its writer skips (none here)
            return
        terms = self._numbers.get(fieldname)
        if terms is None:
            terms = self._numbers[fieldname] = {}
            self.fieldnames.add(fieldname)
        number = terms.get(tbytes)
        if number is None:
            number = terms[tbytes] = len(self._keys)
            self._keys.append((fieldname, tbytes))
            self.currentsize += PER_TERM + len(tbytes)
        self._terms.append(number)
        self._docnums.append(docnum)
        self._weights.append(weight)
        self._value_ids.append(self._value_number(value or b""))  # Whoosh's field writer writes None as b""
        self.currentsize += PER_POSTING
        if self.currentsize > self.limit:
            self.save()

    def _value_number(self, value: bytes) -> int:
        if len(value) <= _SHARED_VALUE:
            number = self._value_numbers.get(value)
            if number is not None:
                return number
            self._value_numbers[value] = len(self._values)
        else:
            self.currentsize += len(value) + 33  # a value of its own
        self._values.append(value)
        return len(self._values) - 1

    def save(self) -> None:
        """Spill the pool as a run: its terms in order, each with its postings."""
        if self._keys:
            path, f = self._new_run()
            self._write_run(f, self._sorted_groups())
            self._add_run(path)
            self._clear()
        self.currentsize = 0

    def items(self, maxfiles: int = MAX_RUNS) -> TermGroups:
        return TermGroups(self._all_groups(maxfiles))

    def iter_postings(self) -> TermGroups:
        return self.items()

    def _all_groups(self, maxfiles: int) -> Iterator[Group]:
        if not self.runs:
            yield from self._sorted_groups()
            return
        while len(self.runs) >= maxfiles:  # merge the oldest runs into one, keeping the runs in the order added
            path, f = self._new_run()
            oldest, self.runs = self.runs[:maxfiles], self.runs[maxfiles:]
            self._write_run(f, _merged([self._read_run(run) for run in oldest]))
            self.runs.insert(0, path)
        runs, self.runs = self.runs, []
        yield from _merged([*(self._read_run(run) for run in runs), self._sorted_groups()])

    def _sorted_groups(self) -> Iterator[Group]:
        """The pool's postings by term, in term order: one stable sort of the postings by term number keeps each
        term's postings in the order added, which is docnum order but where noted (see _in_order).

        The sorted columns are made one at a time, each numpy temporary dropped once copied, and the pool's own
        arrays are let go before the groups are handed out (the pool is cleared after them anyway): holding every
        temporary until the run was written took a writer to 860 MB at 112k paragraphs (below 600 MB now)."""
        keys, values = self._keys, self._values
        terms = np.frombuffer(self._terms, dtype=np.uint32)
        order = np.argsort(terms, kind="stable")
        counts = np.bincount(terms, minlength=len(keys))
        sorted_terms = terms[order]
        del terms
        docnums = np.frombuffer(self._docnums, dtype=np.uint32)[order]
        unordered = set(sorted_terms[1:][(sorted_terms[1:] == sorted_terms[:-1])
                                         & (docnums[1:] <= docnums[:-1])].tolist())
        del sorted_terms
        # Sliced per term below as Python arrays and lists (a slice of those is one C copy; of numpy, several calls).
        all_docnums = _array("I", docnums)
        del docnums
        all_weights = _array("d", np.frombuffer(self._weights, dtype=np.float64)[order])
        value_ids = np.frombuffer(self._value_ids, dtype=np.uint32)[order]
        del order
        self._terms, self._docnums, self._weights, self._value_ids = array("I"), array("I"), array("d"), array("I")
        all_values = [values[i] for i in value_ids.tolist()]
        del value_ids
        ends = np.cumsum(counts)
        starts, ends = (ends - counts).tolist(), ends.tolist()
        del counts
        for number in sorted(range(len(keys)), key=keys.__getitem__):
            start, end = starts[number], ends[number]
            group = (*keys[number], all_docnums[start:end], all_weights[start:end], all_values[start:end])
            yield _in_order(group) if number in unordered else group

    def _write_run(self, f: IO[bytes], groups: Iterable[Group]) -> None:
        it = iter(groups)
        while chunk := list(itertools.islice(it, CHUNK)):
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Group]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def _array(typecode: str, column: np.ndarray) -> array:
    """A Python array of a numpy column, copied once (no bytes object in between)."""
    out = array(typecode)
    out.frombytes(np.ascontiguousarray(column).data.cast("B"))
    return out


def _merged(sources: list[Iterator[Group]]) -> Iterator[Group]:
    """The groups of several runs in term order, one group per term: a term's postings from each run, concatenated
    in the order the runs were written (heapq.merge keeps equal terms in the order of its inputs)."""
    pending: Group | None = None
    for group in heapq.merge(*sources, key=_KEY):
        if pending is not None and _KEY(group) == _KEY(pending):
            ordered = not group[2] or not pending[2] or pending[2][-1] < group[2][0]
            pending[2].extend(group[2])
            pending[3].extend(group[3])
            pending[4].extend(group[4])
            if not ordered:
                pending = _in_order(pending)
            continue
        if pending is not None:
            yield pending
        pending = group
    if pending is not None:
        yield pending


def _in_order(group: Group) -> Group:
    """A term's postings sorted as Whoosh's pool sorts posting tuples: by docnum, then weight, then value. Only
    postings not added in docnum order need it (a merge adding an older segment's documents after newer ones)."""
    fieldname, tbytes, docnums, weights, values = group
    order = sorted(range(len(docnums)), key=lambda i: (docnums[i], weights[i], values[i]))
    return (fieldname, tbytes, array("I", (docnums[i] for i in order)), array("d", (weights[i] for i in order)),
            [values[i] for i in order])


def use_term_pool(writer: Any) -> Any:
    """`writer` (a Whoosh SegmentWriter, before its first document) with a TermPool of the same size."""
    writer.pool = TermPool(writer._tempstorage, writer.newsegment, limitmb=writer.pool.limit // 2**20)
    return writer
