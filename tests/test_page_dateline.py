"""searcher.page.dateline: which lines are datelines, what they say, and where a byline stops."""

from __future__ import annotations

import pytest

from searcher.page.dateline import Dateline, read_dateline, split_tail
from searcher.page.meta import normalize_date


@pytest.mark.parametrize(
    ("line", "date", "source"),
    [
        ("嘉兴日报 2024年12月5日", "2024-12-05", "嘉兴日报"),
        ("2024-12-10 嘉兴日报", "2024-12-10", "嘉兴日报"),
        ("2024/12/10", "2024-12-10", ""),
        ("2024年12月5日 星期四", "2024-12-05", ""),
        ("来源：南湖晚报", "", "南湖晚报"),
        ("发布时间：2024-12-08 09:30 来源：南湖晚报", "2024-12-08", "南湖晚报"),
        ("■ 嘉兴日报 | 2024年12月5日 | 第3版", "2024-12-05", "嘉兴日报"),
        ("2024-12-08T09:30:00+08:00", "2024-12-08", ""),
        ("2024年2月29日", "2024-02-29", ""),
        # A date-shaped token that is no real day gives no date, but the source beside it still counts.
        ("嘉兴日报 2024-02-30", "", "嘉兴日报"),
    ],
)
def test_datelines_give_their_date_and_source(line: str, date: str, source: str) -> None:
    found = read_dateline(line)
    assert found is not None
    assert (found.date, found.source) == (date, source)


@pytest.mark.parametrize(
    "line",
    [
        "截至2024年12月5日，全市共有社会组织4980家。",  # a sentence mentioning a date
        "2024年,嘉兴高新区以“闯”",  # a year is not a date
        "11月27日至29日",  # no year: an event, not an issue date
        "嘉兴日报",  # a name alone is a headline or a column, not a dateline
        "南湖区 2024年12月5日",  # a place is not a publication
        "2023年2月29日",  # no such day, nothing else on the line
        "2024-13-45",
        "0001-01-01",  # outside any publishing year
        "记者 戴文博 2024-12-10 嘉兴日报",  # names: a byline with a dateline, not a dateline
    ],
)
def test_other_lines_are_not_datelines(line: str) -> None:
    assert read_dateline(line) is None


@pytest.mark.parametrize(
    ("byline", "names", "date", "source"),
    [
        ("记者 戴文博 2024-12-10 嘉兴日报", "记者 戴文博", "2024-12-10", "嘉兴日报"),
        ("记者 戴文博 嘉兴日报 2024年12月10日", "记者 戴文博", "2024-12-10", "嘉兴日报"),
        ("钟雨桐 通讯员 韩立峰 来源：南湖晚报", "钟雨桐 通讯员 韩立峰", "", "南湖晚报"),
        # An unreadable tail still ends the byline; only what it clearly says is kept.
        ("记者 戴文博 2024-13-45 摄影报道", "记者 戴文博", "", ""),
    ],
)
def test_a_byline_stops_at_the_end_of_the_names(byline: str, names: str, date: str, source: str) -> None:
    head, tail = split_tail(byline)
    assert (head, tail.date, tail.source) == (names, date, source)
    assert tail.text and tail.text in byline and head + " " + tail.text == byline


def test_a_byline_without_a_dateline_is_kept_whole() -> None:
    for byline in ("记者 陈曦 通讯员 李建业 朱晓斌", "钟雨桐 通讯员 韩立峰", "本报评论员 王强"):
        assert split_tail(byline) == (byline, Dateline())


def test_stated_dates_are_validated_as_calendar_dates() -> None:
    assert normalize_date("2024-12-08T09:30:00+08:00") == "2024-12-08"
    assert normalize_date("2023-02-29") == ""
    assert normalize_date("0001-01-01") == ""
    assert normalize_date("2024-13-45") == ""
