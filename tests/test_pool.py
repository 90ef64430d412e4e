"""The chunked posting pool (searcher/index/pool.py) writes the same index as Whoosh's own pool, through the runs
it spills to disk, and leaves none behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import fields
from whoosh.index import create_in
from whoosh.writing import PostingPool

from searcher.index import procwriter
from searcher.index.codec import LeanCodec
from searcher.index.pool import ChunkedPostingPool

SCHEMA = fields.Schema(id=fields.ID(stored=True), body=fields.TEXT(phrase=True))


def documents() -> list[dict[str, str]]:
    """Enough distinct words that a 1 MB pool spills many runs."""
    return [{"id": str(n), "body": " ".join(f"w{(n * 7 + k * 13) % 997} x{n % 31}" for k in range(20))}
            for n in range(3000)]


def postings(index_dir: Path) -> dict[tuple[str, bytes], tuple[list[int], list[Any]]]:
    from whoosh.index import open_dir

    with open_dir(str(index_dir)).reader() as reader:
        return {(field, term): (list(reader.postings(field, term).all_ids()),
                                list(reader.postings(field, term).all_items()))  # encoded values
                for field, term in reader.all_terms()}


def test_the_same_postings_as_whoosh_through_spilled_runs(tmp_path: Path) -> None:
    runs: list[int] = []

    class Counting(ChunkedPostingPool):
        def _write_run(self, f: Any, items: Any) -> None:
            runs.append(1)
            super()._write_run(f, items)

    built = {}
    for name in ("whoosh", "chunked"):
        (tmp_path / name).mkdir()
        ix = create_in(str(tmp_path / name), SCHEMA)
        writer = (ix.writer(limitmb=1, codec=LeanCodec()) if name == "whoosh"  # Whoosh's pool, our format
                  else procwriter.writer(ix, limitmb=1))
        if name == "chunked":
            assert type(writer.pool) is ChunkedPostingPool
            writer.pool = Counting(writer._tempstorage, writer.newsegment, limitmb=1)
        else:
            assert type(writer.pool) is PostingPool
        for doc in documents():
            writer.add_document(**doc)
        writer.commit()
        built[name] = postings(tmp_path / name)
    assert len(runs) > 5  # the runs were really written and merged back
    assert built["chunked"] == built["whoosh"] and len(built["whoosh"]) > 1000
    assert not list((tmp_path / "chunked").glob("*.tmp*"))  # no run outlives the writer


def test_every_writer_of_an_index_uses_it(tmp_path: Path) -> None:
    ix = create_in(str(tmp_path), SCHEMA)
    single = procwriter.writer(ix)
    assert isinstance(single.pool, ChunkedPostingPool)
    single.cancel()
    multi = procwriter.writer(ix, procs=2)
    try:
        assert isinstance(multi.pool, ChunkedPostingPool)
    finally:
        procwriter.cancel(multi)
