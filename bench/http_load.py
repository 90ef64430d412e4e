"""`searcher serve` under load: time to the first answer after start, then wrk against /api/search.

The server runs as its own process on loopback; its peak memory is the kernel's high-water mark (VmHWM) of that
process. wrk cycles through the keyword queries (top 10 with highlights), 16 connections, for a bounded time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def search_path(query: str) -> str:
    return "/api/search?" + urlencode({"q": query, "size": 10})


def wait_first_answer(base: str, query: str, started: float, limit: float = 120.0) -> float:
    """Seconds from `started` until /api/search answers 200 with JSON."""
    while time.perf_counter() - started < limit:
        try:
            with urllib.request.urlopen(base + search_path(query), timeout=30) as resp:
                if resp.status == 200 and "hits" in json.loads(resp.read()):
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.02)
    raise TimeoutError(f"no answer from {base} within {limit:.0f} s")


def memory_mb(pid: int) -> dict[str, float]:
    """The current and peak resident memory of the process and its children (a server's worker processes), from
    /proc: the sum of each one's, pages they share counted in each."""
    total = {"VmRSS": 0.0, "VmHWM": 0.0}
    for each in [pid, *children(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except FileNotFoundError:
            continue
        for key in total:
            total[key] += int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1)) / 1024  # type: ignore[union-attr]
    return total


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict:
    """Requests/s, latency percentiles, errors from `wrk --latency` output."""
    out: dict = {"requests_per_s": float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))}  # type: ignore
    out["requests"] = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M):
        out[f"p{pct}_ms"] = round(to_ms(value), 2)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    out["non_2xx"] = int(non2xx.group(1)) if non2xx else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    out["socket_errors"] = sum(map(int, socket_errors.groups())) if socket_errors else 0
    return out


def run_wrk(base: str, queries: list[str], seconds: int, connections: int) -> dict:
    paths = ", ".join(json.dumps(search_path(q)) for q in queries)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % paths)
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency", "-s", script.name, base]
    output = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    Path(script.name).unlink()
    return parse_wrk(output) | {"connections": connections, "seconds": seconds}


def measure(searcher_bin: str, index: Path, corpus: Path, queries: list[str], seconds: int = 20,
            connections: int = 16, threads: int = 8, warmup: int = 0, env: dict[str, str] | None = None,
            workers: int = 1) -> dict:
    """First answer after start, then wrk; `searcher serve --threads THREADS --workers WORKERS` on a free loopback
    port (memory: the server's processes together). With
    `warmup` seconds, an unmeasured wrk run first, so that the measured one sees every thread warm. `env` adds to
    the server's environment (SEARCHER_BACKEND=opensearch and its cluster, for the OpenSearch backend)."""
    if shutil.which("wrk") is None:
        return {"error": "wrk not installed (apt-get install wrk)"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = subprocess.Popen([searcher_bin, "serve", "--index", str(index), "--corpus", str(corpus),
                               "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads),
                               "--workers", str(workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    try:
        first = wait_first_answer(base, queries[0], started)
        result: dict = {"threads": threads, "workers": workers, "first_answer_s": round(first, 3)}
        result["rss_after_first_mb"] = round(memory_mb(server.pid)["VmRSS"], 1)
        if warmup > 0:
            run_wrk(base, queries, warmup, connections)
            result["warmup_s"] = warmup
        result.update(run_wrk(base, queries, seconds, connections))
        mem = memory_mb(server.pid)
        result.update(rss_end_mb=round(mem["VmRSS"], 1), rss_peak_mb=round(mem["VmHWM"], 1))
        return result
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
