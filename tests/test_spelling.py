"""Did you mean: the typo set on a real fixture index, exact outcomes, and what must never be corrected."""

from __future__ import annotations

import pytest
from discovery_fixtures import build_discovery_index
from typo_cases import DEVELOPMENT, HELD_OUT
from whoosh import index as whoosh_index

from searcher.discovery.spelling import suggest_correction
from searcher.discovery.vocabulary import (
    Vocabulary,
    cached_vocabulary,
    char_readings,
    fuzzy_syllable,
    word_pinyin,
)
from searcher.index import store


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory):
    index = build_discovery_index(tmp_path_factory.mktemp("spelling"))
    with whoosh_index.open_dir(str(store.require_generation(index))).searcher() as s:
        yield s


@pytest.fixture(scope="module")
def vocab(searcher) -> Vocabulary:
    return Vocabulary.from_reader(searcher.reader(), searcher)


@pytest.mark.parametrize(("typed", "expected"), DEVELOPMENT)
def test_development_typo_set(vocab: Vocabulary, typed: str, expected: str | None) -> None:
    assert suggest_correction(typed, vocab) == expected


# The held-out set's first run missed xiuzhou (秀洲 is indexed only inside 秀洲区); fixed since, see
# docs/discovery.md. Add any new miss here with a note rather than tuning it away silently.
_KNOWN_MISSES: set[str] = set()


@pytest.mark.parametrize(("typed", "expected"), [c for c in HELD_OUT if c[0] not in _KNOWN_MISSES])
def test_held_out_typo_set(vocab: Vocabulary, typed: str, expected: str | None) -> None:
    assert suggest_correction(typed, vocab) == expected


def test_typo_set_accuracy_is_reported(vocab: Vocabulary) -> None:
    cases = DEVELOPMENT + HELD_OUT
    right = sum(suggest_correction(typed, vocab) == expected for typed, expected in cases)
    assert len(cases) >= 40 and sum(1 for _, e in cases if e is None) >= 15
    assert right == len(cases) - len(_KNOWN_MISSES)


def test_every_word_of_the_index_is_left_alone(vocab: Vocabulary) -> None:
    """No term of the index is ever corrected, however many homophones it has (景点/经典, 张云/张广伍)."""
    words = [w for w in vocab.words if len(w) >= 2]
    assert "景点" in words and "经典" in words and "张云" in words
    assert [w for w in words if suggest_correction(w, vocab) is not None] == []


def test_corrections_are_text_of_the_index(vocab: Vocabulary) -> None:
    assert vocab.text is not None
    for typed, _ in DEVELOPMENT + HELD_OUT:
        fixed = suggest_correction(typed, vocab)
        if fixed:
            assert all(vocab.text.count(part) > 0 for part in fixed.split()), typed


def test_fuzzy_pinyin_folds_common_confusions() -> None:
    assert [fuzzy_syllable(s) for s in ("lv", "zhang", "ning", "nan", "shi")] == ["lu", "zan", "lin", "lan", "si"]
    assert word_pinyin("隆基绿能") == ["long", "ji", "lv", "neng"]
    assert word_pinyin("重庆") == ["chong", "qing"]


def test_a_han_character_without_a_reading_is_no_error_and_no_suggestion(vocab: Vocabulary) -> None:
    """鿋 is a Han character pypinyin has no reading for: it has no homophones (it used to raise IndexError);
    a run of it alone gets no correction, and one beside index words may still get one by its context."""
    assert char_readings("鿋") == set() and {"xin", "han"} <= char_readings("行")
    assert suggest_correction("鿋鿋", vocab) is None
    fixed = suggest_correction("嘉兴鿋", vocab)
    assert fixed is None or (vocab.text is not None and vocab.text.count(fixed) > 0)


def test_vocabulary_is_cached_per_generation(searcher) -> None:
    first = cached_vocabulary("key", "gen-1", searcher)
    again = cached_vocabulary("key", "gen-1", searcher)
    other = cached_vocabulary("key", "gen-2", searcher)
    assert first.words is again.words
    assert other.words is not first.words and other.words == first.words
