"""search_with_discovery: written dates become the filter, typos get a suggestion, an empty result is corrected."""

from __future__ import annotations

from datetime import date

import pytest
from discovery_fixtures import build_discovery_index

from searcher.discovery.search import search_with_discovery
from searcher.search.engine import Engine


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine(build_discovery_index(tmp_path_factory.mktemp("discover")))


def test_written_date_becomes_the_filter(engine: Engine) -> None:
    result = search_with_discovery(engine, "2024年12月 隆基绿能", size=20)
    assert result["date_filter"] == {"text": "2024年12月 隆基绿能", "label": "2024年12月",
                                     "date_from": "2024-12-01", "date_to": "2024-12-31", "rest": "隆基绿能"}
    assert result["query"] == "隆基绿能" and result["total"] > 0
    assert {h["article"]["date"][:7] for h in result["hits"]} == {"2024-12"}


def test_relative_date_is_relative_to_the_newest_article(engine: Engine) -> None:
    result = search_with_discovery(engine, "去年 隆基绿能")
    assert result["date_filter"]["label"] == "去年（2024年）"  # the newest article is from 2025-02-10
    assert search_with_discovery(engine, "去年 隆基绿能", today=date(2026, 5, 1))["total"] == 0


def test_explicit_dates_win_over_written_ones(engine: Engine) -> None:
    result = search_with_discovery(engine, "2019年 光伏", date_from="2024-01-01")
    assert result["date_filter"] is None and result["query"] == "2019年 光伏"


def test_typo_is_offered_not_forced_when_something_was_found(engine: Engine) -> None:
    assert engine.search("光伏 佳兴").total > 0  # partial matches: 光伏 alone
    result = search_with_discovery(engine, "光伏 佳兴")
    assert result["suggestion"] == "光伏 嘉兴" and result["corrected"] is False
    assert result["query"] == "光伏 佳兴" and result["partial"] is True


def test_a_typo_that_finds_nothing_is_corrected(engine: Engine) -> None:
    assert engine.search("隆基录能").total == 0  # a typed run is never an OR of its pieces
    result = search_with_discovery(engine, "隆基录能")
    assert result["suggestion"] == "隆基绿能" and result["corrected"] is True and result["total"] > 0


def test_query_that_finds_nothing_is_run_as_corrected(engine: Engine) -> None:
    assert engine.search("jxgxq").total == 0
    result = search_with_discovery(engine, "jxgxq")
    assert result["suggestion"] == "嘉兴高新区" and result["corrected"] is True
    assert result["query"] == "嘉兴高新区" and result["total"] > 0


def test_exact_words_get_no_suggestion(engine: Engine) -> None:
    result = search_with_discovery(engine, "景点")
    assert result["suggestion"] is None and result["corrected"] is False and result["total"] > 0
