"""`searcher add`, uploads and rebuilds on both backends, through the one ingest path (searcher/index/adding.py):
each test runs on the embedded Whoosh index and on a real OpenSearch cluster (tests/conftest_opensearch.py), and
must see the same corpus files, outcomes and searches. Then what only OpenSearch can get wrong: a bulk write that
fails half-way leaves the corpus without the new files and the index answering as before."""

from __future__ import annotations

import io
import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLES, write_jsonl
from flask.testing import FlaskClient
from test_admin import AUTH, TOKEN, poll_until_finished, upload
from test_cli import run

from searcher.backends import open_engine, writable_index
from searcher.backends.opensearch import writer
from searcher.backends.opensearch.adding import AddFailed, OpenSearchIndex
from searcher.errors import IndexBusy
from searcher.index.adding import Incoming, add_paths, ingest
from searcher.index.build import build_index
from searcher.index.writable import WhooshIndex, WritableIndex
from searcher.search.engine import Engine
from web import create_app

STATUS_KEYS = {"state", "started", "finished", "files_done", "files_total", "current", "articles", "paragraphs",
               "skipped", "generation", "error"}
ROOT = Path(__file__).resolve().parent.parent
_aliases = itertools.count()


@dataclass
class Side:
    """One backend with a built index of the fixture corpus, selected by `env` (set in this process too)."""

    name: str
    corpus: Path
    index: Path  # the Whoosh index directory (never written on OpenSearch)
    env: dict[str, str]
    cluster: Any = None

    def engine(self) -> Engine:
        return open_engine(self.index)

    def target(self) -> WritableIndex:
        return writable_index(self.index, self.corpus)

    def cli(self, *args: str) -> Any:
        return run(*args, "--index", str(self.index), env=os.environ | self.env)

    def search(self, text: str) -> set[str]:
        """Paragraph ids whose text holds `text` exactly (a quoted search)."""
        return {hit.id for hit in self.engine().search(f'"{text}"', size=100).hits}


def opensearch_env(url: str, alias: str) -> dict[str, str]:
    return {"SEARCHER_BACKEND": "opensearch", "SEARCHER_OPENSEARCH_URL": url, "SEARCHER_OPENSEARCH_INDEX": alias}


def make_side(name: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Side:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", ARTICLES)
    env = {"SEARCHER_BACKEND": "whoosh", "SEARCHER_CORPUS": str(corpus)}
    cluster = None
    if name == "opensearch":
        cluster = request.getfixturevalue("opensearch")
        env |= opensearch_env(cluster.url, f"adding-{next(_aliases)}")
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    if cluster is None:
        build_index(corpus, index)
    else:
        writer.build(cluster.client(), env["SEARCHER_OPENSEARCH_INDEX"], corpus)
    return Side(name, corpus, index, env, cluster)


@pytest.fixture(params=["whoosh", "opensearch"])
def side(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Side:
    return make_side(request.param, request, tmp_path, monkeypatch)


@pytest.fixture
def os_side(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Side:
    """The OpenSearch side alone: the bulk API is OpenSearch's."""
    return make_side("opensearch", request, tmp_path, monkeypatch)


def page(title: str, *paragraphs: str) -> str:
    return f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n"


def files_added(side: Side) -> list[Path]:
    return [p for p in (side.corpus / "added").rglob("*") if p.is_file()]


def test_the_configuration_chooses_the_backend(side: Side) -> None:
    assert isinstance(side.target(), OpenSearchIndex if side.name == "opensearch" else WhooshIndex)
    assert side.target().corpus == side.corpus


def test_cli_add_new_unchanged_changed_and_refused(side: Side, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    new = incoming / "tide.md"
    new.write_text(page("海盐新能源", "海盐县今年启动潮汐能电站建设。", "潮汐能电站预计明年并网发电。"),
                   encoding="utf-8")
    added = side.cli("add", str(new))
    assert added.returncode == 0, added.stderr
    assert f"indexed {new} as added/tide.md" in added.stdout
    assert (side.corpus / "added" / "tide.md").read_bytes() == new.read_bytes()
    found = json.loads(side.cli("search", '"潮汐能电站"', "--json").stdout)
    assert {hit["article"]["file"] for hit in found["hits"]} == {"added/tide.md"} and found["total"] == 2

    again = side.cli("add", str(new))  # the same bytes: the same file, never a second copy
    assert again.returncode == 0, again.stderr
    assert f"unchanged {new} as added/tide.md" in again.stdout
    assert sorted(p.name for p in (side.corpus / "added").iterdir()) == ["tide.md"]
    assert len(side.search("潮汐能电站")) == 2

    copy = side.corpus / "added" / "tide.md"  # edited where it is: one paragraph fewer, other words
    copy.write_text(page("海盐新能源", "海盐县今年启动地热能项目建设。"), encoding="utf-8")
    changed = side.cli("add", str(copy))
    assert changed.returncode == 0, changed.stderr
    assert "indexed" in changed.stdout and "1 paragraphs" in changed.stdout
    assert side.search("潮汐能电站") == set()  # the old text never comes back
    (article_id,) = {pid.rsplit("-p", 1)[0] for pid in side.search("地热能项目")}
    assert [p.text for p in side.engine().article(article_id).paragraphs] == ["海盐县今年启动地热能项目建设。"]

    (incoming / "empty.md").write_bytes(b"")
    (incoming / "tool.exe").write_bytes(b"MZ\x90\x00")
    refused = side.cli("add", str(incoming / "empty.md"), str(incoming / "tool.exe"))
    assert refused.returncode == 2
    assert f"skipped {incoming / 'empty.md'}: the file is empty" in refused.stderr
    assert f"skipped {incoming / 'tool.exe'}: unsupported file type .exe" in refused.stderr
    assert sorted(p.name for p in (side.corpus / "added").iterdir()) == ["tide.md"]  # neither entered the corpus


def total(side: Side, text: str) -> int:
    return side.engine().search(f'"{text}"').total


def test_same_name_from_two_places_never_overwrites(side: Side, tmp_path: Path) -> None:
    first = tmp_path / "dirA" / "report.md"
    second = tmp_path / "dirB" / "report.md"
    for path, word in ((first, "潮汐能电站"), (second, "地热能项目")):
        path.parent.mkdir()
        path.write_text(page(f"{word}报道", f"海盐县今年启动{word}建设，预计明年投入使用。"), encoding="utf-8")
    target = side.target()
    a, b = add_paths(target, [first]), add_paths(target, [second])
    assert [o.file for o in a.outcomes + b.outcomes] == ["added/report.md", "added/report-2.md"]
    assert (side.corpus / "added" / "report.md").read_bytes() == first.read_bytes()  # the first file untouched
    assert total(side, "潮汐能电站") == 1 and total(side, "地热能项目") == 1
    # The same bytes again are the same file: no third copy, nothing indexed twice.
    again = add_paths(target, [second, first])
    assert [(o.status, o.file) for o in again.outcomes] == [("unchanged", "added/report-2.md"),
                                                            ("unchanged", "added/report.md")]
    assert sorted(p.name for p in (side.corpus / "added").iterdir()) == ["report-2.md", "report.md"]
    assert total(side, "地热能项目") == 1


def test_a_tree_keeps_its_relative_paths(side: Side, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for sub, word in (("x", "潮汐能电站"), ("y", "地热能项目")):
        (tree / sub).mkdir(parents=True)
        (tree / sub / "report.md").write_text(page(f"{word}报道", f"海盐县启动{word}。"), encoding="utf-8")
    target = side.target()
    report = add_paths(target, [tree])
    assert [o.file for o in report.outcomes] == ["added/tree/x/report.md", "added/tree/y/report.md"]
    rebuilt = target.build(side.corpus, side.index)
    assert rebuilt.articles == 6 and rebuilt.skipped == []


def test_files_that_cannot_be_indexed_are_reported_and_never_copied(side: Side, tmp_path: Path) -> None:
    outside = tmp_path / "incoming"
    outside.mkdir()
    (outside / "garbage.txt").write_bytes(b"\x00\x01\x02\xff" * 50)
    (outside / "empty.md").write_bytes(b"")
    (outside / "tool.exe").write_bytes(b"MZ\x90\x00")
    (outside / "broken.jsonl").write_text("{not json\n", encoding="utf-8")
    (outside / "good.md").write_text(page("好稿件", "海盐县启动潮汐能电站建设。"), encoding="utf-8")
    target = side.target()
    report = add_paths(target, [outside])
    got = {Path(o.name).name: (o.status, o.code) for o in report.outcomes}
    assert got == {"broken.jsonl": ("skipped", "no_articles"), "empty.md": ("skipped", "empty"),
                   "garbage.txt": ("skipped", "unreadable"), "good.md": ("indexed", None),
                   "tool.exe": ("skipped", "unsupported_type")}
    assert all(s.reason for s in report.skipped) and len(report.skipped) == 4
    assert [p.relative_to(side.corpus).as_posix() for p in files_added(side)] == ["added/incoming/good.md"]
    assert target.build(side.corpus, side.index).skipped == []  # no later build trips over them


def admin_client(side: Side) -> FlaskClient:
    return create_app({"INDEX_DIR": str(side.index), "CORPUS_DIR": str(side.corpus), "ADMIN_TOKEN": TOKEN,
                       "TESTING": True, "ADMIN_LOCK_WAIT": 0.3}).test_client()


def api_ids(client: FlaskClient, text: str) -> set[str]:
    response = client.get("/api/search", query_string={"q": f'"{text}"', "size": 100})
    assert response.status_code == 200
    return {hit["article"]["id"] for hit in response.get_json()["hits"]}


def test_upload_api_on_both_backends(side: Side) -> None:
    client = admin_client(side)
    article = {"title": "余杭竹编", "text": "余杭的竹编技艺历史悠久。\n\n作品远销海外。", "source": "杭州日报"}
    assert client.post("/api/articles", json=article).status_code == 401
    assert api_ids(client, "竹编技艺") == set()
    response = client.post("/api/articles", json=article, headers=AUTH)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    (outcome,) = body["outcomes"]
    assert outcome["status"] == "indexed" and outcome["paragraphs"] == 2 and outcome["file"].startswith("uploads/")
    assert (side.corpus / outcome["file"]).is_file()
    assert api_ids(client, "竹编技艺") == set(body["articles"])
    again = client.post("/api/articles", json=article, headers=AUTH).get_json()
    assert [(o["status"], o["file"]) for o in again["outcomes"]] == [("unchanged", outcome["file"])]

    mixed = upload(client, ("空的.md", b""), ("灯会.md", page("海宁灯会", "海宁灯彩照亮了盐官古城。").encode()))
    assert mixed.status_code == 201, mixed.get_json()
    got = {o["name"]: (o["status"], o["code"]) for o in mixed.get_json()["outcomes"]}
    assert got == {"空的.md": ("skipped", "empty"), "灯会.md": ("indexed", None)}
    assert api_ids(client, "海宁灯彩") and not list(side.corpus.rglob("空的*"))


def test_the_admin_page_uploads_and_rebuilds_on_both_backends(side: Side) -> None:
    client = admin_client(side)
    data = {"token": TOKEN, "files": [(io.BytesIO(page("南湖菱", "南湖菱上市了，菱角鲜嫩。").encode()), "菱.md")]}
    response = client.post("/admin/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "已加入索引 1 篇文章" in response.get_data(as_text=True) and api_ids(client, "南湖菱上市")
    response = client.post("/admin/rebuild", data={"token": TOKEN}, content_type="multipart/form-data")
    assert response.status_code == 200 and "已开始重建索引" in response.get_data(as_text=True)
    status = poll_until_finished(client)
    assert status["state"] == "done", status
    html = client.post("/admin/status", data={"token": TOKEN}).get_data(as_text=True)
    assert "已完成" in html and status["generation"] in html
    assert api_ids(client, "南湖菱上市")  # the upload is in the corpus the rebuild read


def test_rebuild_api_switches_to_a_new_index_and_keeps_uploads(side: Side) -> None:
    client = admin_client(side)
    old = client.get("/api/health").get_json()["generation"]
    added = client.post("/api/articles", json={"title": "新稿", "text": "乌镇峰会再次上了新闻。"}, headers=AUTH)
    assert added.status_code == 201
    idle = client.get("/api/rebuild/status", headers=AUTH).get_json()
    assert set(idle) == STATUS_KEYS and idle["state"] == "idle"
    started = client.post("/api/rebuild", headers=AUTH)
    assert started.status_code == 202 and set(started.get_json()) == STATUS_KEYS
    status = poll_until_finished(client)
    assert set(status) == STATUS_KEYS
    assert status["state"] == "done" and status["error"] is None, status
    assert status["files_done"] == status["files_total"] == 2 and status["articles"] == 5
    assert status["generation"] != old
    assert client.get("/api/health").get_json()["generation"] == status["generation"]
    assert api_ids(client, "乌镇峰会") == set(added.get_json()["articles"])  # the upload is in the corpus
    if side.name == "opensearch":
        alias = side.env["SEARCHER_OPENSEARCH_INDEX"]
        live = side.cluster.client()
        assert writer.current_indexes(live, alias) == [status["generation"]]
        assert list(live.indices.get(index=f"{alias}-*")) == [status["generation"]]  # the old index is gone


def test_a_held_writer_lock_keeps_files_saved_and_refuses_build_and_rebuild(side: Side, tmp_path: Path) -> None:
    new = tmp_path / "fair.md"
    new.write_text(page("庙会", "新塍庙会吸引了四方游客。"), encoding="utf-8")
    target = side.target()
    with target.writer(0):  # another writer, holding the lock
        with pytest.raises(IndexBusy, match=r"another build or add .*Saved in the corpus as added/fair.md"):
            add_paths(target, [new])
        built = side.cli("build", "--corpus", str(side.corpus))
        assert built.returncode == 1 and "another build or add" in built.stderr
        client = admin_client(side)
        assert client.post("/api/rebuild", headers=AUTH).status_code == 202
        status = poll_until_finished(client)
        assert status["state"] == "failed" and "another build or add" in status["error"]
    assert (side.corpus / "added" / "fair.md").is_file()  # saved for the next add or build
    assert side.search("新塍庙会") == set()
    assert add_paths(target, [side.corpus / "added" / "fair.md"]).outcomes[0].status == "indexed"
    assert len(side.search("新塍庙会")) == 1


def test_remove_takes_the_writer_lock(side: Side) -> None:
    """A remove while a rebuild holds the lock would delete from the index the rebuild is about to replace."""
    with side.target().writer(0):  # a rebuild, holding the lock
        refused = side.cli("remove", "solar")
        assert refused.returncode == 1 and "another build or add" in refused.stderr
    assert len(side.search("光伏玻璃")) == 1  # nothing was removed
    removed = side.cli("remove", "solar", "nowhere")
    assert "solar: 2 paragraphs removed" in removed.stdout and "nowhere: not in the index" in removed.stdout
    assert side.search("光伏玻璃") == set() and len(side.search("南湖")) >= 1


# --- OpenSearch: bulk is not a transaction; a failed write is undone ------------------------------------------


class FailingBulk:
    """A client whose first bulk request writes only its first `half` documents, then fails as a lost node does;
    later requests (the undo) go through, unless `always`."""

    def __init__(self, client: Any, always: bool = False) -> None:
        self.client, self.always, self.calls = client, always, 0
        self.real = client.bulk

    def __enter__(self) -> FailingBulk:
        self.client.bulk = self.bulk
        return self

    def __exit__(self, *exc: Any) -> None:
        self.client.bulk = self.real

    def bulk(self, body: list[Any], **kwargs: Any) -> Any:
        from opensearchpy.exceptions import ConnectionError

        self.calls += 1
        if self.calls == 1 or self.always:
            half = len(body) // 4 * 2  # whole documents: an action line and its source
            if half and not self.always:
                self.real(body=body[:half], **kwargs)
            raise ConnectionError("N/A", "injected: the node went away", None)
        return self.real(body=body, **kwargs)


def snapshot(side: Side, article_id: str, *texts: str) -> dict[str, Any]:
    """What searches see: counts, the paragraphs holding each text, and one article's paragraphs (after a refresh,
    so that what a failed write left is seen)."""
    side.cluster.client().indices.refresh(index=side.env["SEARCHER_OPENSEARCH_INDEX"])
    engine = side.engine()
    return {"health": engine.health(), **{text: sorted(side.search(text)) for text in texts},
            article_id: [(p.number, p.text) for p in engine.article(article_id).paragraphs]}


def with_tide(side: Side) -> tuple[OpenSearchIndex, str]:
    """The side with a corpus file of three paragraphs already added; its target and the file's article id."""
    (side.corpus / "tide.md").write_text(page("潮汐", "潮汐能电站第一段。", "潮汐能电站第二段。", "潮汐能电站第三段。"),
                                         encoding="utf-8")
    target = side.target()
    assert isinstance(target, OpenSearchIndex)
    return target, add_paths(target, [side.corpus / "tide.md"]).article_ids[0]


def test_a_bulk_failure_half_way_leaves_corpus_and_index_as_they_were(os_side: Side, tmp_path: Path) -> None:
    target, tide = with_tide(os_side)
    before = snapshot(os_side, tide, "潮汐能电站", "地热能项目", "乌镇峰会")
    (os_side.corpus / "tide.md").write_text(page("潮汐", "地热能项目替换了第一段。"), encoding="utf-8")
    new = tmp_path / "summit.md"
    new.write_text(page("乌镇", "乌镇峰会开幕。", "乌镇峰会闭幕。"), encoding="utf-8")
    with FailingBulk(target.client) as failing, pytest.raises(AddFailed, match="injected.*nothing was added"):
        add_paths(target, [os_side.corpus / "tide.md", new])
    assert failing.calls >= 2  # the failed write, then its undo
    assert files_added(os_side) == []  # the new file was removed again
    assert (os_side.corpus / "tide.md").is_file()  # a corpus file given in place is never removed
    assert snapshot(os_side, tide, "潮汐能电站", "地热能项目", "乌镇峰会") == before
    assert before["潮汐能电站"] and not before["地热能项目"] and not before["乌镇峰会"]

    report = add_paths(target, [os_side.corpus / "tide.md", new])  # the same add, the cluster healthy again
    assert [o.status for o in report.outcomes] == ["indexed", "indexed"]
    assert os_side.search("潮汐能电站") == set() and len(os_side.search("乌镇峰会")) == 2


def test_an_undo_that_fails_too_says_so(os_side: Side) -> None:
    target, tide = with_tide(os_side)
    before = snapshot(os_side, tide, "乌镇峰会")
    item = Incoming("summit.md", "added", "summit.md", page("乌镇", "乌镇峰会开幕。").encode())
    with FailingBulk(target.client, always=True), pytest.raises(AddFailed, match="undoing it failed too"):
        ingest(target, [item])
    assert files_added(os_side) == []
    assert snapshot(os_side, tide, "乌镇峰会") == before  # nothing had reached the index


def test_a_missing_corpus_is_refused_before_anything_is_written(os_side: Side, tmp_path: Path) -> None:
    target = writable_index(os_side.index, tmp_path / "nowhere")
    item = Incoming("summit.md", "added", "summit.md", page("乌镇", "乌镇峰会开幕。").encode())
    with pytest.raises(Exception, match="nowhere does not exist"):
        ingest(target, [item])
    assert not (tmp_path / "nowhere").exists() and os_side.search("乌镇峰会") == set()


HOLD_SEND = textwrap.dedent("""
    import sys, time
    from searcher.backends.opensearch import writer
    from searcher.cli import main
    real, calls = writer.send, []
    def held(*args, **kwargs):
        sent = real(*args, **kwargs)
        calls.append(sent)
        if len(calls) == 1:  # the new paragraphs are written (not yet the old ones deleted): stop here
            print("written", flush=True)
            time.sleep(120)
        return sent
    writer.send = held
    sys.argv = ["searcher", *sys.argv[1:]]
    main()
""")


def test_sigterm_in_the_middle_of_the_bulk_writes_undoes_them(os_side: Side, tmp_path: Path) -> None:
    target, tide = with_tide(os_side)
    before = snapshot(os_side, tide, "潮汐能电站", "地热能项目")
    (os_side.corpus / "tide.md").write_text(page("潮汐", "地热能项目替换了第一段。"), encoding="utf-8")
    new = tmp_path / "geo.md"
    new.write_text(page("地热", "地热能项目开工。"), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", HOLD_SEND, "add", str(os_side.corpus / "tide.md"), str(new)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env=os.environ | os_side.env)
    try:
        assert proc.stdout.readline().strip() == "written", proc.stderr.read()  # type: ignore[union-attr]
        assert (os_side.corpus / "added" / "geo.md").is_file()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 128 + signal.SIGTERM
        assert "nothing was added" in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        proc.kill()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert files_added(os_side) == []
    assert snapshot(os_side, tide, "潮汐能电站", "地热能项目") == before
    with target.writer(0):  # the lock died with its holder
        pass


def test_a_rebuild_from_the_admin_page_keeps_the_shards_of_the_live_index(os_side: Side) -> None:
    live, alias = os_side.cluster.client(), os_side.env["SEARCHER_OPENSEARCH_INDEX"]
    writer.build(live, alias, os_side.corpus, shards=2)  # as `searcher build --shards 2` would
    client = admin_client(os_side)
    assert client.post("/api/rebuild", headers=AUTH).status_code == 202
    status = poll_until_finished(client)
    assert status["state"] == "done", status
    settings = live.indices.get_settings(index=status["generation"])[status["generation"]]["settings"]["index"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == ("2", "0")
