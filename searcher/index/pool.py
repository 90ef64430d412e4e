"""Whoosh's posting pool with its sorted runs pickled in chunks, not one posting at a time.

A segment writer collects every posting of its documents in a pool; past `limitmb` it sorts them and writes them
to a temporary "run", and at commit it merges the runs into the segment's posting lists. whoosh-reloaded 2.7.5
pickles each posting with its own `pickle.dump` call and reads each back with its own `pickle.load`: at 1.1 M
paragraphs (about 245 postings each) that is half of each writer process's time, and 36 GB of runs on disk
(docs/performance.md, "Where the build time goes"). One call per chunk of postings pickles the same tuples 6x
faster into a third of the bytes, and reads them back 25x faster (the pickler's per-call set-up and framing, and
the field name repeated in every posting, are paid once per chunk). The order of the postings, and so the index,
is unchanged: only the temporary files' layout differs, and they never outlive the writer.
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Iterable, Iterator
from typing import IO, Any

from whoosh.writing import PostingPool

CHUNK = 4096  # postings per pickle call; a merge of up to 128 runs holds one chunk of each in memory


class ChunkedPostingPool(PostingPool):
    def _write_run(self, f: IO[bytes], items: Iterable[Any]) -> None:
        it = iter(items)
        while chunk := list(itertools.islice(it, CHUNK)):
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
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


def use_chunked_pool(writer: Any) -> Any:
    """`writer` (a Whoosh SegmentWriter, before its first document) with a ChunkedPostingPool of the same size."""
    writer.pool = ChunkedPostingPool(writer._tempstorage, writer.newsegment, limitmb=writer.pool.limit // 2**20)
    return writer
