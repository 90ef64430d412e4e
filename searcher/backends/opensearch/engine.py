"""`OpenSearchEngine`: the Engine's search, run on an OpenSearch index behind an alias.

The plan, validation, fallback to a partial search, question re-ranking, paging and hit building are the
Engine's own (searcher/search/engine.py); this class only runs a planned query (`_collect`) and answers the
questions the plan asks of the index (term frequencies). Each search resolves the alias once, so its strict and
partial passes read the same index even while a rebuild switches the alias.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from whoosh import query as Q

from ...analysis.tokenizers import load_words, segment
from ...errors import BackendUnavailable, BadQuery, NotFound
from ...index.documents import article_of
from ...models import Article, SearchResult
from ...search import engine as base
from ...search.engine import Engine, _descending
from ...search.plan import QUESTION_TERMS, Builder, Filtered, QueryPlan
from ...search.rerank import Candidate, idf_weights
from ...search.syntax import ParsedQuery, parse_query
from .client import DEFAULT_URL, connect, raise_unavailable, transient
from .documents import decode, resources_of
from .query import translate

# OpenSearch's index.max_result_window: hits past the first 10,000 cannot be paged to (the Whoosh backend can).
MAX_WINDOW = 10_000
MAX_ARTICLE_PARAGRAPHS = 10_000
# Article counts (health) are exact up to about this many articles, approximate (HyperLogLog) beyond.
CARDINALITY_EXACT = 40_000


@dataclass(frozen=True)
class Session:
    """What one search reads: the client and the concrete index the alias pointed to when it began."""

    client: Any
    index: str

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        """A search that never returns partial results: a response with failed shards (a node died between the
        query and fetch phases) is sent once more, then fails (docs/scale-out.md)."""
        for attempt in range(2):
            try:
                response = self.client.search(index=self.index, body=body, allow_partial_search_results=False)
            except Exception as exc:
                if attempt or not transient(exc):
                    raise_unavailable(self.index, exc)
                continue
            if not response["_shards"].get("failed"):
                return response
        raise BackendUnavailable(self.index, f"shards failed: {response['_shards']}")

    def msearch(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Several searches of this index in one request; any that failed fails them all (as `search` would)."""
        lines: list[dict[str, Any]] = []
        for body in bodies:
            lines += [{"index": self.index}, body]
        try:
            responses = self.client.msearch(body=lines)["responses"]
        except Exception as exc:
            raise_unavailable(self.index, exc)
        failed = [r for r in responses if "error" in r or r.get("_shards", {}).get("failed")]
        if failed:
            raise BackendUnavailable(self.index, f"a search failed: {str(failed[0])[:200]}")
        return responses


def _sort(newest: bool) -> list[Any]:
    """Relevance, or newest first (undated last), then score; ties by article and paragraph, as on Whoosh."""
    order: list[Any] = [{"_score": "desc"}, {"article_id": "asc"}, {"paragraph": "asc"}]
    return [{"date": {"order": "desc"}}, *order] if newest else order


def _key(newest: bool) -> Any:
    """The same order in Python, for folded hits gathered from their articles' groups."""
    def key(hit: dict[str, Any]) -> tuple[Any, ...]:
        doc = hit["_source"]
        rest = (-(hit["_score"] or 0.0), doc["article_id"], doc["paragraph"])
        return (_descending(doc.get("date") or ""), *rest) if newest else rest
    return key


def collect(session: Session, query: Q.Query, filter: Q.Query | None, limit: int, per_article: int | None = None,
            newest: bool = False) -> tuple[list[Candidate], int]:
    """The first `limit` hits and the total of exactly what can be paged through (see engine.collect). Folding
    to `per_article` paragraphs uses `collapse` on the article id: the first `limit` articles hold every one of
    the first `limit` folded hits, which are then put in order; the folded total is counted by a terms
    aggregation over article ids (exact: an article's paragraphs share one shard)."""
    if filter is not None:
        query = Filtered(query, filter)
    sort = _sort(newest)
    limit = min(limit, MAX_WINDOW)
    body: dict[str, Any] = {"query": translate(query), "size": limit, "sort": sort, "track_scores": True,
                            "track_total_hits": base.TOTAL_LIMIT + 1}
    if not per_article:
        response = session.search(body)
        hits = response["hits"]["hits"]
        total = response["hits"]["total"]["value"]
    else:
        body["collapse"] = {"field": "article_id", "inner_hits": {"name": "folded", "size": per_article,
                                                                   "sort": sort, "track_scores": True}}
        body["aggs"] = {"articles": {"terms": {"field": "article_id", "size": base.TOTAL_LIMIT + 1}}}
        response = session.search(body)
        grouped = [inner for hit in response["hits"]["hits"]
                   for inner in hit["inner_hits"]["folded"]["hits"]["hits"]]
        hits = sorted(grouped, key=_key(newest))[:limit]
        total = _folded_total(response["aggregations"]["articles"], per_article)
    return [Candidate(decode(hit["_source"]), hit["_score"] or 0.0) for hit in hits], total


def _folded_total(articles: dict[str, Any], per_article: int) -> int:
    """Paragraphs left after folding: up to `per_article` of each article (more than TOTAL_LIMIT: at least)."""
    total = sum(min(bucket["doc_count"], per_article) for bucket in articles["buckets"])
    return max(total, base.TOTAL_LIMIT + 1) if articles.get("sum_other_doc_count") else total


class OpenSearchEngine(Engine):
    """An Engine whose index is the OpenSearch index behind `alias` (searcher/backends/opensearch/writer.py
    writes it; `adding.py` adds files to it). Facets and the discovery features are Whoosh-only for now."""

    backend = "opensearch"

    def __init__(self, url: str = DEFAULT_URL, alias: str = "searcher", client: Any = None) -> None:
        self.client, self.alias, self.url = client or connect(url), alias, url
        self._lock = threading.Lock()
        self._builders: dict[str, tuple[Builder, Any]] = {}

    def _where(self) -> str:
        return f"{self.alias!r} at {self.url}"

    def _session(self) -> tuple[Session, Builder]:
        """The index behind the alias now, and the query builder of its analysis resources."""
        try:
            indexes = sorted(self.client.indices.get_alias(name=self.alias))
        except Exception as exc:
            raise_unavailable(self._where(), exc)
        if len(indexes) != 1:
            raise BackendUnavailable(self._where(), f"the alias points to {len(indexes)} indexes")
        index = indexes[0]
        with self._lock:
            if index not in self._builders:
                mapping = self.client.indices.get_mapping(index=index)[index]["mappings"]
                resources = resources_of(mapping)
                self._builders = {index: (Builder(resources.synonyms), resources.words)}
            builder, words = self._builders[index]
        load_words(words)  # the corpus's user dictionary, for the plan's segmentation of the query
        return Session(self.client, index), builder

    _searcher = _session  # Engine.search asks for `_searcher()`: a session stands in for a Whoosh searcher

    _collect = staticmethod(collect)

    @staticmethod
    def _plan(searcher: Session, builder: Builder, parsed: ParsedQuery) -> QueryPlan:
        """The plan, with the paragraph counts of a long question's terms fetched in one multi-search: planned
        first without counts (every term kept), then again with the counts of those terms."""
        plan = builder.plan(parsed)
        asked = plan.question.a if isinstance(plan.question, Q.AndNot) else plan.question  # exclusions aside
        if asked is None or len(asked.subqueries) <= QUESTION_TERMS:  # the plan keeps them all: no counts needed
            return plan
        counts = _counts(searcher, sorted(set(asked.iter_all_terms())))
        return builder.plan(parsed, lambda f, t: (counts.get((f, t), 0), counts[None]))

    @staticmethod
    def _gram_weights(searcher: Session, grams: set[str]) -> dict[str, float]:
        if not grams:
            return {}
        counts = _counts(searcher, [("grams", gram) for gram in sorted(grams)])
        return idf_weights(grams, lambda g: counts[("grams", g)], counts[None])

    def search(self, query: str, *, facets: bool = False, **options: Any) -> SearchResult:  # type: ignore[override]
        """Engine.search on OpenSearch; facets are not counted here yet (BadQuery rather than a wrong count)."""
        if facets:
            raise BadQuery("facets are not available with the OpenSearch backend yet"
                           "（OpenSearch 后端暂不支持分面统计）")
        return super().search(query, **options)

    def highlight_terms(self, query: str) -> list[str]:
        if not query.strip():
            return []
        _, builder = self._session()
        return builder.plan(parse_query(query)).needles

    def warm_up(self) -> None:
        segment("预热")

    def article(self, article_id: str) -> Article:
        session, _ = self._session()
        response = session.search({"query": {"term": {"article_id": article_id}}, "size": MAX_ARTICLE_PARAGRAPHS,
                                   "sort": [{"paragraph": "asc"}]})
        docs = [decode(hit["_source"]) for hit in response["hits"]["hits"]]
        if not docs:
            raise NotFound(f"no article with id {article_id!r}")
        return article_of(article_id, docs)

    def health(self) -> dict[str, Any]:
        session, _ = self._session()
        response = session.search({"size": 0, "track_total_hits": True,
                                   "aggs": {"articles": {"cardinality": {
                                       "field": "article_id", "precision_threshold": CARDINALITY_EXACT}}}})
        return {"backend": self.backend, "generation": session.index,
                "articles": response["aggregations"]["articles"]["value"],
                "paragraphs": response["hits"]["total"]["value"]}

    def whoosh_searcher(self) -> tuple[str, Any]:
        raise BackendUnavailable(self._where(), "this feature needs the Whoosh backend")

    def _terms(self, field: str, size: int = 1000) -> list[str]:
        session, _ = self._session()
        response = session.search({"size": 0, "aggs": {"values": {"terms": {"field": field, "size": size,
                                                                              "order": {"_key": "asc"}}}}})
        return [bucket["key"] for bucket in response["aggregations"]["values"]["buckets"] if bucket["key"]]

    def sources(self) -> list[str]:
        return self._terms("source")

    def date_range(self) -> tuple[str, str] | None:
        session, _ = self._session()
        dated = {"bool": {"must_not": [{"term": {"date": ""}}]}}
        ends = []
        for order in ("asc", "desc"):
            hits = session.search({"query": dated, "size": 1, "sort": [{"date": order}], "_source": ["date"]})
            ends += [hit["_source"]["date"] for hit in hits["hits"]["hits"]]
        return (ends[0], ends[1]) if ends else None


def _counts(session: Session, terms: list[tuple[str, str]]) -> dict[tuple[str, str] | None, int]:
    """Paragraphs holding each (field, term) of one index, and all paragraphs (key None), in one multi-search."""
    queries = [{"match_all": {}}, *(translate(Q.Term(f, t)) for f, t in terms)]
    responses = session.msearch([{"query": query, "size": 0, "track_total_hits": True} for query in queries])
    counts = [response["hits"]["total"]["value"] for response in responses]
    return dict(zip([None, *terms], counts, strict=True))
