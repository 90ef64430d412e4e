"""Faults an operator meets: a build killed (kill -9, SIGTERM) with two writer processes, and a full disk.

Each must leave the live index serving, no process behind, the lock free, and the next build working.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import alive, write_jsonl

from searcher.errors import DiskFull, WriterFailed
from searcher.index import store
from searcher.index.build import build_index
from searcher.search.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 20.0  # seconds; a bound on waiting for processes, never a performance assertion

# Runs `searcher build` through the CLI's own entry point, but holds it once both writer processes are working,
# printing the build's pid and its workers' pids.
HOLD_BUILD = textwrap.dedent("""
    import os, sys, time
    import searcher.index.build as indexing
    from searcher.cli import main
    real = indexing._add_parsed
    def held(writer, *args, **kwargs):
        real(writer, *args, **kwargs)
        tasks = getattr(writer, "tasks", [])
        if len(tasks) >= 2 and all(t.is_alive() for t in tasks):
            print(os.getpid(), *[t.pid for t in tasks], flush=True)
            time.sleep(120)
    indexing._add_parsed = held
    sys.argv = ["searcher", *sys.argv[1:]]
    main()
""")


def many_paragraphs(corpus: Path, files: int = 4, articles: int = 10, paragraphs: int = 8) -> None:
    """Enough documents (320) for Whoosh to start both worker processes (it hands them batches of 100)."""
    for f in range(files):
        rows = [{"id": f"f{f}-{a}", "title": f"嘉兴报道{f}-{a}",
                 "text": "\n".join(f"第{f}组第{a}篇第{p}段：嘉兴光伏产业继续发展。" for p in range(paragraphs))}
                for a in range(articles)]
        write_jsonl(corpus / f"batch{f}.jsonl", rows)


def wait_until_gone(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


@pytest.fixture
def served(tmp_path: Path) -> tuple[Path, Path, dict[str, list[str]]]:
    """A corpus with a live index built from part of it, and what that index answers."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", [{"id": "lake", "title": "南湖", "text": "晨曦中的南湖换上了华服。"}])
    build_index(corpus, index)
    before = {q: [h.id for h in Engine(index).search(q).hits] for q in ("南湖", "光伏")}
    many_paragraphs(corpus)
    return corpus, index, before


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_a_two_process_build_leaves_no_worker_and_no_lock(served: tuple[Path, Path, dict[str, list[str]]],
                                                                   sig: signal.Signals) -> None:
    corpus, index, before = served
    proc = subprocess.Popen([sys.executable, "-c", HOLD_BUILD, "build", "--corpus", str(corpus), "--index",
                             str(index), "--procs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)
    pids: list[int] = []
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]  # type: ignore[union-attr]
        assert len(pids) == 3 and pids[0] == proc.pid, proc.stderr.read()  # type: ignore[union-attr]
        os.kill(proc.pid, sig)
        proc.wait(DEADLINE)
        assert wait_until_gone(pids[1:]) == [], "a worker outlived its build"
        stderr = proc.stderr.read()  # type: ignore[union-attr]
        if sig == signal.SIGTERM:  # a clean stop: one line saying what happened, no traceback
            assert proc.returncode == 128 + signal.SIGTERM
            assert "stopped by SIGTERM" in stderr and "Traceback" not in stderr
            assert [g.name for g in store.generations(index)] == ["gen-000001"]  # its generation removed
    finally:
        for pid in pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert store.current_generation(index).name == "gen-000001"  # type: ignore[union-attr]
    assert {q: [h.id for h in Engine(index).search(q).hits] for q in before} == before
    report = build_index(corpus, index, wait=0)  # the lock is free at once: no dead pid named, no waiting
    assert report.generation == "gen-000003" and report.articles == 41
    assert [g.name for g in store.generations(index)] == ["gen-000001", "gen-000003"]


# --- a full disk ------------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB filesystem of its own (tmpfs, mounted by the test when it runs as root)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or done.returncode}); "
                    "test_injected_disk_full_is_cleaned_up covers the same path")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def random_articles(count: int) -> list[dict[str, str]]:
    """Text whose every character pair is rare: an index far larger than the small disk."""
    rng = random.Random(12)
    return [{"id": f"r{i}", "title": f"随机{i}", "text": "\n".join(
        "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(60)) for _ in range(10))} for i in range(count)]


@pytest.mark.parametrize("procs", [1, 2])
def test_disk_full_during_a_build(tmp_path: Path, small_disk: Path, procs: int) -> None:
    corpus, index = tmp_path / "corpus", small_disk / "index"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", [{"id": "lake", "title": "南湖", "text": "晨曦中的南湖换上了华服。"}])
    build_index(corpus, index)
    big = write_jsonl(corpus / "big.jsonl", random_articles(40))

    with pytest.raises(DiskFull) as failed:
        build_index(corpus, index, procs=procs)
    message = str(failed.value)
    assert str(index / "gen-000002") in message and "Free space on the disk holding" in message
    assert "was removed" in message and "still serving" in message
    # Nothing of the failed build is left taking space, and the live index answers as before.
    assert sorted(p.name for p in index.iterdir()) == ["CURRENT", "gen-000001", "index.json", "writer.lock"]
    assert [h.article.id for h in Engine(index).search("南湖").hits] == ["lake"]

    big.unlink()  # a build that fits now succeeds, without anyone deleting anything by hand
    assert build_index(corpus, index, procs=procs).generation == "gen-000003"
    assert [h.article.id for h in Engine(index).search("南湖").hits] == ["lake"]


def test_injected_disk_full_is_cleaned_up(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    real = store.write_meta

    def full(generation: Path, meta: dict) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store, "write_meta", full)
    with pytest.raises(DiskFull, match="gen-000002"):
        build_index(corpus, index)
    assert [g.name for g in store.generations(index)] == ["gen-000001"]
    monkeypatch.setattr(store, "write_meta", real)
    assert build_index(corpus, index).generation == "gen-000003"


def test_cli_disk_full_is_one_line_naming_the_path(corpus: Path, tmp_path: Path, small_disk: Path) -> None:
    index = small_disk / "index"
    exe = Path(sys.executable).with_name("searcher")
    assert subprocess.run([str(exe), "build", "--corpus", str(corpus), "--index", str(index)],
                          capture_output=True).returncode == 0
    write_jsonl(corpus / "big.jsonl", random_articles(40))
    done = subprocess.run([str(exe), "build", "--corpus", str(corpus), "--index", str(index), "--procs", "2"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and str(index / "gen-000002") in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads((index / store.STATE).read_text())["last_generation"] == 2


HOLD_ADD = textwrap.dedent("""
    import sys, time
    import searcher.index.adding as adding
    from searcher.cli import main
    real = adding._add_parsed
    def held(*args, **kwargs):
        real(*args, **kwargs)
        print("placed", flush=True)
        time.sleep(120)
    adding._add_parsed = held
    sys.argv = ["searcher", *sys.argv[1:]]
    main()
""")


def test_sigterm_of_an_add_leaves_corpus_and_index_as_they_were(served: tuple[Path, Path, dict[str, list[str]]],
                                                                tmp_path: Path) -> None:
    corpus, index, before = served
    new = write_jsonl(tmp_path / "new.jsonl", [{"id": "wz", "title": "乌镇", "text": "乌镇峰会开幕。"}])
    proc = subprocess.Popen([sys.executable, "-c", HOLD_ADD, "add", str(new), "--index", str(index)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "placed"  # type: ignore[union-attr]
        assert (corpus / "added" / "new.jsonl").is_file()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(DEADLINE) == 128 + signal.SIGTERM
        assert "nothing was added" in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        proc.kill()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert not (corpus / "added" / "new.jsonl").exists()
    assert Engine(index).search("乌镇峰会").total == 0
    with store.writer_lock(index):  # free
        pass


def test_a_worker_that_dies_fails_the_build_instead_of_losing_its_documents(
        served: tuple[Path, Path, dict[str, list[str]]], monkeypatch: pytest.MonkeyPatch) -> None:
    import searcher.index.build as indexing

    corpus, index, before = served
    real = indexing._add_parsed
    killed: list[int] = []

    def kill_a_worker(writer, *args, **kwargs):  # type: ignore[no-untyped-def]
        real(writer, *args, **kwargs)
        tasks = getattr(writer, "tasks", [])
        if len(tasks) == 2 and not killed:
            killed.append(tasks[0].pid)
            os.kill(tasks[0].pid, signal.SIGKILL)
            tasks[0].join(DEADLINE)

    monkeypatch.setattr(indexing, "_add_parsed", kill_a_worker)
    with pytest.raises(WriterFailed, match=r"an index writer process \(pid \d+\) failed with exit status -9"):
        build_index(corpus, index, procs=2)
    assert killed and wait_until_gone(killed) == []
    assert [g.name for g in store.generations(index)] == ["gen-000001"]
    assert {q: [h.id for h in Engine(index).search(q).hits] for q in before} == before
