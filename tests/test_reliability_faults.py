"""Faults an operator meets, end to end: the production server (`searcher serve`) keeps answering readers while a
build, an add or the server itself is killed, a lock is left behind, two builds race, a corpus file cannot be read,
the live generation is damaged or removed, or the disk fills. After each, either the live index is still serving
or every answer says exactly what to run, and the next ordinary command works without cleaning up by hand.

Processes are held at a known point by a patched entry point (`HOLD`): reading a file that contains HOLD_MARK
blocks until the test creates the release file, so a kill always lands in the middle of the work.

Tests marked xfail(strict=True) reproduce findings of issue 12 that fail on main; each names the item and the
branch with the fix. When that branch merges, they pass, the strict marker turns that into a failure, and the
marker must be removed. Each scenario prints one `FIGURES` line (requests, failures, 5xx, seconds to recover),
collected by `make reliability` into docs/RELIABILITY.md.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLES, alive, write_jsonl
from reliability_harness import harness

from searcher.index import store
from searcher.index.build import build_index

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 60.0  # seconds; a bound on waiting, never a performance assertion
HOLD_MARK = "HOLD-THIS-FILE"
STABLE = "光伏"  # in the fixture article `solar`, in every generation of these tests
TOKEN = "reliability-admin-token-0123456789"
# The long scenarios run in `make reliability` (SEARCHER_RELIABILITY=1); `make test` keeps the quick ones.
SLOW = pytest.mark.skipif(not os.environ.get("SEARCHER_RELIABILITY"),
                          reason="slow fault scenario: `make reliability` runs it")
HOLD = textwrap.dedent(f"""
    import os, sys, time
    from pathlib import Path
    import searcher.corpus.reading as reading
    real = reading.decode_bytes
    def held(data):
        if b"{HOLD_MARK}" in data:
            print("held", os.getpid(), flush=True)
            release = Path(os.environ["SEARCHER_TEST_RELEASE"])
            while not release.exists():
                time.sleep(0.05)
        return real(data)
    reading.decode_bytes = held
    sys.argv = ["searcher", *sys.argv[1:]]
    from searcher.cli import main
    main()
""")


# --- helpers ------------------------------------------------------------------------------------------------


def figures(scenario: str, samples: list[Any], recover: float | None = None, **extra: Any) -> dict[str, Any]:
    """One line of figures for docs/RELIABILITY.md (printed; appended to $RELIABILITY_FIGURES when set)."""
    summary = harness.summarize(samples, max((s.start for s in samples), default=0.0) or 1.0)
    line = {"scenario": scenario, "requests": summary["requests"], "failed": summary["failed"],
            "5xx": summary["5xx"], "statuses": sorted({s.status for s in samples}),
            "recover_s": None if recover is None else round(recover, 2), **extra}
    print("FIGURES", json.dumps(line, ensure_ascii=False))
    if os.environ.get("RELIABILITY_FIGURES"):
        with open(os.environ["RELIABILITY_FIGURES"], "a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return line


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return harness.run_cli(*args, timeout=timeout)


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (a multi-process build's writer workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_until_gone(pids: list[int], timeout: float = 15.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


class Held:
    """A `searcher` command run through HOLD: `wait()` returns once it is blocked on the marked file."""

    def __init__(self, work: Path, *args: str) -> None:
        self.release = work / f"release-{time.monotonic_ns()}"
        env = {**os.environ, "SEARCHER_TEST_RELEASE": str(self.release), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen([sys.executable, "-c", HOLD, *args], cwd=ROOT, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def wait(self) -> int:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("held"), f"never reached the held file: {line!r} {self.process.stderr.read()}"  # type: ignore[union-attr]
        return self.process.pid

    def finish(self) -> tuple[int, str]:
        self.release.touch()
        out, err = self.process.communicate(timeout=DEADLINE)
        return self.process.returncode, out + err

    def kill(self) -> None:
        """kill -9 of this process only; its pipes are closed unread, since orphaned children may hold them."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(DEADLINE)
        for pipe in (self.process.stdout, self.process.stderr):
            pipe.close()  # type: ignore[union-attr]


@pytest.fixture
def built(corpus: Path, tmp_path: Path) -> dict[str, Any]:
    """conftest's corpus of the fixture articles and its index (generation gen-000001)."""
    build_index(corpus, tmp_path / "index")
    return {"work": tmp_path, "corpus": corpus, "index": tmp_path / "index"}


@pytest.fixture
def site(built: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`built`, served by `searcher serve` with admin on; the server is stopped afterwards."""
    server = harness.Server(built["index"], built["corpus"], built["work"] / "server.log", threads=4,
                            env={"SEARCHER_ADMIN_TOKEN": TOKEN}).start()
    try:
        yield built | {"server": server, "before": answers(server.base)}
    finally:
        server.stop()


def answers(base: str) -> dict[str, list[str]]:
    """What the server answers for a few queries: the ids of the hits, in order."""
    return {q: [h["id"] for h in harness.get_json(base, harness.search_path(q))["hits"]]
            for q in (STABLE, "嘉兴", '"长江大桥"', "臺灣")}


def readers(base: str, clients: int = 2) -> harness.Load:
    """A little steady search traffic on the word every generation holds."""
    return harness.Load(base, clients=clients, queries=(STABLE, "嘉兴 发展", '"长江大桥"'))


def many_paragraphs(corpus: Path) -> None:
    """320 paragraphs before the held file: Whoosh starts both writer workers (it hands them 100 at a time)."""
    rows = [{"id": f"bulk-{a}", "title": f"嘉兴报道{a}",
             "text": "\n".join(f"第{a}篇第{p}段：嘉兴光伏产业继续发展。" for p in range(8))} for a in range(40)]
    write_jsonl(corpus / "b-bulk.jsonl", rows)
    (corpus / "z-held.txt").write_text(f"# 被暂停的稿件\n\n{HOLD_MARK}：这篇稿件让构建停在这里。\n", encoding="utf-8")


def serving_generation(base: str) -> str:
    return str(harness.get_json(base, "/api/health")["generation"])


def wait_for_generation(base: str, old: str) -> float:
    """Seconds until the server serves a generation other than `old`."""
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        status, _, body = harness.get(base, "/api/health")
        if status == 200 and json.loads(body)["generation"] != old:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"the server still serves {old}")


# --- killed processes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("procs", [
    pytest.param(1, marks=SLOW),  # one process: tests/test_store.py kills it in-process in `make test`
    2,  # issue 12 item 2: the workers of a killed build used to keep the lock
])
def test_kill_9_of_a_build_leaves_the_server_answering_and_no_writer_behind(site: dict[str, Any],
                                                                            procs: int) -> None:
    server, corpus, index = site["server"], site["corpus"], site["index"]
    many_paragraphs(corpus)
    build = Held(site["work"], "build", "--corpus", str(corpus), "--index", str(index), "--procs", str(procs))
    workers: list[int] = []
    try:
        with readers(server.base) as load:
            pid = build.wait()
            workers = children(pid)
            assert len(workers) >= procs - 1, "the build did not start its writer workers"
            os.kill(pid, signal.SIGKILL)
            killed = time.monotonic()
            build.kill()
            orphans = wait_until_gone(workers, timeout=5.0)
            again = cli("build", "--corpus", str(corpus), "--index", str(index), "--procs", str(procs))
            if again.returncode == 0:
                wait_for_generation(server.base, "gen-000001")
            recover = time.monotonic() - killed
            samples = load.stop()
    finally:
        for worker in workers:  # only the workers of the build this test started
            if alive(worker):
                os.kill(worker, signal.SIGKILL)
    figures(f"kill -9 build --procs {procs}", samples, recover, orphans=len(orphans))
    assert [s.problem for s in samples if s.problem] == []
    assert orphans == [], "writer workers outlived their build (they keep the writer lock)"
    assert again.returncode == 0, again.stderr
    assert harness.get_json(server.base, harness.search_path("嘉兴报道7"))["total"] > 0


def test_kill_9_of_an_add_leaves_the_index_as_it_was_and_the_add_can_be_rerun(site: dict[str, Any]) -> None:
    server, corpus, index, work = site["server"], site["corpus"], site["index"], site["work"]
    new = work / "new"
    new.mkdir()
    write_jsonl(new / "a-new.jsonl", [{"id": "tide", "title": "潮汐能电站", "text": "海盐县潮汐能电站开工。"}])
    (new / "z-held.txt").write_text(f"# 暂停\n\n{HOLD_MARK}。\n", encoding="utf-8")
    add = Held(work, "add", "--corpus", str(corpus), "--index", str(index), str(new / "a-new.jsonl"),
               str(new / "z-held.txt"))
    with readers(server.base) as load:
        os.kill(add.wait(), signal.SIGKILL)
        killed = time.monotonic()
        add.kill()
        assert answers(server.base) == site["before"], "a killed add changed what the live index answers"
        (new / "z-held.txt").write_text("# 恢复\n\n这篇稿件已经恢复正常。\n", encoding="utf-8")
        again = cli("add", "--corpus", str(corpus), "--index", str(index), str(new / "a-new.jsonl"),
                    str(new / "z-held.txt"))
        recover = time.monotonic() - killed
        samples = load.stop()
    figures("kill -9 add", samples, recover)
    assert again.returncode == 0, again.stdout + again.stderr
    assert [s.problem for s in samples if s.problem] == []
    assert [h["article"]["id"] for h in harness.get_json(server.base, harness.search_path("潮汐能"))["hits"]] == [
        "tide"]


def upload(base: str, name: str, data: bytes, timeout: float = DEADLINE) -> tuple[int, Any]:
    """POST one file to /api/articles as multipart; (status, JSON) or (0, error) when the server vanished."""
    import http.client

    boundary = "reliability-boundary-7d3f"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=timeout)
    try:
        conn.request("POST", "/api/articles", body, {"Authorization": f"Bearer {TOKEN}",
                                                     "Content-Type": f"multipart/form-data; boundary={boundary}"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    except (OSError, http.client.HTTPException) as exc:
        return 0, str(exc)
    finally:
        conn.close()


@SLOW
def test_kill_9_of_the_server_during_an_upload_loses_nothing(site: dict[str, Any]) -> None:
    """A killed server never answered, so the client knows to send again: the corpus then holds the file once or
    not yet (an add reads it from a staging copy under the index first), never a partial or second copy;
    nothing is left locked, and sending it again indexes it and leaves it in the corpus exactly once."""
    server, corpus, index, work = site["server"], site["corpus"], site["index"], site["work"]
    server.stop()
    release = work / "never-released"
    held = harness.Server(index, corpus, work / "held-server.log", threads=4, command=[sys.executable, "-c", HOLD],
                          env={"SEARCHER_ADMIN_TOKEN": TOKEN, "SEARCHER_TEST_RELEASE": str(release)}).start()
    page = f"# 海盐潮汐能电站开工\n\n海盐县潮汐能电站今天开工建设。{HOLD_MARK}\n".encode()
    outcome: list[tuple[int, Any]] = []
    sender = threading.Thread(target=lambda: outcome.append(upload(held.base, "潮汐.txt", page)))
    sender.start()
    deadline = time.monotonic() + DEADLINE
    while "held" not in held.log.read_text(errors="replace"):
        assert time.monotonic() < deadline, held.log.read_text(errors="replace")
        time.sleep(0.05)
    held.kill()
    killed = time.monotonic()
    sender.join(DEADLINE)
    assert outcome and outcome[0][0] == 0, "the client must see the connection drop, not an answer"
    saved = [p.read_bytes() for p in (corpus / "uploads").rglob("*") if p.is_file()]
    assert saved in ([], [page]), "a crash must leave the upload in the corpus whole and once, or not at all"
    with harness.Server(index, corpus, work / "server2.log", threads=4,
                        env={"SEARCHER_ADMIN_TOKEN": TOKEN}) as restarted, readers(restarted.base) as load:
        assert answers(restarted.base) == site["before"]
        status, body = upload(restarted.base, "潮汐.txt", page)
        recover = time.monotonic() - killed
        found = harness.get_json(restarted.base, harness.search_path("潮汐能电站"))
        samples = load.stop()
    figures("kill -9 server during upload", samples, recover)
    assert status == 201 and body["articles"], body
    assert found["total"] >= 1 and [p.read_bytes() for p in (corpus / "uploads").rglob("*") if p.is_file()] == [page]
    assert [s.problem for s in samples if s.problem] == []


# --- locks and concurrent writers ---------------------------------------------------------------------------


@SLOW
def test_a_stale_lock_left_by_a_dead_process_is_no_lock(site: dict[str, Any]) -> None:
    corpus, index = site["corpus"], site["index"]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (index / store.LOCK).write_text(f"{dead.pid}\n", encoding="ascii")
    started = time.monotonic()
    done = cli("build", "--corpus", str(corpus), "--index", str(index), "--wait", "0")
    figures("stale lock", [], time.monotonic() - started)
    assert done.returncode == 0, done.stderr
    assert wait_for_generation(site["server"].base, "gen-000001") >= 0


@SLOW
def test_two_builds_at_once_one_waits_or_is_refused_naming_the_holder(site: dict[str, Any]) -> None:
    server, corpus, index, work = site["server"], site["corpus"], site["index"], site["work"]
    (corpus / "z-held.txt").write_text(f"# 暂停\n\n{HOLD_MARK}：第一个构建停在这里。\n", encoding="utf-8")
    first = Held(work, "build", "--corpus", str(corpus), "--index", str(index), "--procs", "1")
    with readers(server.base) as load:
        holder = first.wait()
        refused = cli("build", "--corpus", str(corpus), "--index", str(index), "--wait", "0")
        waiting = subprocess.Popen([str(harness.SEARCHER), "build", "--corpus", str(corpus), "--index", str(index),
                                    "--wait", str(DEADLINE)], cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        assert waiting.poll() is None, "a build with --wait must wait for the lock"
        code, output = first.finish()
        out, err = waiting.communicate(timeout=DEADLINE)
        samples = load.stop()
    figures("two builds at once", samples)
    assert code == 0, output
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    message = [line for line in refused.stderr.splitlines() if line.startswith("Error")]
    assert len(message) == 1 and f"pid {holder}" in message[0], refused.stderr
    assert waiting.returncode == 0, err
    assert [s.problem for s in samples if s.problem] == []
    assert serving_generation(server.base) == store.current_generation(index).name  # type: ignore[union-attr]


@SLOW
def test_an_unreadable_corpus_file_is_named_and_the_rest_indexed(site: dict[str, Any]) -> None:
    server, corpus, index = site["server"], site["corpus"], site["index"]
    bad = corpus / "unreadable.txt"
    if os.geteuid() == 0:  # root reads any file whatever its mode: a read that fails with EIO instead
        bad.symlink_to("/proc/self/mem")
    else:
        bad.write_text("嘉兴", encoding="utf-8")
        bad.chmod(0)
    write_jsonl(corpus / "more.jsonl", [{"id": "more", "title": "新增", "text": "海宁皮革城扩建。"}])
    with readers(server.base) as load:
        started = time.monotonic()
        done = cli("build", "--corpus", str(corpus), "--index", str(index))
        wait_for_generation(server.base, "gen-000001")
        recover = time.monotonic() - started  # the build, until the server serves what it built
        samples = load.stop()
    figures("unreadable corpus file", samples, recover)
    assert done.returncode == 2, done.stderr
    assert "skipped unreadable.txt: cannot read" in done.stderr and "Traceback" not in done.stderr
    assert harness.get_json(server.base, harness.search_path("皮革城"))["total"] == 1
    assert [s.problem for s in samples if s.problem] == []


# --- a damaged or missing generation ------------------------------------------------------------------------


def rebuild_hint(body: bytes) -> bool:
    """A 503 body in the one error shape whose message names the command that repairs the index."""
    error = json.loads(body)["error"]
    return "searcher build" in error["message"] and error["code"].startswith("index_")


def probe_until_recovered(server: Any, corpus: Path, index: Path) -> tuple[list[tuple[int, bytes]], float, str]:
    """Every API route while the index is broken, then `searcher build`; (answers, seconds to recover, output)."""
    seen = [harness.get(server.base, path)[::2] for path in
            ("/api/health", harness.search_path(STABLE), "/api/articles/solar", harness.search_path("嘉兴"))]
    started = time.monotonic()
    done = cli("build", "--corpus", str(corpus), "--index", str(index))
    while harness.get(server.base, "/api/health")[0] != 200 and time.monotonic() - started < DEADLINE:
        assert server.alive(), f"the server died: exit {server.process.returncode}"
        time.sleep(0.05)
    return seen, time.monotonic() - started, done.stdout + done.stderr


def test_a_truncated_segment_gives_503_naming_the_rebuild_then_recovers(site: dict[str, Any]) -> None:
    server, corpus, index = site["server"], site["corpus"], site["index"]
    segment = max((index / "gen-000001").glob("*.seg"), key=lambda p: p.stat().st_size)
    with open(segment, "r+b") as fh:
        fh.truncate(segment.stat().st_size // 3)
    with readers(server.base) as load:
        seen, recover, output = probe_until_recovered(server, corpus, index)
        after = answers(server.base)
        samples = load.stop()
    figures("truncated segment", samples, recover)
    assert server.alive(), f"the server died: exit {server.process.returncode}"
    assert all(status == 503 and rebuild_hint(body) for status, body in seen), seen
    assert all(s.status in (200, 503) for s in samples), sorted({s.status for s in samples})
    assert after == site["before"], output


def test_a_removed_generation_gives_503_naming_the_rebuild_then_recovers(site: dict[str, Any]) -> None:
    import shutil

    server, corpus, index = site["server"], site["corpus"], site["index"]
    shutil.rmtree(index / "gen-000001")
    with readers(server.base) as load:
        seen, recover, output = probe_until_recovered(server, corpus, index)
        after = answers(server.base)
        samples = load.stop()
    figures("removed generation", samples, recover)
    assert all(status == 503 and rebuild_hint(body) for status, body in seen), seen
    assert all(s.status in (200, 503) for s in samples), sorted({s.status for s in samples})
    assert after == site["before"], output


def test_a_removed_generations_name_is_never_reused(built: dict[str, Any]) -> None:
    """Else a server that read CURRENT before the removal serves the next build's half-written generation."""
    import shutil

    corpus, index = built["corpus"], built["index"]
    shutil.rmtree(index / "gen-000001")
    done = cli("build", "--corpus", str(corpus), "--index", str(index))
    assert done.returncode == 0, done.stderr
    assert "gen-000001" not in done.stdout and store.current_generation(index).name != "gen-000001"  # type: ignore[union-attr]


def test_the_cli_on_a_truncated_segment_names_the_rebuild(built: dict[str, Any]) -> None:
    index = built["index"]
    segment = max((index / "gen-000001").glob("*.seg"), key=lambda p: p.stat().st_size)
    with open(segment, "r+b") as fh:
        fh.truncate(segment.stat().st_size // 3)
    for args in (["stats"], ["search", STABLE]):
        done = cli(*args, "--index", str(index))
        assert done.returncode == 1 and "searcher build" in done.stderr and "Traceback" not in done.stderr, (
            args, done.stderr)


# --- a full disk --------------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB filesystem of its own (tmpfs, mounted by the test when it may)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def random_articles(count: int) -> list[dict[str, str]]:
    """Text whose every character pair is rare: an index far larger than the small disk."""
    import random

    rng = random.Random(12)
    return [{"id": f"r{i}", "title": f"随机{i}", "text": "\n".join(
        "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(80)) for _ in range(20))} for i in range(count)]


@SLOW
def test_a_full_disk_during_a_build_leaves_the_server_answering_and_nothing_to_clean(tmp_path: Path,
                                                                                      small_disk: Path) -> None:
    corpus, index = tmp_path / "corpus", small_disk / "index"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", ARTICLES)
    assert cli("build", "--corpus", str(corpus), "--index", str(index)).returncode == 0
    big = write_jsonl(corpus / "big.jsonl", random_articles(150))
    with harness.Server(index, corpus, tmp_path / "server.log", threads=4) as server, readers(server.base) as load:
        full = cli("build", "--corpus", str(corpus), "--index", str(index))
        left = sorted(p.name for p in index.iterdir() if p.is_dir())
        big.unlink()
        started = time.monotonic()
        fits = cli("build", "--corpus", str(corpus), "--index", str(index))
        recover = time.monotonic() - started
        samples = load.stop()
    figures("disk full during build", samples, recover)
    assert [s.problem for s in samples if s.problem] == []
    errors = [line for line in full.stderr.splitlines() if line.startswith("Error")]
    assert full.returncode == 1 and len(errors) == 1 and str(index) in errors[0], full.stderr
    assert "Traceback" not in full.stderr
    assert left == ["gen-000001"], "the failed build's partial generation was left taking space"
    assert fits.returncode == 0, fits.stderr
