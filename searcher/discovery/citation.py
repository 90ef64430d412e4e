"""Citations of a hit: GB/T 7714-2015 for a newspaper article, and a plain sentence a reporter can paste.

GB/T 7714-2015 (4.4, 8.x) for a newspaper article: `[序号] 主要责任者. 题名[N]. 报纸名, 出版日期(版次).`
with the date as YYYY-MM-DD; an online source adds `[引用日期]. 获取和访问路径.`. Unknown parts are left out
rather than invented: no author means the entry starts with the title, as the standard allows.
"""

from __future__ import annotations

import re
from typing import Any

_NAMES = re.compile(r"[\s,，、;；/]+")
_ROLE = re.compile(r"^(?:本报记者|记者|通讯员|实习生|见习记者)")


def authors(byline: str) -> list[str]:
    """The names in a byline (`记者 陈一薇 通讯员 韩立峰` -> 陈一薇, 韩立峰), roles dropped."""
    names = []
    for part in _NAMES.split(byline.strip()):
        name = _ROLE.sub("", part)
        if name and name not in names:
            names.append(name)
    return names


def edition(page: str) -> str:
    """版次 as the standard writes it: `第02版` -> `2`, `A3版` -> `A3`."""
    return re.sub(r"^第|版$", "", page.strip()).lstrip("0")


def gbt7714(article: dict[str, Any], number: int | None = None, accessed: str = "") -> str:
    """One GB/T 7714-2015 entry for an article dict (title, byline, source, date, page?, source_url?)."""
    names = authors(article.get("byline", ""))
    parts = []
    if names:
        shown = names[:3] + (["等"] if len(names) > 3 else [])
        parts.append(", ".join(shown) + ".")
    parts.append(f"{article.get('title', '').strip() or '无题'}[N].")
    where = article.get("source", "").strip()
    date = article.get("date", "")
    page = edition(str(article.get("page", "") or ""))
    tail = ", ".join(p for p in (where, date) if p)
    if page:
        tail += f"({page})"
    if tail:
        parts.append(tail + ".")
    url = article.get("source_url", "") or ""
    if url.startswith(("http://", "https://")):
        parts.append(f"[{accessed}]. {url}." if accessed else f"{url}.")
    prefix = f"[{number}] " if number is not None else ""
    return prefix + " ".join(parts)


def plain(hit: dict[str, Any]) -> str:
    """A sentence for a hit: 《题名》，报纸名，YYYY年M月D日，第N段（记者 X）。"""
    article = hit.get("article", hit)
    parts = [f"《{article.get('title', '').strip() or '无题'}》"]
    if article.get("source"):
        parts.append(article["source"])
    date = article.get("date", "")
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", date)
    if match:
        year, month, day = (int(g) for g in match.groups())
        parts.append(f"{year}年{month}月{day}日")
    if hit.get("paragraph"):
        parts.append(f"第{hit['paragraph']}段")
    names = authors(article.get("byline", ""))
    by = f"（记者 {'、'.join(names)}）" if names else ""
    return "，".join(parts) + by + "。"
