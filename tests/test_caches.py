"""Bounded caches, and the engine's cache of answers: a search asked again is answered from it, and never once the
index has changed or a parameter differs."""

from __future__ import annotations

import datetime

import pytest
from conftest import write_jsonl

from searcher.backends import writable_index
from searcher.index.adding import add_files
from searcher.index.build import build_index
from searcher.search import engine as engine_module
from searcher.search.caches import LruCache
from searcher.search.engine import Engine


def ids(result):
    return [hit.id for hit in result.hits]


@pytest.fixture
def answered(monkeypatch):
    """The queries each Engine really ran (not answered from the cache), in order."""
    ran = []
    real = Engine._answer

    def spy(self, searcher, builder, query, *args):
        ran.append(query)
        return real(self, searcher, builder, query, *args)

    monkeypatch.setattr(Engine, "_answer", spy)
    return ran


def test_least_recently_used_go_first_past_the_budget() -> None:
    cache: LruCache[str] = LruCache(10, len)
    cache.put("a", "xxxx")
    cache.put("b", "yyyy")
    assert cache.get("a") == "xxxx"  # now the most recently used
    cache.put("c", "zzzz")
    assert cache.get("b") is None and cache.get("a") == "xxxx" and cache.get("c") == "zzzz"
    assert cache.size == 8 and len(cache) == 2


def test_a_value_over_the_budget_is_returned_but_not_kept() -> None:
    cache: LruCache[str] = LruCache(10, len)
    cache.put("a", "xx")
    assert cache.put("big", "x" * 11) == "x" * 11
    assert cache.get("big") is None and cache.get("a") == "xx"
    cache.put("a", "xxxxx")  # a new value replaces the old one's cost
    assert cache.size == 5
    cache.clear()
    assert cache.size == 0 and cache.get("a") is None


def test_a_search_asked_again_is_answered_from_the_cache(engine, answered) -> None:
    first = engine.search("嘉兴 发展")
    again = engine.search("嘉兴 发展")
    assert answered == ["嘉兴 发展"]
    assert again.hits == first.hits and again.total == first.total and again.partial == first.partial
    assert again.took_ms < 1000


@pytest.mark.parametrize("changed", [
    {"page": 2, "size": 1}, {"size": 1}, {"source": "南湖晚报"}, {"sort": "newest"}, {"facets": True},
    {"per_article": 1}, {"date_from": "2024-01-01"}, {"author": "陈曦"},
])
def test_any_other_parameter_is_a_search_of_its_own(engine, answered, changed) -> None:
    engine.search("嘉兴", size=2)
    other = engine.search("嘉兴", **{"size": 2, **changed})
    assert answered == ["嘉兴", "嘉兴"]  # not answered from the first search's entry
    again = engine.search("嘉兴", **{"size": 2, **changed})
    assert len(answered) == 2  # kept under its own
    fresh = Engine(engine.index_dir, result_cache_mb=0).search("嘉兴", **{"size": 2, **changed})
    assert again.hits == other.hits == fresh.hits and again.total == fresh.total and again.facets == fresh.facets


def test_an_added_file_is_found_by_a_search_asked_before(engine, tmp_path) -> None:
    assert engine.search("集装箱").total == 0
    more = [{"id": "port", "title": "嘉兴港", "source": "嘉兴日报", "date": "2025-03-01", "text": "集装箱吞吐量。"}]
    add_files([write_jsonl(tmp_path / "more.jsonl", more)], tmp_path / "corpus", engine.index_dir)
    assert ids(engine.search("集装箱")) == ["port-p1"]


def test_a_removed_article_is_not_given_again(engine, tmp_path) -> None:
    assert "solar-p1" in ids(engine.search("光伏"))
    writable_index(engine.index_dir, tmp_path / "corpus").remove(["solar"])
    assert ids(engine.search("光伏")) == []


def test_a_new_generation_is_searched_afresh(engine, tmp_path) -> None:
    assert engine.search("南湖").total > 0
    corpus = tmp_path / "other"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", [{"id": "x", "title": "运河", "source": "嘉兴日报", "date": "2025-01-01",
                                      "text": "大运河畔的新公园开放。"}])
    build_index(corpus, engine.index_dir)
    assert engine.search("南湖").total == 0 and ids(engine.search("运河")) == ["x-p1"]


def test_a_quick_range_follows_the_calendar(engine, answered, monkeypatch) -> None:
    """`range=week` means the week up to today: asked again on another day, it is another search."""
    class Day(datetime.date):
        today_is = datetime.date(2025, 2, 15)

        @classmethod
        def today(cls):
            return cls.today_is

    monkeypatch.setattr(engine_module, "date", Day)
    assert ids(engine.search("光伏", range="week")) == ["solar-p1", "solar-p2"]
    Day.today_is = datetime.date(2025, 3, 1)
    assert ids(engine.search("光伏", range="week")) == []
    assert len(answered) == 2


def test_each_quick_range_is_a_search_of_its_own(engine, answered) -> None:
    week, year = engine.search("光伏", range="week"), engine.search("光伏", range="year")
    assert len(answered) == 2
    fresh = Engine(engine.index_dir, result_cache_mb=0)
    assert week.hits == fresh.search("光伏", range="week").hits and year.hits == fresh.search("光伏", range="year").hits


def test_no_cache_when_its_budget_is_zero(engine, answered, monkeypatch) -> None:
    uncached = Engine(engine.index_dir, result_cache_mb=0)
    uncached.search("嘉兴")
    uncached.search("嘉兴")
    assert answered == ["嘉兴", "嘉兴"]
    monkeypatch.setenv("SEARCHER_RESULT_CACHE_MB", "0")
    from_env = Engine(engine.index_dir)
    from_env.search("嘉兴")
    from_env.search("嘉兴")
    assert len(answered) == 4
