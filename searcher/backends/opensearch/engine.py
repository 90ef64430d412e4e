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

from ...analysis.segmentation import load_words
from ...analysis.tokenizers import segment
from ...errors import BackendUnavailable, BadQuery, NotFound, redact
from ...index.documents import article_of, newest_entry
from ...models import Article
from ...search import engine as base
from ...search.engine import Engine
from ...search.plan import QUESTION_TERMS, Builder, Filtered, QueryPlan
from ...search.rerank import Candidate, idf_weights
from ...search.syntax import ParsedQuery, parse_query
from .client import DEFAULT_URL, connect, raise_unavailable, transient
from .documents import decode, resources_of
from .facets import matched_articles
from .query import translate

# OpenSearch's index.max_result_window: one request reads at most this many hits (deeper pages: search_after).
MAX_WINDOW = 10_000
MAX_ARTICLE_PARAGRAPHS = 10_000
# Article counts (health) are exact up to about this many articles, approximate (HyperLogLog) beyond.
CARDINALITY_EXACT = 40_000
DATED = {"bool": {"must_not": [{"term": {"date": ""}}]}}  # paragraphs of dated articles


@dataclass
class Session:
    """What one search reads: the client and the concrete index the alias pointed to when it began.

    A rebuild moves the alias and then deletes the old index; a search that resolved the alias just before may
    find its index gone. It then reads the index the alias names now (both are whole indexes of the corpus),
    once; an index that is gone with nothing new behind the alias is an outage like any other."""

    client: Any
    index: str
    alias: str = ""

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        """A search that never returns partial results: a response with failed shards (a node died between the
        query and fetch phases) is sent once more, then fails (docs/scale-out.md)."""
        for attempt in range(2):
            try:
                response = self.client.search(index=self.index, body=body, allow_partial_search_results=False)
            except Exception as exc:
                if attempt or not (transient(exc) or self._moved(exc)):
                    raise_unavailable(self.index, exc)
                continue
            if not response["_shards"].get("failed"):
                return response
        raise BackendUnavailable(self.index, f"shards failed: {response['_shards']}")

    def msearch(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Several searches of this index in one request; any that failed fails them all (as `search` would)."""
        for attempt in range(2):
            lines: list[dict[str, Any]] = []
            for body in bodies:
                lines += [{"index": self.index}, body]
            try:
                responses = self.client.msearch(body=lines)["responses"]
            except Exception as exc:
                if attempt or not self._moved(exc):
                    raise_unavailable(self.index, exc)
                continue
            failed = [r for r in responses if "error" in r or r.get("_shards", {}).get("failed")]
            if not failed:
                return responses
            if attempt or not any(_gone(r) for r in failed) or not self._moved(None):
                break
        raise BackendUnavailable(self.index, f"a search failed: {str(failed[0])[:200]}")

    def _moved(self, exc: BaseException | None) -> bool:
        """Whether this session's index was deleted and the alias now names another one, which it then reads.
        `exc` None: the caller saw the index gone in a response's body."""
        from opensearchpy.exceptions import NotFoundError

        if not self.alias or (exc is not None and not isinstance(exc, NotFoundError)):
            return False
        try:
            indexes = list(self.client.indices.get_alias(name=self.alias))
        except Exception:
            return False
        if len(indexes) != 1 or indexes[0] == self.index:
            return False
        self.index = indexes[0]
        return True


def _gone(response: dict[str, Any]) -> bool:
    return (response.get("error") or {}).get("type") == "index_not_found_exception"


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


def collect(session: Session, /, query: Q.Query, filter: Q.Query | None, limit: int, per_article: int | None = None,
            newest: bool = False) -> tuple[list[Candidate], int]:
    """The first `limit` hits and the total of exactly what can be paged through (see engine.collect). Folding
    to `per_article` paragraphs uses `collapse` on the article id: the first `limit` articles hold every one of
    the first `limit` folded hits, which are then put in order; the folded total is counted by a terms
    aggregation over article ids (exact: an article's paragraphs share one shard)."""
    if filter is not None:
        query = Filtered(query, filter)
    sort = _sort(newest)
    body: dict[str, Any] = {"query": translate(query), "size": min(limit, MAX_WINDOW), "sort": sort,
                            "track_scores": True, "track_total_hits": base.TOTAL_LIMIT + 1}
    if not per_article:
        hits, total = _unfolded(session, body, limit)
    else:
        if limit > MAX_WINDOW:
            raise BadQuery(f"pages of results folded by article end at hit {MAX_WINDOW:,} on the OpenSearch "
                           f"backend: narrow the search（OpenSearch 后端按文章折叠的结果只能翻到第 {MAX_WINDOW} 条）")
        body["collapse"] = {"field": "article_id", "inner_hits": {"name": "folded", "size": per_article,
                                                                   "sort": sort, "track_scores": True}}
        body["aggs"] = {"articles": {"terms": {"field": "article_id", "size": base.TOTAL_LIMIT + 1}}}
        response = session.search(body)
        grouped = [inner for hit in response["hits"]["hits"]
                   for inner in hit["inner_hits"]["folded"]["hits"]["hits"]]
        hits = sorted(grouped, key=_key(newest))[:limit]
        total = _folded_total(response["aggregations"]["articles"], per_article)
    return [Candidate(decode(hit["_source"]), hit["_score"] or 0.0) for hit in hits], total


def _unfolded(session: Session, body: dict[str, Any], limit: int) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` hits in `body`'s order. Past OpenSearch's result window (index.max_result_window,
    10,000) the next hits are read with `search_after` the last one's sort values: the sort ends with the article
    id and paragraph, so no hit is skipped or read twice. Deep pages cost what they read, as on Whoosh."""
    response = session.search(body)
    hits, total = list(response["hits"]["hits"]), response["hits"]["total"]["value"]
    page = response["hits"]["hits"]
    while len(hits) < limit and len(page) == body["size"]:
        body = {**body, "size": min(limit - len(hits), MAX_WINDOW), "search_after": page[-1]["sort"],
                "track_total_hits": False}
        page = session.search(body)["hits"]["hits"]
        hits += page
    return hits, total


def _descending(value: str) -> tuple[int, ...]:
    """Sort key putting later ISO dates first and undated articles last."""
    return tuple(-ord(c) for c in value) + (0,) if value else (1,)


def _folded_total(articles: dict[str, Any], per_article: int) -> int:
    """Paragraphs left after folding: up to `per_article` of each article (more than TOTAL_LIMIT: at least)."""
    total = sum(min(bucket["doc_count"], per_article) for bucket in articles["buckets"])
    return max(total, base.TOTAL_LIMIT + 1) if articles.get("sum_other_doc_count") else total


class OpenSearchEngine(Engine):
    """An Engine whose index is the OpenSearch index behind `alias` (searcher/backends/opensearch/writer.py
    writes it; `adding.py` adds files to it). The discovery features are Whoosh-only for now."""

    backend = "opensearch"

    def __init__(self, url: str = DEFAULT_URL, alias: str = "searcher", client: Any = None) -> None:
        self.client, self.alias, self.url = client or connect(url), alias, url
        self._lock = threading.Lock()
        self._builders: dict[str, tuple[Builder, Any]] = {}

    def _where(self) -> str:
        return f"{self.alias!r} at {redact(self.url)}"

    def _session(self) -> tuple[Session, Builder]:
        """The index behind the alias now, and the query builder of its analysis resources."""
        try:
            indexes = sorted(self.client.indices.get_alias(name=self.alias))
        except Exception as exc:
            raise_unavailable(self._where(), exc)
        if len(indexes) != 1:
            raise BackendUnavailable(self._where(), f"the alias points to {len(indexes)} indexes")
        session = Session(self.client, indexes[0], self.alias)
        with self._lock:
            if session.index not in self._builders:
                mapping = self._mapping(session)
                resources = resources_of(mapping)
                self._builders = {session.index: (Builder(resources.synonyms), resources.words)}
            builder, words = self._builders[session.index]
        load_words(words)  # the corpus's user dictionary, for the plan's segmentation of the query
        return session, builder

    def _mapping(self, session: Session) -> dict[str, Any]:
        """The mapping of the session's index (read once per index), or of the next one if a rebuild deleted it."""
        for attempt in range(2):
            try:
                return self.client.indices.get_mapping(index=session.index)[session.index]["mappings"]
            except Exception as exc:
                if attempt or not session._moved(exc):
                    raise_unavailable(self._where(), exc)
        raise AssertionError("unreachable")

    _searcher = _session  # Engine.search asks for `_searcher()`: a session stands in for a Whoosh searcher

    _collect = staticmethod(collect)
    _matched = staticmethod(matched_articles)

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

    def highlight_terms(self, query: str) -> list[str]:
        if not query.strip():
            return []
        _, builder = self._session()
        return builder.plan(parse_query(query)).needles

    def warm_up(self) -> None:
        segment("预热")

    def check(self) -> None:
        self.health()

    def article(self, article_id: str) -> Article:
        session, _ = self._session()
        response = session.search({"query": {"term": {"article_id": article_id}}, "size": MAX_ARTICLE_PARAGRAPHS,
                                   "sort": [{"paragraph": "asc"}]})
        docs = [decode(hit["_source"]) for hit in response["hits"]["hits"]]
        if not docs:
            raise NotFound(f"no article with id {article_id!r}")
        return article_of(article_id, docs)

    def health(self) -> dict[str, Any]:
        """The Engine's health, with the cluster's state and the index behind the alias; BackendUnavailable (503)
        when that index is red (a primary shard has no copy: searches would fail)."""
        session, _ = self._session()
        cluster, index = self._state(session.index)
        response = session.search({"size": 0, "track_total_hits": True,
                                   "aggs": {"articles": {"cardinality": {
                                       "field": "article_id", "precision_threshold": CARDINALITY_EXACT}}}})
        return {"backend": self.backend, "generation": session.index,
                "articles": response["aggregations"]["articles"]["value"],
                "paragraphs": response["hits"]["total"]["value"], "cluster": cluster, "index": index}

    def _state(self, index: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The cluster (name, status, nodes, its URL without a password) and the index behind the alias (status,
        shards, replicas, documents), from the cluster health and index stats APIs; a red index raises."""
        try:
            whole = self.client.cluster.health()
            own = self.client.cluster.health(index=index, level="indices")["indices"][index]
            red = own["status"] == "red"  # index stats leave out an index without active shards
            documents = {} if red else self.client.indices.stats(index=index, metric="docs")["indices"][index]
        except Exception as exc:
            raise_unavailable(self._where(), exc)
        if red:
            raise BackendUnavailable(self._where(), f"its index {index} is red ({own['unassigned_shards']} "
                                                    "unassigned shards): a primary shard has no live copy")
        cluster = {"name": whole["cluster_name"], "status": whole["status"], "nodes": whole["number_of_nodes"],
                   "data_nodes": whole["number_of_data_nodes"], "url": redact(self.url)}
        return cluster, {"alias": self.alias, "name": index, "status": own["status"],
                         "shards": own["number_of_shards"], "replicas": own["number_of_replicas"],
                         "unassigned_shards": own["unassigned_shards"],
                         "documents": documents["primaries"]["docs"]["count"]}

    def whoosh_searcher(self) -> tuple[str, Any]:
        raise BackendUnavailable(self._where(), "this feature needs the Whoosh backend")

    def _terms(self, field: str, size: int = 1000) -> list[str]:
        session, _ = self._session()
        response = session.search({"size": 0, "aggs": {"values": {"terms": {"field": field, "size": size,
                                                                              "order": {"_key": "asc"}}}}})
        return [bucket["key"] for bucket in response["aggregations"]["values"]["buckets"] if bucket["key"]]

    def sources(self) -> list[str]:
        return self._terms("source")

    def scored(self, query: Q.Query, limit: int) -> list[tuple[dict[str, Any], float]]:
        session, _ = self._session()
        response = session.search({"query": translate(query), "size": limit})
        return [(decode(hit["_source"]), hit["_score"]) for hit in response["hits"]["hits"]]

    def paragraph(self, paragraph_id: str) -> dict[str, Any]:
        session, _ = self._session()
        response = session.search({"query": {"term": {"id": paragraph_id}}, "size": 1})
        if not response["hits"]["hits"]:
            raise NotFound(f"no paragraph with id {paragraph_id!r}（没有这一段）")
        return decode(response["hits"]["hits"][0]["_source"])

    def newest_articles(self, limit: int = 10) -> list[dict[str, Any]]:
        """One request: dated paragraphs newest first, then by article id, collapsed to one per article."""
        session, _ = self._session()
        response = session.search({"query": DATED, "size": limit, "collapse": {"field": "article_id"},
                                   "sort": [{"date": "desc"}, {"article_id": "asc"}]})
        return [newest_entry(decode(hit["_source"])) for hit in response["hits"]["hits"]]

    def date_range(self) -> tuple[str, str] | None:
        session, _ = self._session()
        ends = []
        for order in ("asc", "desc"):
            hits = session.search({"query": DATED, "size": 1, "sort": [{"date": order}], "_source": ["date"]})
            ends += [hit["_source"]["date"] for hit in hits["hits"]["hits"]]
        return (ends[0], ends[1]) if ends else None


def _counts(session: Session, terms: list[tuple[str, str]]) -> dict[tuple[str, str] | None, int]:
    """Paragraphs holding each (field, term) of one index, and all paragraphs (key None), in one multi-search."""
    queries = [{"match_all": {}}, *(translate(Q.Term(f, t)) for f, t in terms)]
    responses = session.msearch([{"query": query, "size": 0, "track_total_hits": True} for query in queries])
    counts = [response["hits"]["total"]["value"] for response in responses]
    return dict(zip([None, *terms], counts, strict=True))
