"""The vocabulary cache never makes a request wait for a build in progress (it once held its lock throughout)."""

from __future__ import annotations

import contextlib
import pickle
import threading
from pathlib import Path
from typing import Any

import pytest
from discovery_fixtures import build_discovery_index

from searcher.backends import writable_index
from searcher.discovery import vocabulary
from searcher.search.engine import Engine


def test_ready_vocabulary_answers_while_a_build_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = build_discovery_index(tmp_path)
    generation, searcher = Engine(index).whoosh_searcher()
    release, started = threading.Event(), threading.Event()
    real = vocabulary.Vocabulary.from_reader

    def slow_build(*args: Any) -> vocabulary.Vocabulary:
        started.set()
        release.wait(30)
        return real(*args)

    monkeypatch.setattr(vocabulary.Vocabulary, "from_reader", staticmethod(slow_build))
    assert vocabulary.ready_vocabulary(str(index), generation, searcher) is None  # starts the build
    assert started.wait(10)
    answers: list[Any] = []
    asker = threading.Thread(target=lambda: answers.append(vocabulary.ready_vocabulary(str(index), generation,
                                                                                     searcher)))
    asker.start()
    asker.join(5)
    finished = not asker.is_alive()
    release.set()
    asker.join()
    assert finished and answers == [None], "a request waited for the vocabulary build"
    for _ in range(100):
        if vocabulary.ready_vocabulary(str(index), generation, searcher) is not None:
            break
        threading.Event().wait(0.1)
    assert vocabulary.ready_vocabulary(str(index), generation, searcher) is not None


def tables(vocab: vocabulary.Vocabulary) -> dict[str, Any]:
    return {name: value for name, value in vocab.__dict__.items() if name != "text"}


def saved(generation: Path) -> list[Path]:
    return sorted((generation / vocabulary.VOCABULARY_DIR).glob(vocabulary.VOCABULARY_FILE.format(state="*")))


@pytest.fixture
def discovery(tmp_path: Path) -> tuple[Path, Path, Any]:
    index = build_discovery_index(tmp_path)
    generation, searcher = Engine(index).whoosh_searcher()
    return index, index / generation, searcher


def refuse_to_build(*args: Any) -> None:
    raise AssertionError("built again")


def test_the_vocabulary_is_saved_once_and_read_back_without_building(discovery, monkeypatch) -> None:
    index, generation, searcher = discovery
    built = vocabulary.stored_vocabulary(generation, searcher)
    assert len(saved(generation)) == 1 and not list(generation.glob("**/.vocabulary-*"))  # no partial file left
    monkeypatch.setattr(vocabulary.Vocabulary, "from_reader", staticmethod(refuse_to_build))
    again = vocabulary.stored_vocabulary(generation, searcher)
    assert tables(again) == tables(built) and "光伏" in again.words
    assert again.text is not None and again.text.count("加西贝拉") == 3  # bound to the live searcher


def test_a_second_process_waits_for_the_first_build_and_reads_it(discovery, monkeypatch) -> None:
    """Two threads stand in for two server processes (flock locks each opened file on its own)."""
    _, generation, searcher = discovery
    release, started, builds = threading.Event(), threading.Event(), []
    real = vocabulary.Vocabulary.from_reader

    def slow_build(*args: Any) -> vocabulary.Vocabulary:
        builds.append(1)
        started.set()
        release.wait(30)
        return real(*args)

    monkeypatch.setattr(vocabulary.Vocabulary, "from_reader", staticmethod(slow_build))
    results: list[vocabulary.Vocabulary] = []
    first = threading.Thread(target=lambda: results.append(vocabulary.stored_vocabulary(generation, searcher)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: results.append(vocabulary.stored_vocabulary(generation, searcher)))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second did not wait for the build in progress"
    release.set()
    first.join(30)
    second.join(30)
    assert len(builds) == 1 and len(results) == 2 and tables(results[0]) == tables(results[1])


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b"", lambda b: b"\x80\x05N.",
                                    lambda b: pickle.dumps({"words": {}, "a field of another version": 1}),
                                    lambda b: b"\x80\x05h\x00."])
def test_a_damaged_file_is_built_again(discovery, damage) -> None:
    _, generation, searcher = discovery
    built = vocabulary.stored_vocabulary(generation, searcher)
    (path,) = saved(generation)
    path.write_bytes(damage(path.read_bytes()))
    assert tables(vocabulary.stored_vocabulary(generation, searcher)) == tables(built)
    assert vocabulary._read_vocabulary(path) is not None  # and saved whole again


def test_a_removal_gets_its_own_file_and_the_old_one_goes(discovery, tmp_path: Path) -> None:
    index, generation, searcher = discovery
    before = vocabulary.stored_vocabulary(generation, searcher)
    assert "加西贝拉压缩机销量创新高" in before.titles
    old = saved(generation)
    writable_index(index, tmp_path / "corpus").remove(["jxbl"])
    generation_now, searcher = Engine(index).whoosh_searcher()
    after = vocabulary.stored_vocabulary(index / generation_now, searcher)
    assert "加西贝拉压缩机销量创新高" not in after.titles  # not the file saved before the removal
    assert after.text is not None and after.text.count("加西贝拉") == 0
    new = saved(index / generation_now)
    assert len(new) == 1 and new != old  # a file of its own, and (in the same generation) the older one gone


def test_a_read_only_index_still_gets_its_vocabulary(discovery, monkeypatch) -> None:
    _, generation, searcher = discovery

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(vocabulary.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(vocabulary, "_vocabulary_lock", lambda generation: contextlib.nullcontext())
    assert "光伏" in vocabulary.stored_vocabulary(generation, searcher).words
    assert saved(generation) == []
