"""Dates as people write them in a query (`2019年3月`, `去年`, `上个月`, `二〇二四年`, `3月5日`) become a date range.

A reporter types `去年 嘉兴 光伏` rather than `date:2025`; this module finds the first such expression, resolves
it against a reference day (today, or the archive's newest date, chosen by the caller) and returns the rest of the
query with the range and a label to show as the filter it became. Pure functions: no clock, no index.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import NamedTuple


class WrittenDate(NamedTuple):
    """The query without the date expression, the inclusive ISO range, and how to show the filter."""

    rest: str
    date_from: str | None
    date_to: str | None
    label: str | None


_DIGIT = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
          "八": 8, "九": 9}
_CN = "〇零○Ｏ一二两三四五六七八九"
_YEAR = rf"(?P<year>(?<![0-9])[0-9]{{4}}|[{_CN}]{{4}})"
_SMALL = rf"[0-9]{{1,2}}|[{_CN}十]{{1,3}}"
_MONTH = rf"(?P<month>(?<![0-9]){_SMALL})"
_DAY = rf"(?P<day>{_SMALL})"

# Absolute forms, longest first; the day may end in 日 or 号.
_ABSOLUTE = re.compile(
    rf"{_YEAR}年(?:{_MONTH}月(?:份|{_DAY}[日号])?)?|(?P<m2>(?<![0-9年])(?:{_SMALL}))月(?P<d2>{_SMALL})[日号]"
)
_RELATIVE_WORDS = {
    "今天": ("day", 0), "昨天": ("day", -1), "前天": ("day", -2),
    "本周": ("week", 0), "这周": ("week", 0), "上周": ("week", -1), "上个星期": ("week", -1),
    "本月": ("month", 0), "这个月": ("month", 0), "上个月": ("month", -1), "上月": ("month", -1),
    "今年": ("year", 0), "去年": ("year", -1), "前年": ("year", -2), "大前年": ("year", -3),
    "近一周": ("last", 7), "最近一周": ("last", 7), "近7天": ("last", 7), "近七天": ("last", 7),
    "近一个月": ("last", 30), "最近一个月": ("last", 30), "近一年": ("last", 365), "最近一年": ("last", 365),
}
_RELATIVE = re.compile("|".join(sorted(map(re.escape, _RELATIVE_WORDS), key=len, reverse=True)))


def chinese_number(text: str) -> int | None:
    """`12`, `十二`, `二十五`, `三十一`, `二〇二四` as an int; None for anything else."""
    if text.isascii():
        return int(text) if text.isdigit() else None
    if "十" not in text:
        digits = [_DIGIT.get(c) for c in text]
        return None if None in digits else int("".join(str(d) for d in digits))
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    high = _DIGIT.get(tens, None) if tens else 1
    low = _DIGIT.get(ones, None) if ones else 0
    return None if high is None or low is None else high * 10 + low


def parse_written_date(query: str, today: date) -> WrittenDate:
    """The first date expression in `query` as a range relative to `today`; (query, None, None, None) if none.

    An impossible date (2023年2月29日, 13月) is left in the query as text rather than guessed at."""
    return find_written_date(query, today)[0]


def find_written_date(query: str, today: date) -> tuple[WrittenDate, str]:
    """`parse_written_date` and the expression as it was written (`去年`, `2024年12月`; empty if none), so that
    a corrected query can put the date back as the reader typed it."""
    candidates = [m for m in (_ABSOLUTE.search(query), _RELATIVE.search(query)) if m]
    for match in sorted(candidates, key=lambda m: m.start()):
        resolved = _absolute(match, today) if match.re is _ABSOLUTE else _relative(match.group(), today)
        if resolved is not None:
            start, end, label = resolved
            rest = " ".join((query[: match.start()] + " " + query[match.end():]).split())
            return WrittenDate(rest, start.isoformat(), end.isoformat(), label), match.group()
    return WrittenDate(query, None, None, None), ""


def _absolute(match: re.Match[str], today: date) -> tuple[date, date, str] | None:
    groups = match.groupdict()
    if groups["m2"] is not None:
        month, day = chinese_number(groups["m2"]), chinese_number(groups["d2"])
        if month is None or day is None:
            return None
        return _day(today.year if (month, day) <= (today.month, today.day) else today.year - 1, month, day)
    year = chinese_number(groups["year"])
    month = chinese_number(groups["month"]) if groups["month"] else None
    day = chinese_number(groups["day"]) if groups["day"] else None
    if year is None or (groups["month"] and month is None) or (groups["day"] and day is None):
        return None
    if month is None:
        return date(year, 1, 1), date(year, 12, 31), f"{year}年"
    if day is None:
        return _month(year, month)
    return _day(year, month, day)


def _day(year: int, month: int, day: int) -> tuple[date, date, str] | None:
    try:
        when = date(year, month, day)
    except ValueError:
        return None
    return when, when, f"{year}年{month}月{day}日"


def _month(year: int, month: int) -> tuple[date, date, str] | None:
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    return date(year, month, 1), date(year, month, last), f"{year}年{month}月"


def _relative(word: str, today: date) -> tuple[date, date, str]:
    unit, amount = _RELATIVE_WORDS[word]
    if unit == "day":
        when = today + timedelta(days=amount)
        return when, when, f"{word}（{when.year}年{when.month}月{when.day}日）"
    if unit == "week":
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=amount)
        return monday, monday + timedelta(days=6), f"{word}（{_span(monday, monday + timedelta(days=6))}）"
    if unit == "month":
        year, month = divmod(today.year * 12 + today.month - 1 + amount, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return date(year, month + 1, 1), date(year, month + 1, last), f"{word}（{year}年{month + 1}月）"
    if unit == "year":
        year = today.year + amount
        return date(year, 1, 1), date(year, 12, 31), f"{word}（{year}年）"
    start = today - timedelta(days=amount - 1)
    return start, today, f"{word}（{_span(start, today)}）"


def _span(start: date, end: date) -> str:
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
