"""waitress, configured for this app: the security headers also on waitress's own error responses.

waitress answers some requests itself, before Flask sees them: a malformed request (400), headers over
`max_request_header_size` (431), a body over `max_request_body_size` (413), and a 500 when the app fails
before starting its response. Its error task is a documented class attribute of its channel, so a channel whose
error task adds `web.security.HEADERS` (and a Chinese line above waitress's English one) covers every one of
them without touching the request parsing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any, cast

from flask import Flask
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.server import create_server as waitress_server
from waitress.task import ErrorTask

from searcher.index.procwriter import die_with_parent

from .messages import STATUS_MESSAGES
from .security import HEADERS

DEFAULT_THREADS = 8
# A worker process that ends within QUICK_FAILURE seconds of its start, MAX_QUICK_FAILURES times in a row, stops
# the server instead of being replaced again.
QUICK_FAILURE = 5.0
MAX_QUICK_FAILURES = 3
log = logging.getLogger(__name__)


class SecureErrorTask(ErrorTask):
    """waitress's error response with our security headers, and the reason in Chinese first."""

    def execute(self) -> None:
        request: Any = self.request  # the parser of the refused request: its `error` says why
        error = request.error
        status, headers, body = error.to_response(self.channel.server.adj.ident)
        chinese = STATUS_MESSAGES.get(error.code, "请求有误。")
        body = f"{chinese}\r\n\r\n".encode() + body
        self.status = status
        response_headers = cast(list[tuple[str, str]], self.response_headers)  # a list (the stubs say Sequence)
        response_headers.extend(headers)
        response_headers.extend(HEADERS.items())
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class SecureChannel(HTTPChannel):
    error_task_class = SecureErrorTask


def request_body_limit(app: Flask) -> int:
    """waitress buffers a whole body before the app sees it: never more than the app would accept."""
    from .admin import MAX_REQUEST_BYTES

    return int(app.config.get("MAX_CONTENT_LENGTH") or MAX_REQUEST_BYTES)


def create_server(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = DEFAULT_THREADS,
                  **adjustments: Any) -> Any:
    """A waitress server for `app` (not yet running); port 0 picks a free port (`server.effective_port`)."""
    adjustments.setdefault("max_request_body_size", request_body_limit(app))
    if "sockets" not in adjustments:  # waitress takes sockets opened already or an address, not both
        adjustments.update(host=host, port=port)
    server = waitress_server(app, threads=threads, ident="searcher", **adjustments)
    # One listening socket gives a server; several (a host name with IPv4 and IPv6) a map of them.
    for listener in [server, *getattr(server, "map", {}).values()]:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = SecureChannel
    return server


def serve(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = DEFAULT_THREADS, workers: int = 1,
          on_start: Callable[[], None] | None = None) -> None:
    """Serve until interrupted, logging where, as `waitress.serve` does. With several `workers`, that many
    processes of `threads` threads each listen on the same addresses (`serve_workers`); `on_start` runs in each
    worker before it serves (in this process when there is one)."""
    logging.basicConfig()
    if workers > 1:
        serve_workers(app, reserved_sockets(host, port), threads, workers, on_start)
        return
    if on_start is not None:
        on_start()
    server = create_server(app, host=host, port=port, threads=threads)
    server.print_listen("Serving on http://{}:{}")
    server.run()


def reserved_sockets(host: str, port: int) -> list[socket.socket]:
    """A bound socket, not listening, for every address of `host` (as waitress would resolve it): it holds the
    port (port 0 picks one) for the workers, which each listen on it with a socket of their own (`_listening`)."""
    adj = Adjustments(host=host, port=port)
    listen: list[Any] = adj.listen  # getaddrinfo tuples (the stubs say str)
    return [_bound(family, socktype, proto, sockaddr) for family, socktype, proto, sockaddr in listen]


def _bound(family: int, socktype: int, proto: int, sockaddr: Any) -> socket.socket:
    sock = socket.socket(family, socktype, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind(sockaddr)
    return sock


def _listening(reserved: list[socket.socket]) -> list[socket.socket]:
    """A worker's own listening sockets on the reserved addresses. With SO_REUSEPORT the kernel spreads new
    connections over the workers' sockets; one socket shared by every worker let whichever woke first take them
    all, so that 16 keep-alive connections sometimes all went to one process (half the throughput, at random)."""
    sockets = []
    for sock in reserved:
        own = _bound(sock.family, sock.type, sock.proto, sock.getsockname())
        own.listen(Adjustments().backlog)
        own.setblocking(False)
        sockets.append(own)
    return sockets


def serve_workers(app: Flask, sockets: list[socket.socket], threads: int, workers: int,
                  on_start: Callable[[], None] | None = None) -> None:
    """Fork `workers` processes serving `app` on the addresses of the `sockets` (`reserved_sockets`), and keep
    them running: one that dies is replaced (not more often than once a second), SIGTERM or Ctrl-C stops them all.
    Each worker is killed by the kernel if this process dies, so none outlives it. Several processes use several
    cores, where the threads of one share one interpreter lock."""
    for sock in sockets:
        print(f"Serving on http://{_address(sock)} with {workers} processes × {threads} threads", flush=True)
    parent = os.getpid()
    stopping = False
    started: dict[int, float] = {}  # worker pid -> when it started

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        started[_fork_worker(app, sockets, threads, parent, on_start)] = time.monotonic()
    failures = 0
    while started:
        pid, status = os.wait()
        lasted = time.monotonic() - started.pop(pid, 0.0)
        if stopping:
            continue
        failures = failures + 1 if lasted < QUICK_FAILURE else 0
        log.warning("server process %d ended (%s) after %.1f s", pid, os.waitstatus_to_exitcode(status), lasted)
        if failures >= MAX_QUICK_FAILURES:  # it cannot start (the next would fail the same way): give up
            stop(signal.SIGTERM, None)
            raise SystemExit(f"server processes keep failing at start ({failures} in a row); see the log above")
        time.sleep(1.0)
        started[_fork_worker(app, sockets, threads, parent, on_start)] = time.monotonic()


def _fork_worker(app: Flask, sockets: list[socket.socket], threads: int, parent: int,
                 on_start: Callable[[], None] | None) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:  # the worker: never returns into the parent's code
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent stops us
        die_with_parent(parent)
        if on_start is not None:
            on_start()
        create_server(app, threads=threads, sockets=_listening(sockets)).run()
        code = 0
    except BaseException:
        log.exception("server process %d failed", os.getpid())
    finally:
        os._exit(code)


def _address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if sock.family == socket.AF_INET6 else f"{host}:{port}"
