"""Whoosh's on-disk format with short posting lists stored inline, as Whoosh intends but never does.

whoosh-reloaded 2.7.5 has an "inline limit": a term with fewer postings than that is written into its term-index
entry instead of getting a posting block of its own in the postings file. It never happens: the default limit (1)
means "fewer than one posting", and the branch that would inline calls a misspelt `set_inline`. Most n-gram and
word terms of a news archive occur in a handful of paragraphs, so a block (header, min/max lengths, weights, ids)
per rare term is a large share of the index and of the writing time (docs/BENCHMARKS.md: `inline-8`, CPU -12 %,
bytes -6 %). Segments record their codec, so an index written with this one is read with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.columns import NumericColumn
from whoosh.matching import ListMatcher
from whoosh.util.numeric import byte_to_length

from .pool import TermGroups

INLINE_LIMIT = 8
Posting = tuple[str, bytes, int, float, bytes | None]  # (field name, term bytes, docnum, weight, value bytes)
_LENGTH_OF_BYTE = [byte_to_length(b) if b else None for b in range(256)]  # None for 0, as Whoosh answers


class InliningPostingsWriter(W3PostingsWriter):
    _maxweight: float  # Whoosh's block statistics, untyped there
    _minlength: int | None
    _maxlength: int

    def finish_postings(self) -> Any:
        """Posting lists of up to INLINE_LIMIT postings go into the term info (read back by W3Codec as a list)."""
        if self.written() or len(self) > self._inlinelimit:
            return super().finish_postings()
        terminfo = cast(Any, self)._terminfo  # untyped in Whoosh
        terminfo.add_block(self)
        terminfo.set_inlined(self._ids, self._weights, self._values)
        self._terminfo = None
        return terminfo

    def add_list(self, ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes],
                 lengths: Sequence[int | None]) -> None:
        """Whoosh's `add_posting` for a whole term's postings: the same blocks and statistics, with the per-posting
        work done by `extend`, `max` and `min` instead of a Python call per posting. The last block stays buffered
        for `finish_postings` (to be inlined, or written as the last block), as Whoosh leaves it."""
        limit = self._blocklimit
        for start in range(0, len(ids), limit):
            if start:
                self._write_block()
            end = start + limit
            self._add_block_items(ids[start:end], weights[start:end], values[start:end], lengths[start:end])

    def _add_block_items(self, ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes],
                         lengths: Sequence[int | None]) -> None:
        self._ids.extend(ids)
        self._weights.extend(iter(weights))  # array("f"), from the pool's array("d") or a list
        self._maxweight = max(self._maxweight, max(weights))
        self._values.extend(value for value in values if value)  # Whoosh keeps only non-empty values
        known = [length for length in lengths if length]
        if known:
            low = min(known)
            if self._minlength is None or low < self._minlength:
                self._minlength = low
            self._maxlength = max(self._maxlength, max(known))


class ListFieldWriter(W3FieldWriter):
    """Whoosh's field writer, given each term's postings as lists by the pool (searcher/index/pool.py).

    Whoosh's own walks every posting of the sorted pool with four Python calls each (the document's field length,
    `add`, `add_posting` and its type checks). Here a term's postings are handed over at once, and the field
    lengths come from one byte string per field. The bytes written are the same. Postings from anywhere else
    (Whoosh's own pool) take Whoosh's way."""

    def add_postings(self, schema: Any, lengths: Any, items: Iterable[Posting]) -> None:
        if not isinstance(items, TermGroups):
            return super().add_postings(schema, lengths, items)
        lastfield = None
        for fieldname, btext, docnums, weights, values in items.groups:
            if fieldname != lastfield:
                if lastfield is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lastfield = fieldname
            self.start_term(btext)
            self._postwriter.add_list(docnums, weights, values, field_lengths(lengths, fieldname, docnums))
            self.finish_term()
        if lastfield is not None:
            self.finish_field()


def field_lengths(lengths: Any, fieldname: str, docnums: Sequence[int]) -> Sequence[int | None]:
    """Each document's length in `fieldname`, as `doc_field_length` gives it (0 with no lengths reader)."""
    if lengths is None:
        return [0] * len(docnums)
    if isinstance(lengths, LengthsInMemory):
        return lengths.lengths_of(docnums, fieldname)
    return [lengths.doc_field_length(docnum, fieldname) for docnum in docnums]


class InlinedMatcher(ListMatcher):
    """Whoosh's matcher over inlined postings, giving bytes (not "") as the value of a field without values, as its
    block matcher does: merging segments asserts that."""

    def value(self) -> Any:
        return super().value() or b""


class LengthsInMemory(W3PerDocReader):
    """Field lengths read once per field as one byte string, instead of one file read per posting: writing a
    segment asks for the length of every posting's document (16 % of a build's CPU), and BM25 asks for every
    scored document's. One byte per document and field (Whoosh's own length encoding)."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._lengths: dict[str, bytes | None] = {}

    def _all_lengths(self, fieldname: str) -> bytes | None:
        if fieldname not in self._lengths:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            whole = isinstance(reader, NumericColumn.Reader) and reader._typecode == "B"
            self._lengths[fieldname] = reader._dbfile.get(reader._basepos, reader._count) if whole else None
        return self._lengths[fieldname]

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> Any:
        lengths = self._all_lengths(fieldname)
        if lengths is None or docnum > self._doccount:  # not a column of length bytes: Whoosh's own way
            return super().doc_field_length(docnum, fieldname, default)
        lbyte = lengths[docnum] if docnum < len(lengths) else 0
        return byte_to_length(lbyte) if lbyte else None  # None for 0, exactly as W3PerDocReader answers

    def lengths_of(self, docnums: Sequence[int], fieldname: str) -> list[int | None]:
        """`doc_field_length` of each of `docnums` (ascending), by table look-ups in the field's length bytes."""
        lengths = self._all_lengths(fieldname)
        if lengths is None or (docnums and docnums[-1] > self._doccount):
            return [self.doc_field_length(docnum, fieldname) for docnum in docnums]
        size = len(lengths)  # the column ends at the last document with a length; those after it have none
        return [_LENGTH_OF_BYTE[lengths[docnum]] if docnum < size else None for docnum in docnums]


class LeanCodec(W3Codec):
    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = INLINE_LIMIT) -> None:
        super().__init__(blocklimit, compression, inlinelimit)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> InliningPostingsWriter:
        return InliningPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                      compression=self._compression, inlinelimit=self._inlinelimit)

    def field_writer(self, storage: Any, segment: Any) -> ListFieldWriter:
        return ListFieldWriter(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: Any) -> LengthsInMemory:
        return LengthsInMemory(storage, segment)

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None) -> Any:
        if not terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        ids, weights, values = terminfo.inlined_postings()
        return InlinedMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)
