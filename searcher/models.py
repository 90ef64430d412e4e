"""Typed values that flow through the pipeline; the JSON API and the HTML pages render the same ones."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Paragraph:
    """One body paragraph, numbered from 1 within its article (numbers are part of citations and links)."""

    number: int
    text: str
    heading: str = ""


@dataclass(frozen=True)
class Dropped:
    """A block that is not body text (caption, ad, weather...), kept so `inspect` can say what went and why."""

    text: str
    reason: str


@dataclass
class Article:
    """A parsed article: attribution plus whole, repaired body paragraphs."""

    id: str
    title: str
    byline: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)
    source: str = ""
    date: str = ""
    url: str = ""
    file: str = ""
    page: str = ""
    continued: str = ""
    dropped: list[Dropped] = field(default_factory=list)
    # Where title, byline, date and source came from (`text:dateline`, `html:og:site_name`, ...). Known
    # while parsing and shown by `inspect`; not stored in the index, so not part of the API's article.
    provenance: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("provenance")
        return out


@dataclass
class ParsedFile:
    """Everything one corpus file yielded, including page-level blocks that belong to no article."""

    path: str
    articles: list[Article] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    encoding: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Skipped:
    """A corpus file that could not be used, with the reason a user can act on."""

    path: str
    reason: str


@dataclass(frozen=True)
class ArticleRef:
    """The attribution carried by every hit: enough to cite the source without another lookup."""

    id: str
    title: str
    byline: str
    source: str
    date: str
    file: str
    url: str
    source_url: str = ""


@dataclass(frozen=True)
class Hit:
    id: str
    rank: int
    score: float
    text: str
    highlight: str
    paragraph: int
    heading: str
    article: ArticleRef
    byline_highlight: str = ""  # the article's byline, HTML-escaped, with the query's words in <mark>

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    page: int
    size: int
    took_ms: float
    hits: list[Hit]
    partial: bool = False
    notice: str = ""  # e.g. that an over-long query was trimmed; empty when there is nothing to say
    facets: dict[str, list[dict[str, Any]]] | None = None  # only when asked for: see searcher/search/facets.py
    facets_sampled: bool = False
    total_relation: str = "eq"  # "gte": there are more than `total` (TOTAL_LIMIT) hits, as Elasticsearch says

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape; `facets` and `facets_sampled` only when facets were asked for."""
        data = asdict(self)
        if self.facets is None:
            del data["facets"], data["facets_sampled"]
        return data
