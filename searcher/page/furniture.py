"""Recognise the blocks of a newspaper page that are not body text, and the bylines.

Each recogniser is deliberately narrow (short blocks, no prose punctuation, a telling word) so that a
body paragraph that merely mentions a bank or the weather is never dropped.
"""

from __future__ import annotations

import re

from .blocks import Block
from .dateline import split_tail
from .names import BARE_AUTHORS_RE, BYLINE_MARKERS, ROLE_RE, is_byline_shaped, strip_marker
from .text import collapse_spaces, has_clause_punct

# Dropped-block reasons: the words `inspect` shows and tests assert.
CAPTION = "caption"
AD = "ad"
COLUMN = "column name"
QR = "qr prompt"
WEATHER = "weather"
TEASER = "teaser"
CONTINUATION = "continuation"
FURNITURE = "page furniture"

PAGE_NO = r"[0-9A-Za-z一二三四五六七八九十]+"
CONTINUATION_RE = re.compile(rf"^[（(]\s*(下转|转|上接|接)\s*第?\s*({PAGE_NO})\s*版\s*[）)]$")
TEASER_RE = re.compile(r"^[■●▲◆□►▶]?\s*导读|》》》|详见\s*第?\s*[0-9A-Za-z]+\s*版")
WEATHER_START_RE = re.compile(r"^(今天|今日|今晨|今夜|明天|明日)")
# A forecast names the sky, a temperature in ℃, a wind force and highs/lows; news about weather rarely all.
WEATHER_SIGNS = (
    re.compile(r"多云|晴|阴|[小中大阵暴]雨|雷雨|[小中大]雪|雾|霾"),
    re.compile(r"-?\d+\s*℃"),
    re.compile(r"风\s*\d+\s*[~～\-－到至]?\s*\d*\s*级"),
    re.compile(r"最[高低]气温"),
)
AD_RE = re.compile(r"\b(ICBC|CCB|ABC|BOC)\b|提醒您|广告|热线|招商电话|订阅|(银行|分行|支行)$", re.MULTILINE)
COLUMN_RE = re.compile(r"观察$|时评|专栏|第一时间发布|发表评论|^今日关注$|^新闻速递$")
QR_RE = re.compile(r"扫一扫|扫码|二维码")
CREDIT_RE = re.compile(
    r"^[（(]?\s*(本版|本文|本组)?\s*(图片|照片|图|摄影)\s*(由|/|：|:)\s*\S*?(提供|摄)?\s*[）)]?$"
)
FURNITURE_RE = re.compile(
    r"^(第\s*\d+\s*版|[A-Z]?\d+\s*版$|责任编辑|责编|美编|校对|版式|版面设计|[（(]\s*(完|全文完|终)\s*[）)]$)"
)
INLINE_CONTINUATION_RE = re.compile(rf"\s*([（(]\s*(下转|转)\s*第?\s*{PAGE_NO}\s*版\s*[）)])$")
PAREN_BYLINE_RE = re.compile(r"^[（(]\s*((本报|特约|见习|首席)?(记者|通讯员|评论员)[^（）()]{1,40})[）)]$")

AUTHOR_LABEL_RE = re.compile(r"^作者\s*[:：]\s*")
TRAILING_CREDIT_RE = re.compile(r"\s*((本版|本组)?(图片|照片)由\S+提供)$")
SHORT_LINE = 30


def _short_plain(block: Block, limit: int = SHORT_LINE) -> bool:
    """True when every line is short and none holds prose punctuation (the shape of page furniture)."""
    return all(len(line) <= limit for line in block.lines) and not has_clause_punct(block.text)


def furniture_reason(block: Block) -> str | None:
    """The Dropped reason for a non-article block, or None when the block may be article text."""
    text = collapse_spaces(block.spaced)
    if CONTINUATION_RE.match(text):
        return CONTINUATION
    short_lines = len(block.lines) <= 4 and all(len(line) <= 40 for line in block.lines)
    if TEASER_RE.match(block.lines[0]) or (short_lines and TEASER_RE.search(text)):
        return TEASER
    if _is_forecast(text):
        return WEATHER
    if CREDIT_RE.match(text) and len(text) <= 40:
        return CAPTION
    if len(text) <= SHORT_LINE and FURNITURE_RE.match(text):
        return FURNITURE
    if not _short_plain(block):
        return None
    if QR_RE.search(text):
        return QR
    if AD_RE.search("\n".join(block.lines)):
        return AD
    if COLUMN_RE.search(text) and len(text) <= 20:
        return COLUMN
    if FURNITURE_RE.match(text):
        return FURNITURE
    return None


def _is_forecast(text: str) -> bool:
    """A weather forecast: starts with 今天/明天…, short, and shows at least three forecast signs."""
    if len(text) > 160 or not WEATHER_START_RE.match(text):
        return False
    return sum(1 for sign in WEATHER_SIGNS if sign.search(text)) >= 3


def split_inline_continuation(text: str) -> tuple[str, str]:
    """`…张洁冰说。(下转2版)` -> (`…张洁冰说。`, `(下转2版)`); the marker is '' when there is none."""
    match = INLINE_CONTINUATION_RE.search(text)
    if not match or match.start() == 0:
        return text, ""
    return text[: match.start()], match.group(1)


def parenthesized_byline(text: str) -> str:
    """`（记者 张三 通讯员 李四）` closing an article -> `记者 张三 通讯员 李四`; '' for other lines."""
    match = PAREN_BYLINE_RE.match(text)
    return collapse_spaces(match.group(1)) if match else ""


def continuation_target(text: str) -> str:
    """`(下转2版)` -> `下转2版`; empty for an `(上接…)` marker, which continues nothing on this page."""
    match = CONTINUATION_RE.match(collapse_spaces(text))
    if not match or match.group(1) not in ("下转", "转"):
        return ""
    return f"下转{match.group(2)}版"


def is_byline(block: Block) -> bool:
    """True for `■记者 陈曦` / `► 本报记者 …` / `■摄影 …`; unmarked lines must be short and comma-free.

    A dateline printed after the names (`记者 戴文博 2024-12-10 嘉兴日报`, `… 来源：南湖晚报`) does not count
    against the shape: only the names part is checked.
    """
    first = block.lines[0]
    if len(block.lines) > 3 or not ROLE_RE.match(strip_marker(first)):
        return False
    return first[0] in BYLINE_MARKERS or is_byline_shaped(block.spaced)


def is_photo_byline(block: Block) -> bool:
    """True for a photo-story byline (`■摄影 记者 …`), which comes after the story's text."""
    return is_byline(block) and strip_marker(block.lines[0]).startswith(("摄影", "摄像", "图/", "图 "))


def is_bare_authors(block: Block) -> bool:
    """True for a line of personal names (`高柱强 金长青`, `钟雨桐 通讯员 韩立峰`), perhaps followed by a
    dateline; callers also check the position."""
    return len(block.lines) == 1 and bool(BARE_AUTHORS_RE.match(split_tail(block.lines[0])[0]))


def clean_byline(block: Block) -> tuple[str, str]:
    """Return (byline, photo credit): markers removed, lines joined by one space, credit split off."""
    byline = collapse_spaces(" ".join(strip_marker(line) for line in block.lines))
    byline = AUTHOR_LABEL_RE.sub("", byline)  # a label, not a role like 记者
    match = TRAILING_CREDIT_RE.search(byline)
    if not match:
        return byline, ""
    return byline[: match.start()].strip(), match.group(1)
