"""Facet counts (source, reporter, year, month) over exactly the results a search counts in its `total`.

A count is in the unit `total` uses: paragraphs, or at most `per_article` paragraphs of each article when results
are folded (a listing with no words folds to one per article). So a facet's count is the `total` that clicking it
gives. Reporter names come from bylines by the byline grammar of `searcher.page.names`; the `author` filter matches a
substring of the byline, so each listed reporter is recounted that way (a `陈曦` entry also counts `陈曦文`'s
articles, exactly as `author=陈曦` would find them). Only `SAMPLE_LIMIT` matches are read when there are more: the
counts are then of that sample and `sampled` says so, to keep a broad query fast.

Each backend gathers the matched articles its own way (`Matched`: how many of an article's paragraphs match, and the
article's source, date and byline): Whoosh from the first matching documents in index order (`sample_articles`),
OpenSearch with aggregations (searcher/backends/opensearch/facets.py). `facet_counts` counts them for both.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..analysis.normalize import normalize_text
from ..page.names import byline_names
from .columns import Column

TOP = 10
SAMPLE_LIMIT = 50_000
FACETS = ("source", "author", "year", "month")
# What the facets read of an article (the same on every paragraph of it): each backend fetches these, once an article.
ARTICLE_FIELDS = ("source", "date", "byline")


@dataclass(frozen=True)
class Matched:
    """One article among the counted matches: how many of its paragraphs match (in the sample) and its fields."""

    paragraphs: int
    fields: Mapping[str, str]


def facet_counts(articles: Mapping[str, Matched], per_article: int | None) -> dict[str, list[dict[str, Any]]]:
    """{"source"|"author"|"year"|"month": [{"value", "count"}...]} of the matched `articles` (by id), folded to
    `per_article` per article when given. Every backend gathers the articles its own way and counts them here, so
    the facets, their values and their order are decided once."""
    weight = {aid: min(m.paragraphs, per_article) if per_article else m.paragraphs for aid, m in articles.items()}
    fields = {aid: m.fields for aid, m in articles.items()}
    return {
        "source": _top(_count(weight, lambda aid: [fields[aid].get("source", "")])),
        "author": _authors(weight, {aid: fields[aid].get("byline", "") for aid in weight}),
        "year": _top(_count(weight, lambda aid: [fields[aid].get("date", "")[:4]])),
        "month": _top(_count(weight, lambda aid: [_month(fields[aid].get("date", ""))])),
    }


def sample_articles(searcher: Any, docs: np.ndarray, articles: Column,
                    columns: Mapping[str, Column | None]) -> tuple[dict[str, Matched], bool]:
    """The Whoosh backend's matched articles: of the first SAMPLE_LIMIT matching document numbers `docs` (in index
    order, as articles first appear in them), and whether there were more. `articles` is the article id column,
    `columns` those of ARTICLE_FIELDS (None for a field an older index keeps only stored)."""
    sample = docs[:SAMPLE_LIMIT]
    codes, first, counts = np.unique(articles.codes[sample], return_index=True, return_counts=True)
    matched = {}
    for i in np.argsort(first):
        doc = int(sample[first[i]])
        stored = searcher.stored_fields(doc) if None in columns.values() else {}
        fields = {name: col[doc] if col is not None else stored.get(name, "") for name, col in columns.items()}
        matched[articles.values[codes[i]]] = Matched(int(counts[i]), fields)
    return matched, len(docs) > SAMPLE_LIMIT


def _month(iso: str) -> str:
    """`2024-12` of `2024-12-05`; nothing for a date without its month."""
    return iso[:7] if len(iso) >= 7 else ""


def month_end(month: str) -> str:
    """The last day of `2024-02` as `2024-02-29`: where a month facet's date range ends."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"


def _count(weight: dict[str, int], values: Callable[[str], list[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for aid, n in weight.items():
        for value in values(aid):
            if value:
                counts[value] += n
    return counts


def _top(counts: Counter[str]) -> list[dict[str, Any]]:
    """The TOP values by count, then value."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    return [{"value": value, "count": count} for value, count in ranked]


@lru_cache(maxsize=4096)
def _names(byline: str) -> tuple[str, ...]:
    """A byline's names, remembered: a few reporters sign most articles, and a facet reads every article's."""
    return tuple(byline_names(byline))


_plain = lru_cache(maxsize=4096)(normalize_text)


def _authors(weight: dict[str, int], bylines: dict[str, str]) -> list[dict[str, Any]]:
    """Names from bylines, each recounted as the author filter would match it (a substring of the byline)."""
    named = _count(weight, lambda aid: list(_names(bylines[aid])))
    candidates = [name for name, _ in sorted(named.items(), key=lambda item: (-item[1], item[0]))[:TOP * 2]]
    plain = {aid: _plain(byline) for aid, byline in bylines.items()}
    recount = Counter({name: sum(n for aid, n in weight.items() if _plain(name) in plain[aid])
                       for name in candidates})
    return _top(recount)
