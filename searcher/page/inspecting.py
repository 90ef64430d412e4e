"""What `searcher inspect FILE` shows: how a file was split into articles, and what was left out and why.

The text form is for a person checking a new source before indexing it; the dict form is the same
information, JSON-ready, for tools. Both say where each article's title, byline, date and source came
from (`provenance`: `text:dateline`, `html:og:site_name`, `front matter:date`, ...; empty when the
field is empty), so a wrong date can be traced to the line or tag that gave it.
"""

from __future__ import annotations

from typing import Any

from ..models import Article, Dropped, ParsedFile

ARTICLE_FIELDS = ("id", "title", "byline", "source", "date", "page", "url", "continued")
TRACED_FIELDS = ("title", "byline", "date", "source")


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
    out["provenance"] = _provenance(article)
    return out


def _provenance(article: Article) -> dict[str, str]:
    """Where each traced field came from ('' when the field is empty), then any other field that says."""
    out = {key: article.provenance.get(key, "") if getattr(article, key) else "" for key in TRACED_FIELDS}
    out.update({key: label for key, label in article.provenance.items() if key not in out and getattr(article, key)})
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
    provenance = _provenance(article)
    lines = [f"=== Article {number}: {article.title}", f"  id:       {article.id}"]
    if provenance["title"]:
        lines.append(f"  title from: {provenance['title']}")
    for key in ("byline", "source", "date", "page", "url", "continued"):
        value = getattr(article, key)
        if value:
            origin = f"  (from {provenance[key]})" if provenance.get(key) else ""
            lines.append(f"  {key + ':':<9} {value}{origin}")
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
