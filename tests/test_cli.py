"""The `searcher` command, driven through its console-script entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEED_CORPUS, write_jsonl

from searcher.cli import cli
from searcher.index.build import build_index
from searcher.search.engine import Engine

EXE = Path(sys.executable).with_name("searcher")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env, timeout=120)


def test_build_then_search_json_through_the_entry_point(corpus, tmp_path):
    index = tmp_path / "index"
    built = run("build", "--corpus", str(corpus), "--index", str(index))
    assert built.returncode == 0, built.stderr
    assert "indexed 4 articles, 8 paragraphs from 1 files" in built.stdout
    found = run("search", "光伏", "--index", str(index), "--json")
    data = json.loads(found.stdout)
    assert set(data) >= {"query", "total", "page", "size", "took_ms", "hits"}
    assert data["hits"][0]["article"]["id"] == "solar"
    assert "<mark>光伏</mark>" in data["hits"][0]["highlight"]


def test_readable_output_marks_words_and_cites(corpus, tmp_path):
    runner = CliRunner()
    index = tmp_path / "index"
    assert runner.invoke(cli, ["build", "--corpus", str(corpus), "--index", str(index)]).exit_code == 0
    out = runner.invoke(cli, ["search", "刘国梁", "--index", str(index)]).output
    assert "【刘国梁】" in out and "《南京长江大桥通车纪念》" in out and "第2段" in out


def test_environment_variables_set_the_defaults(corpus, tmp_path):
    env = {"SEARCHER_CORPUS": str(corpus), "SEARCHER_INDEX": str(tmp_path / "envindex"), "PATH": "/usr/bin:/bin"}
    assert run("build", env=env).returncode == 0
    assert json.loads(run("stats", "--json", env=env).stdout)["paragraphs"] == 8


def test_errors_are_one_line_without_traceback(tmp_path):
    result = run("search", "嘉兴", "--index", str(tmp_path / "none"))
    assert result.returncode == 1
    assert "searcher build" in result.stderr and "Traceback" not in result.stderr
    bad_page = run("search", "嘉兴", "--index", str(tmp_path / "none"), "--page", "x")
    assert bad_page.returncode == 2 and "Traceback" not in bad_page.stderr


def test_build_reports_skipped_files_by_path_and_exits_nonzero(corpus, tmp_path):
    (corpus / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (corpus / "empty.md").write_bytes(b"")
    result = run("build", "--corpus", str(corpus), "--index", str(tmp_path / "index"))
    assert result.returncode == 2
    assert "skipped broken.txt:" in result.stderr and "skipped empty.md:" in result.stderr
    assert "indexed 4 articles" in result.stdout


def test_add_and_remove(corpus, tmp_path):
    index = tmp_path / "index"
    run("build", "--corpus", str(corpus), "--index", str(index))
    new = write_jsonl(tmp_path / "new.jsonl", [{"id": "wz", "title": "乌镇", "text": "乌镇峰会开幕。"}])
    added = run("add", str(new), "--corpus", str(corpus), "--index", str(index))
    assert added.returncode == 0 and "article wz" in added.stdout
    assert json.loads(run("search", "乌镇峰会", "--index", str(index), "--json").stdout)["total"] == 1
    again = run("add", str(new), "--corpus", str(corpus), "--index", str(index))
    assert "1 unchanged files skipped" in again.stdout
    removed = run("remove", "wz", "--index", str(index))
    assert removed.returncode == 0 and "wz: 1 paragraphs removed" in removed.stdout
    assert json.loads(run("search", "乌镇峰会", "--index", str(index), "--json").stdout)["total"] == 0


def test_inspect_json_on_a_seed_page():
    result = run("inspect", str(SEED_CORPUS / "002_37e806985c17eaa5.txt"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["articles"]) == 6


def test_inspect_names_an_unreadable_file(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02\x03" * 64)
    result = run("inspect", str(bad))
    assert result.returncode == 1 and "bad.txt" in result.stderr and "Traceback" not in result.stderr


def test_add_without_corpus_goes_to_the_corpus_the_index_records(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "corpus").mkdir(parents=True)
    new = write_jsonl(tmp_path / "new.jsonl", [{"id": "wz", "title": "乌镇", "text": "乌镇峰会开幕。"}])
    env = {"PATH": "/usr/bin:/bin"}
    added = subprocess.run([str(EXE), "add", str(new), "--index", str(index)], capture_output=True, text=True,
                           cwd=elsewhere, env=env, timeout=120)
    assert added.returncode == 0, added.stderr
    assert "indexed" in added.stdout and "as added/new.jsonl" in added.stdout
    assert (corpus / "added" / "new.jsonl").is_file() and list((elsewhere / "corpus").iterdir()) == []
    # A later build from another directory, again without --corpus, rebuilds from that corpus and keeps it.
    rebuilt = subprocess.run([str(EXE), "build", "--index", str(index)], capture_output=True, text=True,
                             cwd=elsewhere, env=env, timeout=120)
    assert "indexed 5 articles" in rebuilt.stdout, rebuilt.stderr


def test_add_into_another_corpus_is_refused_naming_both(corpus, tmp_path):
    from test_store import another_corpus

    index, other, new = another_corpus(corpus, tmp_path)
    refused = run("add", str(new), "--corpus", str(other), "--index", str(index))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert str(corpus.resolve()) in refused.stderr and str(other) in refused.stderr
    assert list(other.iterdir()) == [] and not (corpus / "added").exists()


def test_add_reports_a_bad_file_by_path_and_does_not_copy_it(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    bad = tmp_path / "scan.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    result = run("add", str(bad), "--index", str(index))
    assert result.returncode == 2
    assert f"skipped {bad}:" in result.stderr
    assert not (corpus / "added").exists()


def test_a_damaged_index_is_one_clear_line_never_aborted(corpus, tmp_path):
    from test_store import truncate_segment

    index = tmp_path / "index"
    build_index(corpus, index)
    truncate_segment(index)
    for args in (["stats"], ["search", "光伏"], ["remove", "solar"]):
        result = run(*args, "--index", str(index))
        assert result.returncode == 1, (args, result.stderr)
        assert "Aborted" not in result.stderr and "Traceback" not in result.stderr
        assert f"searcher build --index {index}" in result.stderr
    assert run("build", "--index", str(index)).returncode == 0  # the recorded corpus: no --corpus needed
    assert json.loads(run("stats", "--json", "--index", str(index)).stdout)["articles"] == 4


def test_serve_on_a_damaged_index_starts_and_answers_503(corpus, tmp_path):
    import socket
    import time
    import urllib.error
    import urllib.request

    from test_store import truncate_segment

    index = tmp_path / "index"
    build_index(corpus, index)
    truncate_segment(index)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([str(EXE), "serve", "--index", str(index), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline, answer = time.monotonic() + 60, None
        while answer is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5)
            except urllib.error.HTTPError as exc:
                answer = (exc.code, json.loads(exc.read()))
            except OSError:
                time.sleep(0.2)
        assert answer is not None, "the server did not answer"
        assert answer[0] == 503 and answer[1]["error"]["code"] == "index_corrupt"
    finally:
        proc.terminate()
        stderr = proc.communicate(timeout=30)[1]
    assert "warning: the index in" in stderr and "searcher build --index" in stderr
    assert "Aborted" not in stderr and "Traceback" not in stderr


def test_search_json_is_what_the_api_returns(corpus, tmp_path):
    """`search --json` prints the /api/search answer, discovery keys included (took_ms aside)."""
    from web import create_app

    index = tmp_path / "index"
    build_index(corpus, index)
    for query in ("光伏", "佳兴 光伏", "不存在的词语"):
        printed = json.loads(run("search", query, "--index", str(index), "--json").stdout)
        app = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus), "TESTING": True})
        served = app.test_client().get("/api/search", query_string={"q": query}).get_json()
        for answer in (printed, served):
            answer.pop("took_ms")
        assert {"suggestion", "corrected", "date_filter", "folded"} <= printed.keys()
        assert printed.keys() == served.keys()
        assert printed["hits"] == served["hits"] and printed["total"] == served["total"]


def _children(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux: /proc/PID/task/PID/children)."""
    from conftest import alive

    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(child) for child in listed if alive(int(child))]


def _cpu_ticks(pid: int) -> int:
    """The CPU time a process has used (user + system, in clock ticks: /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _reads(pid: int, folder: Path) -> bool:
    """Whether process `pid` holds a file under `folder` open."""
    import os

    fds = Path(f"/proc/{pid}/fd")
    return any(os.readlink(fds / fd).startswith(str(folder)) for fd in os.listdir(fds))


def _serving(port: int, query: str, deadline: float) -> dict:
    import time
    import urllib.parse
    import urllib.request

    url = f"http://127.0.0.1:{port}/api/search?" + urllib.parse.urlencode({"q": query})
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_serve_with_several_workers_answers_and_leaves_no_process_behind(corpus, tmp_path, stop):
    """`serve --workers 2`: two processes answer on one port, each with its own engine; stopping the server
    (SIGTERM), or killing it outright, leaves none of them running."""
    import signal
    import socket
    import time

    from conftest import alive

    index = tmp_path / "index"
    build_index(corpus, index)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([str(EXE), "serve", "--index", str(index), "--port", str(port), "--workers", "2",
                             "--threads", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        answers = [_serving(port, "光伏", deadline) for _ in range(12)]
        expected = Engine(index).search("光伏").total
        assert expected > 0 and {a["total"] for a in answers} == {expected}
        assert all("<mark>光伏</mark>" in a["hits"][0]["highlight"] for a in answers)
        assert _serving(port, "不存在的词语", deadline)["total"] == 0
        workers = _children(proc.pid)
        assert len(workers) == 2
        assert all(_reads(worker, index) for worker in workers)  # each opened the index itself, at its start
        assert not _reads(proc.pid, index)  # (they inherited no open file of it)
        busy = {worker: _cpu_ticks(worker) for worker in workers}
        for _ in range(30):  # each on a new connection: the kernel spreads them over the workers' sockets
            assert _serving(port, "光伏", deadline)["total"] == expected
        assert all(_cpu_ticks(worker) > busy[worker] for worker in workers)
        proc.send_signal(getattr(signal, stop))
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(w) for w in workers)
    finally:
        proc.kill()
        out, err = proc.communicate(timeout=30)
    assert "with 2 processes × 2 threads" in out
    assert "Traceback" not in err


def test_serve_refuses_no_workers(tmp_path):
    result = run("serve", "--index", str(tmp_path / "index"), "--workers", "0")
    assert result.returncode == 2 and "--workers" in result.stderr
