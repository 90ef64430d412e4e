"""Metadata a source states about itself (front matter, jsonl fields, extractor output).

Stated metadata overrides what parsing infers. Page-wide fields (source, date, page, url) apply to
every article of the file; article fields (title, author -> byline, id) only when the file holds
exactly one article, because on a multi-article page we cannot tell which article they describe.

`meta["provenance"]` names where each stated value came from (`front matter:date`,
`html:og:site_name`, `pdf:info /Title`); the label is copied to `Article.provenance` with the value.
A label ending in `(inferred)` marks a value the extractor guessed rather than read from a declaration
(trafilatura's date from a page's URL or markup): it only fills a field the text left empty.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from ..models import Article, Dropped
from .dateline import calendar_date

PAGE_FIELDS = ("source", "date", "page", "url")
PROVENANCE = "provenance"
INFERRED = "(inferred)"
FROM_HEADLINE = "text:headline"
FROM_BYLINE = "text:byline"
FROM_DATELINE = "text:dateline"
FROM_FILE_NAME = "file name"
DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
COMPACT_DATE_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def normalize_date(value: Any) -> str:
    """ISO `YYYY-MM-DD` from a date, datetime or a common written form; empty when not a real date."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return calendar_date(value.year, value.month, value.day)
    if value is None:
        return ""
    text = str(value)
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if not match:
        return ""
    return calendar_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def text_field(meta: Mapping[str, Any], key: str) -> str:
    """A metadata value as a trimmed string ('' when absent or null)."""
    value = meta.get(key)
    if value is None:
        return ""
    if key == "date":
        return normalize_date(value)
    return " ".join(str(value).split())


def labelled(meta: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """A copy of meta whose every field is labelled `origin:key` (`front matter:date`, `jsonl:source`)."""
    out = {key: value for key, value in meta.items() if key != PROVENANCE}
    if out:
        out[PROVENANCE] = {str(key): f"{origin}:{key}" for key in out}
    return out


def provenance_of(meta: Mapping[str, Any], key: str) -> str:
    """Where the metadata says its `key` value came from (`metadata:key` when it does not say)."""
    labels = meta.get(PROVENANCE)
    if isinstance(labels, Mapping) and labels.get(key):
        return str(labels[key])
    return f"metadata:{key}"


def _overrides(article: Article, field: str, label: str) -> bool:
    """An inferred value never replaces one the text stated; a declared one always does."""
    return not (label.endswith(INFERRED) and getattr(article, field))


def apply_page_meta(article: Article, meta: Mapping[str, Any]) -> None:
    """Set source, date, page and url on an article wherever the metadata states them."""
    for key in PAGE_FIELDS:
        value, label = text_field(meta, key), provenance_of(meta, key)
        if value and _overrides(article, key, label):
            setattr(article, key, value)
            article.provenance[key] = label


def apply_article_meta(article: Article, meta: Mapping[str, Any]) -> None:
    """Set title and byline (from `author`) on the single article of a file.

    What the page itself said is not thrown away silently: a different parsed title or byline is
    listed in `dropped`, so `inspect` shows it (it may be a subtitle worth keeping in the source).
    """
    author_key = "author" if text_field(meta, "author") else "byline"
    for field, key in (("title", "title"), ("byline", author_key)):
        value, label = text_field(meta, key), provenance_of(meta, key)
        if not value or not _overrides(article, field, label):
            continue
        old = getattr(article, field)
        if old and old != value:
            article.dropped.insert(0, Dropped(old, f"{field} replaced by metadata"))
        setattr(article, field, value)
        article.provenance[field] = label


def json_ready(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata with dates turned into ISO strings, so ParsedFile.meta serialises to JSON."""
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if key == PROVENANCE and isinstance(value, Mapping):
            out[key] = {str(k): str(v) for k, v in value.items()}
        elif isinstance(value, dt.date | dt.datetime):
            out[str(key)] = normalize_date(value)
        elif isinstance(value, str | int | float | bool) or value is None:
            out[str(key)] = value
        else:
            out[str(key)] = str(value)
    return out
