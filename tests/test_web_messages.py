"""Chinese on every page: the library's English messages translated (web.messages), and every error path of the
HTML pages walked with the real app, asserting the exact Chinese shown and that no English sentence is."""

from __future__ import annotations

import io
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import WORD, build_test_index

from searcher.corpus import uploads
from searcher.corpus.reading import load_file
from searcher.errors import BadQuery, IndexBusy, IndexMissing, UnreadableFile
from searcher.search.engine import Engine, validate
from web import create_app
from web.messages import ENGLISH_WORDS, bilingual, for_page, to_chinese

TOKEN = "a-long-enough-admin-token"


class VisibleText(HTMLParser):
    """The text a reader sees: the title and the body, without scripts, styles and code (commands to type)."""

    HIDDEN = {"script", "style", "code", "pre"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in self.HIDDEN

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in self.HIDDEN

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def english_sentences(html: str) -> list[str]:
    return [m.group(0) for part in VisibleText(html).parts for m in ENGLISH_WORDS.finditer(part)]


def library_message(call: Callable[[], Any]) -> str:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any library error: the message is what we test
        call()
    return str(caught.value)


# --- the translations, on messages the library really produces ------------------------------------------------


@pytest.mark.parametrize(
    ("call", "chinese"),
    [
        (lambda: validate("x", 0, 10, None, None), "页码必须从 1 开始"),
        (lambda: validate("x", 1, 101, None, None), "每页条数必须在 1 到 100 之间"),
        (lambda: validate("x", 1, 10, None, None, per_article=11), "每篇文章的段数必须在 1 到 10 之间"),
        (lambda: validate("光" * 501, 1, 10, None, None), "查询词不能超过 500 个字"),
        (lambda: validate("x", 1, 10, "2024-02-30", None), "起始日期应为 2024-11-30 这样的日期"),
        (lambda: validate("x", 1, 10, None, "abc"), "截止日期应为 2024-11-30 这样的日期"),
        (lambda: uploads.check_upload("运河.exe", 5), "“运河.exe”：不支持的文件类型 .exe"),
        (lambda: uploads.check_upload("a.txt", 0), "“a.txt”：文件是空的"),
        (lambda: uploads.check_upload("big.txt", uploads.MAX_UPLOAD_BYTES + 1),
         f"“big.txt”：文件有 {uploads.MAX_UPLOAD_BYTES + 1} 字节，超过了 {uploads.MAX_UPLOAD_BYTES} 字节的上限"),
        (lambda: uploads.validate_article({"title": "t"}), "text 必须是非空的文字"),
        (lambda: uploads.validate_article({"title": "t", "text": "x", "titel": 1}),
         "未知字段 titel，允许的字段：title, text, source, date, url"),
        (lambda: uploads.validate_article({"title": "t", "text": "x", "date": "2024-02-30"}),
         "date 必须是 2024-11-30 这样的真实日期"),
    ],
)
def test_library_messages_have_chinese(call: Callable[[], Any], chinese: str) -> None:
    assert to_chinese(library_message(call)) == chinese


@pytest.mark.parametrize(
    ("content", "suffix", "chinese"),
    [
        (b"\x00\x01\x02\x03" * 64, ".txt", "这是二进制文件，不是文字"),
        (b"", ".md", "文件是空的"),
        (b"not a pdf", ".pdf", "无法读取这个 PDF"),
        (b"not a zip", ".docx", "无法读取这个 .docx 文件"),
        (b"<html><body></body></html>", ".html", "网页中没有找到正文"),
        (b"\xef\xbb\xbf", ".txt", "文件是空的"),
    ],
)
def test_skip_reasons_have_chinese(tmp_path: Path, content: bytes, suffix: str, chinese: str) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as caught:
        load_file(path, tmp_path)
    assert to_chinese(caught.value.reason) == chinese


def test_index_messages_have_chinese(tmp_path: Path) -> None:
    missing = IndexMissing(str(tmp_path / "idx"))
    assert to_chinese(str(missing)) == f"还没有建立索引，请运行 searcher build --index {tmp_path / 'idx'}"
    busy = IndexBusy(f"another build or add (pid 42) is writing {tmp_path}; try again when it has finished")
    assert to_chinese(str(busy)) == "另一个建立或更新索引的进程（pid 42）正在写入，请稍后再试"


def test_a_list_of_json_articles_names_the_article() -> None:
    assert to_chinese("article 3: 'title' must be a non-empty string") == "第 3 篇文章：title 必须是非空的文字"


def test_a_chinese_gloss_is_used_and_chinese_passes_through() -> None:
    assert to_chinese("a rebuild is already running（索引正在重建）") == "索引正在重建"
    assert to_chinese("管理令牌错误，请重新输入。") == "管理令牌错误，请重新输入。"


def test_unknown_english_never_reaches_a_page() -> None:
    assert to_chinese("something nobody translated yet") is None
    assert to_chinese("file is too large: at most 9 digits") is None  # only the search parameters are named
    assert for_page("something nobody translated yet", 400) == "请求参数有误。"
    assert for_page("something nobody translated yet", 418) == "请求未能完成，请稍后再试。"
    assert for_page("something nobody translated yet", fallback="无法读取此文件") == "无法读取此文件"


def test_bilingual_keeps_the_english_and_adds_the_chinese_once() -> None:
    assert bilingual("page must be 1 or more", 400) == "page must be 1 or more（页码必须从 1 开始）"
    assert bilingual("something odd happened", 500) == "something odd happened（服务器出了点问题，请稍后再试）"
    glossed = "a rebuild is already running（索引正在重建）"
    assert bilingual(glossed, 409) == glossed


# --- every error path of the pages ----------------------------------------------------------------------------


def html_of(client: FlaskClient, method: str, url: str, status: int, **kwargs: Any) -> str:
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert english_sentences(html) == [], url
    return html


@pytest.mark.parametrize(
    ("method", "url", "status", "shown"),
    [
        ("get", f"/search?q={WORD}&page=0", 400, "<strong>无法完成搜索：</strong>页码必须从 1 开始</p>"),
        ("get", f"/search?q={WORD}&page=abc", 400, "<strong>无法完成搜索：</strong>页码必须是整数</p>"),
        ("get", f"/search?q={WORD}&page=12345678901", 400,
         "<strong>无法完成搜索：</strong>页码太大，最多 9 位数字</p>"),
        ("get", f"/search?q={WORD}&size=0", 400, "<strong>无法完成搜索：</strong>每页条数必须在 1 到 100 之间</p>"),
        ("get", f"/search?q={WORD}&per_article=x", 400, "<strong>无法完成搜索：</strong>每篇文章的段数必须是整数</p>"),
        ("get", f"/search?q={WORD}&date_from=2024-13-01", 400,
         "<strong>无法完成搜索：</strong>起始日期应为 2024-11-30 这样的日期</p>"),
        ("get", f"/search?q={'光伏' * 300}", 200, "查询过长，已截取前 500 个字进行搜索。"),
        ("get", f"/search?q={WORD}&page=50", 200, "<p>第 50 页没有结果，共 3 页。</p>"),
        ("get", "/search?q=恐龙化石", 200, "<p>没有找到与“<strong>恐龙化石</strong>”相关的段落。</p>"),
        ("get", "/search?q=光伏 鲸鱼", 200, "没有完全匹配的结果，以下为部分匹配"),
        ("get", "/articles/no-such-article", 404, "<h1>找不到这个页面或文章。</h1>"),
        ("get", "/no/such/page", 404, "<h1>找不到这个页面或文章。</h1>"),
        ("post", "/search", 405, "<h1>不支持这种请求方式。</h1>"),
        ("delete", "/articles/news-1", 405, "<h1>不支持这种请求方式。</h1>"),
    ],
)
def test_search_and_article_pages_speak_chinese(client: FlaskClient, method: str, url: str, status: int,
                                               shown: str) -> None:
    assert shown in html_of(client, method, url, status)


def test_missing_index_page(tmp_path: Path) -> None:
    client = create_app({"INDEX_DIR": str(tmp_path / "index")}).test_client()
    for url in ("/", "/search?q=光伏", "/articles/x"):
        html = html_of(client, "get", url, 503)
        assert "<h1>检索服务暂时不可用。</h1>" in html
        assert f"<pre><code>searcher build --index {tmp_path / 'index'}</code></pre>" in html


@pytest.mark.parametrize(
    ("error", "status", "heading"),
    [
        (RuntimeError("secret detail"), 500, "服务器出了点问题，请稍后再试。"),
        (IndexBusy("another build or add (pid 7) is writing x; try again when it has finished"), 503,
         "检索服务暂时不可用。"),
        (BadQuery("a new check nobody translated yet"), 400, "请求参数有误。"),
    ],
)
def test_failures_of_the_engine_are_chinese_pages(client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
                                                  error: Exception, status: int, heading: str) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(Engine, "article", fail)
    monkeypatch.setattr(Engine, "search", fail)
    assert f"<h1>{heading}</h1>" in html_of(client, "get", "/articles/news-1", status)
    if isinstance(error, BadQuery):  # on the search page, next to the form
        html = html_of(client, "get", f"/search?q={WORD}", 400)
        assert f"<strong>无法完成搜索：</strong>{heading}</p>" in html


# --- the admin page -------------------------------------------------------------------------------------------


@pytest.fixture
def admin_app(tmp_path: Path) -> Flask:
    index = build_test_index(tmp_path)
    return create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(tmp_path / "corpus"), "ADMIN_TOKEN": TOKEN,
                       "ADMIN_LOCK_WAIT": 0.1})


def post_files(client: FlaskClient, status: int, *files: tuple[bytes, str], token: str = TOKEN) -> str:
    data = {"token": token, "files": [(io.BytesIO(content), name) for content, name in files]}
    return html_of(client, "post", "/admin/upload", status, data=data, content_type="multipart/form-data")


def test_admin_page_speaks_chinese(admin_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    client = admin_app.test_client()
    html_of(client, "get", "/admin", 200)
    assert "<p>管理令牌错误，请重新输入。</p>" in post_files(client, 401, (b"x", "a.txt"), token="wrong")
    refused = "<p>没有可加入索引的文件：“tool.exe”：不支持的文件类型 .exe</p>"
    assert refused in post_files(client, 415, (b"MZ", "tool.exe"))
    assert "<p>没有选择文件</p>" in post_files(client, 400)
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
    too_big = "<p>没有可加入索引的文件：“big.txt”：文件有 11 字节，超过了 10 字节的上限</p>"
    assert too_big in post_files(client, 413, (b"x" * 11, "big.txt"))


def test_admin_page_reasons_for_unreadable_files_are_chinese(admin_app: Flask) -> None:
    """Whether a batch with a bad file is refused or reported file by file, the reason is in Chinese."""
    client = admin_app.test_client()
    response = client.post("/admin/upload", content_type="multipart/form-data",
                           data={"token": TOKEN, "files": [(io.BytesIO(b"\x00\x01" * 200), "garbage.txt")]})
    html = response.get_data(as_text=True)
    assert english_sentences(html) == []
    assert "garbage.txt：这是二进制文件，不是文字" in html or "“garbage.txt”：这是二进制文件，不是文字" in html
