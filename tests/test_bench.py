"""The benchmark's own parts: corpus sizes and replication, hit-to-paragraph mapping, index byte accounting, wrk
output parsing. (The benchmark itself is run by hand: `make bench`; timed assertions do not belong here.)"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from searcher.index.build import build_index
from searcher.search.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import bench_data  # noqa: E402
import http_load  # noqa: E402
import index_sizes  # noqa: E402
import report  # noqa: E402

NEWS_ROWS = [
    {"id": "xwlb-20220101-01-001", "title": "冬奥会筹备", "text": "北京冬奥会筹备工作进入冲刺阶段。",
     "source": "cctv_xwlb", "date": "2022-01-01"},
    {"id": "xwlb-20220101-01-002", "title": "冬奥会筹备", "text": "场馆建设全部完工，光伏发电供应绿电。",
     "source": "cctv_xwlb", "date": "2022-01-01"},
    {"id": "xwlb-20220101-02-001", "title": "春运开始", "text": "铁路部门加开夜间列车。",
     "source": "cctv_xwlb", "date": "2022-01-01"},
]
CMRC_ROWS = [{"id": "cmrc2018-dev:DEV_0", "title": "战国无双3", "text": "《战国无双3》是光荣开发的游戏。\n第二段。"}]


@pytest.fixture
def eval_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A miniature ../shared/eval: three news paragraphs in two stories, one CMRC paragraph."""
    news = tmp_path / "news.jsonl.gz"
    with gzip.open(news, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in NEWS_ROWS)
    cmrc = tmp_path / "cmrc2018"
    cmrc.mkdir()
    (cmrc / "cmrc2018-dev.corpus.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in CMRC_ROWS), encoding="utf-8")
    monkeypatch.setattr(bench_data, "NEWS", news)
    monkeypatch.setattr(bench_data, "CMRC", cmrc)
    monkeypatch.setattr(bench_data, "NEWS_PARAGRAPHS", len(NEWS_ROWS))
    return tmp_path


def test_sizes_name_the_real_collection_exactly() -> None:
    assert bench_data.parse_size("40k") == 40_000
    assert bench_data.parse_size("112k") == 112_374
    assert bench_data.parse_size("1.1m") == 1_123_740
    assert bench_data.parse_size("5000") == 5_000
    assert [bench_data.label(n) for n in (40_000, 112_374, 1_123_740, 5_500)] == ["40k", "112k", "1.1m", "5500"]
    with pytest.raises(ValueError, match="not a size"):
        bench_data.parse_size("lots")


def test_news_past_its_end_repeats_with_new_ids(eval_data: Path) -> None:
    ids = [r["id"] for r in bench_data.news_paragraphs(7)]
    assert ids[:3] == [r["id"] for r in NEWS_ROWS]
    assert ids[3:6] == [f"r1-{r['id']}" for r in NEWS_ROWS]
    assert ids[6:] == ["r2-xwlb-20220101-01-001"]
    assert len(set(ids)) == 7
    grouped = list(bench_data.stories(bench_data.news_paragraphs(7)))
    assert [s["id"] for s in grouped] == ["xwlb-20220101-01", "xwlb-20220101-02", "r1-xwlb-20220101-01",
                                          "r1-xwlb-20220101-02", "r2-xwlb-20220101-01"]
    assert grouped[0]["lines"] == [NEWS_ROWS[0]["text"], NEWS_ROWS[1]["text"]]


def test_stories_refuse_paragraphs_out_of_order() -> None:
    with pytest.raises(ValueError, match="out of order"):
        list(bench_data.stories([NEWS_ROWS[1], NEWS_ROWS[0]]))


def test_engine_hits_map_back_to_source_paragraph_ids(eval_data: Path, tmp_path: Path) -> None:
    corpus = bench_data.prepare_corpus(3, cache=tmp_path / "cache")
    peer_view = list(bench_data.corpus_paragraphs(corpus))
    assert [pid for pid, _, _ in peer_view] == ["cmrc2018-dev:DEV_0"] + [r["id"] for r in NEWS_ROWS]
    assert (corpus / ".done").read_text().strip() == "4"
    build_index(corpus, tmp_path / "index")
    engine = Engine(tmp_path / "index")

    def ids(query: str) -> list[str]:
        return [bench_data.paragraph_id(h.article.id, h.paragraph) for h in engine.search(query).hits]

    assert ids("光伏") == ["xwlb-20220101-01-002"]
    assert ids("夜间列车") == ["xwlb-20220101-02-001"]
    assert ids("第二段") == ["cmrc2018-dev:DEV_0"]  # a CMRC paragraph's id, whatever paragraph of it matched
    assert ids("冬奥会 冲刺") == ["xwlb-20220101-01-001"]  # not 01-002, which shares only the title


def test_index_bytes_add_up_per_field(make_index) -> None:
    engine = make_index()
    result = index_sizes.measure(engine.index_dir)
    fields = result["fields"]
    assert result["documents"] == 8
    assert sum(f.get("postings_bytes", 0) for f in fields.values()) == result["files"].get("pst", 0)
    assert sum(f.get("term_index_bytes", 0) for f in fields.values()) == result["files"]["trm"]
    assert fields["grams"]["terms"] > fields["text"]["terms"] > 0
    assert "terms" not in fields.get("byline", {})  # stored only, never indexed
    by_length = {name: row["terms"] for name, row in result["grams"].items() if name.startswith("grams ")}
    assert set(by_length) == {"grams 1-char", "grams 2-char"}  # no trigrams: longer substrings are checked
    assert "| grams |" in index_sizes.markdown(result)


WRK_OUTPUT = """Running 20s test @ http://127.0.0.1:5000
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   120.50ms   80.10ms   1.20s    75.00%
    Req/Sec    70.12     20.01   120.00     68.00%
  Latency Distribution
     50%  100.25ms
     75%  150.00ms
     90%  250.00ms
     99%    1.10s
  2800 requests in 20.02s, 30.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    139.86
Transfer/sec:      1.50MB
"""


def test_wrk_output_is_read_with_units_and_errors() -> None:
    parsed = http_load.parse_wrk(WRK_OUTPUT)
    assert parsed["requests_per_s"] == 139.86
    assert parsed["requests"] == 2800
    assert (parsed["p50_ms"], parsed["p90_ms"], parsed["p99_ms"]) == (100.25, 250.0, 1100.0)
    assert (parsed["socket_errors"], parsed["non_2xx"]) == (3, 4)
    clean = http_load.parse_wrk(WRK_OUTPUT.replace("  Socket errors: connect 0, read 1, write 0, timeout 2\n", "")
                                .replace("  Non-2xx or 3xx responses: 4\n", ""))
    assert (clean["socket_errors"], clean["non_2xx"]) == (0, 0)


def run_result(started: str, command: str, *sizes: tuple[str, list[str]]) -> dict:
    """A bench/run.py result holding only what the tables read: failed engines (an error each) per size label."""
    return {"meta": {"started": started, "command": command, "machine": "m", "cpus": 2, "note": "shared"},
            "sizes": [{"label": label, "paragraphs": 5, "queries": {"keywords": 1},
                       "engines": [{"engine": name, "error": "failed"} for name in engines]}
                      for label, engines in sizes]}


def test_runs_merge_into_one_table_per_size_with_every_command(tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    first.write_text(json.dumps(run_result("T1", "run.py --engines opensearch,searcher",
                                           ("1.1m", ["opensearch", "searcher"]))), encoding="utf-8")
    second = tmp_path / "b.json"
    second.write_text(json.dumps(run_result("T2", "run.py --engines tantivy", ("1.1m", ["tantivy"]),
                                            ("40k", ["tantivy"]))), encoding="utf-8")
    report.main([str(first), str(second), "--out", str(tmp_path / "both-1.1m")])  # `.1m` is no suffix
    merged = json.loads((tmp_path / "both-1.1m.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in merged["sizes"]] == ["1.1m", "40k"]
    assert [e["engine"] for e in merged["sizes"][0]["engines"]] == ["opensearch", "searcher", "tantivy"]
    assert [e["engine"] for e in merged["sizes"][1]["engines"]] == ["tantivy"]
    text = (tmp_path / "both-1.1m.md").read_text(encoding="utf-8")
    assert "started T1: `run.py --engines opensearch,searcher`" in text and "started T2" in text
    assert text.count("### 1.1m") == 1
    single = report.markdown(report.merge([json.loads(first.read_text(encoding="utf-8"))]))
    assert single.startswith("Run T1 on m") and "started T2" not in single
