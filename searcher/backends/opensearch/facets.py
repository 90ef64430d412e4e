"""The facets' matched articles (searcher/search/facets.py) on OpenSearch, from one aggregation request; the counting
itself (which facets, their values, their order, folding) is `facet_counts`'s, as on Whoosh.

A `sampler` keeps at most SAMPLE_LIMIT best-scoring matches of each shard (all of them when there are no more than
that: then the counts are exact), a `terms` aggregation on the article id counts each article's matches (exact on
any number of shards: paragraphs are routed by article id, so an article lives on one shard), and a `top_hits` of
one paragraph reads the article's fields. The Whoosh backend samples the first SAMPLE_LIMIT matches in index order
instead, so sampled counts differ between the backends; `sampled` is the same (more than SAMPLE_LIMIT matches).
"""

from __future__ import annotations

from typing import Any

from whoosh import query as Q

from ...index.documents import KEYWORDS
from ...search import facets
from ...search.facets import ARTICLE_FIELDS, Matched
from .documents import decode
from .query import translate

# Where each article field sits in `_source`: keywords at the top, the rest in the unindexed `stored` object.
SOURCE_PATHS = [name if name in KEYWORDS else f"stored.{name}" for name in ARTICLE_FIELDS]


def body(query: Q.Query) -> dict[str, Any]:
    """The aggregation request for the articles `query` matches."""
    limit = facets.SAMPLE_LIMIT
    first = {"top_hits": {"size": 1, "_source": {"includes": SOURCE_PATHS}}}
    articles = {"terms": {"field": "article_id", "size": limit, "shard_size": limit}, "aggs": {"first": first}}
    return {"query": translate(query), "size": 0, "track_total_hits": limit + 1,
            "aggs": {"sample": {"sampler": {"shard_size": limit}, "aggs": {"articles": articles}}}}


def matched_articles(session: Any, /, query: Q.Query) -> tuple[dict[str, Matched], bool]:
    """The articles `query` matches (each with its matching paragraphs and fields), and whether only a sample was
    read. `session` is the engine's Session (its `search` fails rather than answer from some shards only)."""
    response = session.search(body(query))
    buckets = response["aggregations"]["sample"]["articles"]["buckets"]
    articles = {}
    for bucket in buckets:
        fields = decode(bucket["first"]["hits"]["hits"][0]["_source"])
        articles[bucket["key"]] = Matched(bucket["doc_count"], {name: fields.get(name, "") for name in ARTICLE_FIELDS})
    return articles, response["hits"]["total"]["value"] > facets.SAMPLE_LIMIT
