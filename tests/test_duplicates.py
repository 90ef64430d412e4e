"""Near duplicates: wire copy with small edits is grouped; paragraphs that only share a sentence are not."""

from __future__ import annotations

from pathlib import Path

from discovery_fixtures import SHARED_A, SHARED_B, WIRE, WIRE_EDITED, WIRE_TRIMMED, build_discovery_index

from searcher.discovery.duplicates import duplicates_in_index, fold_hits, group_near_duplicates, shingles, similarity
from searcher.search.engine import Engine

OTHER = "海宁皮革城销售额增长一成，平湖服装出口保持稳定，桐乡毛衫产业加快转型。"


def test_reprints_are_one_group_and_a_shared_sentence_is_not_enough() -> None:
    items = [("a", WIRE), ("b", SHARED_A), ("c", WIRE_EDITED), ("d", SHARED_B), ("e", WIRE_TRIMMED), ("f", OTHER)]
    assert group_near_duplicates(items) == [["a", "c", "e"]]


def test_similarity_ignores_punctuation_width_and_spaces() -> None:
    assert similarity(shingles("光伏组件，产能10吉瓦。"), shingles("光伏组件 产能１０吉瓦")) == 1.0
    assert similarity(shingles(SHARED_A), shingles(SHARED_B)) < 0.3
    assert similarity(set(), set()) == 0.0


def test_empty_and_short_paragraphs_do_not_group_with_everything() -> None:
    assert group_near_duplicates([("a", ""), ("b", "。"), ("c", "嘉兴"), ("d", "嘉兴")]) == [["c", "d"]]


def test_duplicates_of_a_paragraph_in_the_index(tmp_path: Path) -> None:
    _, searcher = Engine(build_discovery_index(tmp_path)).whoosh_searcher()
    found = duplicates_in_index(searcher, WIRE, exclude_id="longi-1-p1")
    assert [d["id"] for d in found] == ["longi-3-p1", "longi-2-p1"]
    assert found[0]["similarity"] > found[1]["similarity"] >= 0.6
    assert duplicates_in_index(searcher, SHARED_A, exclude_id="park-p1") == []


def test_fold_hits_keeps_the_best_of_each_story(tmp_path: Path) -> None:
    engine = Engine(build_discovery_index(tmp_path))
    hits = engine.search("隆基绿能 投产", size=20).to_dict()["hits"]
    wire_ids = {"longi-1-p1", "longi-2-p1", "longi-3-p1"}
    assert wire_ids <= {h["id"] for h in hits}
    folded = fold_hits(hits)
    kept = [h for h in folded if h["id"] in wire_ids]
    assert len(kept) == 1 and len(folded) == len(hits) - 2
    best = min((h for h in hits if h["id"] in wire_ids), key=lambda h: h["rank"])
    assert kept[0]["id"] == best["id"]
    assert {d["id"] for d in kept[0]["duplicates"]} == wire_ids - {best["id"]}
    assert [h["rank"] for h in folded] == sorted(h["rank"] for h in folded)
    assert all(h["duplicates"] == [] for h in folded if h["id"] not in wire_ids)
