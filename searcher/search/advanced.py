"""The advanced-search form's fields written as one query string in the ordinary syntax (README, "Searching").

The form only writes syntax a reader could have typed, so the search box of the results page then shows the
query it became and teaches the syntax; nothing here searches. Field values cannot hold spaces in the syntax
(`title:a b` is `title:a` and the word `b`), so a multi-word title becomes one `title:` item per word and the
names of a source or author lose their spaces.
"""

from __future__ import annotations

from collections.abc import Mapping

FIELDS = ("all", "phrase", "any", "none", "title", "source", "author", "date_from", "date_to")
_QUOTE_CHARS = '"“”「」『』'


def _words(text: str) -> list[str]:
    """Space-separated words without quote characters (which would open a phrase) or leading minus signs."""
    cleaned = "".join(" " if c in _QUOTE_CHARS else c for c in text.replace("\u3000", " "))
    return [w.lstrip("-") for w in cleaned.split() if w.lstrip("-") and w != "OR"]


def build_query(form: Mapping[str, str]) -> str:
    """`{"all": "嘉兴 光伏", "phrase": "高新区", "any": "逆变器 组件", "none": "农业", "title": "投产",
    "source": "嘉兴日报", "author": "张云", "date_from": "2024-12-01", "date_to": ""}` ->
    `嘉兴 光伏 "高新区" 逆变器 OR 组件 -农业 title:投产 source:嘉兴日报 author:张云 date:2024-12-01..`."""
    get = {name: (form.get(name) or "").strip() for name in FIELDS}
    parts = _words(get["all"])
    phrase = " ".join("".join(c for c in get["phrase"] if c not in _QUOTE_CHARS).split())
    if phrase:
        parts.append(f'"{phrase}"')
    parts.append(" OR ".join(_words(get["any"])))
    parts += [f"-{w}" for w in _words(get["none"])]
    parts += [f"title:{w}" for w in _words(get["title"])]
    for name in ("source", "author"):
        value = "".join(_words(get[name]))
        if value:
            parts.append(f"{name}:{value}")
    if get["date_from"] or get["date_to"]:
        parts.append(f"date:{get['date_from']}..{get['date_to']}")
    return " ".join(p for p in parts if p)
