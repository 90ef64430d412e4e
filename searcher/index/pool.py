"""Whoosh's posting pool, keeping each term's postings together as documents are added.

A segment writer collects every posting of its documents in a pool, and at commit writes each term's posting list
from it. Whoosh's pool keeps one tuple per posting (field, term, docnum, weight, value), sorts them all, spills
sorted runs to temporary files past `limitmb`, merges the runs back one posting at a time, and its field writer
makes four Python calls per posting: at 1.1 M paragraphs (about 145 postings each) that was two thirds of a writer
process's time (docs/performance.md). Here each term's postings go into arrays of their own as they are added.
Documents are added in docnum order, so each list is already in order; only the terms are sorted, when a run is
spilled or at commit, and runs are merged term by term, their lists concatenated. A posting costs about 20 bytes
here instead of about 150, so a pool of the same size spills far fewer runs. The field writer
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

from whoosh.writing import PostingPool

# (field name, term bytes, docnums, weights, values): one term's postings, docnums ascending.
Group = tuple[str, bytes, array, array, list[bytes]]
Postings = tuple[array, array, list[bytes]]  # one term's docnums (array "I"), weights (array "d") and values
PER_POSTING = 20  # bytes in the pool: a docnum (4), a weight (8), a list slot for the value (8; values are shared)
PER_TERM = 400  # bytes: the dictionary entry, its key, the term and its three containers
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
        self._fields: dict[str, dict[bytes, Postings]] = {}  # by field, then term (no key tuple per posting)
        self._unordered: set[tuple[str, bytes]] = set()  # terms whose docnums came out of order (see _in_order)
        self._values: dict[bytes, bytes] = {}

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, value = item
        if docnum < 0:  # Whoosh's mark for a word of a separate spelling field, which its writer skips (none here)
            return
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        postings = terms.get(tbytes)
        if postings is None:
            postings = terms[tbytes] = (array("I"), array("d"), [])
            self.currentsize += PER_TERM + len(tbytes)
        docnums, weights, values = postings
        if docnums and docnum <= docnums[-1]:
            self._unordered.add((fieldname, tbytes))
        docnums.append(docnum)
        weights.append(weight)
        value = value or b""  # Whoosh's field writer writes a missing value as b""
        values.append(self._values.setdefault(value, value) if len(value) <= _SHARED_VALUE else value)
        self.currentsize += PER_POSTING
        if self.currentsize > self.limit:
            self.save()

    def save(self) -> None:
        """Spill the pool as a run: its terms in order, each with its postings."""
        if self._fields:
            path, f = self._new_run()
            self._write_run(f, self._sorted_groups())
            self._add_run(path)
            self._fields, self._unordered = {}, set()
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
        unordered = self._unordered
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for tbytes in sorted(terms):
                group = (fieldname, tbytes, *terms[tbytes])
                yield _in_order(group) if (fieldname, tbytes) in unordered else group

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
