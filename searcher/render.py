"""Readable terminal output of a search result: ranked passages, highlights in colour, citations."""

from __future__ import annotations

import html
import re

import click

from .models import Hit, SearchResult

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def terminal_highlight(fragment: str, color: bool) -> str:
    """The HTML highlight as terminal text: marks become bold yellow (or 【】 without colour)."""
    def repl(m: re.Match[str]) -> str:
        word = m.group(1)
        return click.style(word, fg="yellow", bold=True) if color else f"【{word}】"
    return html.unescape(_MARK.sub(repl, fragment))


def citation(hit: Hit) -> str:
    a = hit.article
    parts = [f"《{a.title}》" if a.title else "", a.byline, a.source, a.date, f"第{hit.paragraph}段", a.file]
    return " · ".join(p for p in parts if p)


def render_result(result: SearchResult, color: bool = False) -> str:
    more = "+" if result.total_relation == "gte" else ""
    head = f"{result.total}{more} 条结果 · 第 {result.page} 页 · {result.took_ms:.0f} ms"
    if result.partial:
        head += " · 没有完全匹配的结果，以下为部分匹配"
    lines = [click.style(head, bold=True) if color else head, ""]
    if result.notice:
        lines.insert(1, result.notice)
    for hit in result.hits:
        lines.append(f"{hit.rank}. {citation(hit)}")
        lines.append("   " + terminal_highlight(hit.highlight, color))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
