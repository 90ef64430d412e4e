"""The HTML pages with Flask's test client against a real index: content, escaping, errors, headers."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient
from web_fixtures import LONE, MISSING, SOURCES, UNIQUE, WORD, XSS_TITLE
from werkzeug.datastructures import MultiDict

from searcher.models import ArticleRef, Paragraph, SearchResult
from web import create_app
from web.params import SearchParams, parse_search_args
from web.presenters import Pager, citation, sections
from web.security import HEADERS

PARTIAL_NOTICE = "没有完全匹配的结果，以下为部分匹配"


def page(client: FlaskClient, url: str, status: int = 200, **query: str) -> str:
    with client.get(url, query_string=query or None) as response:
        assert response.status_code == status, response.data[:500]
        assert response.mimetype == "text/html"
        assert response.mimetype_params.get("charset") == "utf-8"
        return response.get_data(as_text=True)


class Tags(HTMLParser):
    """Collects start tags with their attributes, to check markup rather than grep for substrings."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def first_article_link(html: str) -> str:
    match = re.search(r'<h2 class="hit-title"><a href="([^"]+)"', html)
    assert match, "no result link"
    return match.group(1).replace("&amp;", "&")


# --- home and form -------------------------------------------------------------------------------------------


def test_home_is_an_accessible_form(client: FlaskClient) -> None:
    html = page(client, "/")
    assert html.startswith("<!doctype html>")
    tags = Tags(html)
    assert tags.find("html", lang="zh-CN")
    assert tags.find("meta", charset="utf-8")
    assert tags.find("meta", name="viewport")
    form = tags.find("form", role="search")[0]
    assert form["action"] == "/search" and form["method"] == "get"
    for control in ("q", "source", "date_from", "date_to", "sort", "range"):
        assert tags.find("label", **{"for": control}), control
        assert [t for t in tags.tags if t[1].get("id") == control and t[1].get("name") == control]
    options = [a.get("value") for a in tags.find("option")]
    assert options == ["relevance", "newest", "", "day", "week", "month", "year", "", *sorted(SOURCES)]
    date_from = tags.find("input", id="date_from")[0]
    assert date_from["type"] == "date" and date_from["min"] and date_from["max"]
    assert 'class="results"' not in html


@pytest.mark.parametrize("query", [{"q": ""}, {"q": "   "}, {}])
def test_empty_query_shows_the_form(client: FlaskClient, query: dict[str, str]) -> None:
    html = page(client, "/search", **query)
    assert 'role="search"' in html and 'class="results"' not in html


# --- results -------------------------------------------------------------------------------------------------


def test_results_show_passages_with_attribution(client: FlaskClient) -> None:
    html = page(client, "/search", q=WORD)
    assert re.search(r"找到 <strong>\d+</strong> 条结果，用时 [\d.]+ 毫秒", html)
    assert html.count('<li class="hit">') == 10
    assert f"<mark>{WORD}</mark>" in html
    assert re.search(r"第\d+段", html)
    assert 'class="byline"' not in html or "</span>" in html
    assert 'class="source"' in html and "<time datetime=" in html
    assert "嘉兴绿色能源发展调查" in html or "海宁绿色能源发展调查" in html
    assert '<ol class="hits" start="1">' in html
    assert PARTIAL_NOTICE not in html


def test_result_links_open_the_article_at_the_paragraph(client: FlaskClient) -> None:
    html = page(client, "/search", q=UNIQUE)
    link = first_article_link(html)
    assert re.fullmatch(r"/articles/[^?#]+\?p=4&q=[^#]+#p-4", link), link
    article = page(client, link.split("#")[0])
    assert '<p id="p-4" class="para current" aria-current="location">' in article
    assert article.count('class="para current"') == 1
    assert UNIQUE in article


def test_citation_block(client: FlaskClient) -> None:
    html = page(client, "/search", q=UNIQUE)
    forms = dict(re.findall(r'<p class="cite-text" id="cite-1-(\w+)">(.*?)</p>', html))
    assert forms == {"gbt": "[1] 平湖绿色能源发展调查（3）[N]. 浙江日报, 2023-10-13. https://example.com/news/3.",
                     "plain": "《平湖绿色能源发展调查（3）》，浙江日报，2023年10月13日，第4段。"}
    assert 'data-copy-target="cite-1-gbt" hidden' in html and 'data-copy-target="cite-1-plain" hidden' in html
    match = re.search(r'<dt>带链接</dt><dd><p class="cite-text" id="cite-1">(.*?)</p>', html, re.S)
    assert match
    text = match.group(1)
    assert text.startswith("《平湖绿色能源发展调查（3）》，")
    assert "第4段" in text and "http://localhost/articles/" in text and "#p-4" in text
    assert "原文：https://example.com/news/3" in text
    assert 'data-copy-target="cite-1" hidden' in html


def test_pagination(client: FlaskClient) -> None:
    first = page(client, "/search", q=WORD)
    tags = Tags(first)
    nav = re.search(r'<nav class="pagination" aria-label="分页">(.*?)</nav>', first, re.S)
    assert nav and "上一页" in nav.group(1) and 'aria-disabled="true">上一页' in nav.group(1)
    assert unquote(tags.find("a", rel="next")[0]["href"] or "") == f"/search?q={WORD}&page=2"
    assert tags.find("a", **{"aria-current": "page"})
    second = page(client, "/search", q=WORD, page="2")
    assert '<ol class="hits" start="11">' in second
    tags = Tags(second)
    assert unquote(tags.find("a", rel="prev")[0]["href"] or "") == f"/search?q={WORD}"
    assert set(re.findall(r'id="cite-(\d+)"', second)) == {str(n) for n in range(11, 21)}


def test_pagination_keeps_filters_and_size(client: FlaskClient) -> None:
    html = page(client, "/search", q=WORD, size="5", source=SOURCES[0])
    href = Tags(html).find("a", rel="next")[0]["href"]
    assert href is not None
    assert "page=2" in href and "size=5" in href and "source=" in href
    assert '<input type="hidden" name="size" value="5">' in html
    assert f'<option value="{SOURCES[0]}" selected>' in html


def test_page_beyond_the_last(client: FlaskClient) -> None:
    last = -(-page_total(client, q=WORD) // 10)
    html = page(client, "/search", q=WORD, page="99")
    assert f"<p>第 99 页没有结果，共 {last} 页。</p>" in html and "回到第一页" in html
    assert '<nav class="pagination"' not in html and '<li class="hit">' not in html


def page_total(client: FlaskClient, **query: str) -> int:
    return client.get("/api/search", query_string=query).get_json()["total"]


def page_links(html: str) -> set[str]:
    return {unquote(a["href"] or "") for a in Tags(html).find("a") if "page=" in (a.get("href") or "")}


@pytest.mark.parametrize("query", [{"q": WORD}, {"q": WORD, "per_article": "1"}, {"q": WORD, "source": SOURCES[1]},
                                   {"q": WORD, "size": "7", "date_from": "2023-11-01"}])
def test_every_page_offered_has_hits(client: FlaskClient, query: dict[str, str]) -> None:
    """Follow every page link from the first page on: each has hits, and together they hold what was counted."""
    first = page(client, "/search", **query)
    pages, offered = {"first": first}, page_links(first)
    while offered - set(pages):
        url = sorted(offered - set(pages))[0]
        pages[url] = page(client, url)
        assert '<li class="hit">' in pages[url], url
        offered |= page_links(pages[url])
    hits = sum(html.count('<li class="hit">') for html in pages.values())
    counted = {int(n) for html in pages.values() for n in re.findall(r"找到 <strong>(\d+)</strong> 条结果", html)}
    assert counted == {hits} and hits > 0
    assert len(pages) == -(-hits // int(query.get("size", "10")))


def fake_result(monkeypatch: pytest.MonkeyPatch, total: int, hits: int, page_no: int = 1) -> None:
    """Make the engine answer with `hits` real hits but claim `total`, as a filter used to make it do."""
    from searcher.search.engine import Engine

    real = Engine.search

    def search(self: Engine, query: str, **kwargs: object) -> SearchResult:
        found = real(self, WORD, size=10)
        return replace(found, total=total, page=page_no, hits=found.hits[:hits])

    monkeypatch.setattr(Engine, "search", search)


def test_no_hits_offers_no_pages_whatever_the_total_says(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_result(monkeypatch, total=79, hits=0)
    html = page(client, "/search", q="嘉兴 source:xyz")
    assert "找到 <strong>0</strong> 条结果" in html
    assert "没有找到与“<strong>嘉兴 source:xyz</strong>”相关的段落。" in html
    assert '<nav class="pagination"' not in html and "第 1 页没有结果" not in html


def test_a_short_page_is_the_last_page(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_result(monkeypatch, total=79, hits=3)
    html = page(client, "/search", q=WORD)
    assert html.count('<li class="hit">') == 3
    assert "找到 <strong>3</strong> 条结果" in html
    assert '<nav class="pagination"' not in html and "下一页" not in html


def test_partial_matches_notice(client: FlaskClient) -> None:
    html = page(client, "/search", q=f"{WORD} {LONE}")
    assert html.count(f'<p class="notice notice-partial">{PARTIAL_NOTICE}</p>') == 1
    assert html.index(PARTIAL_NOTICE) < html.index('<li class="hit">')
    assert PARTIAL_NOTICE not in page(client, "/search", q=WORD)
    assert PARTIAL_NOTICE not in page(client, "/search", q=MISSING)


def test_no_results_message(client: FlaskClient) -> None:
    html = page(client, "/search", q=MISSING)
    assert "没有找到与“<strong>恐龙化石</strong>”相关的段落" in html
    assert '<li class="hit">' not in html and '<nav class="pagination"' not in html
    filtered = page(client, "/search", q=MISSING, source=SOURCES[0])
    assert "去掉来源、作者和日期筛选再试" in filtered


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": WORD, "page": "0"}, "页码必须从 1 开始"),
        ({"q": WORD, "page": "x"}, "页码必须是整数"),
        ({"q": WORD, "page": "1234567890"}, "页码太大，最多 9 位数字"),
        ({"q": WORD, "page": "-1234567890"}, "页码太小，最多 9 位数字"),
        ({"q": WORD, "size": "1000"}, "每页条数必须在 1 到 100 之间"),
        ({"q": WORD, "size": "ten"}, "每页条数必须是整数"),
        ({"q": WORD, "per_article": "11"}, "每篇文章的段数必须在 1 到 10 之间"),
        ({"q": WORD, "date_from": "2023/01/01"}, "起始日期应为 2024-11-30 这样的日期"),
        ({"q": WORD, "date_to": "2023-13-45"}, "截止日期应为 2024-11-30 这样的日期"),
    ],
)
def test_bad_parameters_show_a_friendly_error(client: FlaskClient, query: dict[str, str], message: str) -> None:
    html = page(client, "/search", 400, **query)
    assert f'<div class="notice notice-error" role="alert">\n  <p><strong>无法完成搜索：</strong>{message}</p>' in html
    assert "Traceback" not in html
    assert 'role="search"' in html


CUT_NOTICE = '<p class="notice notice-cut" role="status">查询过长，已截取前 500 个字进行搜索。</p>'


def test_an_over_long_query_is_cut_and_the_page_says_so(client: FlaskClient) -> None:
    pasted = UNIQUE + "。" + "的" * 1997
    html = page(client, "/search", q=pasted)
    assert html.count(CUT_NOTICE) == 1
    assert Tags(html).find("input", id="q")[0]["value"] == pasted[:500]
    assert f"<mark>{UNIQUE}</mark>" in html
    assert CUT_NOTICE not in page(client, "/search", q=UNIQUE + "的" * 497)
    with_error = page(client, "/search", 400, q=pasted, page="0")
    assert CUT_NOTICE in with_error and "<strong>无法完成搜索：</strong>页码必须从 1 开始</p>" in with_error
    # The API does not guess: a query over the limit is refused.
    assert client.get("/api/search", query_string={"q": pasted}).status_code == 400


def test_the_query_box_does_not_cut_silently(client: FlaskClient) -> None:
    """A maxlength would make the browser drop the rest of a pasted text without a word."""
    for url in ("/", "/articles/news-1"):
        assert all("maxlength" not in attrs for attrs in Tags(page(client, url)).find("input"))


# --- escaping ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["<script>alert(1)</script>", f"<b>{WORD}</b>", '"><img src=x onerror=alert(1)>'])
def test_query_is_escaped_everywhere(client: FlaskClient, query: str) -> None:
    for html in (page(client, "/search", q=query), page(client, f"/articles/news-1?q={query}&p=2")):
        assert query not in html
        assert "<script>alert" not in html and "<b>" not in html and "<img src=x" not in html


def test_corpus_text_is_escaped(client: FlaskClient) -> None:
    html = page(client, "/search", q="储能")
    assert XSS_TITLE not in html and "&lt;script&gt;" in html
    assert "<b>储能</b>" not in html and "<img src=x" not in html
    assert "&lt;b&gt;" in html
    article = page(client, "/articles/news-xss")
    assert "<script>alert" not in article and "<img src=x" not in article and "<b>" not in article


def test_only_web_urls_become_links(client: FlaskClient) -> None:
    assert 'href="https://example.com/news/1"' in page(client, "/articles/news-1")
    html = page(client, "/articles/news-xss")
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html


# --- article -------------------------------------------------------------------------------------------------


def test_article_page(client: FlaskClient) -> None:
    html = page(client, "/articles/news-3")
    assert "<h1>平湖绿色能源发展调查（3）</h1>" in html
    numbers = [int(n) for n in re.findall(r'<p id="p-(\d+)" class="para', html)]
    assert numbers == list(range(1, 8))
    assert 'class="para current"' not in html
    assert "<dt>来源</dt>" in html and "<dt>日期</dt>" in html and "<dt>文件</dt>" in html
    assert '<a class="para-anchor" href="#p-4"' in html


def test_article_shows_its_date_and_source_once(client: FlaskClient) -> None:
    html = page(client, "/articles/news-3")
    header = html[html.index('<article class="article">'):html.index('<div class="article-body">')]
    text = re.sub(r"<[^>]+>", "", header)
    assert text.count("2023-10-13") == 1 and text.count(SOURCES[1]) == 1
    assert '<dd><time datetime="2023-10-13">2023-10-13</time></dd>' in header


def test_article_marks_the_query_words_and_links_back(client: FlaskClient) -> None:
    html = page(client, "/articles/news-3", q=UNIQUE, p="4")
    assert f"<mark>{UNIQUE}</mark>" in html
    assert "返回“潮汐能”的搜索结果" in html


@pytest.mark.parametrize("p", ["abc", "0", "999", "9" * 50])
def test_article_ignores_a_bad_paragraph_number(client: FlaskClient, p: str) -> None:
    assert 'class="para current"' not in page(client, "/articles/news-3", p=p)


def test_unknown_article_is_a_404_page(client: FlaskClient) -> None:
    html = page(client, "/articles/no-such-thing", 404)
    assert "找不到这个页面或文章" in html and "返回首页" in html


def test_unknown_page_and_wrong_method(client: FlaskClient) -> None:
    assert "找不到" in page(client, "/no/such/page", 404)
    response = client.post("/search")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]


def test_missing_index_page_names_the_build_command(tmp_path: Path) -> None:
    client = create_app({"INDEX_DIR": str(tmp_path / "index")}).test_client()
    for url in ("/", "/search?q=光伏"):
        html = page(client, url, 503)
        assert "searcher build" in html and "Traceback" not in html


# --- markup rules and headers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", f"/search?q={WORD}", "/search?q=x&page=0", "/articles/news-3?p=2", "/articles/none", "/nope"]
)
def test_no_inline_script_or_style_and_no_external_resources(client: FlaskClient, url: str) -> None:
    html = client.get(url).get_data(as_text=True)
    tags = Tags(html)
    scripts = tags.find("script")
    assert scripts and all(s.get("src", "").startswith("/static/") for s in scripts)
    assert "<style" not in html
    assert all("style" not in attrs for _, attrs in tags.tags)
    assert not re.search(r"\son[a-z]+=", html)
    for tag, attrs in tags.tags:
        if "src" in attrs or tag == "link":
            assert (attrs.get("src") or attrs.get("href") or "").startswith("/"), attrs


@pytest.mark.parametrize(
    "url", ["/", f"/search?q={WORD}", "/search?page=x&q=1", "/articles/news-1", "/nope", "/static/style.css"]
)
def test_security_headers_on_every_page(client: FlaskClient, url: str) -> None:
    with client.get(url) as response:
        headers = response.headers
    for name, value in HEADERS.items():
        assert headers[name] == value
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["X-Frame-Options"] == "DENY"


def test_static_assets(client: FlaskClient) -> None:
    for name, mimetype in [("style.css", "text/css"), ("app.js", "text/javascript"), ("favicon.svg", "image/svg+xml")]:
        with client.get(f"/static/{name}") as response:
            assert response.status_code == 200
            assert response.mimetype == mimetype


# --- presenters and parameters (no request needed) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("page_no", "total", "expected"),
    [
        (1, 0, [1]),
        (1, 25, [1, 2, 3]),
        (1, 200, [1, 2, 3, None, 20]),
        (10, 200, [1, None, 8, 9, 10, 11, 12, None, 20]),
        (4, 200, [1, 2, 3, 4, 5, 6, None, 20]),
        (20, 200, [1, None, 18, 19, 20]),
    ],
)
def test_pager_window(page_no: int, total: int, expected: list[int | None]) -> None:
    assert Pager(page_no, 10, total).window() == expected


def test_pager_bounds() -> None:
    pager = Pager(3, 10, 25)
    assert (pager.last, pager.has_prev, pager.has_next, pager.first_rank) == (3, True, False, 21)


def test_citation_leaves_out_what_is_unknown() -> None:
    ref = ArticleRef("a", "标题", "", "", "", "f.txt", "/articles/a#p-2")
    assert citation(ref, 2, "http://h/articles/a#p-2") == "《标题》，第2段。链接：http://h/articles/a#p-2"


def test_sections_group_paragraphs_under_headings() -> None:
    paragraphs = [Paragraph(1, "a"), Paragraph(2, "b", "一"), Paragraph(3, "c", "一"), Paragraph(4, "d", "二")]
    assert [(s.heading, [p.number for p in s.paragraphs]) for s in sections(paragraphs)] == [
        ("", [1]),
        ("一", [2, 3]),
        ("二", [4]),
    ]


def test_article_shows_headings_once(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from searcher.models import Article
    from searcher.search.engine import Engine

    article = Article("h", "有小标题的文章", "记者 陈曦", [Paragraph(1, "导语"), Paragraph(2, "正文", "第一部分"),
                                                  Paragraph(3, "又一段", "第一部分")])  # fmt: skip
    monkeypatch.setattr(Engine, "article", lambda self, article_id: article)
    html = page(client, "/articles/h")
    assert html.count('<h2 class="subheading">第一部分</h2>') == 1
    assert html.index("导语") < html.index("第一部分") < html.index("正文")


def test_link_args_leave_out_defaults() -> None:
    params = parse_search_args(MultiDict({"q": " 光伏 ", "page": "2", "size": "10", "source": ""}))
    assert params == SearchParams(q="光伏", page=2)
    assert params.link_args(page=1) == {"q": "光伏"}
    assert params.link_args(page=3) == {"q": "光伏", "page": 3}
