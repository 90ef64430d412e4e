"""Generations switch atomically; one writer at a time; a killed build leaves the live index serving."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import write_jsonl

from searcher import store
from searcher.engine import Engine
from searcher.errors import IndexBusy, IndexMissing
from searcher.indexing import add_files, build_index, remove_articles

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
    import searcher.indexing as indexing
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
