"""The term pool (searcher/index/pool.py) and the field writer that takes its lists (searcher/index/codec.py) write
the same index as Whoosh's own pool and field writer: through runs spilled to disk and merged back, through a
merge of segments, and whatever order postings come in. No run outlives the writer."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from whoosh import fields
from whoosh.filedb.filestore import FileStorage
from whoosh.index import create_in, open_dir
from whoosh.writing import PostingPool

from searcher.index import procwriter
from searcher.index.codec import LeanCodec
from searcher.index.pool import TermGroups, TermPool

SCHEMA = fields.Schema(id=fields.ID(stored=True, unique=True), body=fields.TEXT(phrase=True),
                       tags=fields.TEXT(phrase=False))


def documents(start: int, count: int) -> list[dict[str, str]]:
    """Enough distinct words that a 1 MB pool spills many runs."""
    return [{"id": str(n), "body": " ".join(f"w{(n * 7 + k * 13) % 997} x{n % 31}" for k in range(20)),
             "tags": f"t{n % 5} t{n % 5} t{n % 11}"}
            for n in range(start, start + count)]


def postings(index_dir: Path) -> dict[tuple[str, bytes], tuple[list[int], list[Any]]]:
    with open_dir(str(index_dir)).reader() as reader:
        return {(field, term): (list(reader.postings(field, term).all_ids()),
                                list(reader.postings(field, term).all_items()))  # encoded values
                for field, term in reader.all_terms()}


def build(index_dir: Path, ours: bool, runs: list[int]) -> dict[tuple[str, bytes], tuple[list[int], list[Any]]]:
    """Two commits, the second deleting documents and merging the first segment in: Whoosh's pool and writer
    (our format) or ours."""

    class Counting(TermPool):
        def _write_run(self, f: Any, groups: Any) -> None:
            runs.append(1)
            super()._write_run(f, groups)

    index_dir.mkdir()
    ix = create_in(str(index_dir), SCHEMA)
    for start, count in ((0, 3000), (3000, 500)):
        writer = procwriter.writer(ix, limitmb=1) if ours else ix.writer(limitmb=1, codec=LeanCodec())
        if ours:
            assert type(writer.pool) is TermPool
            writer.pool = Counting(writer._tempstorage, writer.newsegment, limitmb=1)
        else:
            assert type(writer.pool) is PostingPool
        for doc in documents(start, count):
            writer.add_document(**doc)
        if start:
            for n in range(0, 3000, 7):
                writer.delete_by_term("id", str(n))
        writer.commit(optimize=bool(start))
    return postings(index_dir)


def test_the_same_postings_as_whoosh_through_spilled_runs_and_a_merge(tmp_path: Path) -> None:
    runs: list[int] = []
    ours = build(tmp_path / "ours", True, runs)
    assert len(runs) > 2  # the runs were really written and merged back
    assert ours == build(tmp_path / "whoosh", False, [])
    assert len(ours) > 1000 and ("tags", b"t0") in ours
    assert not list((tmp_path / "ours").glob("*.tmp*"))  # no run outlives the writer


def test_the_pool_gives_whoosh_order_whatever_order_postings_come_in(tmp_path: Path) -> None:
    """Postings out of docnum order (and a term twice in one document) come back as Whoosh's pool sorts them,
    within a run and across runs, also when more runs are merged than files may be open."""
    rng = random.Random(7)
    items = [(rng.choice("ab"), rng.choice([b"x", b"y", b"z"]), rng.randrange(50), float(rng.randrange(1, 4)),
              bytes([rng.randrange(3)])) for _ in range(2000)]
    pool = TermPool(FileStorage(str(tmp_path)), None, limitmb=1)
    pool.limit = 4000  # bytes: a run every few dozen postings
    for item in items:
        pool.add(item)
    assert len(pool.runs) > 10
    groups = pool.items(maxfiles=3)
    assert isinstance(groups, TermGroups)
    assert list(groups) == sorted(items)
    assert not list(tmp_path.iterdir())  # each run is removed once read
    in_memory = TermPool(FileStorage(str(tmp_path)), None, limitmb=1)
    for item in items:
        in_memory.add(item)
    assert not in_memory.runs and list(in_memory.items()) == sorted(items)


def test_a_term_in_order_across_runs_is_one_list(tmp_path: Path) -> None:
    pool = TermPool(FileStorage(str(tmp_path)), None, limitmb=1)
    for docnum in range(10):
        pool.add(("f", b"t", docnum, 1.0, b""))
        pool.save()
    assert len(pool.runs) == 10
    [group] = list(pool.items().groups)
    assert group[:2] == ("f", b"t") and list(group[2]) == list(range(10))


def test_every_writer_of_an_index_uses_it(tmp_path: Path) -> None:
    ix = create_in(str(tmp_path), SCHEMA)
    single = procwriter.writer(ix)
    assert isinstance(single.pool, TermPool)
    single.cancel()
    multi = procwriter.writer(ix, procs=2)
    try:
        assert isinstance(multi.pool, TermPool)
    finally:
        procwriter.cancel(multi)
