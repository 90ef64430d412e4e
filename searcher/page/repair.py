"""Rejoin paragraphs that page and column breaks cut in the middle of a sentence (or of a word).

The rule a careful reader applies, made explicit:

* A text block that does not end a sentence (see `text.ends_sentence`: 。！？…；：and closing quotes
  looked through) continues in the next text block of the same article, even when captions, image
  slots or blank lines sit between them. Callers pass "runs" of blocks; headings, article boundaries
  and continuation markers like `(下转2版)` end a run, so a join never crosses them.
* Exception: when the next block opens like a new paragraph — a time phrase followed by a comma
  (`正月初八，`, `2024年,`, `近日，`) or `据了解`/`本报讯` — the cut is a real loss (the rest is on
  another page) and the two blocks stay apart. Gluing an unrelated paragraph on would be worse than
  leaving a visible cut (page 004: `…做强空港电子信息产业园、` / `正月初八，年味还未散尽…`).
* PDF extraction sometimes repeats the last character of a cut line at the start of the next block
  (`…党委副书记` / `记、副总经理…`). Only that narrow shape is repaired: the next block starts with the
  same ideograph immediately followed by 、 or ，, which a real sentence almost never does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .text import concat, ends_sentence, is_cjk

_TIME = (
    r"(?:\d{2,4}|[〇零一二三四五六七八九十]{2,4})年(?:\d{1,2}月(?:\d{1,2}日)?)?"
    r"|\d{1,2}月\d{1,2}日"
    r"|(?:正|腊|[一二三四五六七八九十]{1,2})月(?:初|十|廿)?[一二三四五六七八九十]{1,2}日?"
    r"|昨天|昨日|今天|今日|日前|近日|近年来|近期|目前|如今|当天|此前|去年|今年|新春伊始"
)
NEW_PARAGRAPH_RE = re.compile(rf"^(?:(?:{_TIME})[^，,。！？]{{0,8}}[，,]|据(?:了解|介绍|统计|悉)|本报讯)")
DUPLICATED_HEAD = "、，,"


def starts_new_paragraph(text: str) -> bool:
    """True when a block opens the way a news paragraph opens (time phrase + comma, 据了解, 本报讯)."""
    return bool(NEW_PARAGRAPH_RE.match(text))


def should_join(previous: str, following: str) -> bool:
    """True when `following` is the rest of the sentence `previous` was cut in."""
    return bool(previous) and not ends_sentence(previous) and not starts_new_paragraph(following)


def join_cut(previous: str, following: str) -> str:
    """Concatenate two pieces of one sentence, removing a character the PDF duplicated across the cut."""
    if (
        len(following) > 1
        and previous
        and following[0] == previous[-1]
        and is_cjk(following[0])
        and following[1] in DUPLICATED_HEAD
    ):
        following = following[1:]
    return concat(previous, following)


def repair_run(texts: Iterable[str]) -> list[str]:
    """Join the consecutive texts of one run wherever a sentence was cut; return whole paragraphs."""
    paragraphs: list[str] = []
    for text in texts:
        if paragraphs and should_join(paragraphs[-1], text):
            paragraphs[-1] = join_cut(paragraphs[-1], text)
        else:
            paragraphs.append(text)
    return paragraphs
