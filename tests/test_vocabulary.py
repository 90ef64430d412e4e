"""searcher/discovery/vocabulary.py: the words and the exact-text counts it answers, on an index of several
segments with a removed article, against what the stored paragraphs say."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLES, write_jsonl

from searcher.analysis.normalize import normalize_text
from searcher.backends import writable_index
from searcher.discovery.vocabulary import Vocabulary
from searcher.index.adding import add_files
from searcher.index.build import build_index
from searcher.search.engine import Engine

MORE = [{"id": "port", "title": "嘉兴港口发展", "source": "嘉兴日报", "date": "2025-03-01",
         "text": "嘉兴港集装箱吞吐量创新高，光伏组件出口增长。\n南湖区发展数字经济，光伏企业再添新军。"},
        {"id": "farm2", "title": "光伏农业", "source": "嘉兴日报", "date": "2025-03-02",
         "text": "光伏板下种蘑菇，企业与农户共赢。\n企业光伏两不误。"}]


@pytest.fixture
def segmented(make_index: Callable[..., Engine], tmp_path: Path) -> Any:
    """A searcher over two segments, one article removed."""
    engine = make_index()
    add_files([write_jsonl(tmp_path / "more.jsonl", MORE)], tmp_path / "corpus", engine.index_dir)
    writable_index(engine.index_dir, tmp_path / "corpus").remove(["farm2"])
    searcher, _ = engine._searcher()
    assert len(searcher.leaf_searchers()) == 2 and searcher.reader().has_deletions()
    return searcher


def live_paragraphs(searcher: Any) -> list[dict[str, Any]]:
    reader = searcher.reader()
    return [reader.stored_fields(d) for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]


TEXTS = ["光伏企业", "光伏", "嘉兴港", "发展数字", "企业光伏", "光伏产业", "南湖区发展", "不存在"]


@pytest.mark.parametrize("text", TEXTS)
def test_count_is_the_number_of_paragraphs_holding_the_text(segmented: Any, text: str) -> None:
    """In the text or in the title, whichever more paragraphs hold; never a removed paragraph (企业光伏 is only in
    the removed article), never one holding the characters apart (光伏 … 企业)."""
    paragraphs = live_paragraphs(segmented)
    expected = max(sum(text in normalize_text(p.get(field, "")) for p in paragraphs) for field in ("text", "title"))
    vocab = Vocabulary.from_reader(segmented.reader(), segmented)
    assert vocab.text is not None
    assert vocab.text.count(text) == expected
    if text == "企业光伏":
        assert expected == 0


@pytest.mark.parametrize("text", TEXTS)
def test_a_count_up_to_enough_is_exact_below_it_and_at_least_it_above(segmented: Any, text: str) -> None:
    """Spelling only asks whether a typed run is in three paragraphs: checking stops there. An exact count asked
    afterwards is still exact (the partial checks are not taken for the whole)."""
    paragraphs = live_paragraphs(segmented)
    expected = max(sum(text in normalize_text(p.get(field, "")) for p in paragraphs) for field in ("text", "title"))
    vocab = Vocabulary.from_reader(segmented.reader(), segmented)
    assert vocab.text is not None
    for enough in (1, 2, 3, 100):
        found = vocab.text.count(text, enough=enough)
        assert found == expected if expected < enough else found >= enough
    assert vocab.text.count(text) == expected


def test_words_are_counted_across_segments(segmented: Any, make_index: Callable[..., Engine], tmp_path: Path) -> None:
    """A word's frequency sums its paragraphs over every segment: the same as one segment's index of the same
    articles (a removed article's postings stay until a merge, as in Whoosh's document frequencies)."""
    vocab = Vocabulary.from_reader(segmented.reader(), segmented)
    whole = tmp_path / "whole"
    whole.mkdir()
    write_jsonl(whole / "all.jsonl", ARTICLES + MORE)
    build_index(whole, tmp_path / "whole-index")
    one_searcher, _ = Engine(tmp_path / "whole-index")._searcher()
    assert len(one_searcher.leaf_searchers()) == 1
    reference = Vocabulary.from_reader(one_searcher.reader(), None)
    assert Counter(vocab.words) - Counter(reference.words) == Counter()  # titles add phrases only with a searcher
    assert {w: vocab.words[w] for w in reference.words} == reference.words
    assert vocab.words["光伏"] > 1
