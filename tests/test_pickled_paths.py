"""The class paths Whoosh pickles into an index keep resolving, so indexes users already built stay readable.

Whoosh writes the schema (analyzers included) and every segment (its codec included) into the index's table of
contents as pickles, which name each class by its dotted path. Moving a class therefore breaks every index on disk
that names its old path, unless that path still leads to it (searcher/analysis/__init__.py, searcher/codec.py).
"""

from __future__ import annotations

import importlib
import io
import pickle
import shutil
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.qparser import QueryParser

from searcher.analysis.tokenizers import GramTokenizer, JiebaTokenizer
from searcher.index import store
from searcher.index.build import build_index
from searcher.index.codec import LeanCodec
from searcher.index.schema import CountedText

BEFORE_PACKAGES = Path(__file__).parent / "fixtures" / "index-before-packages"


class _Recorder(pickle.Unpickler):
    """Unpickles as usual (so every path must resolve), noting the dotted path of each class the pickle names."""

    def __init__(self, data: bytes, paths: set[str]) -> None:
        super().__init__(io.BytesIO(data))
        self.paths = paths

    def find_class(self, module: str, name: str) -> object:
        self.paths.add(f"{module}.{name}")
        return super().find_class(module, name)


def pickled_paths(generation: Path) -> set[str]:
    """The dotted paths named in a generation's table of contents, read in the order Whoosh's TOC.write writes it:
    three sizes, a byte-order check, the format version, Whoosh's release, the schema pickle, the generation
    number, an unused int, and the segments pickle."""
    storage = FileStorage(str(generation))
    [toc] = [name for name in storage.list() if name.endswith(".toc")]
    stream = storage.open_file(toc)
    for _ in range(3):
        stream.read_varint()
    stream.read_int(), stream.read_int()
    for _ in range(3):
        stream.read_varint()
    schema = stream.read_string()
    stream.read_int(), stream.read_int()
    segments = stream.read()
    stream.close()
    paths: set[str] = set()
    for data in (schema, segments):
        _Recorder(data, paths).load()
    return paths


def resolve(path: str) -> object:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_class_path_pickled_into_a_fresh_index_imports(corpus, tmp_path):
    build_index(corpus, tmp_path / "index")
    paths = pickled_paths(store.require_generation(tmp_path / "index"))
    # Reading them resolved every path (Whoosh's and the standard library's too); ours are exactly these four.
    ours = {path: resolve(path) for path in paths if path.startswith("searcher.")}
    assert set(ours.values()) == {JiebaTokenizer, GramTokenizer, LeanCodec, CountedText}


def test_an_index_built_before_the_packages_names_the_old_paths_and_still_opens_and_searches(tmp_path):
    generation = tmp_path / "gen-000001"
    shutil.copytree(BEFORE_PACKAGES, generation)
    legacy = {"searcher.analysis.JiebaTokenizer": JiebaTokenizer, "searcher.analysis.GramTokenizer": GramTokenizer,
              "searcher.codec.LeanCodec": LeanCodec}
    paths = pickled_paths(generation)
    assert set(legacy) <= paths
    assert {path: resolve(path) for path in legacy} == legacy
    index = store.open_generation(tmp_path, generation)
    with index.searcher() as searcher:
        hits = searcher.search(QueryParser("text", index.schema).parse("南湖"))
        assert [hit["text"] for hit in hits] == ["晨曦中的南湖换上了华服。"]
        assert not searcher.search(QueryParser("text", index.schema).parse("光伏"))
