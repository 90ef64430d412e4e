"""Load while changing, short: 16 locust users search the production server (`searcher serve`) for 8 seconds
while 20 articles are added and then the whole index is rebuilt. No request may fail, every answer must have the
documented shape (checked in the locust user), and the new articles must be found without a restart. The
60-second run with its figures is `make reliability` (docs/RELIABILITY.md); no timing is asserted here."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from reliability_harness import harness


def test_sixteen_readers_see_no_failure_while_articles_are_added_and_the_index_rebuilt(tmp_path: Path) -> None:
    report = harness.load_while_changing(seconds=8, clients=16, keep=tmp_path / "work")
    harness.print_report(report)  # shown with `pytest -s`
    assert harness.failures(report) == []
    figures = report["figures"]
    for window in ("searching alone", "during add", "during rebuild"):
        assert figures[window]["requests"] > 0, f"no search overlapped {window}: {json.dumps(figures)}"
    assert figures["all"]["5xx"] == 0 and figures["all"]["failed"] == 0
    add, rebuild = report["changes"]
    assert add["checks"]["articles"][1] == add["checks"]["articles"][0] + harness.NEW_ARTICLES
    assert rebuild["checks"]["articles"] == add["checks"]["articles"][1]
    # The windows are cut from the very requests locust counted, and locust saw no failure either.
    assert report["locust"]["requests"] == figures["all"]["requests"]
    assert report["locust"]["failures"] == 0


# --- the locust user's check, against a server that answers badly on purpose -------------------------------

HIT = {"id": "a#1", "rank": 1, "score": 1.0, "text": "嘉兴", "highlight": "<mark>嘉兴</mark>", "paragraph": 1,
       "heading": "", "article": {"id": "a", "title": "t", "byline": "", "source": "", "date": "", "file": "a.txt",
                                  "url": ""}}


def answer(query: str, **changes: Any) -> dict[str, Any]:
    """A well-formed search result for `query`, with `changes` applied (None removes a key)."""
    data = {"query": query, "total": 1, "page": 1, "size": 10, "took_ms": 1, "partial": False, "hits": [HIT]}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# query -> (status, content type, body) and the problem the harness must name for it
MALFORMED = {
    "缺少partial": ((200, "application/json", json.dumps(answer("缺少partial", partial=None))), "result keys"),
    "残缺命中": ((200, "application/json", json.dumps(answer("残缺命中", hits=[{**HIT, "article": {"id": "a"}}]))),
             "hit keys"),
    "网页": ((200, "text/html; charset=utf-8", "<p>嘉兴</p>"), "content type"),
    "半截": ((200, "application/json", json.dumps(answer("半截"))[:40]), "invalid JSON"),
    "出错": ((500, "application/json", '{"error": {"code": "internal", "message": "boom"}}'), "status 500"),
}


class Answers(BaseHTTPRequestHandler):
    """Answers /api/search from MALFORMED, and well formed for any other query; keep-alive like waitress."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
        status, kind, text = MALFORMED[query][0] if query in MALFORMED else (
            200, "application/json", json.dumps(answer(query)))
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def answers() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_every_malformed_answer_is_a_locust_failure_and_a_well_formed_one_is_not(answers: str) -> None:
    with harness.Load(answers, clients=2, queries=("嘉兴", *MALFORMED)) as load:
        while not load.now() > 1.0:
            time.sleep(0.05)
        samples = load.stop()
    problems = [s.problem for s in samples if s.problem]
    kinds = {kind for _, kind in MALFORMED.values()}
    named = [next((kind for kind in kinds if problem.startswith(kind)), problem) for problem in problems]
    assert set(named) == kinds, sorted(set(problems))  # each malformed answer caught, nothing else called a problem
    assert any(s.status == 200 and not s.problem for s in samples), "the well-formed answer must pass"
    assert sum(s.status == 500 for s in samples) == sum(p.startswith("status 500") for p in problems)
    assert load.locust["requests"] == len(samples) and load.locust["failures"] == len(problems)


def test_the_locustfile_runs_under_the_locust_command_and_fails_on_a_malformed_answer(answers: str,
                                                                                        tmp_path: Path) -> None:
    """The by-hand command of bench/locustfile.py: its readers send the harness's queries; one of them is answered
    without `partial`, and locust must count exactly that as its failure and exit 1."""
    MALFORMED[harness.QUERIES[0]] = ((200, "application/json", json.dumps(answer("x", partial=None))), "result keys")
    try:
        done = subprocess.run([str(Path(sys.executable).with_name("locust")), "-f", str(harness.LOCUSTFILE),
                               "--headless", "-u", "2", "-r", "2", "-t", "6s", "-H", answers, "--csv",
                               str(tmp_path / "run"), "--only-summary"], capture_output=True, text=True, timeout=120)
    finally:
        del MALFORMED[harness.QUERIES[0]]
    assert done.returncode == 1, done.stderr[-2000:]
    with open(tmp_path / "run_failures.csv", encoding="utf-8") as fh:
        failures = list(csv.DictReader(fh))
    assert ["result keys" in row["Error"] for row in failures] == [True], failures
    with open(tmp_path / "run_stats.csv", encoding="utf-8") as fh:
        total = next(row for row in csv.DictReader(fh) if row["Name"] == "Aggregated")
    assert int(total["Request Count"]) > int(total["Failure Count"]) > 0, total
