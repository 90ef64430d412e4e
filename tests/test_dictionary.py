"""jieba's prefix dictionary through our cache: exactly jieba's words and counts, however the cache is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from searcher.analysis import dictionary
from searcher.analysis.segmentation import jieba


@pytest.fixture(scope="module")
def jiebas_own() -> tuple[dict[str, int], int]:
    """The dictionary as jieba itself loads it."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEARCHER_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def loaded() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    dictionary.ready(tokenizer)
    assert tokenizer.initialized
    return tokenizer


def same_as_jieba(tokenizer: jieba.Tokenizer, own: tuple[dict[str, int], int]) -> None:
    assert tokenizer.total == own[1]
    assert tokenizer.FREQ == own[0]
    assert list(tokenizer.FREQ) == list(own[0])  # and in jieba's order (the order it would iterate)


def test_first_load_builds_jiebas_dictionary_and_caches_it(cache: Path, jiebas_own) -> None:
    same_as_jieba(loaded(), jiebas_own)
    assert [p.suffix for p in cache.iterdir()] == [".dict"]  # one file, no partial write left


def test_a_later_load_reads_the_cache_without_building(cache: Path, jiebas_own, monkeypatch) -> None:
    loaded()

    def no_build(*args: object) -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(jieba.Tokenizer, "gen_pfdict", staticmethod(no_build))
    same_as_jieba(loaded(), jiebas_own)


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b[:-1], lambda b: b"PK\x03\x04" + b[4:],
                                    lambda b: b[:40], lambda b: b""])
def test_a_damaged_cache_is_built_again(cache: Path, jiebas_own, damage) -> None:
    loaded()
    (path,) = cache.iterdir()
    path.write_bytes(damage(path.read_bytes()))
    same_as_jieba(loaded(), jiebas_own)
    assert dictionary.decode(path.read_bytes())[1] == jiebas_own[1]  # and rewritten whole


def test_decode_refuses_what_encode_did_not_write() -> None:
    data = dictionary.encode({"中国": 5, "中": 0, "人民": 3}, 8)
    assert dictionary.decode(data) == ({"中国": 5, "中": 0, "人民": 3}, 8)
    for bad in (data[:-1], data + b"x", b"x" + data[1:], data.replace("人民".encode(), "人\n\n\n".encode())):
        with pytest.raises(ValueError):
            dictionary.decode(bad)


def test_no_cache_directory_still_loads(tmp_path: Path, monkeypatch, jiebas_own) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SEARCHER_CACHE", str(blocker / "cache"))
    same_as_jieba(loaded(), jiebas_own)
    assert blocker.read_text() == "not a directory"


def test_another_dictionary_is_left_to_jieba(cache: Path, tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_text("嘉兴 100 ns\n南湖区 50 ns\n", encoding="utf-8")
    tokenizer = jieba.Tokenizer(str(small))
    dictionary.ready(tokenizer)
    assert tokenizer.FREQ == {"嘉": 0, "嘉兴": 100, "南": 0, "南湖": 0, "南湖区": 50}
    assert tokenizer.total == 150
    assert not cache.exists()
