"""Facet counts (issue 11 item 4, issue 8 item 2): source, reporter and year counts of exactly what `total` counts,
honest under every filter, and links on the page that narrow to exactly the counted hits."""

from __future__ import annotations

import pytest

from searcher.page.names import byline_names
from searcher.search.facets import FACETS

ARTICLES = [
    {"id": "a1", "title": "光伏产业一", "byline": "记者 陈一薇 通讯员 王忱", "source": "嘉兴日报", "date": "2024-03-01",
     "text": "光伏企业扩大生产。\n光伏玻璃实现突破。"},
    {"id": "a2", "title": "光伏产业二", "byline": "■记者 陈曦", "source": "嘉兴日报", "date": "2023-05-02",
     "text": "光伏电站并网发电。"},
    {"id": "a3", "title": "光伏产业三", "byline": "记者 陈一薇", "source": "南湖晚报", "date": "2024-07-09",
     "text": "屋顶光伏走进乡村。\n乡村光伏带来收益。\n光伏板清洗服务兴起。"},
    {"id": "a4", "title": "湖边", "byline": "记者 高柱强", "source": "浙江日报", "date": "2022-01-01",
     "text": "南湖的游客很多。"},
]


@pytest.fixture(scope="module")
def facet_index(tmp_path_factory):
    from conftest import jsonl_index

    return jsonl_index(tmp_path_factory.mktemp("facets"), ARTICLES)


@pytest.fixture(scope="module")
def eng(facet_index):
    from searcher.search.engine import Engine

    return Engine(facet_index)


@pytest.fixture(scope="module")
def web(facet_index):
    from web import create_app

    return create_app({"INDEX_DIR": str(facet_index), "TESTING": True}).test_client()


def counts(result, name):
    return {entry["value"]: entry["count"] for entry in result.facets[name]}


def test_byline_names_use_the_byline_grammar():
    assert byline_names("记者 陈一薇 通讯员 王忱") == ["陈一薇", "王忱"]
    assert byline_names("■记者 陈曦") == ["陈曦"]
    assert byline_names("本报记者：钟雨桐 通讯员：韩立峰") == ["钟雨桐", "韩立峰"]
    assert byline_names("新华社") == [] and byline_names("") == []


def test_counts_are_exact_paragraphs(eng):
    result = eng.search("光伏", facets=True)
    assert result.total == 6
    assert counts(result, "source") == {"嘉兴日报": 3, "南湖晚报": 3}
    assert counts(result, "author") == {"陈一薇": 5, "王忱": 2, "陈曦": 1}
    assert counts(result, "year") == {"2024": 5, "2023": 1}
    assert sum(counts(result, "month").values()) == 6 and all(len(m) == 7 for m in counts(result, "month"))
    assert "浙江日报" not in counts(result, "source") and "高柱强" not in counts(result, "author")
    assert result.facets["source"][0]["value"] == "南湖晚报"  # ties by value
    assert result.facets_sampled is False


def test_counts_follow_per_article_folding(eng):
    result = eng.search("光伏", per_article=1, facets=True)
    assert result.total == 3
    assert counts(result, "source") == {"嘉兴日报": 2, "南湖晚报": 1}
    assert counts(result, "author") == {"陈一薇": 2, "王忱": 1, "陈曦": 1}


@pytest.mark.parametrize("kwargs, query", [
    ({"source": "嘉兴日报"}, "光伏"), ({}, "光伏 source:嘉兴日报"), ({"author": "陈一薇"}, "光伏"),
    ({"date_from": "2024-01-01"}, "光伏"), ({}, "光伏 date:2024"),
])
def test_counts_are_honest_under_filters(eng, kwargs, query):
    result = eng.search(query, facets=True, **kwargs)
    assert sum(counts(result, "source").values()) == result.total
    assert sum(counts(result, "year").values()) == result.total
    for name, param in (("source", "source"), ("author", "author")):
        for value, count in counts(result, name).items():
            assert eng.search(query, **{**kwargs, param: value}).total == count


def test_filter_removes_values(eng):
    result = eng.search("光伏", source="南湖晚报", facets=True)
    assert counts(result, "source") == {"南湖晚报": 3}
    assert counts(result, "author") == {"陈一薇": 3}
    assert counts(result, "year") == {"2024": 3}


def test_listing_without_words_counts_articles(eng):
    result = eng.search("source:嘉兴日报", facets=True)
    assert result.total == 2 and counts(result, "year") == {"2024": 1, "2023": 1}


def test_facets_only_when_asked(eng):
    assert eng.search("光伏").facets is None
    assert "facets" not in eng.search("光伏").to_dict()
    assert eng.search("不存在的词语组合", facets=True).total == 0


def test_api_returns_facets_only_when_asked(web):
    from web_fixtures import schema_errors

    document = web.get("/api/openapi.json").get_json()
    schema = document["components"]["schemas"]["SearchResult"]
    plain = web.get("/api/search?q=光伏").get_json()
    assert "facets" not in plain and not schema_errors(plain, schema, document)
    body = web.get("/api/search?q=光伏&facets=1&source=嘉兴日报").get_json()
    assert not schema_errors(body, schema, document)
    assert body["facets"]["source"] == [{"value": "嘉兴日报", "count": 3}]
    assert body["facets"]["author"] == [{"value": "王忱", "count": 2}, {"value": "陈一薇", "count": 2},
                                        {"value": "陈曦", "count": 1}]  # ties by code point
    assert body["facets_sampled"] is False


def test_api_refuses_a_bad_facets_flag(web):
    response = web.get("/api/search?q=光伏&facets=yes")
    assert response.status_code == 400 and response.get_json()["error"]["code"]


def facet_links(html: str, name: str) -> dict[str, str]:
    """value -> href of one facet group on the page."""
    import html as html_lib
    import re

    group = re.search(rf'data-facet="{name}">(.*?)</section>', html, re.S).group(1)
    return {value: html_lib.unescape(href)
            for href, value in re.findall(r'<li[^>]*>\s*<a href="([^"]+)">([^<]+)</a>', group)}


def test_page_facet_links_narrow_to_exactly_the_counted_hits(web, eng):
    from urllib.parse import parse_qs, urlsplit

    html = web.get("/search?q=光伏&per_article=1&sort=newest").get_data(as_text=True)
    assert 'data-facet="source"' in html and "来源" in html and "记者" in html and "年份" in html
    expected = {name: counts(eng.search("光伏", per_article=1, facets=True), name) for name in FACETS}
    for name in FACETS:
        links = facet_links(html, name)
        assert set(links) == set(expected[name])
        for value, href in links.items():
            args = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
            assert args["q"] == "光伏" and args["per_article"] == "1" and args["sort"] == "newest"
            narrowed = eng.search("光伏", per_article=1, sort="newest", source=args.get("source"),
                                  author=args.get("author"), date_from=args.get("date_from"),
                                  date_to=args.get("date_to"))
            assert narrowed.total == expected[name][value]
            page = web.get(href).get_data(as_text=True)
            assert f"<strong>{expected[name][value]}</strong> 条结果" in page
            assert "已选：" in page and "facet-remove" in page


def test_page_year_link_keeps_an_existing_date_range(web):
    from urllib.parse import parse_qs, urlsplit

    html = web.get("/search?q=光伏&date_from=2024-05-01").get_data(as_text=True)
    links = facet_links(html, "year")
    assert list(links) == ["2024"]
    args = parse_qs(urlsplit(links["2024"]).query)
    assert args["date_from"] == ["2024-05-01"] and args["date_to"] == ["2024-12-31"]


def test_page_active_filter_can_be_removed(web):
    import html as html_lib
    import re

    html = web.get("/search?q=光伏&source=南湖晚报").get_data(as_text=True)
    assert "已选：<strong>南湖晚报</strong>" in html
    remove = html_lib.unescape(re.search(r'class="facet-remove" href="([^"]+)"', html).group(1))
    assert "source=" not in remove and "q=" in remove
    assert "<strong>6</strong> 条结果" in web.get(remove).get_data(as_text=True)


@pytest.mark.browser
def test_clicking_a_facet_in_chromium_narrows_and_unclicking_restores(facet_index):
    import threading
    from pathlib import Path

    from web import create_app
    from web.server import create_server

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    server = create_server(create_app({"INDEX_DIR": str(facet_index)}), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), headless=True,
                                                 args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.effective_port}/search?q=光伏")
            assert "6" in page.locator("#results-summary strong").inner_text()
            page.locator('[data-facet="author"] a', has_text="陈曦").click()
            assert page.locator("#results-summary strong").inner_text() == "1"
            assert page.locator(".hit").count() == 1 and "陈曦" in page.locator(".hit").inner_text()
            page.locator(".facet-remove").click()
            assert page.locator("#results-summary strong").inner_text() == "6"
            browser.close()
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=5)
