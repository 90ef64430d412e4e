"""The vocabulary cache never makes a request wait for a build in progress (it once held its lock throughout)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from discovery_fixtures import build_discovery_index

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
