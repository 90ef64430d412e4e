"""The one library API the CLI and the web app share: search, fetch an article, report health.

An `Engine` is cheap to create and safe to share between threads: it opens the index lazily, picks up a new
index generation when `searcher build` switches to one, and uses a fresh Whoosh searcher for every call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .models import Article, SearchResult

MAX_QUERY_CHARS = 500
MAX_PAGE_SIZE = 100


class Engine:
    def __init__(self, index_dir: str | Path) -> None:
        self.index_dir = Path(index_dir)

    def search(
        self,
        query: str,
        *,
        page: int = 1,
        size: int = 10,
        source: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        per_article: int | None = None,
    ) -> SearchResult:
        """Rank paragraphs for `query`; raises BadQuery for page < 1, size outside 1..100, a query over 500
        characters or a malformed date, IndexMissing when no index was built. The query text never raises."""
        raise NotImplementedError

    def article(self, article_id: str) -> Article:
        """The whole article with every paragraph, in order; raises NotFound."""
        raise NotImplementedError

    def health(self) -> dict[str, Any]:
        """{"generation": str, "articles": int, "paragraphs": int}."""
        raise NotImplementedError

    def sources(self) -> list[str]:
        """Every distinct source name, for the filter menu."""
        raise NotImplementedError

    def date_range(self) -> tuple[str, str] | None:
        """The earliest and latest article date (ISO), or None when no article is dated."""
        raise NotImplementedError
