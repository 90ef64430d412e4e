"""The readers of the reliability scenarios as locust users: each searches /api/search with a fixed list of
queries, one keep-alive connection, no pause between requests, and every answer is checked for the documented
shape — a response that is not a 200 with the search keys (query, total, page, size, took_ms, partial, hits) and
well-formed hits is a locust failure.

    .venv/bin/python bench/locustfile.py CONFIG.json     # what bench/reliability.py's `Load` runs, in its own process
    .venv/bin/locust -f bench/locustfile.py --headless -u 16 -r 16 -t 60s -H http://127.0.0.1:PORT   # by hand

Run by `Load` it is locust as a library (one local runner, headless) in a process of its own, so gevent's
monkey-patching never reaches the harness or pytest. CONFIG names the host, the users, the queries and where to
write: `ready` (a JSON file, written once every user runs, with the monotonic clock at that moment) and `out`
(written after SIGTERM: one [start, seconds, status, problem] per request, start on the monotonic clock, which
every process on the machine shares, so the harness can place each request in the window of a change), plus
locust's own totals. It stops by itself after `max_seconds`, or when the process that started it is gone.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from gevent import signal_handler, sleep
from gevent.event import Event
from locust import FastHttpUser, __version__, constant, task
from locust.env import Environment
from locust.log import setup_logging
from reliability import CLIENT_TIMEOUT, QUERIES, search_path, search_problem  # after locust's monkey-patching


class Reader(FastHttpUser):
    """One reader: the queries round-robin from its own offset, so 16 readers do not send the same one at once."""

    wait_time = constant(0)
    queries: tuple[str, ...] = tuple(QUERIES)
    network_timeout = connection_timeout = CLIENT_TIMEOUT
    _numbers = itertools.count()

    def on_start(self) -> None:
        self.turn = next(self._numbers)

    @task
    def search(self) -> None:
        query = self.queries[self.turn % len(self.queries)]
        self.turn += 1
        with self.client.get(search_path(query, size=10), name="/api/search",
                             catch_response=True) as response:
            problem = answer_problem(response)
            if problem:
                response.failure(problem)
            else:
                response.success()
        if response.status_code == 0:
            sleep(0.05)  # a server that is down is not hammered in a tight loop


def answer_problem(response: Any) -> str:
    """What is wrong with one answer ("" when it is well formed); no HTTP answer at all names the error."""
    if response.status_code == 0:
        error = getattr(response, "error", None)
        return f"{type(error).__name__}: {error}" if error else "no answer"
    headers = response.headers or {}
    return search_problem(response.status_code, headers.get("Content-Type", ""), response.content or b"")


def record(samples: list[list[Any]], offset: float):
    """A request-event listener keeping [start, seconds, status, problem] per request (start: monotonic clock)."""

    def on_request(response_time: float, response: Any, exception: Exception | None, start_time: float,
                   **_: Any) -> None:
        status = getattr(response, "status_code", 0) or 0
        samples.append([start_time + offset, response_time / 1000, status, str(exception) if exception else ""])

    return on_request


def totals(environment: Environment) -> dict[str, Any]:
    """Locust's own count of the run, to set beside the harness's figures."""
    total = environment.stats.total
    runner = environment.runner
    return {"version": __version__, "requests": total.num_requests,
            "failures": total.num_failures, "p50_ms": total.get_response_time_percentile(0.5),
            "p99_ms": total.get_response_time_percentile(0.99),
            "cpu_warning": bool(runner and runner.cpu_warning_emitted)}


def run(config: dict[str, Any]) -> None:
    """Spawn the users, tell the harness they run, search until SIGTERM (or the bounds), then write the samples."""
    Reader.queries = tuple(config.get("queries") or Reader.queries)
    environment = Environment(user_classes=[Reader], host=config["host"], stop_timeout=Reader.network_timeout + 5)
    samples: list[list[Any]] = []
    environment.events.request.add_listener(record(samples, time.monotonic() - time.time()))
    runner = environment.create_local_runner()
    stop = Event()
    signal_handler(signal.SIGTERM, stop.set)
    users = int(config["users"])
    runner.start(users, spawn_rate=min(100, users * 10))
    while runner.user_count < users:
        sleep(0.01)
    write(Path(config["ready"]), {"began": time.monotonic()})
    parent, deadline = os.getppid(), time.monotonic() + float(config.get("max_seconds", 900))
    while not stop.wait(0.5) and os.getppid() == parent and time.monotonic() < deadline:
        pass
    runner.quit()
    write(Path(config["out"]), {"samples": samples, "locust": totals(environment)})


def write(path: Path, data: dict[str, Any]) -> None:
    """Whole or not at all: the harness polls for these files."""
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    part.replace(path)


if __name__ == "__main__":
    setup_logging("WARNING")
    run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
