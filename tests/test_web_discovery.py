"""The discovery routes through the real Flask app: exact answers on the fixture index, valid Atom, CSV, errors."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from discovery_fixtures import build_discovery_index
from flask.testing import FlaskClient

from web import create_app

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    index = build_discovery_index(tmp_path_factory.mktemp("discovery"))
    return create_app({"INDEX_DIR": str(index), "TESTING": True, "DISCOVERY_WAIT": True}).test_client()


def test_suggest(client: FlaskClient) -> None:
    assert client.get("/api/suggest?q=隆").get_json() == {"suggestions": ["隆基绿能", "隆基绿能嘉兴基地二期投产"]}
    assert client.get("/api/suggest?q=jxg").get_json() == {"suggestions": ["嘉兴高新区"]}
    assert client.get("/api/suggest?q=").get_json() == {"suggestions": []}
    too_long = client.get("/api/suggest?q=" + "嘉" * 51)
    assert too_long.status_code == 400 and too_long.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize(("q", "suggestion"), [("隆基录能", "隆基绿能"), ("jxgxq", "嘉兴高新区"), ("景点", None),
                                                ("佳兴 光伏", "嘉兴 光伏")])
def test_did_you_mean(client: FlaskClient, q: str, suggestion: str | None) -> None:
    assert client.get(f"/api/did-you-mean?q={q}").get_json() == {"query": q, "suggestion": suggestion}


def test_did_you_mean_needs_q(client: FlaskClient) -> None:
    assert client.get("/api/did-you-mean").status_code == 400


def test_dates_relative_to_the_archive(client: FlaskClient) -> None:
    got = client.get("/api/dates?q=上个月 光伏&relative_to=archive").get_json()
    assert got == {"rest": "光伏", "date_from": "2025-01-01", "date_to": "2025-01-31",
                   "label": "上个月（2025年1月）", "relative_to": "2025-02-10"}
    assert client.get("/api/dates?q=x&relative_to=tomorrow").status_code == 400


def test_keywords_and_related(client: FlaskClient) -> None:
    words = client.get("/api/articles/jxbl/keywords").get_json()
    assert words["id"] == "jxbl" and "压缩机" in words["keywords"][:3]
    related = client.get("/api/articles/longi-1/related").get_json()
    articles = [a["id"] for a in related["articles"]]
    assert "longi-1" not in articles and "longi-1" not in {p["article_id"] for p in related["paragraphs"]}
    assert set(articles[:2]) == {"longi-2", "longi-3"}
    assert client.get("/api/articles/nope/related").status_code == 404


def test_paragraph_duplicates(client: FlaskClient) -> None:
    got = client.get("/api/paragraphs/longi-1-p1/duplicates").get_json()
    assert [d["id"] for d in got["duplicates"]] == ["longi-3-p1", "longi-2-p1"]
    assert got["articles"] == ["longi-2", "longi-3"]
    assert client.get("/api/paragraphs/park-p1/duplicates").get_json()["duplicates"] == []
    assert client.get("/api/paragraphs/nope/duplicates").status_code == 404


def test_json_and_csv_exports_carry_citations(client: FlaskClient) -> None:
    data = client.get("/api/search.json?q=加西贝拉&size=2")
    assert "attachment" in data.headers["Content-Disposition"]
    hit = data.get_json()["hits"][0]
    assert hit["citation"]["gbt7714"] == "[1] 张云. 加西贝拉压缩机销量创新高[N]. 嘉兴日报, 2024-11-20."
    rows = list(csv.DictReader(io.StringIO(client.get("/api/search.csv?q=加西贝拉").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    assert len(rows) == 3 and {r["title"] for r in rows} == {"加西贝拉压缩机销量创新高"}
    assert rows[0]["citation_plain"].startswith("《加西贝拉压缩机销量创新高》，嘉兴日报，2024年11月20日，第")
    assert client.get("/api/search.csv").status_code == 400


def test_atom_feed_is_valid_atom(client: FlaskClient) -> None:
    response = client.get("/feeds/search.atom?q=隆基绿能&size=3")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.get_data())
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 3
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 3 and all(i.startswith("http://localhost/articles/") for i in ids)
    assert all(e.findtext(f"{ATOM}updated").endswith("T00:00:00Z") for e in entries)
    assert all("隆基绿能" in e.findtext(f"{ATOM}summary") for e in entries)
    assert feed.findtext(f"{ATOM}updated") == max(e.findtext(f"{ATOM}updated") for e in entries)


def test_atom_escapes_markup(tmp_path: Path) -> None:
    from searcher.discovery.feeds import to_atom

    hit = {"paragraph": 1, "text": "<b>&</b>", "article": {"title": "<script>", "url": "/articles/x#p-1",
                                                             "date": "", "byline": "", "source": ""}}
    body = to_atom({"query": "<q>", "hits": [hit]}, "/feeds/search.atom?q=<q>", "http://h/", "2025-01-01T00:00:00Z")
    feed = ET.fromstring(body)
    assert feed.findtext(f"{ATOM}title") == "检索：<q>"
    assert feed.find(f"{ATOM}entry").findtext(f"{ATOM}summary") == "<b>&</b>"
    assert "<script>" not in body


def test_first_requests_do_not_wait_for_the_vocabulary(tmp_path: Path) -> None:
    from searcher.discovery.vocabulary import wait_for_background

    index = build_discovery_index(tmp_path)
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    assert client.get("/api/suggest?q=隆").get_json() == {"suggestions": []}  # answered at once, while building
    wait_for_background(timeout=60)
    assert client.get("/api/suggest?q=隆").get_json() == {"suggestions": ["隆基绿能", "隆基绿能嘉兴基地二期投产"]}
    assert client.get("/api/did-you-mean?q=佳兴").get_json() == {"query": "佳兴", "suggestion": "嘉兴"}
