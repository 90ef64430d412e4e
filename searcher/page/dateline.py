"""Datelines: the short lines that say when and where an article was published.

`嘉兴日报 2024年12月5日`, `2024-12-10 嘉兴日报`, `来源：南湖晚报`, `发布时间：2024-12-08 09:30 来源：南湖晚报`,
and the same pieces printed after a byline (`记者 戴文博 2024-12-10 嘉兴日报`). A line is only a dateline
when nothing is left over once its pieces are read, so a sentence that mentions a date is never one.

A date must be a real calendar date with a four-digit year (no year, no date: `12月5日` alone names an
event, not an issue). A source is a name after `来源：`, or, next to a date, a name that ends the way
publications are named (`…报`, `…网`, `…电视台`, `…社`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .text import collapse_spaces

DATELINE_MAX = 60
MIN_YEAR, MAX_YEAR = 1800, 2100
_LABEL = r"(?:(?:发布|出版|刊发|发表|见报|更新)?(?:时间|日期)\s*[:：]\s*)?"
_TIME = r"(?:\s*T?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_WEEKDAY = r"(?:\s*(?:星期|礼拜|周)[一二三四五六日天])?"
DATE_TOKEN_RE = re.compile(
    rf"(?<![\dA-Za-z]){_LABEL}(\d{{4}})\s*(?:年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日|([-/.])\s*(\d{{1,2}})\s*\4\s*(\d{{1,2}}))"
    rf"(?!\d){_TIME}{_WEEKDAY}"
)
# A label word ends a labelled source (`来源：南湖晚报作者：王强`).
_LABEL_WORDS = r"(?:作者|编辑|责任编辑|责编|记者|通讯员|时间|日期|发布|点击|浏览|阅读|字号)"
SOURCE_LABEL_RE = re.compile(rf"(?:来源|稿源|出处|来自)\s*[:：]\s*((?:(?!{_LABEL_WORDS})[^\s:：|｜,，。；;])+)")
SOURCE_NAME_RE = re.compile(
    r"^[\u4e00-\u9fffA-Za-z0-9·]{1,14}(?:报|新闻网|网|新闻|电视台|广播电台|融媒体中心|客户端|周刊|杂志|通讯社|社)$"
)
# Every dateline holds a four-digit year or a source label: a cheap test that clears most lines at once.
_CANDIDATE_RE = re.compile(r"\d{4}|来源|稿源|出处|来自")
PAGE_TOKEN_RE = re.compile(r"^第?[A-Z]?\d{1,3}版$")
SEPARATORS = "|｜/／·•,，;；"
EDGE_CHARS = " \u3000■□●○▲△◆◇★☆►▶*·•|｜[]【】()（）"


@dataclass(frozen=True)
class Dateline:
    """What a dateline (or the tail of a byline) says: ISO date, source name, and the text read
    (a byline's tail exactly as printed, so nothing of the line is lost)."""

    date: str = ""
    source: str = ""
    text: str = ""


def calendar_date(year: int, month: int, day: int) -> str:
    """ISO date when year-month-day is a real day in a plausible publishing year, else ''."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return ""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def _match_date(match: re.Match[str]) -> str:
    """The ISO date a DATE_TOKEN_RE match names ('' when it is no real day)."""
    year, month, day = match.group(1), match.group(2) or match.group(5), match.group(3) or match.group(6)
    return calendar_date(int(year), int(month), int(day))


def _is_source_name(token: str) -> bool:
    """An unlabelled token that reads as a publication's name (`嘉兴日报`, `嘉兴在线网`)."""
    return bool(SOURCE_NAME_RE.match(token))


def _tokens(text: str) -> list[str]:
    """Whitespace- and separator-split pieces, empty ones dropped."""
    for sep in SEPARATORS:
        text = text.replace(sep, " ")
    return [token for token in text.split() if token.strip(EDGE_CHARS)]


def read_dateline(line: str) -> Dateline | None:
    """The date and source of a line made only of dateline pieces; None for anything else.

    A line needs a real date, or a `来源：` label; an unlabelled publication name counts only beside a date.
    """
    if len(line) > 2 * DATELINE_MAX or not _CANDIDATE_RE.search(line):
        return None
    text = collapse_spaces(line).strip(EDGE_CHARS)
    if not text or len(text) > DATELINE_MAX:
        return None
    date = ""
    match = DATE_TOKEN_RE.search(text)  # date-shaped, even when not a real day: the line is still a dateline
    rest = text
    if match:
        date = _match_date(match)
        rest = text[: match.start()] + " " + text[match.end():]
    labelled = SOURCE_LABEL_RE.search(rest)
    source = labelled.group(1) if labelled else ""
    if labelled:
        rest = rest[: labelled.start()] + " " + rest[labelled.end():]
    for token in _tokens(rest):
        if not source and match and _is_source_name(token):
            source = token
        elif not PAGE_TOKEN_RE.match(token):
            return None
    if not date and not source:
        return None
    return Dateline(date=date, source=source, text=text)


def split_tail(byline: str) -> tuple[str, Dateline]:
    """`记者 戴文博 2024-12-10 嘉兴日报` -> (`记者 戴文博`, Dateline('2024-12-10', '嘉兴日报', ...)).

    A byline stops at the first date or `来源：` label (and at a publication name right before the date);
    everything from there on is read as a dateline. Without one the byline is returned whole.
    """
    text = collapse_spaces(byline)
    if not _CANDIDATE_RE.search(text):
        return text, Dateline()
    cuts = [m.start() for m in (DATE_TOKEN_RE.search(text), SOURCE_LABEL_RE.search(text)) if m]
    if not cuts:
        return text, Dateline()
    cut = min(cuts)
    head = text[:cut].rstrip(SEPARATORS + " :：")
    words = head.split(" ")
    if len(words) > 1 and _is_source_name(words[-1]):
        head = " ".join(words[:-1])
    tail = text[len(head):].strip()
    found = read_dateline(tail)
    if found is not None:
        return head, Dateline(found.date, found.source, tail)
    # A tail we cannot read fully: keep what it clearly says; the byline still stops.
    date_match = DATE_TOKEN_RE.search(tail)
    labelled = SOURCE_LABEL_RE.search(tail)
    date = _match_date(date_match) if date_match else ""
    return head, Dateline(date, labelled.group(1) if labelled else "", tail)


def is_dateline(line: str) -> bool:
    """True when the whole line is a dateline."""
    return read_dateline(line) is not None
