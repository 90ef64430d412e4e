"""Generations switch atomically; one writer at a time; a killed build leaves the live index serving."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import write_jsonl

from searcher.errors import CorpusMismatch, IndexBusy, IndexCorrupt, IndexMissing
from searcher.index import store
from searcher.index.build import add_files, build_index, remove_articles
from searcher.search.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def test_no_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexMissing, match="searcher build"):
        Engine(tmp_path / "nothing").search("嘉兴")


def test_rebuild_switches_generation_and_keeps_only_the_previous_one(corpus, tmp_path):
    index = tmp_path / "index"
    names = [build_index(corpus, index).generation for _ in range(3)]
    assert names == ["gen-000001", "gen-000002", "gen-000003"]
    assert [g.name for g in store.generations(index)] == ["gen-000002", "gen-000003"]
    assert store.current_generation(index).name == "gen-000003"


def test_a_running_engine_sees_a_new_generation_without_restart(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    engine = Engine(index)
    assert engine.search("月球基地").total == 0
    write_jsonl(corpus / "b.jsonl", [{"id": "moon", "title": "月球", "text": "月球基地建成。"}])
    build_index(corpus, index)
    assert [h.article.id for h in engine.search("月球基地").hits] == ["moon"]


def test_second_writer_is_refused_with_a_clear_message(corpus, tmp_path):
    index = tmp_path / "index"
    with store.writer_lock(index):
        with pytest.raises(IndexBusy, match=f"pid {os.getpid()}"):
            build_index(corpus, index)


def test_second_writer_can_wait(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    release = threading.Event()

    def hold():
        with store.writer_lock(index):
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    threading.Timer(0.5, release.set).start()
    report = build_index(corpus, index, wait=10)
    holder.join()
    assert report.paragraphs == 8


def test_stale_lock_of_a_dead_process_is_cleared(corpus, tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    (index / store.LOCK).write_text("999999\n")
    assert build_index(corpus, index).paragraphs == 8


def test_add_changed_file_replaces_its_paragraphs_and_unchanged_is_skipped(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    engine = Engine(index)
    new = write_jsonl(corpus / "new.jsonl", [{"id": "n1", "title": "新闻", "text": "乌镇峰会开幕。"}])
    report = add_files([new], corpus, index)
    assert (report.articles, report.paragraphs) == (1, 1)
    assert [h.id for h in engine.search("乌镇峰会").hits] == ["n1-p1"]
    assert add_files([new], corpus, index).unchanged == 1
    write_jsonl(new, [{"id": "n1", "title": "新闻", "text": "乌镇峰会闭幕。"}])
    add_files([new], corpus, index)
    assert [h.text for h in engine.search("乌镇峰会").hits] == ["乌镇峰会闭幕。"]


def test_add_copies_outside_files_into_the_corpus(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    outside = write_jsonl(tmp_path / "elsewhere.jsonl", [{"id": "x1", "title": "外来", "text": "外来稿件。"}])
    add_files([outside], corpus, index)
    assert (corpus / "added" / "elsewhere.jsonl").exists()
    assert build_index(corpus, index).articles == 5


def test_remove_articles(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    assert remove_articles(["solar", "nope"], index) == {"solar": 2, "nope": 0}
    assert Engine(index).search("逆变器").total == 0


def test_bad_file_is_reported_and_the_others_indexed(corpus, tmp_path):
    (corpus / "bad.txt").write_bytes(b"\x00\x01\x02\xff" * 50)
    report = build_index(corpus, tmp_path / "index")
    assert report.articles == 4
    assert [s.path for s in report.skipped] == ["bad.txt"]


KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import searcher.index.build as indexing
    real = indexing._add_parsed
    def slow(*args, **kwargs):
        real(*args, **kwargs)
        print("started", flush=True)
        time.sleep(60)
    indexing._add_parsed = slow
    indexing.build_index(Path(sys.argv[1]), Path(sys.argv[2]))
""")


def test_kill_9_during_a_build_leaves_the_old_generation_answering(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    engine = Engine(index)
    queries = ["嘉兴", '"长江大桥"', "光伏 -玻璃", "臺灣"]
    before = {q: [h.id for h in engine.search(q).hits] for q in queries}
    write_jsonl(corpus / "more.jsonl", [{"id": "m", "title": "新", "text": "嘉兴新闻。"}])
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(corpus), str(index)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout.readline().strip() == "started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert store.current_generation(index).name == "gen-000001"
    assert {q: [h.id for h in Engine(index).search(q).hits] for q in queries} == before
    assert build_index(corpus, index).articles == 5  # the stale lock and the abandoned generation are cleared
    assert [g.name for g in store.generations(index)] == ["gen-000001", "gen-000003"]


def test_add_reports_bad_jsonl_lines_and_ids_of_unchanged_files(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    new = corpus / "mixed.jsonl"
    new.write_text('{"id": "ok1", "title": "好", "text": "一篇好稿件。"}\n{not json\n', encoding="utf-8")
    report = add_files([new], corpus, index)
    assert report.article_ids == ["ok1"]
    assert [s.path for s in report.skipped] == ["mixed.jsonl:2"]
    assert add_files([new], corpus, index).article_ids == ["ok1"]


# --- nothing lost or misplaced (issue 8) --------------------------------------------------------------------


def test_the_index_records_its_corpus_and_add_puts_files_there(corpus, tmp_path, monkeypatch):
    index = tmp_path / "index"
    build_index(corpus, index)
    assert store.recorded_corpus(index) == corpus.resolve()
    assert json.loads((store.current_generation(index) / store.META).read_text())["corpus"] == str(corpus.resolve())
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "corpus").mkdir(parents=True)  # a ./corpus that has nothing to do with this index
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("SEARCHER_CORPUS", raising=False)
    new = write_jsonl(tmp_path / "new.jsonl", [{"id": "wz", "title": "乌镇", "text": "乌镇峰会开幕。"}])
    add_files([new], None, index)
    assert (corpus / "added" / "new.jsonl").is_file()
    assert list((elsewhere / "corpus").iterdir()) == []
    assert "wz" in build_index(corpus, index).article_ids  # so the next rebuild keeps it


def another_corpus(corpus: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """An index built from `corpus`, another (empty) corpus directory, and an article file outside both."""
    index = tmp_path / "index"
    build_index(corpus, index)
    other = tmp_path / "other"
    other.mkdir()
    new = write_jsonl(tmp_path / "new.jsonl", [{"id": "wz", "title": "乌镇", "text": "乌镇峰会开幕。"}])
    return index, other, new


def test_add_to_another_corpus_is_refused_naming_both(corpus, tmp_path):
    index, other, new = another_corpus(corpus, tmp_path)
    with pytest.raises(CorpusMismatch) as refused:
        add_files([new], other, index)
    assert str(corpus.resolve()) in str(refused.value) and str(other) in str(refused.value)
    assert list(other.iterdir()) == [] and not (corpus / "added").exists()
    assert Engine(index).search("乌镇峰会").total == 0


# --- generations: never reused, never half served, corruption named (issue 12) ------------------------------


def test_a_deleted_live_generation_is_named_and_its_number_never_reused(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    build_index(corpus, index)
    shutil.rmtree(index / "gen-000002")
    (index / store.STATE).unlink()  # even without the high-water mark, CURRENT's own name is never reused
    with pytest.raises(IndexCorrupt, match="gen-000002 is missing.*searcher build --index"):
        Engine(index).search("嘉兴")
    seen: list[str] = []

    def during_build(_path: str) -> None:
        with pytest.raises(IndexCorrupt):  # the half-built generation is never served meanwhile
            Engine(index).search("嘉兴")
        seen.append(sorted(g.name for g in store.generations(index))[-1])

    report = build_index(corpus, index, progress=during_build)
    assert report.generation == "gen-000003" and seen == ["gen-000003"]
    assert Engine(index).health()["articles"] == 4


def test_a_generation_without_its_meta_is_never_served(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    (store.current_generation(index) / store.META).unlink()
    with pytest.raises(IndexCorrupt, match="incomplete"):
        Engine(index).health()
    assert build_index(corpus, index).generation == "gen-000002"


def truncate_segment(index: Path) -> Path:
    segment = next((index / store._named_generation(index)).glob("*.seg"))
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
    return segment


def test_a_truncated_segment_is_index_corrupt_and_a_rebuild_recovers(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    truncate_segment(index)
    engine = Engine(index)  # never opened before: an open index would read the truncated file through mmap
    for call in (lambda: engine.search("嘉兴"), engine.health, lambda: engine.article("solar")):
        with pytest.raises(IndexCorrupt, match="gen-000001 cannot be read.*searcher build --index"):
            call()
    with pytest.raises(IndexCorrupt):
        add_files([write_jsonl(tmp_path / "n.jsonl", [{"title": "新", "text": "新闻。"}])], corpus, index)
    build_index(corpus, index)
    assert engine.search("光伏").total > 0


def test_health_does_not_count_a_removed_article(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    engine = Engine(index)
    before = engine.health()
    remove_articles(["solar"], index)
    after = engine.health()
    assert (after["articles"], after["paragraphs"]) == (before["articles"] - 1, before["paragraphs"] - 2)


def test_remove_from_a_truncated_index_is_index_corrupt(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    truncate_segment(index)
    with pytest.raises(IndexCorrupt, match="searcher build"):
        remove_articles(["solar"], index)
    with store.writer_lock(index):  # and the lock was released
        pass


def test_adding_after_the_corpus_was_moved_is_refused(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    moved = corpus.rename(tmp_path / "moved")
    new = write_jsonl(tmp_path / "new.jsonl", [{"id": "wz", "title": "乌镇", "text": "乌镇峰会开幕。"}])
    with pytest.raises(CorpusMismatch, match=f"{corpus.resolve()} .* no longer exists.*--corpus DIR"):
        add_files([new], None, index)
    assert not corpus.exists()  # not silently re-created with only the new file in it
    assert build_index(moved, index).articles == 4 and store.recorded_corpus(index) == moved.resolve()


def test_a_build_clears_what_killed_builds_and_adds_left(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    abandoned = store.new_generation(index)  # as a build killed before publishing leaves it
    (abandoned / "half.seg").write_bytes(b"x" * 1000)
    old, young = index / f"{store.STAGING_PREFIX}old", index / f"{store.STAGING_PREFIX}young"
    for staging in (old, young):
        (staging / "added").mkdir(parents=True)
    long_ago = time.time() - store.STALE_STAGING_SECONDS - 60
    os.utime(old, (long_ago, long_ago))
    assert build_index(corpus, index).generation == "gen-000003"
    assert not abandoned.exists() and not old.exists()
    assert young.exists()  # an add may still be reading in the young one
    assert [g.name for g in store.generations(index)] == ["gen-000001", "gen-000003"]


def test_searchers_of_many_threads_map_no_index_file_into_memory(engine: Engine) -> None:
    """Issue 12 probe 9: eight server threads held 8 GB, each thread's searcher mapping (and copying) the segment
    files. They are read through plain file reads now, so the threads share the OS page cache and a truncated
    segment cannot SIGBUS the server. With mmap on, every searcher would list the index's files in /proc/self/maps."""
    results: list[int] = []
    searched, done = threading.Barrier(5), threading.Event()

    def search() -> None:  # each thread keeps its searcher until the maps are read
        results.append(engine.search("嘉兴").total)
        searched.wait()
        done.wait()

    threads = [threading.Thread(target=search) for _ in range(4)]
    for t in threads:
        t.start()
    searched.wait()
    maps = Path("/proc/self/maps").read_text()
    done.set()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(results)
    assert str(engine.index_dir.resolve()) not in maps
