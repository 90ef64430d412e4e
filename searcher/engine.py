"""The one library API the CLI and the web app share: search, fetch an article, report health.

An `Engine` is cheap to create and safe to share between threads: it opens the index lazily, picks up a new
index generation when `searcher build` switches to one (and new segments after `searcher add`), and uses a
fresh Whoosh searcher for every call.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from whoosh import query as Q
from whoosh import scoring
from whoosh.collectors import CollapseCollector, FilterCollector, TopCollector
from whoosh.index import Index

from . import store
from .analysis import segment
from .errors import BadQuery, IndexMissing, NotFound
from .highlight import highlight
from .models import Article, ArticleRef, Hit, Paragraph, SearchResult
from .query_syntax import ParsedQuery, parse_query
from .querying import Builder, QueryPlan
from .rerank import DEPTH, Candidate, alnum_bigrams, idf_weights, rerank

MAX_QUERY_CHARS = 500
MAX_PAGE_SIZE = 100
MAX_PER_ARTICLE = 10
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def article_url(article_id: str, paragraph: int | None = None) -> str:
    """Where the web app shows an article (at a paragraph's anchor); the same link in JSON and HTML."""
    url = "/articles/" + quote(article_id, safe=":")
    return f"{url}#p-{paragraph}" if paragraph else url


def validate(query: str, page: int, size: int, date_from: str | None, date_to: str | None,
             per_article: int | None = None) -> None:
    if len(query) > MAX_QUERY_CHARS:
        raise BadQuery(f"query is longer than {MAX_QUERY_CHARS} characters")
    if page < 1:
        raise BadQuery("page must be 1 or more")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadQuery(f"size must be between 1 and {MAX_PAGE_SIZE}")
    if per_article is not None and not 1 <= per_article <= MAX_PER_ARTICLE:
        raise BadQuery(f"per_article must be between 1 and {MAX_PER_ARTICLE}")
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value and not _is_date(value):
            raise BadQuery(f"{name} must be a date like 2024-11-30, got {value[:20]!r}（日期格式应为 2024-11-30）")


def _is_date(value: str) -> bool:
    """A real calendar date as YYYY-MM-DD: 2023-13-45 would otherwise silently filter everything out."""
    try:
        return bool(_ISO_DATE.fullmatch(value)) and bool(date.fromisoformat(value))
    except ValueError:
        return False


def top_candidates(searcher: Any, query: Q.Query, limit: int, filter: Q.Query | None,
                   per_article: int | None) -> tuple[list[Candidate], int]:
    """The best `limit` hits and the total, with Whoosh's block-quality optimisations (exact as long as every
    OR is an `AnyOf`, see querying.py); the total is counted without scoring."""
    collector: Any = TopCollector(limit=limit)
    if per_article:
        collector = CollapseCollector(collector, "article_id", limit=per_article)
    if filter is not None:
        collector = FilterCollector(collector, allow=filter)
    searcher.search_with_collector(query, collector)
    results = collector.results()
    return [Candidate(hit, hit.score) for hit in results], len(results)


def _removed_articles(reader: Any) -> set[str]:
    """Article ids still in the lexicon (until their segment is merged) whose every paragraph was deleted.
    Only the ids of deleted paragraphs are looked at, so this costs nothing on an index without deletions."""
    touched = {leaf.stored_fields(doc).get("article_id") for leaf, _ in reader.leaf_readers()
               if leaf.has_deletions() for doc in leaf.deleted_docs_set}
    return {aid for aid in touched if aid and not reader.postings("article_id", aid).is_active()}


class Engine:
    def __init__(self, index_dir: str | Path) -> None:
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._opened: tuple[str, Index, Builder] | None = None
        self._local = threading.local()

    def _index(self) -> tuple[str, Index, Builder]:
        """The live generation's index, reopened when `CURRENT` names another one."""
        generation = store.require_generation(self.index_dir)
        with self._lock:
            if self._opened is None or self._opened[0] != generation.name:
                ix = store.open_generation(self.index_dir, generation)
                synonyms = getattr(ix.schema["text"].analyzer, "synonyms", {})
                self._opened = (generation.name, ix, Builder(synonyms))
            return self._opened

    def _searcher(self) -> tuple[Any, Builder]:
        """This thread's searcher, kept between calls: opening one reads the term index (half a second on a
        100k-paragraph index). A commit by `searcher add` or a new generation gets a new searcher. Each thread
        has its own, so no Whoosh reader is shared between threads."""
        generation, ix, builder = self._index()
        local = self._local
        current = getattr(local, "searcher", None)
        try:  # a truncated or vanished segment file fails here, as IndexCorrupt (503), not as a 500
            if current is not None and local.generation == generation and current.up_to_date():
                return current, builder
            if current is not None:
                local.searcher = None
                current.close()
            # A whole new searcher after a commit: Whoosh's refresh() reuses segment readers that miss new deletions.
            fresh = ix.searcher(weighting=scoring.BM25F())
        except Exception as exc:
            raise store.unreadable(self.index_dir, generation, exc) from exc
        local.searcher, local.generation = fresh, generation
        return fresh, builder

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
        started = time.perf_counter()
        validate(query, page, size, date_from, date_to, per_article)
        searcher, builder = self._searcher()
        parsed = parse_query(query)
        if source:
            parsed.source.append(source)
        parsed.date_from = date_from or parsed.date_from
        parsed.date_to = date_to or parsed.date_to
        reader = searcher.reader()
        plan = builder.plan(parsed, lambda f, t: (reader.doc_frequency(f, t), reader.doc_count()))
        hits, total, partial = self._run(searcher, parsed, plan, builder, page, size, per_article)
        took = round((time.perf_counter() - started) * 1000, 2)
        return SearchResult(query, total, page, size, took, hits, partial)

    def _run(self, searcher: Any, parsed: ParsedQuery, plan: QueryPlan, builder: Builder, page: int,
             size: int, per_article: int | None) -> tuple[list[Hit], int, bool]:
        if plan.strict is None and plan.question is None:
            return [], 0, False
        question = builder.is_question(parsed, plan.needles) or plan.strict is None
        wanted = page * size
        found, total = top_candidates(searcher, plan.question if question else plan.strict,
                                      max(wanted, DEPTH) if question else wanted, plan.filter, per_article)
        partial = False
        if total == 0 and not question and plan.question is not None and not parsed.operators:
            question = partial = True
            found, total = top_candidates(searcher, plan.question, max(wanted, DEPTH), plan.filter, per_article)
        if question:
            found = self._rerank(searcher, found, parsed)
        start = (page - 1) * size
        hits = [self._hit(c, plan, start + i + 1) for i, c in enumerate(found[start:wanted])]
        return hits, total, partial and total > 0

    @staticmethod
    def _rerank(searcher: Any, found: list[Candidate], parsed: ParsedQuery) -> list[Candidate]:
        """Proximity re-ranking of the first DEPTH candidates of a question; the rest keep BM25 order."""
        text = " ".join(u.text for group in parsed.groups for u in group)
        reader = searcher.reader()
        weights = idf_weights(alnum_bigrams(text), lambda g: reader.doc_frequency("grams", g), reader.doc_count())
        top = max((c.score for c in found), default=1.0) or 1.0
        head = rerank(found[:DEPTH], text, weights)
        return head + [Candidate(c.source, c.score / top) for c in found[DEPTH:]]

    @staticmethod
    def _hit(candidate: Candidate, plan: QueryPlan, rank: int) -> Hit:
        doc = candidate.document()
        article_id, number = doc["article_id"], doc["paragraph"]
        ref = ArticleRef(
            id=article_id, title=doc.get("title", ""), byline=doc.get("byline", ""),
            source=doc.get("source", ""), date=doc.get("date", ""), file=doc.get("file", ""),
            url=article_url(article_id, number), source_url=doc.get("source_url", ""),
        )
        text = doc.get("text", "")
        return Hit(id=doc["id"], rank=rank, score=round(candidate.score, 4), text=text,
                   highlight=highlight(text, plan.needles), paragraph=number,
                   heading=doc.get("heading", ""), article=ref)

    def warm_up(self) -> None:
        """Load jieba's dictionary (about a second) and open the index before the first user waits for it."""
        segment("预热")
        try:
            self._searcher()
        except IndexMissing:
            pass

    def highlight_terms(self, query: str) -> list[str]:
        """The normalised words and phrases a query marks (synonyms included), for marking whole articles."""
        if not query.strip():
            return []
        _, _, builder = self._index()
        return builder.plan(parse_query(query)).needles

    def article(self, article_id: str) -> Article:
        """The whole article with every paragraph, in order; raises NotFound."""
        searcher, _ = self._searcher()
        docs = [hit.fields() for hit in searcher.search(Q.Term("article_id", article_id), limit=None,
                                                          sortedby="paragraph")]
        if not docs:
            raise NotFound(f"no article with id {article_id!r}")
        first = docs[0]
        return Article(
            id=article_id, title=first.get("title", ""), byline=first.get("byline", ""),
            paragraphs=[Paragraph(d["paragraph"], d.get("text", ""), d.get("heading", "")) for d in docs],
            source=first.get("source", ""), date=first.get("date", ""), url=first.get("source_url", ""),
            file=first.get("file", ""), page=first.get("page", ""), continued=first.get("continued", ""),
        )

    def health(self) -> dict[str, Any]:
        """{"generation": str, "articles": int, "paragraphs": int}, counting only articles not removed."""
        searcher, _ = self._searcher()
        reader = searcher.reader()
        articles = sum(1 for _ in reader.lexicon("article_id")) - len(_removed_articles(reader))
        return {"generation": self._local.generation, "articles": articles, "paragraphs": searcher.doc_count()}

    def whoosh_searcher(self) -> tuple[str, Any]:
        """The generation name and this thread's Whoosh searcher, for read-only features built on the index
        (vocabulary, keywords, duplicates: see docs/discovery.md)."""
        searcher, _ = self._searcher()
        return self._local.generation, searcher

    def _lexicon(self, fieldname: str) -> list[str]:
        searcher, _ = self._searcher()
        return [t.decode("utf-8") for t in searcher.reader().lexicon(fieldname) if t]

    def sources(self) -> list[str]:
        """Every distinct source name, for the filter menu."""
        return self._lexicon("source")

    def date_range(self) -> tuple[str, str] | None:
        """The earliest and latest article date (ISO), or None when no article is dated."""
        dates = self._lexicon("date")
        return (dates[0], dates[-1]) if dates else None
