"""The plan's Whoosh queries as OpenSearch query DSL (searcher/backends/opensearch/query.py), without a cluster:
the shapes, boosts and exact substrings; tests/test_opensearch_backend.py runs them on a real one."""

from __future__ import annotations

import pytest
from whoosh import query as Q

from searcher.backends.opensearch.query import phrase_string, runs_of, translate
from searcher.search.plan import AnyOf, Filtered
from searcher.search.substrings import substring


def test_a_substring_is_a_phrase_of_its_characters_with_one_gap_between_runs() -> None:
    assert translate(substring("grams", "南湖 晨曦")) == {"match_phrase": {"grams": {"query": "南 湖 _ 晨 曦"}}}
    assert translate(substring("title_grams", "长江大桥")) == {
        "match_phrase": {"title_grams": {"query": "长 江 大 桥"}}}
    assert translate(substring("grams", "国梁")) == {"term": {"grams": {"value": "国梁"}}}  # 1-2 chars: one term
    assert translate(substring("grams", "，。")) == {"match_none": {}}


def test_runs_read_back_from_the_pattern_and_spelled_safely() -> None:
    assert runs_of(substring("grams", "a.b c+d").pattern) == ["a", "b", "c", "d"]
    assert phrase_string(["ab", "c"]) == "a b _ c"


def test_boolean_shapes_and_boosts() -> None:
    query = Q.AndNot(AnyOf([Q.Term("text", "嘉兴"), Q.Term("title", "嘉兴", boost=0.6)]), Q.Term("text", "光伏"))
    assert translate(query) == {"bool": {
        "must": [{"bool": {"should": [{"term": {"text": {"value": "嘉兴"}}},
                                      {"term": {"title": {"value": "嘉兴", "boost": 0.6}}}],
                           "minimum_should_match": 1}}],
        "must_not": [{"term": {"text": {"value": "光伏"}}}]}}
    filtered = translate(Filtered(Q.Term("text", "a"), Q.TermRange("date", "2024-01-01", None)))
    assert filtered == {"bool": {"must": [{"term": {"text": {"value": "a"}}}],
                                 "filter": [{"range": {"date": {"gte": "2024-01-01"}}}]}}
    maybe = translate(Q.AndMaybe(Q.Term("paragraph", 1), Q.Term("source", "嘉兴日报")))
    assert maybe == {"bool": {"must": [{"term": {"paragraph": {"value": 1}}}],
                              "should": [{"term": {"source": {"value": "嘉兴日报"}}}]}}


def test_a_term_that_would_split_is_respelled_only_in_token_fields() -> None:
    assert translate(Q.Term("text", "a b")) == {"term": {"text": {"value": "a\N{REPLACEMENT CHARACTER}b"}}}
    assert translate(Q.Term("source", "a b")) == {"term": {"source": {"value": "a b"}}}


def test_a_query_the_plan_never_builds_is_refused() -> None:
    with pytest.raises(TypeError, match="no OpenSearch translation"):
        translate(Q.Phrase("text", ["a", "b"]))
