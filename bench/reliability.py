"""Load while changing: the production server answers 16 readers without a failure while articles are added and
the whole index is rebuilt under it.

    .venv/bin/python bench/reliability.py [--seconds 60] [--clients 16] [--threads 8] [--json FILE]
    .venv/bin/python bench/reliability.py --slow 4 [--seconds 30]     # readers beside expensive queries

Copies the bundled corpus to a temporary directory, builds an index with `searcher build`, starts `searcher serve`
(waitress) on a free 127.0.0.1 port and runs `--clients` locust users (bench/locustfile.py, headless, in a process
of its own, bounded in time), each on one keep-alive connection sending searches from a fixed list for
`--seconds`. Meanwhile it runs (a) `searcher add` of 20 generated articles, then checks each is found over HTTP
without a restart, and (b) a full `searcher build`, then checks the server moved to the new generation and still
finds them. Every response is checked inside the locust user: status 200, JSON, the documented shape; one that is
not is a locust failure.

Prints requests/s, p50 and p99 for searching alone and during each change (locust reports each request with its
start, so the harness places it in the window of the change it overlapped), the failures (there must be none),
locust's own totals and the machine's load average; `--json` writes the same figures.
tests/test_reliability_load.py runs a short version in `make test`; `make reliability` runs this full one
(docs/RELIABILITY.md has the figures).

The module is also the harness the fault scenarios use (tests/test_reliability_faults.py): `Server`, `Load`,
`search_problem`. It imports nothing outside the standard library; locust runs only in the child process.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
SEARCHER = Path(sys.executable).with_name("searcher")  # the installed entry point, as an operator runs it
LOCUSTFILE = Path(__file__).resolve().with_name("locustfile.py")  # the readers: locust users, in their own process
# Words, phrases, operators and a question from the bundled pages: what readers of that archive would type.
QUERIES = [
    "嘉兴", "高新区", "光伏", "嘉兴 高新区", '"产城融合"', "马拉松", "桐乡 马拉松", "空港新城 OR 临空经济",
    "发展 -农业", "title:马拉松", "嘉兴高新区汇聚了多少家光伏企业？", "南湖", "创新", "长三角", "记者",
    "数字经济", "date:2024", "企业", "乡村振兴", "科技",
]
NEW_ARTICLES = 20
RESULT_KEYS = {"query", "total", "page", "size", "took_ms", "partial", "hits"}
HIT_KEYS = {"id", "rank", "score", "text", "highlight", "paragraph", "heading", "article"}
ARTICLE_KEYS = {"id", "title", "byline", "source", "date", "file", "url"}
CLIENT_TIMEOUT = 60.0  # seconds; a request slower than this counts as failed


# --- responses ----------------------------------------------------------------------------------------------


def search_problem(status: int, content_type: str, body: bytes) -> str:
    """What is wrong with a /api/search answer, or "" when it is a 200 with exactly the documented shape."""
    if status != 200:
        return f"status {status}: {body[:120]!r}"
    if not content_type.startswith("application/json"):
        return f"content type {content_type!r}"
    try:
        data = json.loads(body)
    except ValueError as exc:
        return f"invalid JSON: {exc}"
    if not isinstance(data, dict) or not RESULT_KEYS <= set(data):
        return f"result keys {sorted(data) if isinstance(data, dict) else type(data).__name__}"
    if not isinstance(data["hits"], list) or not isinstance(data["total"], int) or data["total"] < len(data["hits"]):
        return "hits/total"
    for hit in data["hits"]:
        if not isinstance(hit, dict) or not HIT_KEYS <= set(hit) or not ARTICLE_KEYS <= set(hit["article"]):
            return f"hit keys {sorted(hit) if isinstance(hit, dict) else hit!r}"
        if not hit["text"] or hit["paragraph"] < 1:
            return "empty hit"
    return ""


def get(base: str, path: str, timeout: float = CLIENT_TIMEOUT) -> tuple[int, str, bytes]:
    """One GET on a fresh connection: (status, content type, body); status 0 when the connection failed."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    except (OSError, http.client.HTTPException) as exc:
        return 0, "", f"{type(exc).__name__}: {exc}".encode()
    finally:
        conn.close()


def get_json(base: str, path: str) -> Any:
    status, _, body = get(base, path)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
    return json.loads(body)


def search_path(query: str, **params: Any) -> str:
    return "/api/search?" + urlencode({"q": query, **params}, quote_via=quote)


# --- the server ---------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User plus system CPU a live process has used (Linux /proc): on a shared machine, what a request cost the
    server and what the load cost its generator, whatever else was running; 0.0 once the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`searcher serve` in its own process group on 127.0.0.1; its output goes to `log`."""

    def __init__(self, index: Path, corpus: Path, log: Path, threads: int = 8, env: dict[str, str] | None = None,
                 command: Sequence[str] | None = None) -> None:
        self.index, self.corpus, self.log, self.threads = index, corpus, log, threads
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.command = list(command or [str(SEARCHER)])  # a test may start a patched entry point instead
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        self.port = free_port()
        args = [*self.command, "serve", "--index", str(self.index), "--corpus", str(self.corpus),
                "--host", "127.0.0.1", "--port", str(self.port), "--threads", str(self.threads)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while get(self.base, "/api/openapi.json", timeout=2)[0] != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid) if self.process is not None else 0.0

    def kill(self) -> None:
        """kill -9, as the OOM killer or a power cut would."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)  # type: ignore[union-attr]
            self.process.wait(10)  # type: ignore[union-attr]

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)  # type: ignore[union-attr]
            try:
                self.process.wait(10)  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Server:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- the readers --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    start: float  # seconds since the load began
    seconds: float
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    problem: str  # "" for a well-formed answer


@dataclass
class Load:
    """`clients` locust users (bench/locustfile.py), each on one keep-alive connection, searching `queries`
    round-robin until stopped. Locust runs in a process of its own: gevent's monkey-patching stays out of this
    one, and the load's CPU is not taken from the harness's threads. `start` returns once every user runs;
    `stop` returns every request with its start on this load's clock (`now`), its status and what was wrong."""

    base: str
    clients: int = 16
    queries: Sequence[str] = tuple(QUERIES)
    max_seconds: float = 900.0  # a bound on the locust process, whatever happens to this one
    samples: list[Sample] = field(default_factory=list)
    locust: dict[str, Any] = field(default_factory=dict)  # locust's own totals, its version and CPU seconds
    began: float = 0.0
    _cpu_at_start: float = 0.0
    _folder: Path | None = None
    _process: subprocess.Popen[bytes] | None = None

    def now(self) -> float:
        return time.monotonic() - self.began

    def start(self, timeout: float = 60.0) -> Load:
        if not self.base.startswith("http://127.0.0.1:"):
            raise ValueError(f"load on loopback only, not {self.base}")
        self._folder = Path(tempfile.mkdtemp(prefix="searcher-locust-"))
        config = self._folder / "config.json"
        config.write_text(json.dumps({
            "host": self.base, "users": self.clients, "queries": list(self.queries), "max_seconds": self.max_seconds,
            "ready": str(self._folder / "ready.json"), "out": str(self._folder / "out.json")}, ensure_ascii=False),
            encoding="utf-8")
        with open(self._folder / "locust.log", "wb") as log:
            self._process = subprocess.Popen([sys.executable, str(LOCUSTFILE), str(config)], cwd=ROOT, stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        self.began = self._wait_for("ready.json", timeout)["began"]
        self._cpu_at_start = cpu_seconds(self._process.pid)
        return self

    def stop(self, timeout: float = CLIENT_TIMEOUT + 30) -> list[Sample]:
        """SIGTERM to locust, which lets each user finish its request and writes what it measured."""
        if self._process is None:
            return list(self.samples)
        cpu = cpu_seconds(self._process.pid) - self._cpu_at_start
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
        out = self._wait_for("out.json", timeout)
        self._process.wait(timeout)
        self._process = None
        self.samples = [Sample(start - self.began, seconds, status, problem)
                        for start, seconds, status, problem in out["samples"]]
        self.locust = {**out["locust"], "cpu_s": round(max(cpu, 0.0), 2)}
        shutil.rmtree(self._folder, ignore_errors=True)  # type: ignore[arg-type]
        return list(self.samples)

    def _wait_for(self, name: str, timeout: float) -> dict[str, Any]:
        """The JSON file locust writes at `name`; the locust log when it dies or takes longer than `timeout`."""
        assert self._folder is not None and self._process is not None
        path, deadline = self._folder / name, time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() > deadline or (self._process.poll() is not None and not path.exists()):
                self._process.kill()
                self._process.wait()
                log = (self._folder / "locust.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"locust ({LOCUSTFILE.name}) gave no {name}: exit {self._process.returncode}\n{log}")
            time.sleep(0.02)
        return json.loads(path.read_text(encoding="utf-8"))

    def __enter__(self) -> Load:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def summarize(samples: Sequence[Sample], seconds: float) -> dict[str, Any]:
    """Requests, requests/s over `seconds`, p50/p99 latency (ms), failures, 5xx, and the first few problems."""
    latencies = [s.seconds for s in samples]
    failed = [s for s in samples if s.problem]
    return {
        "requests": len(samples), "seconds": round(seconds, 2),
        "requests_per_s": round(len(samples) / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1), "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else 0.0,
        "failed": len(failed), "5xx": sum(1 for s in samples if s.status >= 500),
        "problems": sorted({s.problem for s in failed})[:5],
    }


def by_window(samples: Sequence[Sample], windows: dict[str, tuple[float, float]], end: float) -> dict[str, Any]:
    """Figures for requests started inside each change's window, and for the rest ("searching alone")."""
    out: dict[str, Any] = {}
    inside: set[int] = set()
    for name, (lo, hi) in windows.items():
        chosen = [i for i, s in enumerate(samples) if lo <= s.start < hi]
        inside.update(chosen)
        out[f"during {name}"] = summarize([samples[i] for i in chosen], hi - lo)
    alone = [s for i, s in enumerate(samples) if i not in inside]
    out["searching alone"] = summarize(alone, end - sum(hi - lo for lo, hi in windows.values()))
    out["all"] = summarize(samples, end)
    return out


# --- the changes --------------------------------------------------------------------------------------------


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SEARCHER), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def write_new_articles(folder: Path, count: int = NEW_ARTICLES) -> list[str]:
    """`count` small news pages as .txt files, each holding one phrase found nowhere else; returns the phrases."""
    folder.mkdir(parents=True, exist_ok=True)
    phrases = []
    for n in range(1, count + 1):
        phrase = f"可靠性测试观测站{n:02d}号"
        phrases.append(phrase)
        (folder / f"new-{n:02d}.txt").write_text(
            f"# 海盐县新建{phrase}\n\n► 本报记者 测试员\n\n"
            f"海盐县今天启用{phrase}，用于监测杭州湾的潮位和水质。\n\n"
            f"据了解，{phrase}每十分钟上报一次数据，全年不间断运行。\n", encoding="utf-8")
    return phrases


def visible(base: str, phrases: Sequence[str]) -> list[str]:
    """The phrases a search over HTTP does not find (each must be found, in a paragraph that holds it)."""
    missing = []
    for phrase in phrases:
        data = get_json(base, search_path(f'"{phrase}"'))
        if not any(phrase in hit["text"] for hit in data["hits"]):
            missing.append(phrase)
    return missing


@dataclass
class Change:
    name: str
    start: float = 0.0
    end: float = 0.0
    returncode: int | None = None
    output: str = ""
    checks: dict[str, Any] = field(default_factory=dict)


def timed_cli(load: Load, name: str, *args: str) -> Change:
    change = Change(name, start=load.now())
    done = run_cli(*args)
    change.end, change.returncode = load.now(), done.returncode
    change.output = (done.stdout + done.stderr)[-1500:]
    return change


def add_then_rebuild(load: Load, work: Path, corpus: Path, index: Path, seconds: float) -> list[Change]:
    """At 30 % of the time `searcher add` the new pages, then at 55 % (or when the add is done) rebuild."""
    phrases = write_new_articles(work / "new")
    wait_until(load, seconds * 0.3)
    before = get_json(load.base, "/api/health")
    add = timed_cli(load, "add", "add", "--index", str(index), "--corpus", str(corpus), *map(str, sorted(
        (work / "new").glob("*.txt"))))
    add.checks = {"missing_after_add": visible(load.base, phrases),
                  "articles": [before["articles"], get_json(load.base, "/api/health")["articles"]]}
    wait_until(load, seconds * 0.55)
    build = timed_cli(load, "rebuild", "build", "--corpus", str(corpus), "--index", str(index))
    after = get_json(load.base, "/api/health")
    build.checks = {"missing_after_rebuild": visible(load.base, phrases),
                    "generation": [before["generation"], after["generation"]], "articles": after["articles"]}
    return [add, build]


def wait_until(load: Load, moment: float) -> None:
    while load.now() < moment:
        time.sleep(0.05)


# --- the scenario -------------------------------------------------------------------------------------------


@contextmanager
def workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    path = Path(tempfile.mkdtemp(prefix="searcher-reliability-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def prepare(work: Path) -> tuple[Path, Path]:
    """A copy of the bundled corpus and an index built from it with the CLI."""
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    done = run_cli("build", "--corpus", str(corpus), "--index", str(index))
    if done.returncode != 0:
        raise RuntimeError(f"build failed: {done.stderr[-2000:]}")
    return corpus, index


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages: the figures mean little without what else was running."""
    return [round(x, 2) for x in os.getloadavg()]


def load_while_changing(seconds: float = 60.0, clients: int = 16, threads: int = 8,
                        keep: Path | None = None) -> dict[str, Any]:
    """The whole scenario; returns its figures (see `by_window`), what each change checked, locust's totals."""
    with workdir(keep) as work:
        corpus, index = prepare(work)
        before = load_average()
        with Server(index, corpus, work / "server.log", threads=threads) as server, Load(
                server.base, clients, max_seconds=seconds + 900) as load:
            server_cpu = server.cpu()
            changes = add_then_rebuild(load, work, corpus, index, seconds)
            wait_until(load, seconds)
            end, server_cpu = load.now(), server.cpu() - server_cpu
            samples = load.stop()
            server_alive = server.alive()
        windows = {c.name: (c.start, c.end) for c in changes}
        return {"seconds": seconds, "clients": clients, "threads": threads, "server_alive": server_alive,
                "figures": by_window(samples, windows, end), "changes": [asdict(c) for c in changes],
                "locust": load.locust, "load_average": {"before": before, "after": load_average()},
                "server_cpu_s": round(server_cpu, 2)}


def slow_queries(seconds: float = 60.0, clients: int = 16, slow: int = 4, threads: int = 8,
                 query: str = "嘉兴" * 40, keep: Path | None = None) -> dict[str, Any]:
    """`slow` clients send one expensive query (issue 12 item 1) over and over while `clients` readers search:
    how much do the readers suffer? Measures the server's thread sizing; nothing here is a pass/fail promise."""
    with workdir(keep) as work:
        corpus, index = prepare(work)
        before = load_average()
        with Server(index, corpus, work / "server.log", threads=threads) as server:
            with Load(server.base, clients, max_seconds=seconds + 900) as readers, Load(
                    server.base, slow, queries=(query,), max_seconds=seconds + 900) as heavy:
                server_cpu = server.cpu()
                wait_until(readers, seconds)
                end, server_cpu = readers.now(), server.cpu() - server_cpu
                normal, expensive = readers.stop(), heavy.stop()
            server_alive = server.alive()
        return {"seconds": seconds, "clients": clients, "threads": threads, "server_alive": server_alive,
                "figures": {"readers": summarize(normal, end), f"{slow} x {query[:6]}…({len(query)})":
                            summarize(expensive, end)}, "changes": [], "locust": readers.locust,
                "load_average": {"before": before, "after": load_average()}, "server_cpu_s": round(server_cpu, 2)}


def failures(report: dict[str, Any]) -> list[str]:
    """Everything the scenario promises that did not hold."""
    out = [] if report["server_alive"] else ["the server died"]
    everything = report["figures"]["all"]
    if everything["failed"]:
        out.append(f"{everything['failed']} failed requests: {everything['problems']}")
    for change in report["changes"]:
        if change["returncode"] != 0:
            out.append(f"{change['name']} exited {change['returncode']}: {change['output']}")
        for key in ("missing_after_add", "missing_after_rebuild"):
            if change["checks"].get(key):
                out.append(f"{key}: {change['checks'][key]}")
    build = report["changes"][-1]["checks"]
    if build["generation"][0] == build["generation"][1]:
        out.append(f"the server still serves {build['generation'][0]} after the rebuild")
    return out


def print_report(report: dict[str, Any]) -> None:
    locust = report.get("locust", {})
    print(f"{report['clients']} locust {locust.get('version', '?')} users on loopback, {report['seconds']:.0f} s, "
          f"server threads {report['threads']}, {os.cpu_count()} cores, load average (1, 5, 15 min) before "
          f"{report['load_average']['before']}, after {report['load_average']['after']}")
    print(f"{'window':<20}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}{'5xx':>5}")
    for name, f in report["figures"].items():
        print(f"{name:<20}{f['requests']:>9}{f['requests_per_s']:>8}{f['p50_ms']:>9}{f['p99_ms']:>9}"
              f"{f['failed']:>8}{f['5xx']:>5}")
    for change in report["changes"]:
        print(f"{change['name']}: {change['end'] - change['start']:.1f} s, exit {change['returncode']}, "
              f"{change['checks']}")
    if locust:
        print(f"locust's own count: {locust['requests']} requests, {locust['failures']} failures, p50 "
              f"{locust['p50_ms']} ms, p99 {locust['p99_ms']} ms" + (", its CPU over 90 %" * locust["cpu_warning"]))
        requests = sum(f["requests"] for name, f in report["figures"].items() if name != "all")
        print(f"CPU: server {report['server_cpu_s']} s ({1000 * report['server_cpu_s'] / max(requests, 1):.1f} ms a "
              f"request), locust {locust['cpu_s']} s (readers only)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8, help="server threads (searcher serve --threads)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (logs, index)")
    parser.add_argument("--slow", type=int, default=0, metavar="N",
                        help="instead: N clients send an expensive query while --clients readers search")
    args = parser.parse_args(argv)
    if args.slow:
        report = slow_queries(args.seconds, args.clients, args.slow, args.threads, keep=args.keep)
        report["failures"] = [] if report["server_alive"] else ["the server died"]
    else:
        report = load_while_changing(args.seconds, args.clients, args.threads, args.keep)
        report["failures"] = failures(report)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    for failure in report["failures"]:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
