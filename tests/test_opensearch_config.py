"""Configuring the OpenSearch backend (searcher/config.py, backends/opensearch/client.py, the CLI's backend flags):
the environment, flags that win over it, basic auth, verified https with a CA bundle, and a password that never
shows. The test cluster has no security plugin, so credentials and TLS are checked where they can be for real:
on the client the configuration builds, and against small loopback servers that answer 401 (one over TLS with a
certificate of its own)."""

from __future__ import annotations

import base64
import http.server
import json
import os
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opensearch_cluster import Cluster
from test_cli import EXE, run
from test_opensearch_backend import corpus_articles, holding_in, socket_closed

from searcher import config
from searcher.backends.opensearch.client import connect
from searcher.errors import SearcherError

PASSWORD = "s3cret-Pw_7"  # must never be printed
BACKEND_ENV = tuple(config.ENVIRONMENT.values())


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in BACKEND_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def env(**values: str) -> dict[str, str]:
    """This process's environment without any backend setting, plus `values`."""
    return {k: v for k, v in os.environ.items() if k not in BACKEND_ENV} | values


def connection(client: Any) -> Any:
    return client.transport.connection_pool.connection


# --- the settings and the client they build ----------------------------------------------------------------------

def test_flags_win_over_the_environment_while_the_command_runs(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SEARCHER_BACKEND", "opensearch")
    clean_env.setenv("SEARCHER_OPENSEARCH_URL", "http://127.0.0.1:9201")
    clean_env.setenv("SEARCHER_OPENSEARCH_INDEX", "news")
    assert (config.backend(), config.opensearch_url(), config.opensearch_index()) == (
        "opensearch", "http://127.0.0.1:9201", "news")
    with config.overridden(backend="whoosh", opensearch_url="http://127.0.0.1:9300", opensearch_index=None):
        assert (config.backend(), config.opensearch_url(), config.opensearch_index()) == (
            "whoosh", "http://127.0.0.1:9300", "news")  # a flag not given leaves the environment's value
    assert (config.backend(), config.opensearch_url()) == ("opensearch", "http://127.0.0.1:9201")
    clean_env.delenv("SEARCHER_OPENSEARCH_URL")
    assert config.opensearch_url() == "http://127.0.0.1:9200"
    with pytest.raises(TypeError):
        with config.overridden(password="x"):
            pass


def test_the_client_carries_basic_auth_and_verifies_https(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not read until a connection is made\n")
    clean_env.setenv("SEARCHER_OPENSEARCH_URL", "https://search.example:9200")
    clean_env.setenv("SEARCHER_OPENSEARCH_USER", "alice")
    clean_env.setenv("SEARCHER_OPENSEARCH_PASSWORD", PASSWORD)
    clean_env.setenv("SEARCHER_OPENSEARCH_CA_CERTS", str(bundle))
    settings = config.opensearch_settings()
    assert PASSWORD not in repr(settings) and "alice" in repr(settings)
    conn = connection(connect(settings))
    assert conn.host == "https://search.example:9200" and conn.use_ssl
    assert conn.headers["authorization"] == "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    assert (conn.pool.cert_reqs, conn.pool.ca_certs) == ("CERT_REQUIRED", str(bundle))
    clean_env.delenv("SEARCHER_OPENSEARCH_CA_CERTS")  # no bundle of ours: the system's, still verified
    assert connection(connect()).pool.cert_reqs == "CERT_REQUIRED"
    for name in ("SEARCHER_OPENSEARCH_USER", "SEARCHER_OPENSEARCH_PASSWORD"):
        clean_env.delenv(name)
    assert "authorization" not in connection(connect()).headers  # no user: no credentials sent


def test_incomplete_credentials_and_a_missing_bundle_are_clear_errors(clean_env: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    clean_env.setenv("SEARCHER_OPENSEARCH_USER", "alice")
    with pytest.raises(SearcherError, match="'alice' needs a password: set SEARCHER_OPENSEARCH_PASSWORD"):
        config.opensearch_settings()
    clean_env.delenv("SEARCHER_OPENSEARCH_USER")
    clean_env.setenv("SEARCHER_OPENSEARCH_PASSWORD", PASSWORD)
    with pytest.raises(SearcherError, match="no user") as raised:
        config.opensearch_settings()
    assert PASSWORD not in str(raised.value)
    clean_env.delenv("SEARCHER_OPENSEARCH_PASSWORD")
    clean_env.setenv("SEARCHER_OPENSEARCH_CA_CERTS", str(tmp_path / "nowhere.pem"))
    with pytest.raises(SearcherError, match="nowhere.pem: no such file"):
        config.opensearch_settings()


# --- the CLI's flags, through its entry point, against the real test cluster -------------------------------------

@pytest.fixture(scope="module")
def built(opensearch: Cluster, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The backend suite's corpus, built into OpenSearch by `searcher build` given only flags (no environment)."""
    from conftest import ARTICLES, write_jsonl

    corpus = tmp_path_factory.mktemp("flags") / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", ARTICLES)
    alias = "config-flags"
    done = run("build", "--corpus", str(corpus), "--backend", "opensearch", "--opensearch-url", opensearch.url,
               "--opensearch-index", alias, env=env())
    assert done.returncode == 0, done.stderr
    assert "indexed 4 articles" in done.stdout
    return corpus, alias


def found(process: subprocess.CompletedProcess) -> set[str]:
    assert process.returncode == 0, process.stderr
    return {hit["id"] for hit in json.loads(process.stdout)["hits"]}


def test_search_flags_override_the_environment(opensearch: Cluster, built: tuple[Path, str],
                                               tmp_path: Path) -> None:
    corpus, alias = built
    expected = set(holding_in(corpus_articles(corpus), "光伏"))
    with socket_closed() as dead:
        # The environment names a dead cluster and another alias; the flags name the live ones.
        wrong = env(SEARCHER_BACKEND="opensearch", SEARCHER_OPENSEARCH_URL=dead, SEARCHER_OPENSEARCH_INDEX="nothing")
        assert run("search", "光伏", "--json", env=wrong).returncode == 1
        assert found(run("search", "光伏", "--json", "--opensearch-url", opensearch.url, "--opensearch-index", alias,
                         env=wrong)) == expected
        # and the other way round: the environment is right, a flag names an alias never built
        right = env(SEARCHER_BACKEND="opensearch", SEARCHER_OPENSEARCH_URL=opensearch.url,
                    SEARCHER_OPENSEARCH_INDEX=alias)
        missing = run("search", "光伏", "--opensearch-index", "config-never-built", env=right)
        assert missing.returncode == 1 and "config-never-built" in missing.stderr
    # --backend whoosh wins over SEARCHER_BACKEND=opensearch: the Whoosh index named by --index is searched
    assert run("build", "--corpus", str(corpus), "--index", str(tmp_path / "index"), env=env()).returncode == 0
    assert found(run("search", "光伏", "--json", "--backend", "whoosh", "--index", str(tmp_path / "index"),
                     env=right)) == expected
    assert run("search", "光伏", "--backend", "elastic", env=env()).returncode == 2  # not a backend: usage error


def test_a_user_and_password_reach_the_cluster_and_never_show(opensearch: Cluster, built: tuple[Path, str]) -> None:
    _, alias = built
    flags = ["--backend", "opensearch", "--opensearch-url", opensearch.url, "--opensearch-index", alias,
             "--opensearch-user", "alice"]
    searched = run("search", "光伏", "--json", *flags, env=env(SEARCHER_OPENSEARCH_PASSWORD=PASSWORD))
    assert found(searched)  # no security plugin here: the credentials are sent and ignored
    stats = run("stats", "--json", *flags, env=env(SEARCHER_OPENSEARCH_PASSWORD=PASSWORD))
    assert stats.returncode == 0, stats.stderr
    assert PASSWORD not in searched.stdout + searched.stderr + stats.stdout + stats.stderr
    in_url = run("stats", "--json", "--backend", "opensearch", "--opensearch-index", alias, "--opensearch-url",
                 opensearch.url.replace("http://", f"http://alice:{PASSWORD}@"), env=env())
    assert in_url.returncode == 0, in_url.stderr
    assert json.loads(in_url.stdout)["cluster"]["url"] == opensearch.url.replace("http://", "http://alice:***@")
    assert PASSWORD not in in_url.stdout + in_url.stderr
    asked = run("search", "光伏", *flags, env=env())  # no terminal to ask in, and no password set
    assert asked.returncode == 1 and "'alice' needs a password: set SEARCHER_OPENSEARCH_PASSWORD" in asked.stderr


def test_a_password_in_the_url_is_redacted_from_errors() -> None:
    with socket_closed() as dead:
        url = dead.replace("http://", f"http://alice:{PASSWORD}@")
        for command in (["search", "光伏"], ["stats"], ["remove", "x"]):
            failed = run(*command, "--backend", "opensearch", "--opensearch-url", url, env=env())
            assert failed.returncode == 1, command
            assert PASSWORD not in failed.stdout + failed.stderr
            assert "cannot be searched" in failed.stderr
            assert failed.stderr.strip().count("\n") == 0, failed.stderr  # one line, no traceback
            assert "alice:***@" in failed.stderr or command == ["remove", "x"]  # remove names only the alias


# --- servers that ask for credentials: 401, over plain HTTP and over TLS ----------------------------------------

class Refusing(http.server.BaseHTTPRequestHandler):
    """Answers every request as the security plugin answers a wrong password, noting the credentials sent."""

    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        Refusing.seen.append(self.headers.get("Authorization", ""))
        body = b"Unauthorized"
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="OpenSearch Security"')
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def refusing(request: pytest.FixtureRequest) -> Iterator[tuple[str, http.server.HTTPServer]]:
    """A loopback server answering 401; over TLS (its certificate's CA returned in the server's `ca` attribute)
    when the test is parametrized with "https"."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    scheme = getattr(request, "param", "http")
    if scheme == "https":
        server.ca = _self_signed(request.getfixturevalue("tmp_path"))  # type: ignore[attr-defined]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(server.ca, server.ca.with_suffix(".key"))  # type: ignore[attr-defined]
        server.socket = context.wrap_socket(server.socket, server_side=True)
    Refusing.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{scheme}://127.0.0.1:{server.server_address[1]}", server
    server.shutdown()
    server.server_close()


def _self_signed(directory: Path) -> Path:
    """A certificate for 127.0.0.1 signed by itself (so it is its own CA), made by openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a test certificate")
    cert, key = directory / "server.pem", directory / "server.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert


def test_a_wrong_password_is_a_clear_error_without_the_password(refusing: tuple[str, Any]) -> None:
    url, _ = refusing
    failed = run("search", "光伏", "--backend", "opensearch", "--opensearch-url", url, "--opensearch-user", "alice",
                 env=env(SEARCHER_OPENSEARCH_PASSWORD=PASSWORD))
    assert failed.returncode == 1
    assert "refused the credentials (401)" in failed.stderr and PASSWORD not in failed.stdout + failed.stderr
    assert failed.stderr.strip().count("\n") == 0, failed.stderr
    assert Refusing.seen and set(Refusing.seen) == {
        "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()}


@pytest.mark.parametrize("refusing", ["https"], indirect=True)
def test_https_verifies_the_certificate_against_the_configured_bundle(refusing: tuple[str, Any]) -> None:
    url, server = refusing
    flags = ["--backend", "opensearch", "--opensearch-url", url, "--opensearch-user", "alice"]
    untrusted = run("search", "光伏", *flags, env=env(SEARCHER_OPENSEARCH_PASSWORD=PASSWORD))
    assert untrusted.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    assert not Refusing.seen  # verification failed before any request (and its credentials) was sent
    trusted = run("search", "光伏", *flags, env=env(SEARCHER_OPENSEARCH_PASSWORD=PASSWORD,
                                                   SEARCHER_OPENSEARCH_CA_CERTS=str(server.ca)))
    assert trusted.returncode == 1 and "refused the credentials (401)" in trusted.stderr  # TLS done: it asked
    assert Refusing.seen and PASSWORD not in untrusted.stderr + trusted.stderr


def test_https_without_a_server_is_one_clear_line(opensearch: Cluster) -> None:
    with socket_closed() as dead:
        nothing = run("search", "光伏", "--backend", "opensearch", "--opensearch-url", dead.replace("http", "https"),
                      env=env())
    assert nothing.returncode == 1 and "cannot be searched: ConnectionError" in nothing.stderr
    assert nothing.stderr.strip().count("\n") == 0, nothing.stderr
    plain = run("search", "光伏", "--backend", "opensearch", "--opensearch-url",
                opensearch.url.replace("http", "https"), env=env())  # the test cluster speaks plain HTTP
    assert plain.returncode == 1 and "cannot be searched: SSLError" in plain.stderr  # no silent fall-back


def test_a_terminal_is_asked_for_the_password_without_echo(opensearch: Cluster, built: tuple[Path, str]) -> None:
    """With a user and no SEARCHER_OPENSEARCH_PASSWORD, a terminal gets a hidden prompt, then the search runs."""
    import pty
    import select

    _, alias = built
    command = [str(EXE), "search", "光伏", "--backend", "opensearch", "--opensearch-url",
               opensearch.url, "--opensearch-index", alias, "--opensearch-user", "alice"]
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the CLI on the terminal
        os.execve(command[0], command, env())
    seen = b""
    while b"OpenSearch password for alice" not in seen:
        assert select.select([terminal], [], [], 60)[0], seen
        seen += os.read(terminal, 1024)
    os.write(terminal, PASSWORD.encode() + b"\n")
    try:
        while select.select([terminal], [], [], 60)[0]:
            chunk = os.read(terminal, 4096)
            if not chunk:
                break
            seen += chunk
    except OSError:  # the terminal closes when the CLI exits
        pass
    _, status = os.waitpid(pid, 0)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert PASSWORD not in text and "光伏" in text  # the hits, and no echo of what was typed


def test_serve_takes_the_flags(opensearch: Cluster, built: tuple[Path, str]) -> None:
    """`serve` with the backend given only by flags (and a password only in the environment) serves the alias,
    and its start-up line names it without the password."""
    import socket
    import time
    import urllib.request

    _, alias = built
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = opensearch.url.replace("http://", f"http://alice:{PASSWORD}@")
    proc = subprocess.Popen([str(EXE), "serve", "--port", str(port), "--backend", "opensearch", "--opensearch-url",
                             url, "--opensearch-index", alias], env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline, health = time.monotonic() + 60, None
        while health is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as response:
                    health = json.load(response)
            except OSError:
                time.sleep(0.2)
        assert health is not None, "the server did not answer"
        assert health["backend"] == "opensearch" and health["index"]["alias"] == alias
        assert health["cluster"]["url"] == opensearch.url.replace("http://", "http://alice:***@")
    finally:
        proc.terminate()
        stderr = proc.communicate(timeout=30)[1]
    assert f"OpenSearch alias '{alias}' at http://alice:***@" in stderr and PASSWORD not in stderr
