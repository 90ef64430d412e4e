"""On the five real pages: phrase and substring search agree with a plain substring scan, and hits cite well."""

from __future__ import annotations

import random

import pytest
from conftest import SEED_CORPUS

from searcher.analysis.normalize import normalize_text
from searcher.corpus.reading import load_corpus
from searcher.models import ParsedFile


@pytest.fixture(scope="module")
def seed_articles():
    return [a for item in load_corpus(SEED_CORPUS) if isinstance(item, ParsedFile) for a in item.articles]


def scan(articles, needle: str) -> set[str]:
    """Paragraph ids whose text contains the needle (normalised), and first paragraphs of the articles whose
    byline does (they stand for the article): a hit always shows what was searched for."""
    found = set()
    for a in articles:
        for p in a.paragraphs:
            if needle in normalize_text(p.text) or (p.number == 1 and needle in normalize_text(a.byline)):
                found.add(f"{a.id}-p{p.number}")
    return found


def engine_ids(engine, query: str) -> set[str]:
    """Every hit, over all pages."""
    found, page = set(), 1
    while True:
        result = engine.search(query, size=100, page=page)
        found |= {h.id for h in result.hits}
        if page * 100 >= result.total:
            return found
        page += 1


def samples(articles, count: int = 120) -> list[str]:
    rng = random.Random(20261122)
    texts = [p.text for a in articles for p in a.paragraphs]
    out = []
    while len(out) < count:
        text = rng.choice(texts)
        length = rng.choice([1, 2, 3, 4, 6])
        start = rng.randrange(0, max(1, len(text) - length))
        needle = normalize_text(text[start : start + length])
        if needle and all(c.isalnum() for c in needle):
            out.append(needle)
    return out


def test_quoted_substrings_agree_with_a_substring_scan(seed_engine, seed_articles):
    for needle in samples(seed_articles):
        assert engine_ids(seed_engine, f'"{needle}"') == scan(seed_articles, needle), needle


def test_every_hit_of_a_keyword_query_is_marked_and_attributed(seed_engine):
    result = seed_engine.search("嘉兴 光伏")
    assert result.total > 0
    for hit in result.hits:
        assert "<mark>" in hit.highlight
        assert hit.article.title and hit.article.file.endswith(".txt")


@pytest.mark.parametrize("query, title_part", [
    ("马拉松 张洁冰", "马拉松"),
    ("绿色食品认证", "绿色食品"),
    ("国家先进制造业集群", "先进制造业集群"),
    ("人口老龄化", "老龄化"),
])
def test_journalist_queries_find_the_right_article(seed_engine, query, title_part):
    top = seed_engine.search(query).hits[0]
    assert title_part in top.article.title
