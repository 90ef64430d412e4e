"""Whoosh's on-disk format with short posting lists stored inline, as Whoosh intends but never does.

whoosh-reloaded 2.7.5 has an "inline limit": a term with fewer postings than that is written into its term-index
entry instead of getting a posting block of its own in the postings file. It never happens: the default limit (1)
means "fewer than one posting", and the branch that would inline calls a misspelt `set_inline`. Most n-gram and
word terms of a news archive occur in a handful of paragraphs, so a block (header, min/max lengths, weights, ids)
per rare term is a large share of the index and of the writing time (docs/BENCHMARKS.md: `inline-8`, CPU -12 %,
bytes -6 %). Segments record their codec, so an index written with this one is read with it.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter
from whoosh.matching import ListMatcher

INLINE_LIMIT = 8


class InliningPostingsWriter(W3PostingsWriter):
    def finish_postings(self) -> Any:
        """Posting lists of up to INLINE_LIMIT postings go into the term info (read back by W3Codec as a list)."""
        if self.written() or len(self) > self._inlinelimit:
            return super().finish_postings()
        terminfo = self._terminfo
        terminfo.add_block(self)
        terminfo.set_inlined(self._ids, self._weights, self._values)
        self._terminfo = None
        return terminfo


class InlinedMatcher(ListMatcher):
    """Whoosh's matcher over inlined postings, giving bytes (not "") as the value of a field without values, as its
    block matcher does: merging segments asserts that."""

    def value(self) -> Any:
        return super().value() or b""


class LeanCodec(W3Codec):
    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = INLINE_LIMIT) -> None:
        super().__init__(blocklimit, compression, inlinelimit)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> InliningPostingsWriter:
        return InliningPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                      compression=self._compression, inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None) -> Any:
        if not terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        ids, weights, values = terminfo.inlined_postings()
        return InlinedMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)
