"""searcher/search/vectorized.py: whole-posting-list scoring gives exactly Whoosh's matches and scores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ARTICLES, write_jsonl
from whoosh import query as Q

from searcher.backends import writable_index
from searcher.index.adding import add_files
from searcher.search import vectorized
from searcher.search.engine import Engine
from searcher.search.plan import Filtered
from searcher.search.substrings import Holding, substring
from searcher.search.syntax import parse_query

# Every kind of node a plan holds: words, substrings (checked against the stored text), quoted text, exclusions,
# OR, title/source/author/date filters, synonyms, full-width and traditional characters, questions, nothing.
QUERIES = ["嘉兴", "嘉兴 发展", "光伏企业", "市长", "国梁", "长江大桥", '"南湖 晨曦"', '"产值创新高"', "嘉兴 -农业",
           "光伏 | 南湖", "title:光伏 企业", "source:嘉兴日报 发展", "date:2024 南湖", "经开区", "APP 100万",
           "台湾的游客", "嘉兴发展了什么产业？", "高新区有多少家光伏企业", "不存在的词语", "大桥 南湖"]
MORE = [{"id": "port", "title": "嘉兴港口发展", "source": "嘉兴日报", "date": "2025-03-01",
         "text": "嘉兴港集装箱吞吐量创新高，光伏组件出口增长。\n南湖区发展数字经济。"}]


def whoosh_ranking(searcher: Any, query: Q.Query) -> list[tuple[float, int]]:
    return sorted(((round(hit.score, 9), -hit.docnum) for hit in searcher.search(query, limit=None)), reverse=True)


def vector_ranking(searcher: Any, query: Q.Query) -> list[tuple[float, int]]:
    docs, scores = vectorized.matches(searcher, query)
    return [(round(score, 9), -docnum) for score, docnum in vectorized.ranked(docs, scores, None)]


def plans(engine: Engine) -> list[Q.Query]:
    """Every query (strict, loose, question, filter and the filtered strict) the plans of QUERIES hold."""
    searcher, builder = engine._searcher()
    out = []
    for text in QUERIES:
        plan = engine._plan(searcher, builder, parse_query(text))
        parts = [plan.strict, plan.loose, plan.question, plan.filter]
        out += [q for q in parts if q is not None]
        if plan.strict is not None and plan.filter is not None:
            out.append(Filtered(plan.strict, plan.filter))
    return out


def assert_same(engine: Engine) -> int:
    searcher, _ = engine._searcher()
    matched = 0
    for query in plans(engine):
        expected = whoosh_ranking(searcher, query)
        assert vector_ranking(searcher, query) == expected, query
        matched += len(expected)
    return matched


@pytest.fixture
def synonym_engine(make_index: Callable[..., Engine]) -> Engine:
    return make_index(synonyms="经开区 = 经济技术开发区\n")


def test_every_plan_matches_and_scores_as_whoosh(synonym_engine: Engine) -> None:
    assert assert_same(synonym_engine) > 50  # the queries do match: the comparison is not of empty lists


def test_segments_and_deletions_as_whoosh(synonym_engine: Engine, tmp_path: Path) -> None:
    """A second segment (docnums offset) and deleted paragraphs (a removed article) give Whoosh's answer too."""
    extra = write_jsonl(tmp_path / "more.jsonl", MORE)
    add_files([extra], tmp_path / "corpus", synonym_engine.index_dir)
    writable_index(synonym_engine.index_dir, tmp_path / "corpus").remove(["farm"])
    searcher, _ = synonym_engine._searcher()
    assert len(searcher.leaf_searchers()) == 2 and searcher.reader().has_deletions()
    assert_same(synonym_engine)
    docs, _ = vectorized.matches(searcher, Q.Term("text", "嘉兴"))
    articles = {searcher.stored_fields(int(d))["article_id"] for d in docs}
    assert "farm" not in articles and {"port", "solar"} <= articles


def test_a_substring_is_checked_against_the_text(synonym_engine: Engine) -> None:
    """Both bigrams of 长江大 are in the second paragraph of nothing else; a paragraph holding 江大 and 长江 apart
    must not come back (none here does), and one holding 长江大 must."""
    searcher, builder = synonym_engine._searcher()
    plan = builder.plan(parse_query('"江大桥是"'))
    docs, _ = vectorized.matches(searcher, plan.strict)
    texts = [searcher.stored_fields(int(d))["text"] for d in docs]
    assert texts == [ARTICLES[0]["text"].split("\n")[0]]
    plan = builder.plan(parse_query('"桥是长江"'))
    assert len(vectorized.matches(searcher, plan.strict)[0]) == 0


def test_ranked_orders_ties_by_docnum_and_keeps_the_best() -> None:
    docs = np.array([3, 5, 8, 9, 12])
    scores = np.array([1.0, 2.0, 2.0, 0.5, 2.0 + 1e-12])
    assert vectorized.ranked(docs, scores, 2) == [(2.0, 5), (2.0, 8)]
    assert [d for _, d in vectorized.ranked(docs, scores, None)] == [5, 8, 12, 3, 9]
    assert vectorized.ranked(docs[:0], scores[:0], 10) == []


@pytest.mark.parametrize("spread", [50, 100_000])  # dense parts (range-long array) and sparse ones (sorted)
def test_union_and_intersection_add_the_scores_of_common_documents(spread: int) -> None:
    rng = np.random.default_rng(7)
    parts = [vectorized.Matches(np.unique(rng.integers(0, spread, 40)), np.array([])) for _ in range(3)]
    parts = [vectorized.Matches(p.docs, rng.random(len(p.docs))) for p in parts]
    expected: dict[int, float] = {}
    for part in parts:
        for doc, score in zip(part.docs.tolist(), part.scores.tolist(), strict=True):
            expected[doc] = expected.get(doc, 0.0) + score
    union = vectorized.union(parts)
    assert union.docs.tolist() == sorted(expected)
    assert np.allclose(union.scores, [expected[d] for d in sorted(expected)])
    both = vectorized.intersection(parts[0], parts[1])
    common = sorted(set(parts[0].docs.tolist()) & set(parts[1].docs.tolist()))
    assert both.docs.tolist() == common
    first, second = (dict(zip(p.docs.tolist(), p.scores.tolist(), strict=True)) for p in parts[:2])
    assert np.allclose(both.scores, [first[d] + second[d] for d in common])


def test_posting_lists_of_many_blocks_as_whoosh(make_index: Callable[..., Engine]) -> None:
    """Whoosh writes postings in blocks of 128, each starting its deltas again: lists of several blocks (嘉兴 in
    every paragraph, 光伏 in every third) decode to the same documents and weights."""
    rows = [{"id": f"a{i}", "title": f"第{i}期", "source": "嘉兴日报",
             "text": "\n".join(f"嘉兴{'光伏' * (j % 3 == 0)}新闻第{i}篇第{j}段。" for j in range(i % 5 + 1))}
            for i in range(150)]
    engine = make_index(rows)
    searcher, _ = engine._searcher()
    either = Q.Or([Q.Term("text", "嘉兴"), Q.Term("grams", "篇")])
    for query in (Q.Term("text", "嘉兴"), Q.Term("grams", "光伏"), either):
        expected = whoosh_ranking(searcher, query)
        assert len(expected) > 128  # more than one block
        assert vector_ranking(searcher, query) == expected


def test_member_by_table_and_by_binary_search() -> None:
    """Every way `member` answers (a few in many, many in a few, both long over a narrow range: the table) agrees
    with numpy's plain `isin`, edges included."""
    rng = np.random.default_rng(3)
    long = np.unique(rng.integers(0, 1_000_000, 50_000))
    dense = np.arange(1_000, 60_000, 2)
    cases = [(np.unique(rng.integers(0, 1_000_000, 20)), long), (np.unique(rng.integers(0, 1_000_000, 40_000)), long),
             (np.array([long[0], long[-1], long[-1] + 1]), long), (long, np.array([long[0], 7, long[-1]])),
             (long, np.array([long[-1] + 5])), (long, long[::1000]), (np.arange(1_000, 60_000, 3), dense),
             (dense, np.arange(999, 60_001, 5)), (np.array([0]), np.array([0]))]
    for docs, of in cases:
        assert vectorized.member(docs, of).tolist() == np.isin(docs, of).tolist()
        assert vectorized.member(of, docs).tolist() == np.isin(of, docs).tolist()


def test_counting_a_substring_stops_at_enough_and_leaves_the_full_answer_exact(synonym_engine: Engine,
                                                                                 monkeypatch) -> None:
    """Few stored texts are read when a count need only reach `enough`; a full search afterwards still finds
    every paragraph holding the substring, and only those."""
    searcher, _ = synonym_engine._searcher()
    query = substring("grams", "兴发展")
    assert isinstance(query, Holding)
    exact = len(vectorized.matches(searcher, query)[0])
    assert exact >= 2
    vectorized.VERDICTS.clear()
    reads = []
    real = vectorized._stored_check

    def counted(leaf, holding):
        check = real(leaf, holding)
        return lambda docnum: reads.append(docnum) or check(docnum)

    monkeypatch.setattr(vectorized, "_stored_check", counted)
    monkeypatch.setattr(vectorized, "CHECKED_AT_ONCE", 1)
    assert vectorized.count_at_least(searcher, query, 1) >= 1
    candidates = len(vectorized.matches(searcher, query.child)[0])
    assert len(reads) < candidates  # stopped early
    assert vectorized.count_at_least(searcher, query, exact + 1) == exact
    docs, _ = vectorized.matches(searcher, query)
    texts = [searcher.stored_fields(int(d))["text"] for d in docs]
    assert len(docs) == exact and all("兴发展" in t for t in texts)
