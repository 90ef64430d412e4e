"""Metadata a source states about itself (front matter, jsonl fields, extractor output).

Stated metadata overrides what parsing infers. Page-wide fields (source, date, page, url) apply to
every article of the file; article fields (title, author -> byline, id) only when the file holds
exactly one article, because on a multi-article page we cannot tell which article they describe.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from .models import Article, Dropped

PAGE_FIELDS = ("source", "date", "page", "url")
DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
COMPACT_DATE_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def normalize_date(value: Any) -> str:
    """ISO `YYYY-MM-DD` from a date, datetime or a common written form; empty when not a real date."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    text = str(value)
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if not match:
        return ""
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
    except ValueError:
        return ""


def text_field(meta: Mapping[str, Any], key: str) -> str:
    """A metadata value as a trimmed string ('' when absent or null)."""
    value = meta.get(key)
    if value is None:
        return ""
    if key == "date":
        return normalize_date(value)
    return " ".join(str(value).split())


def apply_page_meta(article: Article, meta: Mapping[str, Any]) -> None:
    """Set source, date, page and url on an article wherever the metadata states them."""
    for key in PAGE_FIELDS:
        value = text_field(meta, key)
        if value:
            setattr(article, key, value)


def apply_article_meta(article: Article, meta: Mapping[str, Any]) -> None:
    """Set title and byline (from `author`) on the single article of a file.

    What the page itself said is not thrown away silently: a different parsed title or byline is
    listed in `dropped`, so `inspect` shows it (it may be a subtitle worth keeping in the source).
    """
    title = text_field(meta, "title")
    if title:
        if article.title and article.title != title:
            article.dropped.insert(0, Dropped(article.title, "title replaced by metadata"))
        article.title = title
    author = text_field(meta, "author") or text_field(meta, "byline")
    if author:
        if article.byline and article.byline != author:
            article.dropped.insert(0, Dropped(article.byline, "byline replaced by metadata"))
        article.byline = author


def json_ready(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata with dates turned into ISO strings, so ParsedFile.meta serialises to JSON."""
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if isinstance(value, dt.date | dt.datetime):
            out[str(key)] = normalize_date(value)
        elif isinstance(value, str | int | float | bool) or value is None:
            out[str(key)] = value
        else:
            out[str(key)] = str(value)
    return out
