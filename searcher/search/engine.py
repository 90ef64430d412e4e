"""The one library API the CLI and the web app share: search, fetch an article, report health.

An `Engine` is cheap to create and safe to share between threads: it opens the index lazily, picks up a new
index generation when `searcher build` switches to one (and new segments after `searcher add`), keeps a Whoosh
searcher per thread, and keeps recent answers.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import query as Q
from whoosh import scoring
from whoosh.index import Index

from .. import config
from ..analysis.tokenizers import segment
from ..errors import BadQuery, IndexMissing, NotFound
from ..index import store
from ..index.documents import article_of, attribution, newest_entry
from ..index.documents import article_url as article_url  # where searcher.discovery imports it from
from ..models import Article, Hit, SearchResult
from . import vectorized
from .caches import LruCache
from .columns import column, occurrence
from .facets import ARTICLE_FIELDS, FACETS, Matched, facet_counts, sample_articles
from .highlight import find_spans, highlight, mark
from .plan import MAX_PHRASE_CHARS, MAX_PIECES, Builder, Filtered, QueryPlan, question_text
from .rerank import DEPTH, NEAR_DEPTH, Candidate, alnum_bigrams, boost_near, idf_weights, rerank
from .syntax import ParsedQuery, parse_query

MAX_QUERY_CHARS = 500
MAX_PAGE_SIZE = 100
MAX_PER_ARTICLE = 10
# Totals are counted exactly up to this many hits, then reported as "at least" (Elasticsearch's track_total_hits):
# counting every one of a common word's matches in a large archive would cost more than finding the best ten.
TOTAL_LIMIT = 10_000
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
TRIMMED = (f"query trimmed: only its first {MAX_PIECES} distinct words and {MAX_PHRASE_CHARS} characters of a "
           f"quoted phrase are searched"
           f"（查询过长，只检索前 {MAX_PIECES} 个不同的词、引号内前 {MAX_PHRASE_CHARS} 个字）")


@dataclass(frozen=True)
class Paging:
    page: int
    size: int
    per_article: int | None = None
    sort: str = "relevance"

    @property
    def wanted(self) -> int:
        """Hits needed up to the end of this page."""
        return self.page * self.size


SORTS = ("relevance", "newest")
# Quick ranges: articles dated from this many days before today up to today (一天内/一周内/一月内/一年内).
RANGES = {"day": 1, "week": 7, "month": 30, "year": 365}


def validate(query: str, page: int, size: int, date_from: str | None, date_to: str | None,
             per_article: int | None = None, sort: str = "relevance", range: str | None = None) -> None:
    if len(query) > MAX_QUERY_CHARS:
        raise BadQuery(f"query is longer than {MAX_QUERY_CHARS} characters")
    if page < 1:
        raise BadQuery("page must be 1 or more")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadQuery(f"size must be between 1 and {MAX_PAGE_SIZE}")
    if per_article is not None and not 1 <= per_article <= MAX_PER_ARTICLE:
        raise BadQuery(f"per_article must be between 1 and {MAX_PER_ARTICLE}")
    if sort not in SORTS:
        raise BadQuery(f"sort must be one of {', '.join(SORTS)}, got {sort[:20]!r}"
                       "（排序方式只能是 relevance 或 newest）")
    if range is not None and range not in RANGES:
        raise BadQuery(f"range must be one of {', '.join(RANGES)}, got {range[:20]!r}"
                       "（时间范围只能是 day、week、month 或 year）")
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value and not _is_date(value):
            raise BadQuery(f"{name} must be a date like 2024-11-30, got {value[:20]!r}（日期格式应为 2024-11-30）")


def _is_date(value: str) -> bool:
    """A real calendar date as YYYY-MM-DD: 2023-13-45 would otherwise silently filter everything out."""
    try:
        return bool(_ISO_DATE.fullmatch(value)) and bool(date.fromisoformat(value))
    except ValueError:
        return False


def apply_filters(parsed: ParsedQuery, source: str | None, author: str | None, date_from: str | None,
                  date_to: str | None, range: str | None, today: date | None = None) -> None:
    """Parameters join the query's own filters (a parameter date wins over `date:`); a quick range narrows the
    dates to the last day/week/month/year up to today. Raises BadQuery for a `date:` that is not a date."""
    if parsed.bad_dates:
        raise BadQuery(f"date:{parsed.bad_dates[0][:20]} is not a date: use 2024, 2024-11, 2024-11-30 or "
                       "2024-01-01..2024-06-30（日期格式应为 2024、2024-11、2024-11-30 或 起..止）")
    if source:
        parsed.source.append(source)
    if author:
        parsed.author.append(author)
    parsed.date_from = date_from or parsed.date_from
    parsed.date_to = date_to or parsed.date_to
    if range:
        today = today or date.today()
        start, end = (today - timedelta(days=RANGES[range])).isoformat(), today.isoformat()
        parsed.date_from = max(parsed.date_from or start, start)
        parsed.date_to = min(parsed.date_to or end, end)


def collect(searcher: Any, /, query: Q.Query, filter: Q.Query | None, limit: int, per_article: int | None = None,
            newest: bool = False) -> tuple[list[Candidate], int]:
    """The first `limit` hits and the total, both of exactly what can be paged through: filtered, folded to
    `per_article` paragraphs per article, in relevance or newest-first order (then by score, article and
    paragraph). Every match is scored, with whole posting lists at a time (searcher/search/vectorized.py), so the
    total is exact; ordering and folding index the columns as arrays (searcher/search/columns.py); the stored
    fields are read for the `limit` hits only."""
    if filter is not None:
        query = Filtered(query, filter)
    docs, scores = vectorized.matches(searcher, query)
    if not per_article and not newest:
        return [Candidate(searcher.stored_fields(d), s) for s, d in vectorized.ranked(docs, scores, limit)], len(docs)
    order = _ordered(searcher, docs, scores, newest)
    if per_article:
        order = order[occurrence(column(searcher, "article_id").codes[docs[order]]) < per_article]
    return [Candidate(searcher.stored_fields(int(docs[i])), float(scores[i])) for i in order[:limit]], len(order)


def _ordered(searcher: Any, docs: np.ndarray, scores: np.ndarray, newest: bool) -> np.ndarray:
    """Positions of `docs` in result order: by score, then docnum (`vectorized.order`); newest first: by date
    (undated last), then score, article and paragraph."""
    if not newest:
        return vectorized.order(docs, scores)
    dates = column(searcher, "date")
    day = dates.codes[docs]
    undated = np.isin(day, [i for i, value in enumerate(dates.values) if not value])
    article, paragraph = column(searcher, "article_id").codes[docs], column(searcher, "paragraph").codes[docs]
    return np.lexsort((paragraph, article, -vectorized.keys(scores), -day, undated))


def _live_articles(searcher: Any) -> int:
    """Articles with at least one paragraph not removed, counted from the article column (kept per set of
    segments, as searches use it). Walking the article ids' lexicon instead took 0.7 s at a million paragraphs,
    on every health check."""
    articles = column(searcher, "article_id")
    live = np.ones(len(articles.codes), dtype=bool)
    for leaf, offset in searcher.leaf_searchers():
        live[offset + vectorized.deleted_docs(leaf.reader())] = False
    present = np.bincount(articles.codes[live], minlength=len(articles.values)) > 0
    no_id = bool(articles.values) and articles.values[0] == ""  # the values are sorted: "" comes first
    return int(np.count_nonzero(present)) - int(no_id and present[0])


def _file_sizes(generation: Path) -> dict[str, int]:
    """The size of every file of a generation, taken when a searcher opens it."""
    sizes = {}
    with os.scandir(generation) as entries:  # closed even when a rebuild deletes the generation meanwhile
        for entry in entries:
            with contextlib.suppress(FileNotFoundError):  # merged away by a commit since the listing
                if entry.is_file():
                    sizes[entry.name] = entry.stat().st_size
    return sizes


def _require_intact(generation: Path, sizes: dict[str, int]) -> None:
    """Refuse to read through a searcher whose files shrank since it opened them (a file merged away by a commit
    is harmless: the open handle still reads it). A few stat calls per request turn a truncated segment into an
    IndexCorrupt (503 naming the rebuild) for the next request instead of reads of garbage."""
    for name, size in sizes.items():
        try:
            now = os.stat(generation / name).st_size
        except FileNotFoundError:
            continue  # merged away by a commit: an unlinked file stays readable through its mapping
        if now < size:
            raise OSError(f"{name} shrank from {size} to {now} bytes")


def _state(searcher: Any) -> tuple[tuple[str, int], ...]:
    """What `searcher` reads: each segment and its number of live documents. An `add` makes a segment, a `remove`
    lowers a count, a new generation has other segments: any change makes another state, so answers cached under
    an older one are never given again."""
    return tuple((leaf.segment().segment_id(), leaf.doc_count()) for leaf, _ in searcher.reader().leaf_readers())


def _result_bytes(result: SearchResult) -> int:
    """About what a cached answer holds: its hits' strings (two bytes a character, as Python keeps CJK text) and
    their objects, its facets."""
    strings = sum(len(hit.text) + len(hit.highlight) + len(hit.heading) + len(hit.article.title) + 200
                  for hit in result.hits)
    facets = sum(len(values) for values in result.facets.values()) if result.facets else 0
    return 1024 + 2 * strings + 800 * len(result.hits) + 200 * facets


class Engine:
    """Answers searches of one index directory. An answer is kept (`_results`, per process, least recently used
    out first) under the index's state and every parameter of the search: a search asked again (a reader paging
    back, a colleague searching the same name, a front page's links) is answered without running it, with
    `took_ms` its own."""

    backend = "whoosh"
    # None: every search is run. So on OpenSearch (which does not set it), whose index changes under the same name.
    _results: LruCache[SearchResult] | None = None

    def __init__(self, index_dir: str | Path, result_cache_mb: int | None = None) -> None:
        """`result_cache_mb`: memory for the answers of searches asked again (by default SEARCHER_RESULT_CACHE_MB
        or 32; 0: none)."""
        self.index_dir = Path(index_dir)
        budget = config.result_cache_mb() if result_cache_mb is None else result_cache_mb
        self._results = LruCache(budget << 20, _result_bytes) if budget else None
        self._lock = threading.Lock()
        self._opened: tuple[str, Index, Builder] | None = None
        self._local = threading.local()
        self._date_range: tuple[tuple[str, int], tuple[str, str] | None] | None = None

    def _index(self) -> tuple[str, Index, Builder]:
        """The live generation's index, reopened when `CURRENT` names another one."""
        generation = store.require_generation(self.index_dir)
        with self._lock:
            if self._opened is None or self._opened[0] != generation.name:
                ix = store.open_generation(self.index_dir, generation)
                synonyms = getattr(ix.schema["text"].analyzer, "synonyms", {})
                self._opened = (generation.name, ix, Builder(synonyms, bylines=ix.schema["byline"].indexed))
            return self._opened

    def _searcher(self) -> tuple[Any, Builder]:
        """This thread's searcher, kept between calls: opening one reads the term index (half a second on a
        100k-paragraph index). A commit by `searcher add` or a new generation gets a new searcher. Each thread
        has its own, so no Whoosh reader is shared between threads."""
        generation, ix, builder = self._index()
        local = self._local
        current = getattr(local, "searcher", None)
        try:  # a truncated or vanished segment file fails here, as IndexCorrupt (503), not as a 500
            if current is not None and local.generation == generation:
                _require_intact(self.index_dir / generation, local.sizes)
                if current.up_to_date():
                    return current, builder
            if current is not None:
                local.searcher = None
                current.close()
            # A whole new searcher after a commit: Whoosh's refresh() reuses segment readers that miss new deletions.
            fresh = ix.searcher(weighting=scoring.BM25F())
        except Exception as exc:
            raise store.unreadable(self.index_dir, generation, exc) from exc
        local.searcher, local.generation = fresh, generation
        local.sizes = _file_sizes(self.index_dir / generation)
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
        author: str | None = None,
        sort: str = "relevance",
        range: str | None = None,
        facets: bool = False,
    ) -> SearchResult:
        """Rank paragraphs for `query`; raises BadQuery for page < 1, size outside 1..100, a query over 500
        characters, a malformed date (parameter or `date:`), an unknown sort or range, IndexMissing when no index
        was built. Any other query text is a query. `facets` adds counts by source, reporter and year of what
        `total` counts (searcher/search/facets.py)."""
        started = time.perf_counter()
        validate(query, page, size, date_from, date_to, per_article, sort, range)
        parsed = parse_query(query)
        apply_filters(parsed, source, author, date_from, date_to, range)
        searcher, builder = self._searcher()
        paging = Paging(page, size, per_article, sort)
        if self._results is None:
            result = self._answer(searcher, builder, query, parsed, paging, facets)
        else:
            today = date.today() if range else None  # a quick range counts back from it
            key = (_state(searcher), query, paging, source, author, date_from, date_to, range, today, facets)
            result = self._results.get(key) or self._results.put(key, self._answer(searcher, builder, query, parsed,
                                                                                   paging, facets))
        return replace(result, took_ms=round((time.perf_counter() - started) * 1000, 2))

    def _answer(self, searcher: Any, builder: Builder, query: str, parsed: ParsedQuery, paging: Paging,
                facets: bool) -> SearchResult:
        plan = self._plan(searcher, builder, parsed)
        hits, total, partial, basis = self._run(searcher, parsed, plan, builder, paging)
        counts, sampled = self._facets(searcher, basis) if facets else (None, False)
        relation = "gte" if total > TOTAL_LIMIT else "eq"
        return SearchResult(query, min(total, TOTAL_LIMIT), paging.page, paging.size, 0.0, hits, partial,
                            TRIMMED if plan.trimmed else "", counts, sampled, relation)

    def _facets(self, searcher: Any, basis: tuple[Q.Query | None, int | None]) -> tuple[dict[str, Any], bool]:
        """Facet counts over every document the query that gave `total` matches, folded as it was."""
        query, per_article = basis
        if query is None:
            return {name: [] for name in FACETS}, False
        articles, sampled = self._matched(searcher, query)
        return facet_counts(articles, per_article), sampled

    @staticmethod
    def _matched(searcher: Any, /, query: Q.Query) -> tuple[dict[str, Matched], bool]:
        """The articles `query` matches, for the facets (and whether only a sample was read)."""
        docs, _ = vectorized.matches(searcher, query)
        reader = searcher.reader()
        columns = {name: column(searcher, name) if reader.has_column(name) else None for name in ARTICLE_FIELDS}
        return sample_articles(searcher, docs, column(searcher, "article_id"), columns)

    def _run(self, searcher: Any, parsed: ParsedQuery, plan: QueryPlan, builder: Builder,
             paging: Paging) -> tuple[list[Hit], int, bool, tuple[Q.Query | None, int | None]]:
        """Strict first; nothing strict for keywords (no syntax used) -> the loose query, marked partial; a
        question is ranked and re-ranked; a filter with no words lists its articles newest first, one paragraph
        each unless `per_article` says otherwise. Also returns what `total` counted: the filtered query and its
        folding (for facets)."""
        newest = paging.sort == "newest"
        if plan.strict is None:
            if plan.filter is None:
                return [], 0, False, (None, None)
            listing = Q.ConstantScoreQuery(plan.filter, 1.0)  # every paragraph alike: then article, reading order
            found, total = self._collect(searcher, listing, None, paging.wanted, paging.per_article or 1, True)
            return self._hits(found, plan, paging), total, False, (listing, paging.per_article or 1)
        question = builder.is_question(parsed, plan.words)
        near, verbatim = (plan.near, plan.verbatim) if not question and not newest else ([], [])
        limit = max(paging.wanted, DEPTH if question and not newest else NEAR_DEPTH if near or verbatim else 0)
        counted = plan.question if question else plan.strict
        found, total = self._collect(searcher, counted, plan.filter, limit, paging.per_article, newest)
        found = boost_near(found, near, verbatim)
        partial = False
        if total == 0 and not question and plan.loose is not None and not parsed.operators:
            question = partial = True
            limit = paging.wanted if newest else max(paging.wanted, DEPTH)
            counted = plan.loose
            found, total = self._collect(searcher, counted, plan.filter, limit, paging.per_article, newest)
        if question and not newest:
            found = self._rerank(searcher, found, parsed)
        basis = Filtered(counted, plan.filter) if plan.filter is not None else counted
        return self._hits(found, plan, paging), total, partial and total > 0, (basis, paging.per_article)

    def _hits(self, found: list[Candidate], plan: QueryPlan, paging: Paging) -> list[Hit]:
        start = paging.wanted - paging.size
        return [self._hit(c, plan, start + i + 1) for i, c in enumerate(found[start:paging.wanted])]

    # How this backend runs a query (another backend, searcher/backends/, runs the same plan its own way).
    _collect = staticmethod(collect)

    @staticmethod
    def _plan(searcher: Any, builder: Builder, parsed: ParsedQuery) -> QueryPlan:
        """The plan, told how many paragraphs hold each term (to keep a question's rarest terms)."""
        reader = searcher.reader()
        return builder.plan(parsed, lambda f, t: (reader.doc_frequency(f, t), reader.doc_count()))

    @staticmethod
    def _gram_weights(searcher: Any, grams: set[str]) -> dict[str, float]:
        reader = searcher.reader()
        return idf_weights(grams, lambda g: reader.doc_frequency("grams", g), reader.doc_count())

    def _rerank(self, searcher: Any, found: list[Candidate], parsed: ParsedQuery) -> list[Candidate]:
        """Proximity re-ranking of the first DEPTH candidates of a question; the rest keep BM25 order."""
        text = question_text(parsed)
        weights = self._gram_weights(searcher, alnum_bigrams(text))
        top = max((c.score for c in found), default=1.0) or 1.0
        head = rerank(found[:DEPTH], text, weights)
        return head + [Candidate(c.source, c.score / top) for c in found[DEPTH:]]

    @staticmethod
    def _hit(candidate: Candidate, plan: QueryPlan, rank: int) -> Hit:
        doc = candidate.document()
        ref = attribution(doc)
        text = doc.get("text", "")
        return Hit(id=doc["id"], rank=rank, score=round(candidate.score, 4), text=text,
                   highlight=highlight(text, plan.needles), paragraph=doc["paragraph"],
                   heading=doc.get("heading", ""), article=ref,
                   byline_highlight=mark(ref.byline, find_spans(ref.byline, plan.needles)))

    def check(self) -> None:
        """Raise IndexMissing (or IndexCorrupt) when there is no index to serve, opening it otherwise: what a
        server checks at start, cheaper than `health` (which counts the articles)."""
        self._searcher()

    def close(self) -> None:
        """Close this thread's searcher and its files: a server does before it forks worker processes, which
        open their own (reads through a file offset shared between processes would mix)."""
        local: Any = getattr(self, "_local", None)  # (a backend's engine may keep no searcher)
        searcher = getattr(local, "searcher", None)
        if searcher is not None:
            local.searcher = None
            searcher.close()

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
        return article_of(article_id, docs)

    def health(self) -> dict[str, Any]:
        """{"backend", "generation": str, "articles": int, "paragraphs": int}, counting only articles not removed."""
        searcher, _ = self._searcher()
        return {"backend": self.backend, "generation": self._local.generation, "articles": _live_articles(searcher),
                "paragraphs": searcher.doc_count()}

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

    def scored(self, query: Q.Query, limit: int) -> list[tuple[dict[str, Any], float]]:
        """The best `limit` paragraphs of a discovery query (e.g. keywords.related_query), stored fields and
        score: for features that rank by one query of their own rather than a reader's search."""
        searcher, _ = self._searcher()
        docs, scores = vectorized.matches(searcher, query)
        return [(searcher.stored_fields(docnum), score) for score, docnum in vectorized.ranked(docs, scores, limit)]

    def paragraph(self, paragraph_id: str) -> dict[str, Any]:
        """One paragraph's stored fields; raises NotFound."""
        searcher, _ = self._searcher()
        doc = searcher.document(id=paragraph_id)
        if doc is None:
            raise NotFound(f"no paragraph with id {paragraph_id!r}（没有这一段）")
        return dict(doc)

    def newest_articles(self, limit: int = 10) -> list[dict[str, Any]]:
        """The start page's `limit` newest dated articles, newest first, then by id ({id, title, date, source,
        byline, url}): the date lexicon is walked from its end, so only the newest days are read, whatever the
        size of the index."""
        searcher, _ = self._searcher()
        out: dict[str, dict[str, Any]] = {}
        for day in reversed(self._lexicon("date")):
            for hit in searcher.search(Q.Term("date", day), limit=None, sortedby="article_id"):
                out.setdefault(hit["article_id"], newest_entry(hit.fields()))
                if len(out) == limit:
                    return list(out.values())
        return list(out.values())

    def date_range(self) -> tuple[str, str] | None:
        """The earliest and latest article date (ISO), or None when no article is dated. Every search of the page
        and the API asks (written dates are relative to the newest article), so it is read once per generation
        and document count (an add changes the count) instead of walking the date lexicon each time."""
        searcher, _ = self._searcher()
        key = (self._local.generation, searcher.doc_count_all())
        cached = self._date_range
        if cached is None or cached[0] != key:
            dates = self._lexicon("date")
            cached = self._date_range = (key, (dates[0], dates[-1]) if dates else None)
        return cached[1]
