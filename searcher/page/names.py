"""The grammar of bylines: role words, personal names, and lines made only of them.

Shared by block splitting (a byline line stands alone even without a blank line under it), the
furniture recognisers (which block is a byline) and HTML metadata (how far an author's line runs).
Names are a common surname plus one or two characters, so a line of prose that merely opens with
`记者` (`记者从市统计局获悉…`) is never taken for names.
"""

from __future__ import annotations

import re

from .dateline import split_tail
from .text import collapse_spaces, has_clause_punct

BYLINE_MARKERS = "■►▶●◆▲□"
# The role words that open a byline (`记者 陈曦`, `■本报评论员 …`, `文/王强`, `作者：…`).
ROLE_RE = re.compile(
    r"^(本报记者|特约记者|见习记者|首席记者|记者|特约通讯员|通讯员|本报评论员|特约评论员|评论员|"
    r"实习生|摄影|摄像|撰稿|撰文|文/|图/|文图|文\s|图\s|作者\s*[:：])"
)
# A colon after a role (`记者：钟雨桐`) labels the name; it is not the clause punctuation of prose.
ROLE_COLON_RE = re.compile(r"(?<=记者|作者|摄影|摄像)[:：]|(?<=通讯员|评论员|实习生)[:：]")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤俞楼章屠钮应傅单裘柴"
)
NAME = rf"[{SURNAMES}][\u4e00-\u9fff]{{1,2}}"
# A role between names (`钟雨桐 通讯员 韩立峰`) belongs to the byline.
NAME_ROLE = r"(?:(?:本报|特约|见习|首席)?(?:记者|通讯员|评论员)|实习生|摄影|摄像)[:：]?"
NAMES = rf"{NAME}(?:(?:[ \u3000]+|、)(?:{NAME_ROLE}[ \u3000]*)?{NAME}){{0,7}}"
BARE_AUTHORS_RE = re.compile(rf"^{NAMES}$")
NAMES_LINE_RE = re.compile(rf"^(?:{ROLE_RE.pattern[1:]}[ \u3000]*)?{NAMES}$")


def strip_marker(line: str) -> str:
    """Drop the ■/► bullet the layout puts before a byline."""
    return line.lstrip(BYLINE_MARKERS + " \u3000")


def is_names_line(text: str) -> bool:
    """True when text is names and roles only (`记者：钟雨桐 通讯员：韩立峰`, `高柱强 金长青`)."""
    return bool(NAMES_LINE_RE.match(collapse_spaces(strip_marker(text))))


def is_byline_line(line: str) -> bool:
    """A line that opens with a role and holds only names, perhaps followed by a dateline."""
    stripped = strip_marker(line)
    return bool(ROLE_RE.match(stripped)) and is_names_line(split_tail(stripped)[0])


def is_byline_shaped(text: str) -> bool:
    """The looser shape of an unbulleted byline block: short and comma-free once the dateline is off."""
    names = ROLE_COLON_RE.sub(" ", split_tail(strip_marker(text))[0])
    return len(names) <= 40 and not has_clause_punct(names)


_NAME_RE = re.compile(rf"^{NAME}$")
_LEADING_ROLE_RE = re.compile(rf"^(?:{ROLE_RE.pattern[1:]}|{NAME_ROLE})[:：]?[ \u3000]*")


def byline_names(byline: str) -> list[str]:
    """The personal names of a byline (`■记者 陈曦`, `记者 陈一薇 通讯员 王忱` -> 陈曦; 陈一薇, 王忱), in order and
    without repeats, by the same grammar that recognises byline lines; a byline that is not names and roles
    (`新华社`, `本报讯`) has none."""
    names: list[str] = []
    for token in re.split(r"[ \u3000、，,]+", collapse_spaces(split_tail(strip_marker(byline))[0])):
        while token and (role := _LEADING_ROLE_RE.match(token)) and role.end():
            token = token[role.end():]
        if _NAME_RE.match(token) and token not in names:
            names.append(token)
    return names
