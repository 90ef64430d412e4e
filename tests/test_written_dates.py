"""Dates as written in a query: exact ranges, month ends, leap years, Chinese numerals, and what is left alone."""

from __future__ import annotations

from datetime import date

import pytest

from searcher.discovery.written_dates import WrittenDate, chinese_number, parse_written_date

TODAY = date(2026, 3, 15)  # a Sunday


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("2019年3月 嘉兴", WrittenDate("嘉兴", "2019-03-01", "2019-03-31", "2019年3月")),
        ("嘉兴2019年3月份光伏", WrittenDate("嘉兴 光伏", "2019-03-01", "2019-03-31", "2019年3月")),
        ("2024年2月 光伏", WrittenDate("光伏", "2024-02-01", "2024-02-29", "2024年2月")),
        ("2023年2月", WrittenDate("", "2023-02-01", "2023-02-28", "2023年2月")),
        ("2100年2月", WrittenDate("", "2100-02-01", "2100-02-28", "2100年2月")),
        ("2000年2月", WrittenDate("", "2000-02-01", "2000-02-29", "2000年2月")),
        ("2024年4月", WrittenDate("", "2024-04-01", "2024-04-30", "2024年4月")),
        ("2024年12月5日 会议", WrittenDate("会议", "2024-12-05", "2024-12-05", "2024年12月5日")),
        ("2024年12月31号", WrittenDate("", "2024-12-31", "2024-12-31", "2024年12月31日")),
        ("二〇二四年 南湖", WrittenDate("南湖", "2024-01-01", "2024-12-31", "2024年")),
        ("二零一九年十二月", WrittenDate("", "2019-12-01", "2019-12-31", "2019年12月")),
        ("二〇二四年二月二十九日", WrittenDate("", "2024-02-29", "2024-02-29", "2024年2月29日")),
        ("2019年 嘉兴", WrittenDate("嘉兴", "2019-01-01", "2019-12-31", "2019年")),
        ("3月5日 嘉兴", WrittenDate("嘉兴", "2026-03-05", "2026-03-05", "2026年3月5日")),
        ("十二月五日", WrittenDate("", "2025-12-05", "2025-12-05", "2025年12月5日")),  # after today: last year
        ("3月15日", WrittenDate("", "2026-03-15", "2026-03-15", "2026年3月15日")),
        ("去年 光伏", WrittenDate("光伏", "2025-01-01", "2025-12-31", "去年（2025年）")),
        ("今年光伏", WrittenDate("光伏", "2026-01-01", "2026-12-31", "今年（2026年）")),
        ("前年", WrittenDate("", "2024-01-01", "2024-12-31", "前年（2024年）")),
        ("上个月 嘉兴", WrittenDate("嘉兴", "2026-02-01", "2026-02-28", "上个月（2026年2月）")),
        ("本月", WrittenDate("", "2026-03-01", "2026-03-31", "本月（2026年3月）")),
        ("昨天", WrittenDate("", "2026-03-14", "2026-03-14", "昨天（2026年3月14日）")),
        ("上周", WrittenDate("", "2026-03-02", "2026-03-08", "上周（2026年3月2日至2026年3月8日）")),
        ("近一周", WrittenDate("", "2026-03-09", "2026-03-15", "近一周（2026年3月9日至2026年3月15日）")),
    ],
)
def test_written_dates_become_ranges(query: str, expected: WrittenDate) -> None:
    assert parse_written_date(query, TODAY) == expected


def test_last_month_in_january_is_last_december() -> None:
    assert parse_written_date("上个月", date(2025, 1, 10)) == WrittenDate(
        "", "2024-12-01", "2024-12-31", "上个月（2024年12月）")


def test_leap_year_last_month() -> None:
    assert parse_written_date("上月", date(2024, 3, 1))[1:3] == ("2024-02-01", "2024-02-29")


@pytest.mark.parametrize(
    "query",
    ["嘉兴 光伏", "2023年2月29日", "2024年13月", "13月5日", "4980家", "12019年", "2月30日", "十三月", "年度报告"],
)
def test_no_date_or_impossible_date_is_left_as_text(query: str) -> None:
    assert parse_written_date(query, TODAY) == WrittenDate(query, None, None, None)


def test_only_the_first_expression_is_taken() -> None:
    assert parse_written_date("2019年 2020年", TODAY) == WrittenDate("2020年", "2019-01-01", "2019-12-31", "2019年")


@pytest.mark.parametrize(("text", "value"), [("十", 10), ("十二", 12), ("二十五", 25), ("三十一", 31),
                                              ("二〇二四", 2024), ("7", 7), ("十十", None), ("二百", None)])
def test_chinese_numbers(text: str, value: int | None) -> None:
    assert chinese_number(text) == value
