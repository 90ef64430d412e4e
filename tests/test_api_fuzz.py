"""API fuzzing: schemathesis generates requests from /api/openapi.json and sends them to the real Flask app
(in-process WSGI) over a real index, admin routes included with a valid token.

Every response must be a documented status with a body matching the document's schema, with the declared
content type, and never a 5xx; a request without its token is refused (401).
Bounded in examples so the whole module runs in well under a minute.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import checks as st_checks  # noqa: F401  (registers the built-in checks)
from schemathesis.specs.openapi import checks as openapi_checks
from web_fixtures import build_test_index

from web import create_app
from web.admin import get_rebuilder
from web.openapi import openapi_document

TOKEN = "fuzz-admin-token-0123456789abcdef"
# The checks that make the promise: no 5xx, documented statuses and bodies, right content types and headers, a
# missing Authorization header refused. Not "schema-valid data accepted": an upload's type is decided by its
# file name, which no schema can state (files.png is schema-valid and rightly 415).
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.missing_required_header,
]
# Known failures on main, each reproduced by a strict xfail test; until its fix merges the fuzzer steers around it
# (else the suite would fail at random). Remove an entry together with its test's xfail marker.
KNOWN_FAILURES = {
}
# Examples per path: searching has the most parameters; every upload that is accepted commits to the index.
EXAMPLES = {"/api/search": 150, "/api/articles": 60}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    root = tmp_path_factory.mktemp("fuzz")
    index = build_test_index(root)
    # The throttle of wrong tokens is tested in test_web_security.py; here it would turn later cases into 429s.
    return create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(root / "corpus"), "ADMIN_TOKEN": TOKEN,
                       "TESTING": True, "ADMIN_LOCK_WAIT": 0.5, "ADMIN_MAX_FAILURES": 10**9})


@pytest.fixture(scope="module")
def api_schema(fuzz_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)


# Every operation the document describes, read without building anything, so each is its own test.
OPERATIONS = [(method.upper(), path) for path, item in openapi_document()["paths"].items() for method in item]


def known_failure(case: Any) -> bool:
    return any(applies(case) for applies in KNOWN_FAILURES.values())


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_response_is_documented_and_never_a_5xx(api_schema: Any, fuzz_app: Flask, method: str,
                                                     path: str) -> None:
    operation = api_schema[path][method]
    secured = bool(operation.definition.raw.get("security"))

    @settings(max_examples=EXAMPLES.get(path, 40), deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        assume(not known_failure(case))
        # Hypothesis seeds `random` alike for every example, and Whoosh names new segments with it: without
        # this, a second upload reuses the first one's segment name (a harness artefact, never in production).
        random.seed(os.urandom(16))
        if secured:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
        case.call_and_validate(checks=CHECKS)
        # A rebuild this case started runs on in a thread and names its segments with `random`: let it end
        # before Hypothesis draws the next example, which it would otherwise see `random` change under it.
        with fuzz_app.app_context():
            assert get_rebuilder().join(timeout=120)

    check()


@pytest.mark.parametrize("query", [{"date_from": "2000-01-01"}, {"date_to": "2030-01-01"}, {"source": "嘉兴日报"}])
def test_per_article_with_a_filter_is_not_a_500(fuzz_app: Flask, query: dict[str, str]) -> None:
    response = fuzz_app.test_client().get("/api/search", query_string={"q": "光伏", "per_article": "1", **query})
    assert response.status_code == 200, response.get_json()
    hits = response.get_json()["hits"]
    assert hits and len({h["article"]["id"] for h in hits}) == len(hits)


def test_a_bad_feed_query_is_answered_as_documented(fuzz_app: Flask) -> None:
    response = fuzz_app.test_client().get("/feeds/search.atom?q=")
    assert response.status_code == 400 and response.mimetype == "application/json"


# --- every documented status is reachable ------------------------------------------------------------------


def documented(method: str, path: str) -> set[int]:
    return {int(code) for code in openapi_document()["paths"][path][method.lower()]["responses"]}


def _post(client: Any, path: str, token: str | None = TOKEN, **kwargs: Any) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(path, headers=headers, **kwargs).status_code


def _upload(name: str, data: bytes) -> dict[str, Any]:
    import io

    return {"data": {"files": (io.BytesIO(data), name)}, "content_type": "multipart/form-data"}


# GET operations: (query string or path values, expected status) pairs that reach each documented status.
READ_REQUESTS = {
    "/api/search": [("?q=光伏", 200), ("", 400)],
    "/api/articles/{id}": [("news-1", 200), ("nope", 404)],
    "/api/health": [("", 200)],
    "/api/openapi.json": [("", 200)],
    "/api/suggest": [("?q=光", 200), ("?q=" + "光" * 200, 400)],
    "/api/did-you-mean": [("?q=光伏", 200), ("", 400)],
    "/api/dates": [("?q=2023年10月11日", 200), ("", 400)],
    "/api/articles/{id}/keywords": [("news-1", 200), ("nope", 404)],
    "/api/articles/{id}/related": [("news-1", 200), ("nope", 404)],
    "/api/paragraphs/{id}/duplicates": [("news-1-p1", 200), ("nope", 404)],
    "/api/paragraphs/{id}/related": [("news-1-p1", 200), ("nope", 404)],
    "/api/search.json": [("?q=光伏", 200), ("", 400)],
    "/api/search.csv": [("?q=光伏", 200), ("", 400)],
    "/feeds/search.atom": [("?q=光伏", 200), ("", 400)],
}
NEEDS_INDEX = {"/api/search", "/api/articles/{id}", "/api/health"}  # 503 without one


def read(client: Any, path: str, value: str) -> int:
    url = path.replace("{id}", value) if "{id}" in path else path + value
    with client.get(url) as response:
        return int(response.status_code)


def test_every_documented_status_is_reachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each status the document lists for an operation is produced by some request (and nothing else is)."""
    import errno

    from searcher.corpus import uploads
    from searcher.index import store

    index = build_test_index(tmp_path)
    corpus = tmp_path / "corpus"
    config = {"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus), "TESTING": True, "ADMIN_LOCK_WAIT": 1.0}
    client = create_app(config | {"ADMIN_TOKEN": TOKEN, "ADMIN_MAX_FAILURES": 100}).test_client()
    throttled = create_app(config | {"ADMIN_TOKEN": TOKEN, "ADMIN_MAX_FAILURES": 1}).test_client()
    elsewhere = create_app(config | {"ADMIN_TOKEN": TOKEN, "CORPUS_DIR": str(tmp_path / "other")}).test_client()
    no_index = create_app(config | {"INDEX_DIR": str(tmp_path / "none")}).test_client()
    no_admin = create_app(config).test_client()
    reached: dict[tuple[str, str], set[int]] = {
        ("GET", path): {read(client, path, value) for value, _ in requests}
        | ({read(no_index, path, requests[0][0])} if path in NEEDS_INDEX else set())
        for path, requests in READ_REQUESTS.items()
    }
    article = {"json": {"title": "新稿件", "text": "嘉兴新建了一座潮汐能电站。"}}
    posted = {_post(client, "/api/articles", **article), _post(client, "/api/articles", json={"title": ""}),
              _post(client, "/api/articles", **_upload("virus.exe", b"MZ")),
              _post(client, "/api/articles", **_upload("photo.txt", bytes(range(256)))),
              _post(elsewhere, "/api/articles", **article),
              _post(no_admin, "/api/articles", **article), _post(client, "/api/articles", None, **article)}
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
    posted.add(_post(client, "/api/articles", **_upload("big.txt", "嘉兴".encode() * 10)))
    monkeypatch.undo()

    def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uploads, "json_article_file", disk_full)
    posted.add(_post(client, "/api/articles", **article | {"json": {"title": "满盘", "text": "磁盘已满。"}}))
    monkeypatch.undo()
    rebuilt = {_post(no_admin, "/api/rebuild"), _post(client, "/api/rebuild", None)}
    with store.writer_lock(index):  # another writer: an upload waits, then 409; a rebuild waits "running"
        posted.add(_post(client, "/api/articles", **article | {"json": {"title": "另一篇", "text": "正文。"}}))
        rebuilt |= {_post(client, "/api/rebuild"), _post(client, "/api/rebuild")}
    statuses = {client.get("/api/rebuild/status", headers={"Authorization": f"Bearer {TOKEN}"}).status_code,
                no_admin.get("/api/rebuild/status").status_code, client.get("/api/rebuild/status").status_code}
    wrong = "wrong-token-wrong-token"
    _post(throttled, "/api/rebuild", wrong)  # the one wrong guess allowed; every later attempt is 429
    posted.add(_post(throttled, "/api/articles", wrong, **article))
    rebuilt.add(_post(throttled, "/api/rebuild", TOKEN))
    statuses.add(throttled.get("/api/rebuild/status", headers={"Authorization": f"Bearer {wrong}"}).status_code)
    reached |= {("POST", "/api/articles"): posted, ("POST", "/api/rebuild"): rebuilt,
                ("GET", "/api/rebuild/status"): statuses}
    rebuilder = client.application.extensions.get("searcher.rebuilder")
    assert rebuilder is None or rebuilder.join(30)
    assert {op: sorted(codes) for op, codes in reached.items()} == {
        op: sorted(documented(*op)) for op in reached}
    assert set(reached) == set(OPERATIONS), "an operation of the document has no requests in this test"
