"""Autocomplete from the index's own words, names and titles, and from pinyin letters."""

from __future__ import annotations

import pytest
from discovery_fixtures import build_discovery_index
from whoosh import index as whoosh_index

from searcher.discovery.autocomplete import suggest
from searcher.discovery.vocabulary import Vocabulary
from searcher.index import store


@pytest.fixture(scope="module")
def vocab(tmp_path_factory: pytest.TempPathFactory) -> Vocabulary:
    index = build_discovery_index(tmp_path_factory.mktemp("suggest"))
    with whoosh_index.open_dir(str(store.require_generation(index))).searcher() as searcher:
        vocab = Vocabulary.from_reader(searcher.reader(), searcher)
        vocab.text = None  # autocomplete needs only the tables
        return vocab


def test_prefix_gives_words_by_frequency_then_titles(vocab: Vocabulary) -> None:
    got = suggest("嘉", vocab)
    assert got[:2] == ["嘉兴", "嘉善"]  # 嘉兴 is in far more paragraphs
    assert "嘉兴高新区" in got  # a phrase of the titles (jieba splits it)
    assert got[-1] == "嘉兴高新区又添光伏新项目"  # the one title starting with 嘉
    assert all(s.startswith("嘉") for s in got)


def test_names_and_titles(vocab: Vocabulary) -> None:
    assert suggest("隆", vocab) == ["隆基绿能", "隆基绿能嘉兴基地二期投产"]
    # jieba splits 加西贝拉 (加西/贝拉): only the title offers it until `searcher words add` (test_wordfind.py)
    assert suggest("加西", vocab) == ["加西贝拉压缩机销量创新高"]


def test_pinyin_and_initials(vocab: Vocabulary) -> None:
    assert suggest("jiax", vocab)[0] == "嘉兴"
    assert suggest("jxg", vocab) == ["嘉兴高新区"]
    assert suggest("longji", vocab) == ["隆基绿能"]


def test_nothing_invented(vocab: Vocabulary) -> None:
    assert suggest("恐龙", vocab) == []
    assert suggest("qqqq", vocab) == []
    assert suggest("", vocab) == []
    assert suggest("   ", vocab) == []


def test_the_prefix_itself_and_bare_numbers_are_not_offered(vocab: Vocabulary) -> None:
    assert "嘉兴" not in suggest("嘉兴", vocab)
    assert not [s for s in suggest("1", vocab) if s.isdigit()]


def test_limit(vocab: Vocabulary) -> None:
    assert len(suggest("j", vocab, limit=3)) == 3
