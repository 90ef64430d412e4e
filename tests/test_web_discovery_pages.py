"""The discovery features on the HTML pages and in /api/search, with Flask's test client on the fixture articles:
did you mean, the corrected search, dates as written (chip and its ×), folding (另见), citations, exports,
syntax help, the advanced form, newest articles, keywords and related articles, related paragraphs."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from discovery_fixtures import build_discovery_index
from flask.testing import FlaskClient
from web_fixtures import response_schema, schema_errors

from searcher.search.advanced import build_query
from web import create_app
from web.openapi import openapi_document


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    index = build_discovery_index(tmp_path_factory.mktemp("discovery-pages"))
    return create_app({"INDEX_DIR": str(index), "TESTING": True, "DISCOVERY_WAIT": True}).test_client()


def page(client: FlaskClient, url: str, **query: str) -> str:
    response = client.get(url, query_string=query or None)
    assert response.status_code == 200, response.data[:300]
    return response.get_data(as_text=True)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def one(pattern: str, html: str) -> str:
    found = re.findall(pattern, html, re.S)
    assert len(found) == 1, (pattern, found)
    return found[0]


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(html_lib.unescape(href)).query)


def api(client: FlaskClient, **query: str) -> dict[str, Any]:
    body = client.get("/api/search", query_string=query).get_json()
    document = openapi_document()
    assert schema_errors(body, response_schema(document, "/api/search", 200), document) == []
    return body


def hit_ids(html: str) -> list[str]:
    return re.findall(r'<a class="related-link" href="/related/([^"]+)"', html)


# --- did you mean --------------------------------------------------------------------------------------------


def test_a_typo_is_offered_as_a_link_and_in_the_json(client: FlaskClient) -> None:
    html = page(client, "/search", q="隆基录能 投产")
    line = one(r'<p class="did-you-mean">(.*?)</p>', html)
    assert text_of(line) == "您是不是要找：隆基绿能 投产"
    assert query_of(one(r'href="([^"]+)"', line)) == {"q": ["隆基绿能 投产"]}
    assert "notice-corrected" not in html  # offered, not forced: the typed query found partial matches
    body = api(client, q="隆基录能 投产")
    assert (body["suggestion"], body["corrected"], body["query"]) == ("隆基绿能 投产", False, "隆基录能 投产")
    assert body["total"] > 0 and body["partial"] is True


def test_exact_words_get_no_suggestion(client: FlaskClient) -> None:
    html = page(client, "/search", q="景点")
    assert "did-you-mean" not in html and "notice-corrected" not in html
    assert api(client, q="景点")["suggestion"] is None


def test_a_query_that_found_nothing_shows_the_corrected_results_and_says_so(client: FlaskClient) -> None:
    html = page(client, "/search", q="jxgxq")
    notice = one(r'<p class="notice notice-corrected" role="status">(.*?)</p>', html)
    assert text_of(notice) == "没有找到“jxgxq”的结果，已显示“嘉兴高新区”的结果。"
    assert "did-you-mean" not in html
    assert '<mark>嘉兴高新区</mark>' in html
    body = api(client, q="jxgxq")
    assert (body["suggestion"], body["corrected"], body["query"]) == ("嘉兴高新区", True, "嘉兴高新区")
    assert body["total"] > 0 and "嘉兴高新区" in body["hits"][0]["text"]


def test_the_suggestion_keeps_the_written_date(client: FlaskClient) -> None:
    body = api(client, q="隆基录能 投产 2024年12月")
    assert body["suggestion"] == "隆基绿能 投产 2024年12月"
    html = page(client, "/search", q="隆基录能 投产 2024年12月")
    line = one(r'<p class="did-you-mean">(.*?)</p>', html)
    assert query_of(one(r'href="([^"]+)"', line)) == {"q": ["隆基绿能 投产 2024年12月"]}


# --- dates as written ----------------------------------------------------------------------------------------


def test_a_written_date_becomes_a_removable_chip(client: FlaskClient) -> None:
    html = page(client, "/search", q="南湖 2024年10月")
    chip = one(r'<span class="chip">(.*?)</span>', html)
    assert text_of(chip) == "日期：2024年10月 ×"
    remove = one(r'<a class="chip-remove" href="([^"]+)"', chip)
    assert query_of(remove) == {"q": ["南湖"]}
    assert hit_ids(html) == ["tour-p1"]  # only the October article, though 南湖 is in three
    without = page(client, unquote(html_lib.unescape(remove)))
    assert 'class="chip"' not in without
    assert set(hit_ids(without)) == {"tour-p1", "jxbl-p1", "park-p1"}


def test_relative_dates_and_the_json_date_filter(client: FlaskClient) -> None:
    body = api(client, q="去年 光伏")
    assert body["date_filter"] == {"text": "去年 光伏", "label": "去年（2024年）", "date_from": "2024-01-01",
                                   "date_to": "2024-12-31", "rest": "光伏"}
    assert body["query"] == "光伏" and {h["article"]["date"][:4] for h in body["hits"]} == {"2024"}
    assert text_of(one(r'<span class="chip">(.*?)</span>', page(client, "/search", q="去年 光伏"))) == \
        "日期：去年（2024年） ×"
    assert api(client, q="光伏")["date_filter"] is None
    # A date chosen in the form wins: the written one stays text.
    assert api(client, q="南湖 2024年10月", date_from="2024-01-01")["date_filter"] is None


# --- one story, one result -----------------------------------------------------------------------------------


def test_reprints_are_folded_under_the_best_ranked_copy(client: FlaskClient) -> None:
    unfolded = api(client, q="隆基绿能 投产", fold="0")
    body = api(client, q="隆基绿能 投产")
    wire = {"longi-1-p1", "longi-2-p1", "longi-3-p1"}
    assert wire <= {h["id"] for h in unfolded["hits"]}
    kept = [h for h in body["hits"] if h["id"] in wire]
    assert len(kept) == 1
    best = min((h for h in unfolded["hits"] if h["id"] in wire), key=lambda h: h["rank"])
    assert kept[0]["id"] == best["id"]
    others = {h["article"]["id"] for h in unfolded["hits"] if h["id"] in wire} - {best["article"]["id"]}
    assert {a["id"] for a in kept[0]["also_in"]} == others
    assert all(a["url"].startswith(f"/articles/{a['id']}#p-") for a in kept[0]["also_in"])
    assert body["folded"] == 2 and len(body["hits"]) == len(unfolded["hits"]) - 2
    assert body["total"] == unfolded["total"]  # the count is of paragraphs, folded or not
    assert all(h["also_in"] == [] for h in body["hits"] if h["id"] not in wire)
    assert "also_in" not in unfolded["hits"][0] and unfolded["folded"] == 0


def test_folding_on_the_page(client: FlaskClient) -> None:
    html = page(client, "/search", q="隆基绿能 投产")
    also = one(r'<details class="also-in">(.*?)</details>', html)
    assert text_of(one(r"<summary>(.*?)</summary>", also)) == "另见 2 篇文章"
    titles = re.findall(r'<li><a href="/articles/[^"]+">([^<]+)</a>', also)
    assert sorted(titles) == ["光伏龙头项目落户嘉兴高新区", "嘉兴高新区又添光伏新项目"]
    note = text_of(one(r'<p class="folded-note">(.*?)</p>', html))
    assert note.startswith("本页有 2 段与上方结果是同一篇报道的转载或近似稿件")
    assert "找到 <strong>6</strong> 条结果" in html  # the total is not lowered by folding


def test_a_shared_sentence_is_not_folded(client: FlaskClient) -> None:
    body = api(client, q="生态优先")
    assert {h["id"] for h in body["hits"]} == {"park-p1", "village-p1"} and body["folded"] == 0


# --- more like this, citations, exports ----------------------------------------------------------------------


def test_article_page_shows_clickable_keywords_and_related_articles(client: FlaskClient) -> None:
    html = page(client, "/articles/longi-1")
    keywords = re.findall(r'<li><a href="(/search\?q=[^"]+)">([^<]+)</a></li>', one(
        r'<section class="keywords">(.*?)</section>', html))
    words = [word for _, word in keywords]
    assert "隆基绿能" in words[:3]
    assert all(query_of(href) == {"q": [word]} for href, word in keywords)
    related = one(r'<section class="related-articles">(.*?)</section>', html)
    linked = re.findall(r'<a href="/articles/([^"]+)">', related)
    assert set(linked[:2]) == {"longi-2", "longi-3"} and "longi-1" not in linked


def test_related_paragraphs_of_a_hit(client: FlaskClient) -> None:
    html = page(client, "/search", q="加西贝拉 智能工厂")
    assert hit_ids(html)[0] == "jxbl-p3"
    related = page(client, "/related/jxbl-p3")
    assert "加西贝拉与嘉源和达合作建设的智能工厂" in related
    linked = re.findall(r'<h2 class="hit-title"><a href="/articles/([^?"]+)\?', related)
    assert linked and "jxbl" not in linked and linked[0] == "haining"  # 嘉源和达 is in the Haining article
    assert client.get("/related/nope").status_code == 404


def test_exports_and_the_feed_are_linked(client: FlaskClient) -> None:
    html = page(client, "/search", q="隆基绿能", source="嘉兴日报")
    tools = one(r'<p class="result-tools">(.*?)</p>', html)
    links = dict((text, href) for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', tools))
    assert set(links) == {"导出 CSV", "导出 JSON", "订阅 (Atom)"}
    assert urlsplit(html_lib.unescape(links["导出 CSV"])).path == "/api/search.csv"
    assert urlsplit(html_lib.unescape(links["导出 JSON"])).path == "/api/search.json"
    assert urlsplit(html_lib.unescape(links["订阅 (Atom)"])).path == "/feeds/search.atom"
    for href in links.values():
        assert query_of(href)["q"] == ["隆基绿能"] and query_of(href)["source"] == ["嘉兴日报"]
    assert query_of(links["订阅 (Atom)"])["sort"] == ["newest"]  # a followed topic shows its newest first
    assert "sort" not in query_of(links["导出 CSV"])  # the exports keep the page's order
    head = html.split("</head>")[0]
    feed = one(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', head)
    assert html_lib.unescape(feed) == html_lib.unescape(links["订阅 (Atom)"])
    csv_text = client.get(html_lib.unescape(links["导出 CSV"])).get_data(as_text=True)
    assert csv_text.count("\n") - 1 == api(client, q="隆基绿能", source="嘉兴日报")["total"]


def test_exports_use_the_written_date_like_the_page(client: FlaskClient) -> None:
    rows = client.get("/api/search.csv?q=南湖 2024年10月").get_data(as_text=True).strip().splitlines()
    assert len(rows) == 2 and "乌镇南湖景点迎来客流高峰" in rows[1]


def test_citations_per_hit(client: FlaskClient) -> None:
    html = page(client, "/search", q="加西贝拉 销量")
    assert one(r'<p class="cite-text" id="cite-1-gbt">(.*?)</p>', html) == \
        "[1] 张云. 加西贝拉压缩机销量创新高[N]. 嘉兴日报, 2024-11-20."
    assert one(r'<p class="cite-text" id="cite-1-plain">(.*?)</p>', html) == \
        "《加西贝拉压缩机销量创新高》，嘉兴日报，2024年11月20日，第2段（记者 张云）。"


# --- help, advanced form, start page -------------------------------------------------------------------------


def test_syntax_help_lists_every_operator(client: FlaskClient) -> None:
    table = one(r'<details class="syntax-help" id="syntax-help">(.*?)</details>', page(client, "/"))
    examples = " ".join(re.findall(r"<code>(.*?)</code>", table))
    for operator in ("嘉兴 光伏", "\"长江大桥\"", "-农业", "OR", "title:", "source:", "date:", "author:"):
        assert operator in examples, operator
    assert "空格" in table and "引号" in table


@pytest.mark.parametrize(("form", "query"), [
    ({"all": "嘉兴  光伏", "phrase": "高新区", "any": "逆变器 组件", "none": "农业 -渔业", "title": "投产 项目",
      "source": "嘉兴 日报", "author": "张云", "date_from": "2024-12-01", "date_to": ""},
     '嘉兴 光伏 "高新区" 逆变器 OR 组件 -农业 -渔业 title:投产 title:项目 source:嘉兴日报 author:张云 '
     "date:2024-12-01.."),
    ({"phrase": '"长江"大桥', "date_to": "2024-12-31"}, '"长江大桥" date:..2024-12-31'),
    ({"any": "光伏"}, "光伏"),
    ({"all": "  ", "none": "-"}, ""),
])
def test_advanced_fields_become_the_ordinary_syntax(form: dict[str, str], query: str) -> None:
    assert build_query(form) == query


def test_advanced_form_sends_the_reader_to_the_results(client: FlaskClient) -> None:
    response = client.get("/advanced", query_string={"all": "隆基绿能", "none": "逆变器", "source": "浙江日报"})
    assert response.status_code == 302
    assert query_of(response.headers["Location"]) == {"q": ["隆基绿能 -逆变器 source:浙江日报"]}
    body = api(client, q="隆基绿能 -逆变器 source:浙江日报")
    assert [h["id"] for h in body["hits"]] == ["longi-2-p1"]  # longi-2-p2 names 逆变器
    by_author = client.get("/advanced", query_string={"all": "光伏", "author": "高 政"}).headers["Location"]
    assert query_of(by_author) == {"q": ["光伏 author:高政"]}
    assert {h["article"]["id"] for h in api(client, q="光伏 author:高政")["hits"]} == {"longi-2"}
    empty = client.get("/advanced")
    assert empty.status_code == 302 and urlsplit(empty.headers["Location"]).path == "/"


def test_start_page_lists_the_newest_articles(client: FlaskClient) -> None:
    newest = one(r'<ol class="newest-list">(.*?)</ol>', page(client, "/"))
    items = re.findall(r'<a href="/articles/([^"]+)">([^<]+)</a>.*?<time datetime="([^"]+)"', newest, re.S)
    assert [i[0] for i in items[:4]] == ["haining", "longi-3", "longi-2", "longi-1"]
    dates = [i[2] for i in items]
    assert dates == sorted(dates, reverse=True) and len(items) == 9
    assert "最新文章" not in page(client, "/search", q="光伏")


def test_the_start_page_starts_building_the_vocabulary(tmp_path: Path) -> None:
    from searcher.discovery.vocabulary import wait_for_background

    index = build_discovery_index(tmp_path)
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    page(client, "/")
    wait_for_background(timeout=60)
    # The very first keystroke is answered: the build started when the start page was shown.
    assert client.get("/api/suggest?q=隆").get_json() == {"suggestions": ["隆基绿能", "隆基绿能嘉兴基地二期投产"]}
