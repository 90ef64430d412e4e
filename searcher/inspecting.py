"""What `searcher inspect FILE` shows: how a file was split into articles, and what was left out and why.

The text form is for a person checking a new source before indexing it; the dict form is the same
information, JSON-ready, for tools.
"""

from __future__ import annotations

from typing import Any

from .models import Article, Dropped, ParsedFile

ARTICLE_FIELDS = ("id", "title", "byline", "source", "date", "page", "url", "continued")


def _dropped_dict(items: list[Dropped]) -> list[dict[str, str]]:
    """Dropped blocks as {text, reason}."""
    return [{"text": item.text, "reason": item.reason} for item in items]


def _article_dict(article: Article) -> dict[str, Any]:
    """One article's attribution, numbered paragraphs and dropped blocks."""
    out: dict[str, Any] = {key: getattr(article, key) for key in ARTICLE_FIELDS}
    out["file"] = article.file
    out["paragraphs"] = [
        {"number": p.number, "heading": p.heading, "text": p.text} for p in article.paragraphs
    ]
    out["dropped"] = _dropped_dict(article.dropped)
    return out


def inspect_to_dict(parsed: ParsedFile) -> dict[str, Any]:
    """The parse of one file as plain JSON-ready data."""
    return {
        "path": parsed.path,
        "encoding": parsed.encoding,
        "meta": dict(parsed.meta),
        "articles": [_article_dict(article) for article in parsed.articles],
        "dropped": _dropped_dict(parsed.dropped),
    }


def _article_lines(number: int, article: Article) -> list[str]:
    """The human-readable block for one article."""
    lines = [f"=== Article {number}: {article.title}", f"  id:       {article.id}"]
    for key in ("byline", "source", "date", "page", "url", "continued"):
        value = getattr(article, key)
        if value:
            lines.append(f"  {key + ':':<9} {value}")
    lines.append(f"  paragraphs: {len(article.paragraphs)}")
    heading = ""
    for paragraph in article.paragraphs:
        if paragraph.heading != heading:
            heading = paragraph.heading
            lines.append(f"  ## {heading}" if heading else "  ## (no heading)")
        lines.append(f"  [{paragraph.number}] {paragraph.text}")
    for item in article.dropped:
        lines.append(f"  - dropped ({item.reason}): {item.text}")
    return lines


def inspect_to_text(parsed: ParsedFile) -> str:
    """A readable report: every article with its numbered paragraphs, then what was dropped and why."""
    lines = [
        f"File: {parsed.path}",
        f"Encoding: {parsed.encoding or 'unknown'}",
        f"Articles: {len(parsed.articles)}",
    ]
    for bad in parsed.meta.get("skipped_lines", []):
        lines.append(f"Skipped line {bad['path']}: {bad['reason']}")
    for number, article in enumerate(parsed.articles, start=1):
        lines.append("")
        lines.extend(_article_lines(number, article))
    if parsed.dropped:
        lines.append("")
        lines.append("=== Page-level blocks dropped")
        lines.extend(f"  - ({item.reason}): {item.text}" for item in parsed.dropped)
    return "\n".join(lines) + "\n"
