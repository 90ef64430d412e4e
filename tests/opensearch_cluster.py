"""Real OpenSearch nodes for the tests: built by Maven from `cluster/` (Maven Central artifacts only), one JVM per
node, on loopback ports, killed at the end.

`start_cluster(nodes=2, tmp_path=...)` builds the launcher when its jar is missing or older than its sources,
starts the node JVMs, waits until the cluster is yellow or green with every node joined, and returns a `Cluster`
whose `stop()` kills them. Each node's output goes to `<home>/node.log`; a node that dies or a cluster that never
gets healthy raises with the end of that log.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "cluster"
JAR = LAUNCHER / "target" / "opensearch-launcher.jar"
HEAP = "512m"
START_TIMEOUT = 180.0
# A log line that states a failure: a Java exception or its cause (not a stack frame, which starts with a tab), or a
# line the node logged at ERROR or above.
_EXCEPTION_LINE = re.compile(r"Caused by: |[\w.$]*(Exception|Error)\b|\[[\d:,]+\]\[(ERROR|FATAL)")


def java() -> str | None:
    """The java binary: $JAVA_HOME's when set, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def launcher_stale() -> bool:
    """True when the jar is missing or older than the pom or any launcher source."""
    if not JAR.is_file():
        return True
    built = JAR.stat().st_mtime
    sources = [LAUNCHER / "pom.xml", *(p for p in (LAUNCHER / "src").rglob("*") if p.is_file())]
    return any(p.stat().st_mtime > built for p in sources)


def tools_missing() -> str | None:
    """Why a cluster cannot be started here (no Java, or no Maven to build a missing launcher), else None."""
    if java() is None:
        return "no java on PATH or in JAVA_HOME: the OpenSearch launcher needs a JDK 17"
    if launcher_stale() and shutil.which("mvn") is None:
        return "no mvn on PATH: the OpenSearch launcher (cluster/pom.xml) is built with Maven"
    return None


def build_launcher() -> None:
    """`mvn -q -B package` in cluster/ unless the jar is up to date (artifacts cached in ~/.m2 after the first)."""
    if not launcher_stale():
        return
    result = subprocess.run(["mvn", "-q", "-B", "package"], cwd=LAUNCHER, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"building the OpenSearch launcher failed:\n{result.stdout[-4000:]}{result.stderr[-4000:]}")
    JAR.touch()  # Maven leaves an unchanged jar's time alone; the sources' times are what staleness compares


def free_ports(count: int) -> list[int]:
    """Distinct loopback ports free right now (held open together, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _die_with_parent() -> None:
    """In the child before exec: the kernel kills the node if the test process dies without cleaning up."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Node:
    name: str
    http_port: int
    transport_port: int
    home: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def log(self) -> Path:
        return self.home / "node.log"

    def start(self, seed_ports: list[int], heap: str = HEAP) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        command = [
            java() or "java", f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-Djava.net.preferIPv4Stack=true",
            "-jar", str(JAR), "--name", self.name, "--home", str(self.home),
            "--http-port", str(self.http_port), "--transport-port", str(self.transport_port),
            "--seed-ports", ",".join(map(str, seed_ports)),
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            preexec_fn=_die_with_parent)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crashed machine would: no clean shutdown, no goodbye to the cluster."""
        if self.alive():
            assert self.process is not None
            self.process.kill()
            self.process.wait(timeout=30)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:] if self.log.exists() else ""

    def failure(self) -> str:
        """Why the node stopped: its exception lines first, then the log's tail.

        A start-up failure's cause ("Caused by: ... Address already in use") sits above a stack trace that other
        threads' log lines interleave with, so a tail alone may cut it off.
        """
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        causes = [line for line in text.splitlines() if _EXCEPTION_LINE.match(line)]
        return "\n".join([*causes[-10:], "--- log tail", text[-3000:]])


@dataclass
class Cluster:
    nodes: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The first node's HTTP address: it is the cluster manager, and survives the fail-over test."""
        return self.nodes[0].url

    def health(self, wait_for_nodes: int | None = None, status: str = "yellow", timeout: str = "1s") -> dict:
        """GET _cluster/health, waiting up to `timeout` on the server for `status` and `wait_for_nodes` nodes."""
        query = f"wait_for_status={status}&timeout={timeout}"
        if wait_for_nodes is not None:
            query += f"&wait_for_nodes={wait_for_nodes}"
        try:
            with urllib.request.urlopen(f"{self.url}/_cluster/health?{query}", timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:  # 408: not there yet; the body still holds the health
            return json.load(error)

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> dict:
        """Block until every node has joined and the cluster is at least yellow; raise with the logs otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            dead = [node for node in self.nodes if not node.alive()]
            if dead:
                raise RuntimeError(f"OpenSearch node {dead[0].name} exited:\n{dead[0].failure()}")
            try:
                health = self.health(wait_for_nodes=len(self.nodes), timeout="2s")
                if not health.get("timed_out") and health.get("status") in ("yellow", "green"):
                    return health
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {n.name}\n{n.log_tail()}" for n in self.nodes)
                raise RuntimeError(f"OpenSearch cluster not healthy after {timeout:.0f} s:\n{logs}")

    def client(self, **options: Any) -> Any:
        """An opensearch-py client on the first node. No client-side retries: a failed request must show."""
        from opensearchpy import OpenSearch

        options = {"max_retries": 0, "retry_on_timeout": False, "timeout": 30, **options}
        return OpenSearch(hosts=[self.url], **options)

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()


def start_cluster(nodes: int = 1, tmp_path: Path | None = None, http_port: int | None = None,
                  heap: str = HEAP, timeout: float = START_TIMEOUT) -> Cluster:
    """Build the launcher if needed, start `nodes` node JVMs and wait until the cluster is healthy.

    HTTP ports are `http_port`, `http_port + 1`, ... when given, else free ports; transport ports are free ports.
    Node homes (data, logs) go under `tmp_path` (a fresh temporary directory when None).
    """
    build_launcher()
    base = tmp_path if tmp_path is not None else Path(tempfile.mkdtemp(prefix="opensearch-"))
    ports = free_ports(2 * nodes)
    http = [http_port + i for i in range(nodes)] if http_port else ports[:nodes]
    transport = ports[nodes:]
    cluster = Cluster([Node(f"node-{i}", http[i], transport[i], base / f"node-{i}") for i in range(nodes)])
    atexit.register(cluster.stop)
    try:
        for node in cluster.nodes:
            node.start(transport, heap)
        cluster.wait_healthy(timeout)
    except BaseException:
        cluster.stop()
        raise
    return cluster
