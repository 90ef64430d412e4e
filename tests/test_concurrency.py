"""Searching never stops while the index is written: adds into the live generation and a full rebuild.

Searcher threads (through `Engine` directly and through the Flask app) run without pause while the main
thread adds files and rebuilds; every search must succeed with sensible results, and what was added must be
found right after the write returns. Bounded: the writes take a few seconds at most.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ARTICLES, write_jsonl

from searcher.corpus.uploads import save_json_article
from searcher.index.build import BuildReport, add_files, build_index
from searcher.index.jobs import ABANDONED, STATUS_FILE, Rebuilder
from searcher.search.engine import Engine
from web import create_app

STABLE = "光伏"  # in the `solar` article, present in every generation throughout
DEADLINE = 30.0  # seconds; a hang fails the test instead of the suite


@dataclass
class Searchers:
    """Threads that search until stopped, counting successes and keeping every failure."""

    stop: threading.Event = field(default_factory=threading.Event)
    done: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def run(self, name: str, search: Callable[[], None]) -> None:
        def loop() -> None:
            while not self.stop.is_set():
                try:
                    search()
                except BaseException as exc:  # noqa: B036 - every failure is the finding, kept for the assert
                    with self.lock:
                        self.failures.append(f"{name}: {type(exc).__name__}: {exc}")
                    return
                with self.lock:
                    self.done += 1

        thread = threading.Thread(target=loop, name=name, daemon=True)
        self.threads.append(thread)
        thread.start()

    def count(self) -> int:
        with self.lock:
            return self.done

    def wait_for(self, more: int) -> None:
        """Let at least `more` searches finish, so each write is overlapped by searching."""
        target = self.count() + more
        deadline = time.monotonic() + DEADLINE
        while self.count() < target and not self.failures:
            assert time.monotonic() < deadline, "searchers stalled"
            time.sleep(0.005)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(DEADLINE)
            assert not thread.is_alive(), f"{thread.name} did not stop"


@pytest.fixture
def corpus_and_index(tmp_path: Path) -> tuple[Path, Path]:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_jsonl(corpus / "articles.jsonl", ARTICLES)
    build_index(corpus, index)
    return corpus, index


@pytest.fixture
def searchers() -> Iterator[Searchers]:
    running = Searchers()
    yield running
    running.finish()


def engine_search(engine: Engine) -> None:
    result = engine.search(STABLE, size=5)
    assert result.total >= 1 and result.hits, "no hits for a word that is always indexed"
    assert all(STABLE in hit.text or STABLE in hit.article.title for hit in result.hits)
    assert engine.article("solar").paragraphs


def web_search(app_client_factory: Callable[[], object]) -> Callable[[], None]:
    client = app_client_factory()

    def search() -> None:
        response = client.get("/api/search", query_string={"q": STABLE, "size": 5})  # type: ignore[attr-defined]
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert body["total"] >= 1 and body["hits"][0]["article"]["id"] == "solar"
        assert client.get("/api/articles/solar").status_code == 200  # type: ignore[attr-defined]

    return search


def new_article(corpus: Path, n: int) -> tuple[Path, str]:
    word = f"潮汐能第{n}号电站"
    path = save_json_article(corpus, {"title": f"海盐新能源（{n}）", "text": f"海盐县建设{word}，预计明年并网。"})
    return path, word


def test_searches_keep_succeeding_during_adds_and_a_rebuild(corpus_and_index: tuple[Path, Path],
                                                            searchers: Searchers) -> None:
    corpus, index = corpus_and_index
    engine = Engine(index)
    app = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus), "TESTING": True})
    shared_web = app.test_client()
    for n in range(3):
        searchers.run(f"engine-{n}", lambda: engine_search(engine))
    for n in range(2):
        searchers.run(f"web-{n}", web_search(app.test_client))
    searchers.wait_for(20)
    started = time.monotonic()

    added: list[tuple[str, str]] = []
    for n in range(6):  # several commits, so Whoosh also merges segments under the readers' feet
        path, word = new_article(corpus, n)
        report = add_files([path], corpus, index)
        assert len(report.article_ids) == 1
        added.append((report.article_ids[0], word))
        # Visible at once, to an Engine that was open all along and to the app on its next request.
        assert [h.article.id for h in engine.search(f'"{word}"').hits] == [report.article_ids[0]]
        hits = shared_web.get("/api/search", query_string={"q": f'"{word}"'}).get_json()["hits"]
        assert [h["article"]["id"] for h in hits] == [report.article_ids[0]]
        searchers.wait_for(5)

    slow_down = searchers.wait_for  # each file of the rebuild waits for a few searches: they must overlap
    rebuilt = build_index(corpus, index, progress=lambda _path: slow_down(3))
    assert rebuilt.generation == engine.health()["generation"]
    searchers.wait_for(20)
    searchers.finish()

    assert searchers.failures == []
    assert searchers.count() > 100
    assert time.monotonic() - started < DEADLINE
    for article_id, word in added:  # the uploads are corpus files, so the rebuilt generation has them too
        assert [h.article.id for h in engine.search(f'"{word}"').hits] == [article_id]
        assert shared_web.get(f"/api/articles/{article_id}").status_code == 200


def test_fresh_searcher_per_call_sees_adds_without_reopening(corpus_and_index: tuple[Path, Path]) -> None:
    """The Engine keeps one open Index per generation; an add into that generation must still be seen."""
    corpus, index = corpus_and_index
    engine = Engine(index)
    generation = engine.health()["generation"]
    path, word = new_article(corpus, 99)
    assert engine.search(f'"{word}"').total == 0
    add_files([path], corpus, index)
    assert engine.health()["generation"] == generation
    assert engine.search(f'"{word}"').total == 1


# --- the background rebuild runner --------------------------------------------------------------------------


def test_only_one_of_many_simultaneous_starts_runs(corpus_and_index: tuple[Path, Path]) -> None:
    release = threading.Event()
    builds: list[int] = []

    def held_build(*args: object, **kwargs: object) -> BuildReport:
        builds.append(1)
        assert release.wait(DEADLINE)
        return build_index(*args, **kwargs)  # type: ignore[arg-type]

    rebuilder = Rebuilder(*corpus_and_index, build=held_build)
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def start() -> None:
        barrier.wait()
        results.append(rebuilder.start())

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)
    assert sorted(results) == [False] * 7 + [True]
    assert rebuilder.status()["state"] == "running"
    release.set()
    assert rebuilder.join(DEADLINE)
    assert builds == [1]
    status = rebuilder.status()
    assert status["state"] == "done" and status["generation"] == "gen-000002"


def test_every_server_process_reports_the_one_rebuild(corpus_and_index: tuple[Path, Path]) -> None:
    """Two Rebuilders of one index stand for two worker processes of one server: the one that does not run the
    rebuild reports it (and refuses a second) from the shared status file, through to its end."""
    release = threading.Event()

    def held_build(*args: object, **kwargs: object) -> BuildReport:
        assert release.wait(DEADLINE)
        return build_index(*args, **kwargs)  # type: ignore[arg-type]

    running, other = Rebuilder(*corpus_and_index, build=held_build), Rebuilder(*corpus_and_index)
    other.pid = running.pid + 1_000_000  # another process (no such pid: it is never asked whether it lives)
    assert other.status()["state"] == "idle"
    assert running.start()
    assert other.status()["state"] == "running"
    assert not other.start()
    release.set()
    assert running.join(DEADLINE)
    assert other.status() == running.status()
    assert other.status()["state"] == "done" and other.status()["generation"] == "gen-000002"


def test_a_rebuild_whose_process_died_reads_as_failed(corpus_and_index: tuple[Path, Path]) -> None:
    corpus, index = corpus_and_index
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    status = Rebuilder._fresh("running") | {"started": "2000-01-01T00:00:00+00:00", "pid": gone.pid}
    (index / STATUS_FILE).write_text(json.dumps(status), encoding="utf-8")
    rebuilder = Rebuilder(corpus, index)
    assert (rebuilder.status()["state"], rebuilder.status()["error"]) == ("failed", ABANDONED)
    assert rebuilder.start() and rebuilder.join(DEADLINE)  # a dead process's rebuild does not block a new one
    assert rebuilder.status()["state"] == "done"


def test_progress_counts_files_not_bad_jsonl_lines(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", ARTICLES[:2])
    (corpus / "a.jsonl").write_text((corpus / "a.jsonl").read_text(encoding="utf-8") + "{broken\n", encoding="utf-8")
    (corpus / "b.txt").write_text("标题\n\n正文第一段，讲述南湖的故事。", encoding="utf-8")
    (corpus / "c.exe").write_bytes(b"MZ")
    seen: list[tuple[str, int]] = []
    rebuilder = Rebuilder(corpus, index)
    rebuilder.on_file = lambda path: seen.append((path, rebuilder.status()["files_done"]))
    assert rebuilder.start()
    assert rebuilder.join(DEADLINE)
    status = rebuilder.status()
    assert status["state"] == "done", status
    assert status["files_total"] == status["files_done"] == 3
    assert status["articles"] == 3
    assert {s["path"] for s in status["skipped"]} == {"a.jsonl:3", "c.exe"}
    assert [done for path, done in seen if not path.endswith(":3")] == [0, 1, 2]


def test_a_bug_in_the_build_ends_as_failed_not_stuck_running(corpus_and_index: tuple[Path, Path],
                                                              caplog: pytest.LogCaptureFixture) -> None:
    def broken_build(*args: object, **kwargs: object) -> BuildReport:
        raise RuntimeError("boom")

    rebuilder = Rebuilder(*corpus_and_index, build=broken_build)
    assert rebuilder.start() and rebuilder.join(DEADLINE)
    status = rebuilder.status()
    assert (status["state"], status["error"]) == ("failed", "RuntimeError: boom")
    assert "boom" in caplog.text
    assert rebuilder.start()  # a failed build does not block the next one
    assert rebuilder.join(DEADLINE)


def test_missing_corpus_is_a_failed_rebuild(tmp_path: Path) -> None:
    rebuilder = Rebuilder(tmp_path / "nope", tmp_path / "index")
    assert rebuilder.start() and rebuilder.join(DEADLINE)
    status = rebuilder.status()
    assert status["state"] == "failed" and "corpus directory not found" in status["error"]
    assert status["files_total"] == 0
