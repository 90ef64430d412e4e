"""One suite over both backends: the embedded Whoosh Engine and the OpenSearchEngine (a real one-node cluster,
tests/conftest_opensearch.py), built from the same fixture articles, must find the same paragraphs for words,
synonyms, folded spellings, substrings, quoted phrases, filters, paging and folding, and mark the same words.
Then the OpenSearch index's own promises: a rebuild switches its alias under searchers without failing one, and
a rebuild that fails half-way leaves the alias, and every answer, on the old index."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLES, SEED_CORPUS, write_jsonl
from opensearch_cluster import Cluster

from searcher.analysis.normalize import normalize_text
from searcher.analysis.resources import load_resources
from searcher.backends.opensearch import writer
from searcher.backends.opensearch.documents import index_body
from searcher.backends.opensearch.engine import OpenSearchEngine
from searcher.corpus.reading import load_corpus
from searcher.discovery.keywords import related
from searcher.discovery.search import paragraph_related
from searcher.errors import BackendUnavailable, BadQuery, NotFound
from searcher.index.build import build_index
from searcher.models import Article, SearchResult
from searcher.search.engine import Engine
from searcher.search.facets import FACETS, month_end

# Beside the shared fixture: runs separated by exactly one mark, by none, and by a character (a quoted `南湖 晨曦`
# holds only the first), and a byline for the author filter.
EXTRA = [
    {"id": "dawn", "title": "晨光", "source": "南湖晚报", "date": "2024-12-02", "byline": "记者 王小明",
     "text": "清晨的南湖，晨曦初照。\n南湖晨曦是一幅画。\n南湖里晨曦也美。"},
]
SYNONYMS = "经开区 = 经济技术开发区\n"
_names = itertools.count()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backends") / "corpus"
    path.mkdir()
    write_jsonl(path / "a.jsonl", ARTICLES + EXTRA)
    (path / "synonyms.txt").write_text(SYNONYMS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def whoosh_engine(corpus: Path) -> Engine:
    build_index(corpus, corpus.parent / "index")
    # No cache of answers: some tests lower a module's limit and search again what another test searched, and the
    # other backend keeps none.
    return Engine(corpus.parent / "index", result_cache_mb=0)


@pytest.fixture(scope="module")
def opensearch_engine(opensearch: Cluster, corpus: Path) -> OpenSearchEngine:
    client = opensearch.client()
    alias = f"backend-{next(_names)}"
    writer.build(client, alias, corpus)
    return OpenSearchEngine(opensearch.url, alias, client=client)


@pytest.fixture(params=["whoosh", "opensearch"])
def backend(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(f"{request.param}_engine")


def paragraphs(engine: Engine) -> dict[str, str]:
    """Every paragraph id of the fixture -> its normalised text, read back through the engine."""
    out = {}
    for row in ARTICLES + EXTRA:
        for para in engine.article(row["id"]).paragraphs:
            out[f"{row['id']}-p{para.number}"] = normalize_text(para.text)
    return out


def holding(engine: Engine, text: str) -> set[str]:
    """The paragraphs whose normalised text holds `text`: what a strict search for it must find."""
    return {pid for pid, body in paragraphs(engine).items() if normalize_text(text) in body}


def ids(result: SearchResult) -> set[str]:
    return {hit.id for hit in result.hits}


@pytest.mark.parametrize("query, text", [
    ("光伏", "光伏"),
    ("经开区", "经济技术开发区"),  # a synonym finds its group's other member
    ("台湾", "台湾"),  # 臺灣 in the text, folded to simplified on both sides
    ("ＡＰＰ", "app"),  # full-width and case folded
    ("国梁", "国梁"),  # a substring inside the word 刘国梁
    ('"公路铁路"', "公路铁路"),
])
def test_finds_exactly_the_paragraphs_holding_the_text(backend: Engine, query: str, text: str) -> None:
    expected = holding(backend, text)
    assert expected, f"the fixture no longer holds {text}"
    result = backend.search(query, size=100)
    assert not result.partial
    assert ids(result) == expected and result.total == len(expected)


def test_a_quoted_phrase_needs_exactly_one_mark_between_its_runs(backend: Engine) -> None:
    result = backend.search('"南湖 晨曦"', size=100)
    assert ids(result) == {"dawn-p1"}  # 南湖，晨曦 — not 南湖晨曦, not 南湖里晨曦
    assert not backend.search('"南湖里 晨曦"', size=100).hits


def test_a_phrase_does_not_match_across_punctuation(backend: Engine) -> None:
    result = backend.search('"核心汇聚"', size=100)  # the text has 为核心，汇聚
    assert all("核心汇聚" in normalize_text(hit.text) for hit in result.hits if not result.partial)
    assert not ids(result) - holding(backend, "核心") or result.partial


def test_an_absent_word_finds_nothing(backend: Engine) -> None:
    result = backend.search("上海", size=100)
    assert result.hits == [] and result.total == 0 and not result.partial
    assert not backend.search("长江大学", size=100).hits or backend.search("长江大学").partial


def test_partial_fallback_when_no_paragraph_holds_every_word(backend: Engine) -> None:
    result = backend.search("光伏 上海", size=100)
    assert result.partial
    assert ids(result) == holding(backend, "光伏")


def test_filters_source_author_and_dates(backend: Engine) -> None:
    assert ids(backend.search("南湖", source="南湖晚报", size=100)) == holding(backend, "南湖")
    assert {h.article.source for h in backend.search("嘉兴 source:嘉兴日报", size=100).hits} == {"嘉兴日报"}
    assert ids(backend.search("南湖", author="王小明", size=100)) == holding(backend, "南湖") & {
        "dawn-p1", "dawn-p2", "dawn-p3"}
    dated = backend.search("南湖", date_from="2024-01-01", date_to="2024-12-01", size=100)
    assert ids(dated) == {pid for pid in holding(backend, "南湖") if pid.startswith("lake")}  # dawn is 12-02
    assert ids(backend.search("南湖 date:2024-12-02", size=100)) == holding(backend, "南湖") - ids(dated)


def test_paging_walks_every_hit_once(backend: Engine) -> None:
    whole = backend.search("嘉兴", size=100)
    pages = [backend.search("嘉兴", page=n, size=2) for n in (1, 2, 3)]
    walked = [hit.id for page in pages for hit in page.hits]
    assert sorted(walked) == sorted(ids(whole)) and len(walked) == whole.total == len(holding(backend, "嘉兴"))
    assert [hit.rank for page in pages for hit in page.hits] == list(range(1, whole.total + 1))
    assert all(page.total == whole.total for page in pages)


def test_pages_past_the_result_window_read_on_with_search_after(whoosh_engine: Engine,
                                                                opensearch_engine: OpenSearchEngine,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """With a result window of 1 hit (OpenSearch's is 10,000), pages of every size still walk the hits in the
    order one unwindowed request gives, none twice and none left out, and they are Whoosh's hits; folded pages
    past the window are a clear BadQuery, not an empty page."""
    from searcher.backends.opensearch import engine as opensearch

    orders = ("relevance", "newest")
    queries = [(query, sort) for query in ("嘉兴", "南湖") for sort in orders]
    unwindowed = {key: opensearch_engine.search(key[0], sort=key[1], size=100) for key in queries}
    monkeypatch.setattr(opensearch, "MAX_WINDOW", 1)
    for (query, sort), whole in unwindowed.items():
        assert whole.total > 2, "the fixture needs more hits than two windows"
        assert ids(whole) == ids(whoosh_engine.search(query, sort=sort, size=100))
        for size in (1, 2):
            pages = [opensearch_engine.search(query, page=n, size=size, sort=sort)
                     for n in range(1, whole.total // size + 2)]
            assert [hit.id for page in pages for hit in page.hits] == [hit.id for hit in whole.hits]
    with pytest.raises(BadQuery, match="folded"):
        opensearch_engine.search("嘉兴", page=2, size=1, per_article=1)


def test_a_page_past_the_hits_is_empty(backend: Engine) -> None:
    far = backend.search("嘉兴", page=200, size=100)  # 20,000 hits in: past OpenSearch's result window too
    assert far.hits == [] and far.total == len(holding(backend, "嘉兴"))


def test_per_article_folds_and_counts_folded(backend: Engine) -> None:
    folded = backend.search("嘉兴", per_article=1, size=100)
    articles = {pid.rsplit("-p", 1)[0] for pid in holding(backend, "嘉兴")}
    assert sorted(hit.article.id for hit in folded.hits) == sorted(articles)
    assert folded.total == len(articles)
    two = backend.search("南湖", per_article=2, size=100)
    assert max(sum(1 for h in two.hits if h.article.id == a) for a in {h.article.id for h in two.hits}) == 2
    assert two.total == len(two.hits) < len(holding(backend, "南湖"))


def test_newest_first_and_listing_by_filter(backend: Engine) -> None:
    newest = backend.search("嘉兴", sort="newest", size=100)
    dates = [hit.article.date for hit in newest.hits]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) > 1
    listing = backend.search("source:嘉兴日报", size=100)
    assert [h.article.id for h in listing.hits] == ["solar", "bridge", "farm"]
    assert all(hit.paragraph == 1 for hit in listing.hits)


def test_totals_past_the_limit_are_at_least(backend: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Totals are exact up to TOTAL_LIMIT, then "at least" (here with a limit below the fixture's matches)."""
    monkeypatch.setattr("searcher.search.engine.TOTAL_LIMIT", 2)
    assert len(holding(backend, "南湖")) > 2 and len({p.rsplit("-p", 1)[0] for p in holding(backend, "南湖")}) == 2
    result = backend.search("南湖", size=100)
    assert (result.total, result.total_relation) == (2, "gte")
    assert len(result.hits) == len(holding(backend, "南湖"))  # every hit can still be paged through
    exact = backend.search("南湖", per_article=1, size=100)
    assert (exact.total, exact.total_relation) == (2, "eq")


def test_highlights_and_attribution(backend: Engine) -> None:
    hit = backend.search("经开区", size=1).hits[0]
    assert "<mark>经济技术开发区</mark>" in hit.highlight
    assert hit.article.id == "farm" and hit.article.title == "嘉兴农业发展报告" and hit.article.url.endswith("#p-2")
    byline = backend.search("王小明", size=1).hits[0]
    assert "<mark>王小明</mark>" in byline.byline_highlight


def test_newest_articles_newest_first_one_entry_each(backend: Engine) -> None:
    newest = backend.newest_articles()
    assert [a["id"] for a in newest] == ["solar", "dawn", "lake", "bridge", "farm"]  # each once, by date
    assert newest[1] == {"id": "dawn", "title": "晨光", "date": "2024-12-02", "source": "南湖晚报",
                         "byline": "记者 王小明", "url": "/articles/dawn"}
    assert [a["id"] for a in backend.newest_articles(2)] == ["solar", "dawn"]


def test_related_paragraphs_share_a_keyword_and_never_come_from_the_article(backend: Engine) -> None:
    found = related(backend, ["南湖", "光伏"], "lake")
    holding_one = holding(backend, "南湖") | holding(backend, "光伏")
    assert {p["id"] for p in found["paragraphs"]} == holding_one - {"lake-p1", "lake-p2"}
    assert {a["id"] for a in found["articles"]} == {"dawn", "solar"}  # each article once, never lake itself
    by_paragraph = paragraph_related(backend, "dawn-p2")
    assert by_paragraph["paragraph"]["article_id"] == "dawn" and "南湖" in by_paragraph["keywords"]
    assert all(p["article_id"] != "dawn" for p in by_paragraph["paragraphs"])
    assert "lake" in {a["id"] for a in by_paragraph["articles"]}
    with pytest.raises(NotFound):
        paragraph_related(backend, "nowhere-p1")


def test_both_backends_give_the_same_hits(whoosh_engine: Engine, opensearch_engine: OpenSearchEngine) -> None:
    assert opensearch_engine.sources() == whoosh_engine.sources()
    assert opensearch_engine.date_range() == whoosh_engine.date_range()
    assert opensearch_engine.highlight_terms("经开区 光伏") == whoosh_engine.highlight_terms("经开区 光伏")
    counts = ("articles", "paragraphs")
    assert [opensearch_engine.health()[k] for k in counts] == [whoosh_engine.health()[k] for k in counts]
    queries = ["嘉兴", "南湖 晨曦", '"南湖 晨曦"', "嘉兴 -光伏", "光伏企业", "市长", "title:南湖", "嘉兴发展",
               "南京长江大桥", "数字经济 经开区", "嘉兴 光伏 上海", "app 用户", "嘉兴的光伏企业有多少家？",
               "南湖 source:南湖晚报 date:2024", "author:王小明", "晨曦 -南湖里", "光伏 OR 大桥", "title:嘉兴 数字",
               "嘉兴" * 250, " ".join(f"词{i}" for i in range(60)) + " 嘉兴",
               "嘉兴高新区的光伏产业汇聚了多少家光伏企业，逆变器企业实现了什么技术突破？"]  # 88 terms: the rarest 24
    for query in queries:
        for options in ({}, {"per_article": 1}, {"sort": "newest"}):
            a = whoosh_engine.search(query, size=100, **options)
            b = opensearch_engine.search(query, size=100, **options)
            # Folded, which paragraph stands for an article follows the scores, which differ (BM25F and BM25).
            kept = (lambda r: {h.article.id for h in r.hits}) if options.get("per_article") else ids
            assert (kept(a), a.total, a.partial) == (kept(b), b.total, b.partial), (query, options)
            if not options.get("per_article"):
                assert [h.highlight for h in sorted(a.hits, key=lambda h: h.id)] == [
                    h.highlight for h in sorted(b.hits, key=lambda h: h.id)], query


def test_two_shards_fold_and_count_as_one(opensearch: Cluster, corpus: Path, whoosh_engine: Engine) -> None:
    """An article's paragraphs share a shard (routed by article id), so folding and folded totals stay exact."""
    client = opensearch.client()
    alias = f"backend-shards-{next(_names)}"
    writer.build(client, alias, corpus, shards=2)
    assert len({row["shard"] for row in client.cat.shards(index=alias, format="json")}) == 2
    sharded = OpenSearchEngine(opensearch.url, alias, client=client)
    assert (sharded.health()["index"]["shards"], sharded.health()["index"]["documents"]) == (2, 11)
    for query in ("嘉兴", "南湖", "晨曦", "光伏 OR 大桥"):
        for per_article in (None, 1, 2):
            a = whoosh_engine.search(query, size=100, per_article=per_article)
            b = sharded.search(query, size=100, per_article=per_article)
            assert (a.total, sorted(h.article.id for h in a.hits)) == (b.total, sorted(h.article.id for h in b.hits))


def test_the_seed_pages_give_the_same_hits_on_both(opensearch: Cluster, tmp_path: Path) -> None:
    """The five bundled newspaper pages (real text, not written for these tests), on both backends."""
    build_index(SEED_CORPUS, tmp_path / "index")
    alias = f"backend-seed-{next(_names)}"
    writer.build(opensearch.client(), alias, SEED_CORPUS)
    engines = [Engine(tmp_path / "index"), OpenSearchEngine(opensearch.url, alias, client=opensearch.client())]
    for query in ["嘉兴", "光伏 企业", '"南湖"', "嘉兴 -光伏", "上海 嘉兴", "嘉兴的光伏企业有多少家？", "经济",
                  "南湖区", "记者", "2024年", "光伏 OR 晨曦", "南湖 晨曦", "author:张"]:
        for options in ({}, {"per_article": 1}, {"sort": "newest"}):
            a, b = (engine.search(query, size=100, **options) for engine in engines)
            # Folded, which paragraph stands for an article follows the scores, which differ (BM25F and BM25).
            kept = (lambda r: sorted(h.article.id for h in r.hits)) if "per_article" in options else ids
            assert (a.total, a.partial, kept(a)) == (b.total, b.partial, kept(b)), (query, options)
            assert a.total, f"{query} finds nothing in the seed pages: the comparison would prove nothing"


# --- facets: counts of exactly what `total` counts, decided once (searcher/search/facets.py) ----------------------

FACET_SEARCHES = [("南湖", {}), ("南湖", {"per_article": 1}), ("南湖", {"per_article": 2}), ("嘉兴", {}),
                  ("嘉兴 -光伏", {"sort": "newest"}), ("source:嘉兴日报", {}), ("光伏 上海", {}), ("王小明", {}),
                  ("南湖 date:2024-12", {"per_article": 1}), ("上海", {})]


def narrowed(name: str, value: str) -> dict[str, str]:
    """The search options a click on a facet value adds (as the page's facet links do)."""
    if name == "year":
        return {"date_from": f"{value}-01-01", "date_to": f"{value}-12-31"}
    if name == "month":
        return {"date_from": f"{value}-01", "date_to": month_end(value)}
    return {name: value}


@pytest.mark.parametrize("query, options", FACET_SEARCHES)
def test_facets_count_what_total_counts(backend: Engine, query: str, options: dict[str, Any]) -> None:
    result = backend.search(query, size=100, facets=True, **options)
    assert set(result.facets or {}) == set(FACETS) and result.facets_sampled is False
    hits = result.hits  # one page holds every hit: what `total` counts, folded as it was
    assert len(hits) == result.total
    must = {"source": {h.article.source for h in hits}, "year": {h.article.date[:4] for h in hits},
            "month": {h.article.date[:7] for h in hits}}
    for name, values in must.items():  # every article of the fixture is dated and has a source
        assert {e["value"] for e in result.facets[name]} == values, (name, query)  # no value the hits lack
        assert sum(e["count"] for e in result.facets[name]) == result.total
    for name in FACETS:  # each count is the total that clicking the value gives
        for entry in result.facets[name]:
            clicked = backend.search(query, size=1, **options, **narrowed(name, entry["value"]))
            assert clicked.total == entry["count"], (query, options, name, entry)


def test_facets_leave_out_what_the_results_do_not_hold(backend: Engine) -> None:
    result = backend.search("南湖", size=100, facets=True)
    assert result.total and {h.article.id for h in result.hits} == {"lake", "dawn"}
    values = {name: {e["value"] for e in result.facets[name]} for name in FACETS}
    assert "嘉兴日报" not in values["source"] and values["source"] == {"南湖晚报"}
    assert not values["year"] & {"2023", "2025"} and values["author"] == {"王小明"}
    assert backend.search("光伏", facets=True).facets["author"] == []  # the solar article has no byline
    assert backend.search("上海", facets=True).facets == {name: [] for name in FACETS}


def test_facets_are_the_same_on_both_backends(whoosh_engine: Engine, opensearch_engine: OpenSearchEngine) -> None:
    for query, options in FACET_SEARCHES:
        a = whoosh_engine.search(query, facets=True, **options)
        b = opensearch_engine.search(query, facets=True, **options)
        assert (a.facets, a.facets_sampled, a.total) == (b.facets, b.facets_sampled, b.total), (query, options)
        assert any(a.facets.values()) or not a.total


def test_facets_past_the_sample_limit_say_sampled(backend: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over SAMPLE_LIMIT matches only that many are counted (here a limit below the fixture's), and `sampled`
    says so; exactly SAMPLE_LIMIT matches are all counted."""
    monkeypatch.setattr("searcher.search.facets.SAMPLE_LIMIT", 2)
    assert len(holding(backend, "南湖")) > 2 and len(holding(backend, "光伏")) == 2
    broad = backend.search("南湖", facets=True)
    assert broad.facets_sampled and sum(e["count"] for e in broad.facets["source"]) == 2
    exact = backend.search("光伏", facets=True)
    assert not exact.facets_sampled and sum(e["count"] for e in exact.facets["source"]) == exact.total == 2


@pytest.fixture(scope="module")
def byline_engines(opensearch: Cluster, tmp_path_factory: pytest.TempPathFactory) -> list[Engine]:
    """Both backends over the articles of tests/test_facets.py: several reporters, one name inside another's."""
    from conftest import jsonl_index
    from test_facets import ARTICLES as BYLINED

    root = tmp_path_factory.mktemp("bylines")
    whoosh = Engine(jsonl_index(root, BYLINED))
    alias = f"backend-bylines-{next(_names)}"
    writer.build(opensearch.client(), alias, root / "corpus", shards=2)
    return [whoosh, OpenSearchEngine(opensearch.url, alias, client=opensearch.client())]


@pytest.mark.parametrize("options", [{}, {"per_article": 1}, {"author": "陈一薇"}, {"source": "嘉兴日报"}])
def test_reporter_facets_are_the_same_on_both_backends(byline_engines: list[Engine], options: dict[str, Any]) -> None:
    """Reporters from the byline grammar, each recounted as the author filter matches it; on two shards."""
    whoosh, opensearch = (engine.search("光伏", facets=True, **options) for engine in byline_engines)
    assert whoosh.facets == opensearch.facets and whoosh.facets["author"]
    for entry in opensearch.facets["author"] if "author" not in options else []:  # two authors: either one
        assert byline_engines[1].search("光伏", author=entry["value"], **options).total == entry["count"]
    assert "高柱强" not in {e["value"] for e in opensearch.facets["author"]}  # his article does not hold 光伏


# --- the index behind the alias ---------------------------------------------------------------------------------

def corpus_articles(corpus: Path) -> list[tuple[Article, str]]:
    return [(article, "") for item in load_corpus(corpus) for article in getattr(item, "articles", [])]


def test_a_rebuild_switches_the_alias_under_searchers(opensearch: Cluster, corpus: Path) -> None:
    client = opensearch.client(pool_maxsize=8)
    alias = f"backend-swap-{next(_names)}"
    articles, resources = corpus_articles(corpus), load_resources(corpus)
    writer.rebuild(client, alias, articles[:-1], resources)
    engine = OpenSearchEngine(opensearch.url, alias, client=client)
    before, after = engine.search("南湖").total, len(holding_in(articles, "南湖"))
    totals: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                totals.append(engine.search("南湖").total)
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for round in range(4):
            writer.rebuild(client, alias, articles if round % 2 == 0 else articles[:-1], resources)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert set(totals) <= {before, after} and totals
    assert engine.search("南湖").total == before  # four rebuilds: back to the shorter corpus
    assert len(writer.current_indexes(client, alias)) == 1
    assert len(client.indices.get(index=f"{alias}-*")) == 1  # the replaced indexes are gone


def test_a_search_whose_index_a_rebuild_deleted_reads_the_new_one(opensearch: Cluster, corpus: Path) -> None:
    """The race of a rebuild: a search resolved the alias, then the rebuild moved it and deleted that index. The
    search and its multi-search read the index the alias names now; with nothing new behind the alias, the
    deleted index is an outage (BackendUnavailable), never an empty answer."""
    from searcher.backends.opensearch.engine import Session

    client = opensearch.client()
    alias = f"backend-race-{next(_names)}"
    articles, resources = corpus_articles(corpus), load_resources(corpus)
    old, _ = writer.rebuild(client, alias, articles[:-1], resources)
    search, counts = Session(client, old, alias), Session(client, old, alias)
    new, _ = writer.rebuild(client, alias, articles, resources)
    body = {"query": {"match_all": {}}, "size": 0, "track_total_hits": True}
    assert search.search(body)["hits"]["total"]["value"] == sum(len(a.paragraphs) for a, _ in articles)
    assert search.index == new
    assert [r["hits"]["total"]["value"] for r in counts.msearch([body])] == [search.search(body)["hits"]["total"]
                                                                             ["value"]]
    client.indices.delete(index=new)  # now the alias names nothing: no index to move to
    for stranded in (Session(client, new, alias), Session(client, new, "")):
        with pytest.raises(BackendUnavailable):
            stranded.search(body)
        with pytest.raises(BackendUnavailable):
            stranded.msearch([body])


def holding_in(articles: list[tuple[Article, str]], text: str) -> list[str]:
    return [f"{a.id}-p{p.number}" for a, _ in articles for p in a.paragraphs if text in normalize_text(p.text)]


def test_a_failed_rebuild_leaves_the_alias_on_the_old_index(opensearch: Cluster, corpus: Path) -> None:
    client = opensearch.client()
    alias = f"backend-failed-{next(_names)}"
    articles, resources = corpus_articles(corpus), load_resources(corpus)
    old, _ = writer.rebuild(client, alias, articles, resources)
    engine = OpenSearchEngine(opensearch.url, alias, client=client)
    expected = engine.search("嘉兴", size=100)

    def half_then_fail() -> Iterator[tuple[Article, str]]:
        yield from articles[:2]
        raise OSError("disk gone half-way")

    with pytest.raises(OSError, match="half-way"):
        writer.rebuild(client, alias, half_then_fail(), resources)
    assert writer.current_indexes(client, alias) == [old]
    assert list(client.indices.get(index=f"{alias}-*")) == [old]  # the unfinished index was deleted
    again = engine.search("嘉兴", size=100)
    assert (ids(again), again.total) == (ids(expected), expected.total)


def test_a_rebuild_waits_for_its_replicas_or_leaves_the_alias(opensearch: Cluster, corpus: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Filled without replicas or refreshes, then given both: the live index refreshes normally. A rebuild asking
    for a replica that one node cannot hold fails once the wait is over, and the alias stays on the old index."""
    client = opensearch.client()
    alias = f"backend-replicas-{next(_names)}"
    articles, resources = corpus_articles(corpus), load_resources(corpus)
    old, _ = writer.rebuild(client, alias, articles, resources)
    settings = client.indices.get_settings(index=old)[old]["settings"]["index"]
    assert settings.get("refresh_interval") != "-1" and settings["number_of_replicas"] == "0"
    monkeypatch.setattr(writer, "REPLICA_WAIT", "2s")
    with pytest.raises(BackendUnavailable, match="replica"):
        writer.rebuild(client, alias, articles, resources, replicas=1)
    assert writer.current_indexes(client, alias) == [old]
    assert list(client.indices.get(index=f"{alias}-*")) == [old]


def test_the_next_rebuild_deletes_what_a_killed_build_left(opensearch: Cluster, corpus: Path) -> None:
    client = opensearch.client()
    alias = f"backend-killed-{next(_names)}"
    articles, resources = corpus_articles(corpus), load_resources(corpus)
    old, _ = writer.rebuild(client, alias, articles, resources)
    left = writer.index_name(alias)  # what a build killed with SIGKILL before its alias switch leaves
    client.indices.create(index=left, body=index_body(resources))
    other = f"{alias}-keep"  # not a name a build makes: never touched
    client.indices.create(index=other)
    assert writer.current_indexes(client, alias) == [old] and writer.abandoned(client, alias) == [left]
    new, _ = writer.rebuild(client, alias, articles, resources)
    assert sorted(client.indices.get(index=f"{alias}-*")) == sorted([new, other])


def test_remove_deletes_every_paragraph_of_an_article(opensearch: Cluster, corpus: Path) -> None:
    """(Adding files, on both backends: tests/test_opensearch_adding.py.)"""
    client = opensearch.client()
    alias = f"backend-edit-{next(_names)}"
    articles = corpus_articles(corpus)
    writer.rebuild(client, alias, articles, load_resources(corpus))
    engine = OpenSearchEngine(opensearch.url, alias, client=client)
    assert len(engine.article("dawn").paragraphs) == 3
    assert writer.remove(client, alias, ["dawn", "nowhere"]) == {"dawn": 3, "nowhere": 0}
    assert "dawn" not in {hit.article.id for hit in engine.search("晨曦", size=100).hits}
    assert engine.search("晨曦").hits and engine.search("光伏").hits
    with pytest.raises(NotFound):
        engine.article("dawn")


def test_an_unreachable_cluster_is_backend_unavailable() -> None:
    with socket_closed() as url:
        engine = OpenSearchEngine(url, "nothing")
        with pytest.raises(BackendUnavailable, match="cannot be searched"):
            engine.search("嘉兴")


def test_a_missing_alias_is_backend_unavailable(opensearch: Cluster) -> None:
    with pytest.raises(BackendUnavailable, match="never-built"):
        OpenSearchEngine(opensearch.url, "never-built", client=opensearch.client()).search("嘉兴")


class socket_closed:
    """A loopback URL where nothing listens."""

    def __enter__(self) -> str:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: Any) -> None:
        return None


def test_analysing_in_processes_sends_the_same_documents_in_the_same_order(corpus: Path) -> None:
    """Our analysis in two spawned processes (a build's `--procs 2`) gives what one process gives, article by
    article: same ids, routing and token strings. A batch smaller than the corpus makes several tasks in flight."""
    articles = [(article, "hash") for item in load_corpus(corpus) for article in item.articles]
    resources = load_resources(corpus)
    alone = list(writer._encoded(articles, resources, 1))
    assert [doc[0] for encoded in alone for doc in encoded] == [f"{a.id}-p{para.number}" for a, _ in articles
                                                                for para in a.paragraphs]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writer, "ANALYSIS_BATCH", 2)
        assert list(writer._encoded(iter(articles), resources, 2)) == alone


# --- the cluster's state: /api/health and `searcher stats` ------------------------------------------------------

def test_health_names_the_cluster_and_the_index_behind_the_alias(opensearch: Cluster,
                                                               opensearch_engine: OpenSearchEngine) -> None:
    health = opensearch_engine.health()
    told = opensearch.health()  # GET _cluster/health, read without the engine's client
    assert health["cluster"] == {"name": told["cluster_name"], "status": told["status"], "nodes": 1,
                                 "data_nodes": 1, "url": opensearch.url}
    assert told["status"] in ("green", "yellow")
    (index,) = writer.current_indexes(opensearch.client(), opensearch_engine.alias)
    assert health["index"] == {"alias": opensearch_engine.alias, "name": index, "status": "green", "shards": 1,
                               "replicas": 0, "unassigned_shards": 0, "documents": health["paragraphs"]}
    assert health["generation"] == index and health["paragraphs"] == sum(len(paragraphs_of(row)) for row in
                                                                          ARTICLES + EXTRA)


def paragraphs_of(row: dict[str, Any]) -> list[str]:
    return [line for line in row["text"].split("\n") if line.strip()]


@pytest.fixture
def red_alias(opensearch: Cluster, corpus: Path) -> Iterator[str]:
    """An alias whose index has its one primary shard unassigned (allocation required on a node that does not
    exist): the index is red. Deleted afterwards, so the shared cluster is healthy again."""
    client = opensearch.client()
    alias = f"backend-red-{next(_names)}"
    body = index_body(load_resources(corpus))
    body["settings"]["routing.allocation.require._name"] = "no-such-node"
    index = writer.index_name(alias)
    client.indices.create(index=index, body=body, wait_for_active_shards=0)
    client.indices.put_alias(index=index, name=alias)
    try:
        yield alias
    finally:
        client.indices.delete(index=index)


def test_a_red_index_is_unavailable_not_healthy(opensearch: Cluster, red_alias: str, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    import os

    from test_cli import run
    from test_web_api import assert_error

    from web import create_app

    with pytest.raises(BackendUnavailable, match="is red"):
        OpenSearchEngine(opensearch.url, red_alias, client=opensearch.client()).health()
    for name, value in opensearch_env(opensearch.url, red_alias).items():
        monkeypatch.setenv(name, value)
    client = create_app({"INDEX_DIR": str(tmp_path / "unused"), "TESTING": True}).test_client()
    error = assert_error(client.get("/api/health"), 503, "backend_unavailable")
    assert "red" in error["message"]
    stats = run("stats", env=dict(os.environ))
    assert stats.returncode == 1 and "is red" in stats.stderr and stats.stderr.strip().count("\n") == 0


# --- configured by the environment: the CLI and the web app ---------------------------------------------------

def opensearch_env(url: str, alias: str) -> dict[str, str]:
    return {"SEARCHER_BACKEND": "opensearch", "SEARCHER_OPENSEARCH_URL": url, "SEARCHER_OPENSEARCH_INDEX": alias}


def test_cli_builds_and_searches_on_opensearch(opensearch: Cluster, corpus: Path, tmp_path: Path) -> None:
    import json
    import os

    from test_cli import run

    env = os.environ | opensearch_env(opensearch.url, f"backend-cli-{next(_names)}")
    built = run("build", "--corpus", str(corpus), "--index", str(tmp_path / "unused"), "--procs", "2",
                "--shards", "2", env=env)
    assert built.returncode == 0, built.stderr
    assert "indexed 5 articles, 11 paragraphs from 1 files" in built.stdout
    assert not (tmp_path / "unused").exists()  # nothing written on disk
    settings = opensearch.client().indices.get_settings(index=env["SEARCHER_OPENSEARCH_INDEX"])
    assert [s["settings"]["index"]["number_of_shards"] for s in settings.values()] == ["2"]
    found = run("search", "光伏", "--json", env=env)
    assert found.returncode == 0, found.stderr
    stats = run("stats", "--json", env=env)
    assert stats.returncode == 0, stats.stderr
    state = json.loads(stats.stdout)
    assert state["backend"] == "opensearch" and state["cluster"]["status"] in ("green", "yellow")
    assert state["cluster"]["nodes"] == 1 and state["index"]["alias"] == env["SEARCHER_OPENSEARCH_INDEX"]
    assert (state["index"]["name"], state["index"]["documents"]) == (state["generation"], 11)
    assert (state["index"]["shards"], state["index"]["replicas"]) == (2, 0)  # as built above
    text = run("stats", env=env).stdout
    assert f"cluster.status: {state['cluster']['status']}" in text and "index.documents: 11" in text
    data = json.loads(found.stdout)
    assert {hit["id"] for hit in data["hits"]} == set(holding_in(corpus_articles(corpus), "光伏"))
    assert "<mark>光伏</mark>" in data["hits"][0]["highlight"]
    removed = run("remove", "dawn", "nowhere", env=env)
    assert removed.returncode == 1 and "dawn: 3 paragraphs removed" in removed.stdout
    assert "nowhere: not in the index" in removed.stdout
    after = json.loads(run("search", "晨曦", "--json", env=env).stdout)
    assert "dawn" not in {hit["article"]["id"] for hit in after["hits"]} and after["hits"]
    down = run("search", "光伏", env=os.environ | opensearch_env("http://127.0.0.1:9", "x"))
    assert down.returncode != 0 and "cannot be searched" in down.stderr


def test_web_app_searches_opensearch_and_names_it(opensearch: Cluster, opensearch_engine: OpenSearchEngine,
                                                  whoosh_engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    from test_web_api import assert_matches

    from web import create_app
    from web.openapi import openapi_document

    for name, value in opensearch_env(opensearch.url, opensearch_engine.alias).items():
        monkeypatch.setenv(name, value)
    client = create_app({"INDEX_DIR": str(tmp_path / "unused"), "TESTING": True}).test_client()
    answer = client.get("/api/search?q=嘉兴&size=100").get_json()
    assert {hit["id"] for hit in answer["hits"]} == ids(whoosh_engine.search("嘉兴", size=100))
    assert answer["total"] == whoosh_engine.search("嘉兴").total
    health = client.get("/api/health").get_json()
    assert health["backend"] == "opensearch" and health["paragraphs"] == 11
    assert health["cluster"]["status"] in ("green", "yellow") and health["index"]["documents"] == 11
    assert_matches(openapi_document(), "/api/health", 200, health)  # the fields are in the OpenAPI description
    assert client.get("/api/articles/farm").get_json()["title"] == "嘉兴农业发展报告"

    for path in ("/", "/search?q=嘉兴", "/articles/farm"):  # the pages, without what needs the Whoosh index
        page = client.get(path)
        assert page.status_code == 200, path
    assert "嘉兴农业发展报告" in client.get("/search?q=嘉兴").get_data(as_text=True)
    assert client.get("/api/articles/dawn/related").get_json()["articles"][0]["id"] == "lake"
    assert client.get("/api/paragraphs/dawn-p1/related").status_code == 200
    assert client.get("/api/paragraphs/dawn-p1/duplicates").status_code == 503  # Whoosh only (scale-out.md)
    start = client.get("/").get_data(as_text=True)  # the newest articles, as on Whoosh
    assert "最新文章" in start and start.index('href="/articles/solar"') < start.index('href="/articles/farm"')

    monkeypatch.setenv("SEARCHER_OPENSEARCH_URL", "http://127.0.0.1:9")
    down = create_app({"INDEX_DIR": str(tmp_path / "unused"), "TESTING": True}).test_client()
    for path in ("/api/search?q=嘉兴", "/api/health"):
        response = down.get(path)
        assert response.status_code == 503, path
        assert response.get_json()["error"]["code"] == "backend_unavailable"


def test_web_app_counts_facets_on_opensearch(opensearch: Cluster, opensearch_engine: OpenSearchEngine,
                                             whoosh_engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    from test_facets import facet_links

    from web import create_app

    searches = ("q=南湖&facets=1", "q=嘉兴&per_article=1&facets=1", "q=source:嘉兴日报&facets=1")
    whoosh = create_app({"INDEX_DIR": str(whoosh_engine.index_dir), "TESTING": True}).test_client()
    expected = {args: whoosh.get(f"/api/search?{args}").get_json() for args in searches}  # before the env is set
    for name, value in opensearch_env(opensearch.url, opensearch_engine.alias).items():
        monkeypatch.setenv(name, value)
    client = create_app({"INDEX_DIR": str(tmp_path / "unused"), "TESTING": True}).test_client()
    assert client.get("/api/health").get_json()["backend"] == "opensearch"
    for args in searches:
        answer = client.get(f"/api/search?{args}").get_json()
        assert answer["facets"] == expected[args]["facets"] and any(answer["facets"].values()), args
        assert answer["facets_sampled"] is False
    lake = client.get("/api/search?q=南湖&facets=1").get_json()["facets"]
    assert [e["value"] for e in lake["source"]] == ["南湖晚报"]  # 嘉兴日报 holds no 南湖
    assert "facets" not in client.get("/api/search?q=南湖").get_json()
    page = client.get("/search?q=南湖").get_data(as_text=True)  # the page shows them too
    assert set(facet_links(page, "source")) == {"南湖晚报"} and set(facet_links(page, "author")) == {"王小明"}
