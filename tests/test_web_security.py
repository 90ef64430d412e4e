"""Hardening (issue 12): the admin token's minimum length, throttling of wrong tokens per client address, and the
security headers on waitress's own error responses, checked with raw sockets against a real `searcher serve`."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import build_test_index

from web import create_app
from web.security import HEADERS, MIN_TOKEN_CHARS, Throttle

TOKEN = "t" * MIN_TOKEN_CHARS
ROOT = Path(__file__).resolve().parent.parent
SHORT_TOKEN_LOG = (
    "admin routes are OFF: SEARCHER_ADMIN_TOKEN has 15 characters, at least 16 are needed "
    "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
    "（管理令牌太短，至少需要 16 个字符，管理功能未启用）"
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def admin_app(tmp_path: Path, clock: FakeClock) -> Flask:
    app = create_app({"INDEX_DIR": str(tmp_path / "index"), "CORPUS_DIR": str(tmp_path / "corpus"),
                      "ADMIN_TOKEN": TOKEN})
    app.extensions["searcher.token_throttle"] = Throttle(clock=clock)
    return app


def status_from(client: FlaskClient, token: str, address: str = "10.0.0.1") -> int:
    response = client.get("/api/rebuild/status", headers={"Authorization": f"Bearer {token}"},
                          environ_base={"REMOTE_ADDR": address})
    return response.status_code


# --- token length ---------------------------------------------------------------------------------------------


def test_a_short_token_leaves_the_admin_routes_off_and_says_why(tmp_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    short = "s" * (MIN_TOKEN_CHARS - 1)
    with caplog.at_level(logging.ERROR):
        app = create_app({"INDEX_DIR": str(tmp_path), "ADMIN_TOKEN": short})
    assert [r.getMessage() for r in caplog.records] == [SHORT_TOKEN_LOG]
    client = app.test_client()
    assert client.get("/api/rebuild/status", headers={"Authorization": f"Bearer {short}"}).status_code == 404
    assert client.get("/admin").status_code == 404


def test_a_token_of_the_minimum_length_is_accepted(admin_app: Flask) -> None:
    assert status_from(admin_app.test_client(), TOKEN) == 200


# --- throttling -----------------------------------------------------------------------------------------------


def test_ten_wrong_tokens_then_429_with_retry_after(admin_app: Flask, clock: FakeClock) -> None:
    client = admin_app.test_client()
    assert [status_from(client, f"guess-{n}") for n in range(10)] == [401] * 10
    clock.now += 15
    response = client.get("/api/rebuild/status", headers={"Authorization": f"Bearer {TOKEN}"},
                          environ_base={"REMOTE_ADDR": "10.0.0.1"})
    # Refused even with the right token: otherwise a 200 among the 429s would still confirm a guess.
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "45"
    assert response.get_json() == {"error": {"code": "too_many_requests", "message":
        "too many wrong admin tokens from this address; try again in 45 s（管理令牌错误次数过多，请 45 秒后再试）"}}
    for name, value in HEADERS.items():
        assert response.headers[name] == value


def test_throttling_is_per_address_and_ends_with_the_window(admin_app: Flask, clock: FakeClock) -> None:
    client = admin_app.test_client()
    for n in range(10):
        status_from(client, f"guess-{n}")
    assert status_from(client, TOKEN, "10.0.0.2") == 200
    clock.now += 59.5
    assert status_from(client, TOKEN) == 429
    clock.now += 0.5
    assert status_from(client, TOKEN) == 200
    # A new wrong guess counts alone: the nine others it joins are more than a minute old.
    clock.now += 1
    assert status_from(client, "again") == 401
    assert status_from(client, TOKEN) == 200


def test_the_admin_page_is_throttled_in_chinese(admin_app: Flask, clock: FakeClock) -> None:
    client = admin_app.test_client()
    for n in range(10):
        form = {"token": f"guess-{n}", "files": [(io.BytesIO(b"x"), "a.txt")]}
        assert client.post("/admin/upload", data=form, content_type="multipart/form-data").status_code == 401
    response = client.post("/admin/status", data={"token": TOKEN})
    assert response.status_code == 429 and response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "60"
    assert '<p>管理令牌错误次数过多，请 60 秒后再试</p>' in response.get_data(as_text=True)


def test_the_throttle_forgets_the_oldest_address_first(monkeypatch: pytest.MonkeyPatch) -> None:
    import web.security

    monkeypatch.setattr(web.security, "MAX_CLIENTS", 3)
    throttle = Throttle(limit=1, clock=FakeClock())
    for address in ("a", "b", "c", "d"):
        throttle.failed(address)
    assert [throttle.retry_after(a) for a in ("a", "b", "c", "d")] == [0, 60, 60, 60]


# --- waitress's own responses, from a real `searcher serve` -------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """`searcher serve` in its own process on a free loopback port, with a too-short admin token."""
    root = tmp_path_factory.mktemp("serve")
    index = build_test_index(root)
    port = free_port()
    env = {**os.environ, "SEARCHER_ADMIN_TOKEN": "short-token", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-c", "from searcher.cli import main; main()", "serve", "--index", str(index),
               "--corpus", str(root / "corpus"), "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.2)
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def raw_request(port: int, data: bytes) -> tuple[str, dict[str, str], str]:
    """Send bytes, read until the server closes; returns the status line, headers and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break  # it closed with our unread bytes pending; what it sent first has been read
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status, headers, body.decode("utf-8")


@pytest.mark.parametrize(
    ("request_bytes", "status", "first_line"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n",
         "HTTP/1.0 431 Request Header Fields Too Large", "请求头太大。"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "HTTP/1.1 400 Bad Request", "请求参数有误。"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nbroken header line\r\n\r\n", "HTTP/1.0 400 Bad Request", "请求参数有误。"),
    ],
)
def test_waitress_errors_carry_the_security_headers(served: tuple[int, subprocess.Popen[str]],
                                                    request_bytes: bytes, status: str, first_line: str) -> None:
    line, headers, body = raw_request(served[0], request_bytes)
    assert line == status
    for name, value in HEADERS.items():
        assert headers[name] == value
    assert headers["Server"] == "searcher"
    assert body.split("\r\n")[0] == first_line


def test_the_served_app_answers_with_the_same_headers(served: tuple[int, subprocess.Popen[str]]) -> None:
    line, headers, body = raw_request(served[0], b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert line == "HTTP/1.1 200 OK" and '"articles":8' in body
    assert all(headers[name] == value for name, value in HEADERS.items())


def test_serve_with_a_short_token_says_so_and_keeps_admin_off(served: tuple[int, subprocess.Popen[str]]) -> None:
    port, process = served
    line, _, _ = raw_request(port, b"GET /api/rebuild/status HTTP/1.1\r\nHost: x\r\n"
                                   b"Authorization: Bearer short-token\r\nConnection: close\r\n\r\n")
    assert line == "HTTP/1.1 404 NOT FOUND"
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    assert "ERROR in security: admin routes are OFF: SEARCHER_ADMIN_TOKEN has 11 characters" in stderr


@pytest.mark.parametrize("url", ["/api/rebuild/status?token=" + TOKEN, "/api/rebuild/status?access_token=" + TOKEN])
def test_a_token_in_the_query_string_is_refused(admin_app: Flask, url: str) -> None:
    """Query strings end up in logs and browser history: only the header (or the admin form's field) counts."""
    response = admin_app.test_client().get(url)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert admin_app.test_client().post("/admin/status?token=" + TOKEN).status_code == 401


@pytest.mark.parametrize("query", ["%ED%A0%80", "%00%01%1B", "%F0%9F%92%A9" * 300, "[" * 2000, "%E5%85%89" * 5000])
def test_hostile_queries_on_the_page_are_answered(client: FlaskClient, query: str) -> None:
    with client.get("/search?q=" + query) as response:
        assert response.status_code == 200
        assert all(response.headers[name] == value for name, value in HEADERS.items())


def test_the_throttle_is_configurable_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARCHER_ADMIN_MAX_FAILURES", "2")
    monkeypatch.setenv("SEARCHER_ADMIN_FAILURE_WINDOW", "300")
    client = create_app({"INDEX_DIR": str(tmp_path), "ADMIN_TOKEN": TOKEN}).test_client()
    assert [status_from(client, "guess") for _ in range(3)] == [401, 401, 429]
    response = client.get("/api/rebuild/status", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert 299 <= int(response.headers["Retry-After"]) <= 300
