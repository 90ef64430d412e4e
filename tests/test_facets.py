"""Facet counts (issue 11 item 4, issue 8 item 2): source, reporter and year counts of exactly what `total` counts,
honest under every filter, and links on the page that narrow to exactly the counted hits."""

from __future__ import annotations

import pytest

from searcher.page_names import byline_names

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
    from conftest import write_jsonl

    from searcher.indexing import build_index

    root = tmp_path_factory.mktemp("facets")
    (root / "corpus").mkdir()
    write_jsonl(root / "corpus" / "a.jsonl", ARTICLES)
    build_index(root / "corpus", root / "index")
    return root / "index"


@pytest.fixture(scope="module")
def eng(facet_index):
    from searcher.engine import Engine

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
