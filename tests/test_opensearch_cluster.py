"""A real OpenSearch cluster, started from Maven Central artifacts, indexes our own analysis pre-tokenized and
answers term, phrase and boolean queries exactly as the Whoosh index does; it swaps aliases under concurrent
searchers without failing a request, and keeps every document when one of two nodes is killed."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from opensearch_cluster import Cluster, start_cluster, tools_missing
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from searcher.analysis.pretokenized import TOKEN_FIELD, index_settings, term, token_string, tokens_of
from searcher.index import store
from searcher.search.substrings import gram_terms

# Whoosh fields sent as token strings, each with the tokenizer field that analyses it in the Whoosh schema.
TOKEN_FIELDS = {"text": "text", "grams": "text", "title": "title", "title_grams": "title"}
SEARCHERS = 16


@dataclass
class Paragraphs:
    """The Whoosh index's documents and tokenizers: what both backends are given."""

    docs: list[dict[str, Any]]
    tokenizers: dict[str, Any]
    whoosh: Any

    def words(self, text: str) -> list[str]:
        """Query words as Whoosh queries them: the jieba tokenizer in query mode (normalised, synonyms' terms)."""
        return [word for word, _ in tokens_of(self.tokenizers["text"], text, mode="query")]


@pytest.fixture(scope="module")
def paragraphs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paragraphs]:
    from conftest import ARTICLES, write_jsonl

    from searcher.index.build import build_index

    base = tmp_path_factory.mktemp("parity")
    (base / "corpus").mkdir()
    write_jsonl(base / "corpus" / "a.jsonl", ARTICLES)
    (base / "corpus" / "synonyms.txt").write_text("经开区 = 经济技术开发区\n", encoding="utf-8")
    build_index(base / "corpus", base / "index")
    ix = whoosh_index.open_dir(str(store.require_generation(base / "index")))
    with ix.searcher() as searcher:
        docs = [dict(stored) for stored in searcher.all_stored_fields()]
    tokenizers = {name: ix.schema[name].analyzer for name in TOKEN_FIELDS}
    ix.close()
    reference = positional_reference(docs, tokenizers)
    yield Paragraphs(docs, tokenizers, reference)
    reference.close()


def positional_reference(docs: list[dict[str, Any]], tokenizers: dict[str, Any]) -> Any:
    """The same paragraphs through the same tokenizers into a Whoosh index that keeps positions, the reference for
    phrases (the product's index keeps none: it runs no positional query, searcher/index/schema.py)."""
    schema = Schema(id=ID(stored=True), **{name: TEXT(analyzer=tokenizers[name], phrase=True) for name in TOKEN_FIELDS})
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        for doc in docs:
            writer.add_document(id=doc["id"], **{name: doc.get(source) or "" for name, source in TOKEN_FIELDS.items()})
    return ix


def os_document(doc: dict[str, Any], tokenizers: dict[str, Any]) -> dict[str, Any]:
    """One paragraph for OpenSearch: the stored text as is, and each analysed field as its token string."""
    out = {"id": doc["id"], "article_id": doc["article_id"], "body": doc["text"]}
    for name, source in TOKEN_FIELDS.items():
        out[name] = token_string(tokens_of(tokenizers[name], doc.get(source) or ""))
    return out


def health(client: Any, **wait: str) -> dict[str, Any]:
    """Cluster health, the server waiting up to 60 s for the conditions in `wait` (opensearch-py reads a
    `timeout` argument as its own unless a `request_timeout` is given too)."""
    return client.cluster.health(request_timeout=90, timeout="60s", **wait)


def create_index(client: Any, name: str, paragraphs: Paragraphs, docs: list[dict[str, Any]],
                 shards: int = 1, replicas: int = 0) -> None:
    """A paragraph index: token-string fields (kept out of _source), the raw text, exact ids; docs bulk-indexed."""
    mappings = {
        "_source": {"excludes": list(TOKEN_FIELDS)},
        "properties": {
            "id": {"type": "keyword"},
            "article_id": {"type": "keyword"},
            "body": {"type": "text", "index": False},
            **{name: TOKEN_FIELD for name in TOKEN_FIELDS},
        },
    }
    client.indices.create(index=name, body={"settings": index_settings(shards, replicas), "mappings": mappings})
    actions: list[dict[str, Any]] = []
    for doc in docs:
        actions += [{"index": {"_index": name, "_id": doc["id"]}}, os_document(doc, paragraphs.tokenizers)]
    result = client.bulk(body=actions, refresh="wait_for")
    assert not result["errors"], result
    health(client, index=name, wait_for_status="green" if replicas == 0 else "yellow")


# --- one query, spelled for both backends -------------------------------------------------------------------

@dataclass
class Spec:
    """A query both backends run: `word`, `phrase` (terms at consecutive positions), `and`, `or`, `not`."""

    kind: str
    on: str = ""
    terms: list[str] = field(default_factory=list)
    children: list[Spec] = field(default_factory=list)

    def whoosh(self) -> Q.Query:
        if self.kind == "word":
            return Q.Term(self.on, self.terms[0])
        if self.kind == "phrase":
            return Q.Phrase(self.on, self.terms)
        parts = [child.whoosh() for child in self.children]
        if self.kind == "and":
            return Q.And(parts)
        if self.kind == "or":
            return Q.Or(parts)
        return Q.And([parts[0], Q.Not(parts[1])])

    def opensearch(self) -> dict[str, Any]:
        if self.kind == "word":
            return {"term": {self.on: term(self.terms[0])}}
        if self.kind == "phrase":
            return {"match_phrase": {self.on: " ".join(map(term, self.terms))}}
        parts = [child.opensearch() for child in self.children]
        if self.kind == "and":
            return {"bool": {"must": parts}}
        if self.kind == "or":
            return {"bool": {"should": parts, "minimum_should_match": 1}}
        return {"bool": {"must": [parts[0]], "must_not": [parts[1]]}}


def word(field_name: str, text: str) -> Spec:
    return Spec("word", field_name, [text])


def phrase(field_name: str, terms: list[str]) -> Spec:
    return Spec("phrase", field_name, terms)


def whoosh_ids(paragraphs: Paragraphs, spec: Spec) -> set[str]:
    with paragraphs.whoosh.searcher() as searcher:
        return {hit["id"] for hit in searcher.search(spec.whoosh(), limit=None)}


def opensearch_ids(client: Any, index: str, spec: Spec) -> set[str]:
    response = client.search(index=index, body={"query": spec.opensearch(), "size": 100, "_source": ["id"]})
    assert response["_shards"]["failed"] == 0, response["_shards"]
    return {hit["_source"]["id"] for hit in response["hits"]["hits"]}


def stacked_pair(paragraphs: Paragraphs) -> tuple[str, str]:
    """A word and a term stacked at the next position (a jieba sub-word or a synonym's canonical term), read
    from the index tokens of a fixture paragraph, so the phrase of the two tests stacking, not a lucky guess."""
    for doc in paragraphs.docs:
        tokens = tokens_of(paragraphs.tokenizers["text"], doc["text"])
        by_pos: dict[int, list[str]] = {}
        for text, pos in tokens:
            by_pos.setdefault(pos, []).append(text)
        for pos, stack in by_pos.items():
            if len(stack) > 1 and pos - 1 in by_pos:
                return by_pos[pos - 1][0], stack[-1]
    raise AssertionError("no stacked terms in the fixture")


def gap_pair(paragraphs: Paragraphs) -> tuple[str, str]:
    """Two characters on either side of a single punctuation mark in a fixture paragraph: adjacent grams in
    a naive token stream, two positions apart in ours."""
    for doc in paragraphs.docs:
        text = doc["text"]
        for i in range(1, len(text) - 1):
            if not text[i].isalnum() and text[i - 1].isalnum() and text[i + 1].isalnum():
                return text[i - 1], text[i + 1]
    raise AssertionError("no punctuation between characters in the fixture")


def cases(p: Paragraphs) -> list[tuple[str, Spec, bool]]:
    """(name, query, whether it must find something); every term comes from our analysis of a fixture phrase."""
    before, stacked = stacked_pair(p)
    left, right = gap_pair(p)
    jiaxing, solar = p.words("嘉兴")[0], p.words("光伏")[0]
    return [
        ("word", word("text", p.words("大桥")[0]), True),
        ("title word", word("title", p.words("南湖")[0]), True),
        ("synonym's canonical term", word("text", p.words("经开区")[0]), True),
        ("traditional folded to simplified", word("text", p.words("臺灣")[0]), True),
        ("full-width folded", word("text", p.words("ＡＰＰ")[0]), True),
        ("word phrase", phrase("text", p.words("公路铁路两用桥")), True),
        ("word phrase reversed", phrase("text", p.words("公路铁路两用桥")[::-1]), False),
        ("phrase onto a stacked term", phrase("text", [before, stacked]), True),
        ("stacked term before its neighbour", phrase("text", [stacked, before]), False),
        ("gram terms of a substring", Spec("and", children=[word("grams", g) for g in gram_terms("长江大桥是一座")]),
         True),
        ("substring inside a word", word("grams", "国梁"), True),
        ("no pair across punctuation", word("grams", left + right), False),
        ("and", Spec("and", children=[word("text", jiaxing), word("text", solar)]), True),
        ("or", Spec("or", children=[word("text", solar), word("title", p.words("南湖")[0])]), True),
        ("and not", Spec("not", children=[word("text", jiaxing), word("text", solar)]), True),
        ("absent word", word("text", p.words("上海")[0]), False),
    ]


def test_pretokenized_fields_match_like_whoosh(opensearch: Cluster, paragraphs: Paragraphs) -> None:
    client = opensearch.client()
    create_index(client, "parity", paragraphs, paragraphs.docs)
    for name, spec, finds in cases(paragraphs):
        expected = whoosh_ids(paragraphs, spec)
        assert bool(expected) == finds, f"{name}: the fixture no longer exercises this case ({expected})"
        assert opensearch_ids(client, "parity", spec) == expected, name


def test_analyzer_rebuilds_our_positions(opensearch: Cluster, paragraphs: Paragraphs) -> None:
    """The cluster's analysis of a token string yields our terms at our positions, gaps and stacks included."""
    client = opensearch.client()
    if not client.indices.exists(index="analysis"):
        client.indices.create(index="analysis", body={"settings": index_settings()})
    tokens = tokens_of(paragraphs.tokenizers["grams"], "嘉兴，光伏。")
    analysed = client.indices.analyze(index="analysis", body={"analyzer": "pretokenized",
                                                              "text": token_string(tokens)})
    assert sorted((t["token"], t["position"]) for t in analysed["tokens"]) == sorted({(term(t), p) for t, p in tokens})


# --- concurrent searchers ------------------------------------------------------------------------------------

@dataclass
class Searchers:
    """Threads that search until stopped (or a bounded number of times), recording every outcome. A response
    with a failed shard counts as a failure: it would silently lose hits. With `retries`, a failed search is
    sent again that many times (recorded in `retried`) before it counts as an error."""

    run: Callable[[], dict[str, Any]]
    count: int = SEARCHERS
    retries: int = 0
    limit: int = 5000
    totals: list[int] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    retried: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def _search(self) -> int:
        response = self.run()
        if response["_shards"]["failed"]:
            raise AssertionError(f"shard failures: {response['_shards']}")
        return response["hits"]["total"]["value"]

    def _loop(self) -> None:
        for _ in range(self.limit):
            if self.stop.is_set():
                return
            for attempt in range(self.retries + 1):
                try:
                    self.totals.append(self._search())
                    break
                except Exception as error:  # noqa: BLE001 - every failure is a finding
                    (self.errors if attempt == self.retries else self.retried).append(error)

    def __enter__(self) -> Searchers:
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(self.count)]
        for thread in self.threads:
            thread.start()
        return self

    def wait_for(self, searches: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        start = len(self.totals) + len(self.errors)
        while len(self.totals) + len(self.errors) < start + searches and time.monotonic() < deadline:
            time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_alias_swap_under_concurrent_searchers_fails_no_request(opensearch: Cluster, paragraphs: Paragraphs) -> None:
    client = opensearch.client(pool_maxsize=SEARCHERS)
    first = [d for d in paragraphs.docs if d["article_id"] != paragraphs.docs[-1]["article_id"]]
    create_index(client, "swap-1", paragraphs, first)
    create_index(client, "swap-2", paragraphs, paragraphs.docs)
    client.indices.put_alias(index="swap-1", name="swap")
    body = {"query": {"match_all": {}}, "size": 3, "track_total_hits": True}

    with Searchers(lambda: client.search(index="swap", body=body)) as searchers:
        searchers.wait_for(100)
        for generation in ["swap-2", "swap-1"] * 5 + ["swap-2"]:
            old = "swap-1" if generation == "swap-2" else "swap-2"
            client.indices.update_aliases(body={"actions": [{"remove": {"index": old, "alias": "swap"}},
                                                            {"add": {"index": generation, "alias": "swap"}}]})
            searchers.wait_for(50)
    assert searchers.errors == []
    assert set(searchers.totals) == {len(first), len(paragraphs.docs)}
    assert client.search(index="swap", body=body)["hits"]["total"]["value"] == len(paragraphs.docs)


# --- a node dies -----------------------------------------------------------------------------------------------

def shard_nodes(client: Any, index: str) -> dict[str, set[str]]:
    """Which node holds which copy ('p' primary, 'r' replica) of each shard of `index`."""
    rows = client.cat.shards(index=index, format="json")
    holders: dict[str, set[str]] = {}
    for row in rows:
        holders.setdefault(row["node"] or "unassigned", set()).add(f"{row['shard']}{row['prirep']}")
    return holders


def primary_on(client: Any, index: str, node: str, other: str) -> None:
    """Make `node` hold a primary: when both primaries landed on `other`, cancel one of them there, so the
    in-sync replica on `node` is promoted (and `other` recovers a new replica). Killing `node` then loses a
    primary, not only replicas."""
    rows = client.cat.shards(index=index, format="json")
    if any(row["node"] == node and row["prirep"] == "p" for row in rows):
        return
    shard = int(next(row["shard"] for row in rows if row["node"] == other and row["prirep"] == "p"))
    command = {"cancel": {"index": index, "shard": shard, "node": other, "allow_primary": True}}
    client.cluster.reroute(body={"commands": [command]})
    health(client, index=index, wait_for_status="green", wait_for_no_initializing_shards="true")


def test_two_node_cluster_keeps_answering_when_a_node_is_killed(opensearch_pair: Cluster,
                                                                paragraphs: Paragraphs) -> None:
    client = opensearch_pair.client(pool_maxsize=8)
    create_index(client, "failover", paragraphs, paragraphs.docs, shards=2, replicas=1)
    assert health(client, index="failover", wait_for_status="green")["status"] == "green"
    primary_on(client, "failover", "node-1", "node-0")
    holders = shard_nodes(client, "failover")
    assert holders["node-0"] | holders["node-1"] == {"0p", "0r", "1p", "1r"}, holders
    assert len(holders["node-1"]) == 2 and any(copy.endswith("p") for copy in holders["node-1"]), holders
    total = len(paragraphs.docs)
    probe = word("text", paragraphs.words("嘉兴")[0])
    expected = opensearch_ids(client, "failover", probe)
    body = {"query": {"match_all": {}}, "size": total, "track_total_hits": True}
    # A search whose shard copy dies between its query and fetch phases is not moved to the other copy by
    # OpenSearch (only the query phase is): it fails, and is sent again once, as the backend must do.
    run = lambda: client.search(index="failover", body=body, allow_partial_search_results=False)  # noqa: E731

    with Searchers(run, count=4, retries=1) as searchers:
        searchers.wait_for(50)
        opensearch_pair.nodes[1].kill()
        left = health(client, wait_for_nodes="1")
        assert left["number_of_nodes"] == 1, left
        searchers.wait_for(200)
    assert searchers.errors == []
    assert set(searchers.totals) == {total}
    print(f"searches: {len(searchers.totals)}, sent again after the kill: {len(searchers.retried)}")

    health(client, index="failover", wait_for_status="yellow")
    assert client.count(index="failover")["count"] == total
    found = client.mget(index="failover", body={"ids": [d["id"] for d in paragraphs.docs]})["docs"]
    assert all(doc["found"] for doc in found)
    assert opensearch_ids(client, "failover", probe) == expected
    # The surviving copies were promoted: writes go on too.
    extra = dict(paragraphs.docs[0], id="after-the-kill")
    client.index(index="failover", id="after-the-kill", body=os_document(extra, paragraphs.tokenizers),
                 refresh="wait_for")
    assert client.count(index="failover")["count"] == total + 1


# --- the helper itself ---------------------------------------------------------------------------------------

def test_missing_java_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert "java" in (tools_missing() or "")


def test_a_node_that_cannot_start_fails_fast_with_its_log(tmp_path: Path) -> None:
    if tools_missing():
        pytest.skip(tools_missing())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # bound, not listening: the node cannot bind it, health checks are refused
        # Noticed from the node's exit ("exited", with its log), not from the health wait giving up ("not healthy
        # after"), which is what a launcher that missed the exit would report. No timing: machines vary.
        with pytest.raises(RuntimeError, match="(?s)node-0 exited.*Address already in use"):
            start_cluster(nodes=1, tmp_path=tmp_path, http_port=taken.getsockname()[1])
