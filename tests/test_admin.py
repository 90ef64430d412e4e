"""The admin routes over HTTP: off without a token, bearer auth, uploads of every kind, rebuilds, the page."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate
from web_fixtures import WORD, write_corpus
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from searcher.corpus import uploads
from searcher.index import store
from searcher.index.build import build_index, remove_articles
from web import admin, create_app
from web.security import CONTENT_SECURITY_POLICY

TOKEN = "test-admin-token-只此一个"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build_index(corpus, index)
    return corpus, index


def make_app(dirs: tuple[Path, Path], **config: Any) -> Flask:
    corpus, index = dirs
    return create_app({"CORPUS_DIR": str(corpus), "INDEX_DIR": str(index), "ADMIN_TOKEN": TOKEN,
                       "TESTING": True, "ADMIN_LOCK_WAIT": 0.3, **config})


@pytest.fixture
def app(dirs: tuple[Path, Path]) -> Iterator[Flask]:
    app = make_app(dirs)
    yield app
    rebuilder = app.extensions.get("searcher.rebuilder")
    if rebuilder is not None:  # never leave a build thread running into the next test
        assert rebuilder.join(30)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def assert_error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    return body["error"]["message"]


def upload(client: FlaskClient, *files: tuple[str, bytes], headers: dict[str, str] | None = None) -> Any:
    """Encoded in memory: the test client spools bodies over 500 kB to a temporary file it never closes."""
    fields = MultiDict([("files", FileStorage(io.BytesIO(content), filename=name)) for name, content in files])
    boundary, body = encode_multipart(fields)
    return client.post("/api/articles", data=body, headers=AUTH if headers is None else headers,
                       content_type=f"multipart/form-data; boundary={boundary}")


def uploaded_files(corpus: Path) -> list[Path]:
    return sorted(p for p in (corpus / "uploads").rglob("*") if p.is_file()) if (corpus / "uploads").exists() else []


# --- off unless configured, and authentication ------------------------------------------------------------


ADMIN_REQUESTS = [
    ("post", "/api/articles"),
    ("post", "/api/rebuild"),
    ("get", "/api/rebuild/status"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_REQUESTS)
@pytest.mark.parametrize("token", [None, ""])
def test_api_routes_are_404_without_a_configured_token(dirs: tuple[Path, Path], method: str, path: str,
                                                       token: str | None) -> None:
    client = make_app(dirs, ADMIN_TOKEN=token).test_client()
    response = getattr(client, method)(path, headers=AUTH, json={"title": "标题", "text": "正文"})
    assert_error(response, 404, "not_found")
    assert uploaded_files(dirs[0]) == []


@pytest.mark.parametrize(("method", "path"), [("get", "/admin"), ("post", "/admin/upload"),
                                              ("post", "/admin/rebuild"), ("post", "/admin/status")])
def test_admin_page_is_the_normal_404_page_without_a_configured_token(dirs: tuple[Path, Path], method: str,
                                                                     path: str) -> None:
    response = getattr(make_app(dirs, ADMIN_TOKEN=None).test_client(), method)(path, data={"token": TOKEN})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "找不到这个页面" in response.get_data(as_text=True)


def test_environment_variable_enables_admin(dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARCHER_ADMIN_TOKEN", TOKEN)
    app = create_app({"CORPUS_DIR": str(dirs[0]), "INDEX_DIR": str(dirs[1])})
    assert app.test_client().get("/api/rebuild/status", headers=AUTH).status_code == 200


def test_token_removed_at_runtime_turns_routes_off(app: Flask, client: FlaskClient) -> None:
    app.config["ADMIN_TOKEN"] = None
    assert_error(client.get("/api/rebuild/status", headers=AUTH), 404, "not_found")


@pytest.mark.parametrize(("method", "path"), ADMIN_REQUESTS)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer "}, {"Authorization": f"Basic {TOKEN}"},
     {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": TOKEN}],
)
def test_missing_or_wrong_token_is_401(client: FlaskClient, dirs: tuple[Path, Path], method: str, path: str,
                                       headers: dict[str, str]) -> None:
    response = getattr(client, method)(path, headers=headers, json={"title": "标题", "text": "正文"})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert uploaded_files(dirs[0]) == []


def test_bearer_scheme_is_case_insensitive(client: FlaskClient) -> None:
    assert client.get("/api/rebuild/status", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_tokens_are_compared_in_constant_time(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    monkeypatch.setattr(admin.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or a == b)
    with app.test_request_context():
        assert admin.token_matches(TOKEN) and not admin.token_matches("guess")
    assert calls == [(TOKEN.encode(), TOKEN.encode()), (b"guess", TOKEN.encode())]


# --- uploads ----------------------------------------------------------------------------------------------


def pdf_bytes(title: str, paragraphs: list[str]) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    head = ParagraphStyle("h", fontName="STSong-Light", fontSize=18, leading=24, spaceAfter=10)
    body = ParagraphStyle("b", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK", spaceAfter=8)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=title, invariant=1)
    doc.build([Paragraph(title, head)] + [Paragraph(p, body) for p in paragraphs])
    return out.getvalue()


def docx_bytes(title: str, paragraphs: list[str]) -> bytes:
    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


TXT_WORD, DOCX_WORD, PDF_WORD, JSON_WORD = "鸬鹚捕鱼", "蚕桑丝绸", "青瓷窑址", "竹编工艺"


def txt_page(word: str) -> bytes:
    return (f"运河边的老手艺\n\n本报记者 王强\n\n在嘉兴的运河边，{word}这门手艺已经传承了三百多年，"
            "老渔民每天清晨撑船出发。\n\n如今年轻人也开始学习这门技艺，村里还办起了培训班。\n").encode()


def search_ids(client: FlaskClient, word: str) -> set[str]:
    response = client.get("/api/search", query_string={"q": f'"{word}"'})
    assert response.status_code == 200
    return {hit["article"]["id"] for hit in response.get_json()["hits"]}


def assert_findable(client: FlaskClient, ids: list[str], word: str) -> None:
    assert ids
    assert search_ids(client, word) & set(ids), f"{word} not found in {ids}"
    texts = []
    for article_id in ids:
        response = client.get(f"/api/articles/{article_id}")
        assert response.status_code == 200
        texts += [p["text"] for p in response.get_json()["paragraphs"]]
    assert any(word in text for text in texts)


def test_upload_txt_docx_pdf_and_json_then_find_each(client: FlaskClient, dirs: tuple[Path, Path]) -> None:
    corpus = dirs[0]
    before = client.get("/api/health").get_json()
    for word in (TXT_WORD, DOCX_WORD, PDF_WORD, JSON_WORD):  # the engine is open and warm before any upload
        assert search_ids(client, word) == set()

    response = upload(
        client,
        ("运河 手艺.txt", txt_page(TXT_WORD)),
        ("蚕桑.docx", docx_bytes("桐乡蚕桑文化节开幕", [f"桐乡是{DOCX_WORD}之乡，蚕农们展示了传统技艺。",
                                                      "文化节将持续一周，吸引了大批游客。"])),
        ("窑址.pdf", pdf_bytes("上林湖考古新发现", [f"考古队在上林湖发现了一处{PDF_WORD}，出土大量瓷片。",
                                                   "专家认为这一发现对研究越窑历史意义重大。"])),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"articles", "files", "skipped", "outcomes"}
    assert body["skipped"] == []
    assert len(body["files"]) == 3
    assert [(o["name"], o["status"], o["file"]) for o in body["outcomes"]] == [
        (name, "indexed", f) for name, f in zip(("运河 手艺.txt", "蚕桑.docx", "窑址.pdf"), body["files"], strict=True)]
    assert sorted(a for o in body["outcomes"] for a in o["articles"]) == sorted(body["articles"])
    assert all(re.fullmatch(r"uploads/\d{4}-\d{2}-\d{2}/[^/]+", f) for f in body["files"])
    assert [Path(f).suffix for f in body["files"]] == [".txt", ".docx", ".pdf"]
    assert all((corpus / f).is_file() for f in body["files"])
    by_file: dict[str, list[str]] = {}
    for article_id in body["articles"]:
        by_file.setdefault(client.get(f"/api/articles/{article_id}").get_json()["file"], []).append(article_id)
    assert set(by_file) == set(body["files"])
    for name, word in zip(body["files"], (TXT_WORD, DOCX_WORD, PDF_WORD), strict=True):
        assert_findable(client, by_file[name], word)

    article = {"title": "余杭竹编", "text": f"余杭的{JSON_WORD}历史悠久。\n\n作品远销海外。",
               "source": "杭州日报", "date": "2024-06-01", "url": "https://example.org/bamboo"}
    response = client.post("/api/articles", json=article, headers=AUTH)
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["articles"]) == 1 and body["files"][0].endswith(".jsonl")
    assert_findable(client, body["articles"], JSON_WORD)
    got = client.get(f"/api/articles/{body['articles'][0]}").get_json()
    assert (got["title"], got["source"], got["date"], got["url"]) == ("余杭竹编", "杭州日报", "2024-06-01",
                                                                      "https://example.org/bamboo")
    assert [p["text"] for p in got["paragraphs"]] == [f"余杭的{JSON_WORD}历史悠久。", "作品远销海外。"]

    after = client.get("/api/health").get_json()
    assert after["generation"] == before["generation"]  # added to the live generation, no rebuild
    assert after["articles"] == before["articles"] + 4
    assert WORD in client.get("/api/search", query_string={"q": WORD}).get_data(as_text=True)


def test_a_list_of_json_articles(client: FlaskClient) -> None:
    articles = [{"title": f"第{i}篇", "text": f"独特词语{n}出现在这里。"} for i, n in enumerate(["甲乙", "丙丁"])]
    response = client.post("/api/articles", json=articles, headers=AUTH)
    assert response.status_code == 201
    assert len(response.get_json()["articles"]) == 2


def test_sending_the_same_thing_twice_gives_the_same_answer(client: FlaskClient, dirs: tuple[Path, Path]) -> None:
    first = upload(client, ("同一.txt", txt_page(TXT_WORD))).get_json()
    second = upload(client, ("同一.txt", txt_page(TXT_WORD))).get_json()
    assert [o.pop("status") for o in first["outcomes"] + second["outcomes"]] == ["indexed", "unchanged"]
    assert first == second and first["articles"]
    assert len(uploaded_files(dirs[0])) == 1


def test_a_file_sent_again_is_not_parsed_again(client: FlaskClient, dirs: tuple[Path, Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import searcher.corpus.formats

    page = docx_bytes("桐乡蚕桑文化节开幕", [f"桐乡是{DOCX_WORD}之乡。"])
    first = upload(client, ("蚕桑.docx", page)).get_json()
    monkeypatch.setattr(searcher.corpus.formats, "extract", lambda path: pytest.fail("parsed again"))
    with store.writer_lock(dirs[1]):  # nor does it wait for the writer: nothing is written
        second = upload(client, ("蚕桑.docx", page)).get_json()
    assert [o["status"] for o in first["outcomes"] + second["outcomes"]] == ["indexed", "unchanged"]
    assert second["articles"] == first["articles"] and second["outcomes"][0]["paragraphs"] > 0


def test_an_unreadable_upload_is_reported_and_not_kept(client: FlaskClient, dirs: tuple[Path, Path]) -> None:
    response = upload(client, ("broken.pdf", b"%PDF-1.4 this is not really a pdf"), ("ok.txt", txt_page("鸬鹚")))
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["skipped"]) == 1
    assert body["skipped"][0]["path"].endswith("broken.pdf") and body["skipped"][0]["reason"]
    assert not body["skipped"][0]["path"].startswith("/")  # never the server's directories
    assert [Path(f).name for f in body["files"]] == ["ok.txt"]
    assert [p.name for p in uploaded_files(dirs[0])] == ["ok.txt"]


def test_file_over_the_limit_is_reported_and_the_rest_indexed(client: FlaskClient, dirs: tuple[Path, Path]) -> None:
    big = b"a" * (uploads.MAX_UPLOAD_BYTES + 1)
    response = upload(client, ("small.txt", txt_page("鸬鹚")), ("big.txt", big))
    assert response.status_code == 201
    body = response.get_json()
    assert [(o["name"], o["status"], o["code"]) for o in body["outcomes"]] == [
        ("small.txt", "indexed", None), ("big.txt", "skipped", "too_large")]
    assert [s["path"] for s in body["skipped"]] == ["big.txt"] and "over the limit" in body["skipped"][0]["reason"]
    assert [p.name for p in uploaded_files(dirs[0])] == ["small.txt"]
    # Alone, the big file is the whole request: refused with its own status, nothing saved.
    assert "big.txt" in assert_error(upload(client, ("big.txt", big)), 413, "request_entity_too_large")
    assert [p.name for p in uploaded_files(dirs[0])] == ["small.txt"]


def test_huge_body_is_refused_early_with_the_json_shape(dirs: tuple[Path, Path]) -> None:
    assert make_app(dirs).config["MAX_CONTENT_LENGTH"] == admin.MAX_REQUEST_BYTES
    client = make_app(dirs, MAX_CONTENT_LENGTH=1000).test_client()
    assert_error(upload(client, ("a.txt", b"x" * 2000)), 413, "request_entity_too_large")
    assert_error(client.post("/api/articles", json={"title": "t", "text": "x" * 2000}, headers=AUTH), 413,
                 "request_entity_too_large")
    assert uploaded_files(dirs[0]) == []


@pytest.mark.parametrize("name", ["virus.exe", "../../etc/passwd", "noext", "page.php"])
def test_unsupported_type_is_415(client: FlaskClient, dirs: tuple[Path, Path], name: str) -> None:
    assert "unsupported file type" in assert_error(upload(client, (name, b"data")), 415, "unsupported_media_type")
    assert uploaded_files(dirs[0]) == []


def test_body_that_is_neither_multipart_nor_json_is_415(client: FlaskClient) -> None:
    response = client.post("/api/articles", data="标题\n正文", content_type="text/plain", headers=AUTH)
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('{"title": "标题", "text": ', ""),
        ('{"text": "正文"}', "'title'"),
        ('{"title": "标题"}', "'text'"),
        ('{"title": "标题", "text": "   "}', "'text'"),
        ('{"title": "标题", "text": "正文", "date": "2024-13-01"}', "date"),
        ("[]", "empty"),
        ('[{"title": "a", "text": "b"}, {"title": "c"}]', "article 2"),
        ("null", "JSON object"),
        ('"just a string"', "JSON object"),
    ],
)
def test_bad_json_is_400(client: FlaskClient, dirs: tuple[Path, Path], body: str, fragment: str) -> None:
    response = client.post("/api/articles", data=body, content_type="application/json", headers=AUTH)
    assert fragment in assert_error(response, 400, "bad_request")
    assert uploaded_files(dirs[0]) == []  # not even the valid first article of a bad list


def test_multipart_without_files_is_400(client: FlaskClient) -> None:
    response = client.post("/api/articles", data={"other": "x"}, headers=AUTH, content_type="multipart/form-data")
    assert "files" in assert_error(response, 400, "bad_request")


def test_busy_writer_is_409_with_its_message(client: FlaskClient, dirs: tuple[Path, Path]) -> None:
    with store.writer_lock(dirs[1]):
        response = client.post("/api/articles", json={"title": "标题", "text": "正文。"}, headers=AUTH)
    message = assert_error(response, 409, "conflict")
    assert "another build or add" in message and "send them again" in message and "uploads/" in message
    # The file stays in the corpus (the source of truth): the next build or add indexes it.
    assert len(uploaded_files(dirs[0])) == 1
    assert client.post("/api/articles", json={"title": "标题", "text": "正文。"}, headers=AUTH).status_code == 201


# --- rebuilds -----------------------------------------------------------------------------------------------


def poll_until_finished(client: FlaskClient, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get("/api/rebuild/status", headers=AUTH).get_json()
        if status["state"] in {"done", "failed"}:
            return status
        time.sleep(0.05)
    raise AssertionError("rebuild did not finish")


def test_rebuild_runs_in_the_background_and_switches_generation(client: FlaskClient,
                                                                dirs: tuple[Path, Path]) -> None:
    idle = client.get("/api/rebuild/status", headers=AUTH).get_json()
    assert idle["state"] == "idle" and idle["generation"] is None
    old = client.get("/api/health").get_json()["generation"]
    added = client.post("/api/articles", json={"title": "新稿", "text": f"{JSON_WORD}再次上了新闻。"}, headers=AUTH)
    assert added.status_code == 201

    # Holding the writer lock keeps the build waiting, so "running" can be observed without racing it.
    with store.writer_lock(dirs[1]):
        response = client.post("/api/rebuild", headers=AUTH)
        assert response.status_code == 202
        assert response.get_json()["state"] == "running"
        assert "already running" in assert_error(client.post("/api/rebuild", headers=AUTH), 409, "conflict")
        assert client.get("/api/search", query_string={"q": WORD}).status_code == 200  # still serving
    status = poll_until_finished(client)

    assert status["state"] == "done", status
    assert status["error"] is None and status["skipped"] == []
    assert status["files_done"] == status["files_total"] == 2
    assert status["articles"] == 9 and status["paragraphs"] > 9
    assert status["started"] <= status["finished"]
    assert status["generation"] != old
    assert client.get("/api/health").get_json()["generation"] == status["generation"]
    # The uploaded article is in the corpus, so the rebuilt generation still has it.
    assert search_ids(client, JSON_WORD) == set(added.get_json()["articles"])
    # A finished rebuild can be followed by another.
    assert client.post("/api/rebuild", headers=AUTH).status_code == 202
    assert poll_until_finished(client)["state"] == "done"


def test_rebuild_refused_by_another_writer_is_reported_failed(dirs: tuple[Path, Path]) -> None:
    app = make_app(dirs, ADMIN_LOCK_WAIT=0)
    client = app.test_client()
    with store.writer_lock(dirs[1]):
        assert client.post("/api/rebuild", headers=AUTH).status_code == 202
        assert app.extensions["searcher.rebuilder"].join(10)
    status = client.get("/api/rebuild/status", headers=AUTH).get_json()
    assert status["state"] == "failed"
    assert "another build or add" in status["error"] and status["finished"]


# --- the page ---------------------------------------------------------------------------------------------


def assert_no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and " style=" not in html and not re.search(r"\son[a-z]+=", html)


def test_admin_page_form(client: FlaskClient) -> None:
    response = client.get("/admin")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert_no_inline_code(html)
    assert 'type="password"' in html and 'name="token"' in html and 'name="files"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'formaction="/admin/rebuild"' in html and 'formaction="/admin/status"' in html
    assert TOKEN not in html


def test_admin_page_wrong_token_is_401_and_changes_nothing(client: FlaskClient, dirs: tuple[Path, Path]) -> None:
    data = {"token": "guess", "files": [(io.BytesIO(txt_page("甲")), "a.txt")]}
    response = client.post("/admin/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 401 and response.mimetype == "text/html"
    assert "令牌错误" in response.get_data(as_text=True)
    assert uploaded_files(dirs[0]) == []
    # A bearer header does not stand in for the form field: the page's forms always carry the token.
    assert client.post("/admin/rebuild", data={}, headers=AUTH).status_code == 401


def test_admin_page_upload_rebuild_and_status(app: Flask, client: FlaskClient) -> None:
    data = {"token": TOKEN, "files": [(io.BytesIO(txt_page(TXT_WORD)), "运河.txt")]}
    response = client.post("/admin/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "已加入索引 1 篇文章" in html and 'href="/articles/uploads.' in html
    assert TOKEN not in html
    assert_no_inline_code(html)
    assert search_ids(client, TXT_WORD)

    response = client.post("/admin/rebuild", data={"token": TOKEN}, content_type="multipart/form-data")
    assert response.status_code == 200 and "已开始重建索引" in response.get_data(as_text=True)
    assert app.extensions["searcher.rebuilder"].join(30)
    html = client.post("/admin/status", data={"token": TOKEN}).get_data(as_text=True)
    assert "已完成" in html and "gen-" in html


def test_admin_page_shows_upload_errors_on_the_page(client: FlaskClient) -> None:
    data = {"token": TOKEN, "files": [(io.BytesIO(b"MZ"), "tool.exe")]}
    response = client.post("/admin/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 415 and response.mimetype == "text/html"
    assert "<p>没有可加入索引的文件：“tool.exe”：不支持的文件类型 .exe</p>" in response.get_data(as_text=True)
    response = client.post("/admin/upload", data={"token": TOKEN}, content_type="multipart/form-data")
    assert response.status_code == 400 and "没有选择文件" in response.get_data(as_text=True)


# --- batches: every good file indexed, every bad one reported (issue 8) --------------------------------------


def test_an_empty_file_in_a_batch_is_reported_and_the_good_ones_indexed(client: FlaskClient,
                                                                       dirs: tuple[Path, Path]) -> None:
    response = upload(client, ("one.txt", txt_page(TXT_WORD)), ("empty.md", b""), ("two.txt", txt_page(PDF_WORD)))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [(o["name"], o["status"], o["code"]) for o in body["outcomes"]] == [
        ("one.txt", "indexed", None), ("empty.md", "skipped", "empty"), ("two.txt", "indexed", None)]
    assert body["skipped"] == [{"path": "empty.md", "reason": "the file is empty"}]
    assert sorted(p.name for p in uploaded_files(dirs[0])) == ["one.txt", "two.txt"]
    assert search_ids(client, TXT_WORD) and search_ids(client, PDF_WORD)
    assert all(o["paragraphs"] > 0 and o["articles"] for o in body["outcomes"] if o["status"] == "indexed")


@pytest.mark.parametrize(
    ("files", "status", "code"),
    [
        ([("garbage.txt", b"\x00\x01\x02\xff" * 50)], 422, "unprocessable_entity"),
        ([("broken.pdf", b"%PDF-1.4 not really")], 422, "unprocessable_entity"),
        ([("empty.txt", b""), ("tool.exe", b"MZ")], 400, "bad_request"),
        ([("a.exe", b"MZ"), ("b.php", b"<?php")], 415, "unsupported_media_type"),
    ],
)
def test_a_batch_with_nothing_indexable_is_refused(client: FlaskClient, dirs: tuple[Path, Path],
                                                   files: list[tuple[str, bytes]], status: int, code: str) -> None:
    health = client.get("/api/health").get_json()
    message = assert_error(upload(client, *files), status, code)
    assert all(name in message for name, _ in files) and "没有可加入索引的文件" in message
    assert uploaded_files(dirs[0]) == []
    assert client.get("/api/health").get_json() == health


def test_an_upload_goes_to_the_corpus_the_index_was_built_from(dirs: tuple[Path, Path], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEARCHER_CORPUS", raising=False)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "corpus").mkdir(parents=True)
    monkeypatch.chdir(elsewhere)  # where the relative default `corpus` would be the wrong place
    client = make_app(dirs, CORPUS_DIR="corpus").test_client()
    body = upload(client, ("运河.txt", txt_page(TXT_WORD))).get_json()
    assert (dirs[0] / body["files"][0]).is_file()
    assert list((elsewhere / "corpus").iterdir()) == []
    assert make_app(dirs, CORPUS_DIR=None).test_client().get("/api/rebuild/status", headers=AUTH).status_code == 200


def test_a_server_configured_with_another_corpus_refuses_uploads(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    client = make_app(dirs, CORPUS_DIR=str(other)).test_client()
    message = assert_error(upload(client, ("运河.txt", txt_page(TXT_WORD))), 503, "service_unavailable")
    assert str(dirs[0].resolve()) in message and str(other) in message
    assert list(other.iterdir()) == [] and uploaded_files(dirs[0]) == []
    assert_error(client.post("/api/rebuild", headers=AUTH), 503, "service_unavailable")


# --- limits on what one request may create (issue 12) -------------------------------------------------------


def paragraphs_page(count: int, word: str = "") -> bytes:
    return ("长文\n\n" + "\n\n".join(f"第{n}段{word}，讲述运河边的故事。" for n in range(count))).encode()


def test_too_many_paragraphs_in_one_request_is_413_and_nothing_is_saved(client: FlaskClient,
                                                                       dirs: tuple[Path, Path],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARCHER_MAX_PARAGRAPHS", "10")
    health = client.get("/api/health").get_json()
    message = assert_error(upload(client, ("a.txt", paragraphs_page(6)), ("b.txt", paragraphs_page(6, "乙"))), 413,
                           "request_entity_too_large")
    assert "over the limit of 10 per request (SEARCHER_MAX_PARAGRAPHS)" in message
    assert uploaded_files(dirs[0]) == [] and client.get("/api/health").get_json() == health
    assert upload(client, ("a.txt", paragraphs_page(6))).status_code == 201  # within the limit


def test_a_file_with_too_many_paragraphs_is_skipped_in_its_batch(client: FlaskClient, dirs: tuple[Path, Path],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARCHER_MAX_FILE_PARAGRAPHS", "5")
    response = upload(client, ("long.txt", paragraphs_page(8)), ("short.txt", paragraphs_page(3, "丙")))
    assert response.status_code == 201
    outcomes = response.get_json()["outcomes"]
    assert [(o["name"], o["status"], o["code"]) for o in outcomes] == [
        ("long.txt", "skipped", "too_many_paragraphs"), ("short.txt", "indexed", None)]
    assert "SEARCHER_MAX_FILE_PARAGRAPHS" in outcomes[0]["reason"]
    assert [p.name for p in uploaded_files(dirs[0])] == ["short.txt"]


def test_a_docx_of_200000_paragraphs_is_refused_unparsed_and_without_the_lock(client: FlaskClient,
                                                                            dirs: tuple[Path, Path],
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from test_uploads import docx_with

    import searcher.corpus.formats

    def never(path: Path) -> Any:
        raise AssertionError("the huge .docx was parsed")

    monkeypatch.setattr(searcher.corpus.formats, "extract", never)
    with store.writer_lock(dirs[1]):  # another writer busy: the refusal must not wait for (or take) the lock
        response = upload(client, ("bomb.docx", docx_with(200_000)))
    message = assert_error(response, 413, "request_entity_too_large")
    assert "bomb.docx" in message and "per file" in message
    assert uploaded_files(dirs[0]) == []


# --- hostile JSON, a full disk, health after a removal (issue 12) ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('{"title": "\\ud800", "text": "正文"}', "not valid Unicode"),
        ('{"title": "标题", "text": "正文\\udfff"}', "not valid Unicode"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"a": ' * 50_000 + "1" + "}" * 50_000, "nested too deeply"),
    ],
)
def test_hostile_json_is_400_not_500(client: FlaskClient, dirs: tuple[Path, Path], body: str, fragment: str) -> None:
    response = client.post("/api/articles", data=body, content_type="application/json", headers=AUTH)
    assert fragment in assert_error(response, 400, "bad_request")
    assert uploaded_files(dirs[0]) == []


def test_an_upload_on_a_full_disk_is_507(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = dirs
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        shutil.copytree(corpus, disk / "corpus")
        (disk / "corpus" / ".filler").write_bytes(b"\0" * 48_000)
        build_index(disk / "corpus", index)
        client = make_app((disk / "corpus", index)).test_client()
        health = client.get("/api/health").get_json()
        page = txt_page(TXT_WORD) * 60
        message = assert_error(upload(client, ("big.txt", page), ("small.txt", txt_page(PDF_WORD))), 507,
                               "insufficient_storage")
        assert "no space left" in message and "nothing was added" in message
        assert uploaded_files(disk / "corpus") == []  # nothing half-saved
        assert client.get("/api/health").get_json() == health
        (disk / "corpus" / ".filler").unlink()  # once there is room, the same request works
        assert upload(client, ("big.txt", page), ("small.txt", txt_page(PDF_WORD))).status_code == 201
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_health_does_not_count_a_removed_article(client: FlaskClient, dirs: tuple[Path, Path]) -> None:
    before = client.get("/api/health").get_json()
    remove_articles(["news-1"], dirs[1])
    after = client.get("/api/health").get_json()
    assert after["articles"] == before["articles"] - 1
    assert after["paragraphs"] < before["paragraphs"]


def test_an_upload_without_an_index_is_503_and_saves_nothing(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    client = make_app((corpus, tmp_path / "never-built")).test_client()
    message = assert_error(upload(client, ("运河.txt", txt_page(TXT_WORD))), 503, "index_missing")
    assert "searcher build" in message
    assert uploaded_files(corpus) == []
