"""Words cut by jieba-rs where it agrees with jieba, by jieba where it does not: always jieba's words."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import rjieba

from searcher.analysis.normalize import normalize
from searcher.analysis.segmentation import cut, jieba

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
# Blocks where jieba-rs alone parts from jieba: a symbol between letters or digits.
SYMBOL_BLOCKS = ["韩国空军一架f-35a型战斗机4日紧急迫降", "世界时2023-09-04t14:08.371z", "2021-2025年规划"]
MIXED = ["c++与c#", "5g网络覆盖全市", "3d打印", "t恤衫卖了128元", "增长3.5%,比上年", "gdp增长5.2%", "iphone15发布"]


def corpus_lines() -> list[str]:
    """The bundled pages' lines, normalised as the analyzers see them: real news text with numbers, dates, bylines."""
    return [normalize(line).text for path in sorted(CORPUS.glob("*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_words_are_jiebas_on_real_news_text() -> None:
    lines = corpus_lines()
    assert len(lines) > 100
    for line in lines:
        assert cut(line) == list(jieba.dt.cut(line)), line


def test_blocks_where_jieba_rs_parts_from_jieba_are_cut_by_jieba() -> None:
    for text in SYMBOL_BLOCKS:
        assert cut(text) == list(jieba.dt.cut(text))
        assert cut(text) != rjieba.cut(text)  # so this test would see them sent to jieba-rs
    assert "f-35a" not in cut(SYMBOL_BLOCKS[0])
    assert ["f", "-", "35a"] == cut(SYMBOL_BLOCKS[0])[3:6]


def test_letters_digits_and_text_between_blocks_are_jiebas() -> None:
    for text in MIXED + ["Ｆ－３５Ａ  全角", "日本語のテキスト", "㐀㐁 extension a", "naïve café", "\n\t", ""]:
        text = normalize(text).text
        assert cut(text) == list(jieba.dt.cut(text)), text


def test_every_character_is_in_one_word() -> None:
    for line in corpus_lines()[:40] + SYMBOL_BLOCKS + MIXED:
        assert "".join(cut(line)) == line


def test_user_words_are_cut_alike_by_both_including_words_jieba_knew() -> None:
    """User words change both dictionaries (in a process of its own: jieba's dictionary is global). `中国` is known
    to jieba with a large count, so teaching it again moves jieba's total: the words of real text must not part."""
    code = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_segmentation import corpus_lines, MIXED
from searcher.analysis.segmentation import cut, jieba, load_words
before = cut("嘉兴南湖区委书记来到嘉兴南湖")
load_words([("南湖区委", None, None), ("嘉兴南湖", 50, "ns"), ("中国", None, None), ("光伏产业", 5, "n")])
lines = corpus_lines() + MIXED + ["中国大运河博物馆正式开馆;以绿色和文化为主题的运河沿岸绿化带、滨水步道等文化公园"]
assert all(cut(line) == list(jieba.dt.cut(line)) for line in lines)
print(before, cut("嘉兴南湖区委书记来到嘉兴南湖"), cut("光伏产业"))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("] [") == [
        "['嘉兴', '南湖', '区委书记', '来到', '嘉兴', '南湖'",
        "'嘉兴南湖', '区委书记', '来到', '嘉兴南湖'",
        "'光伏产业']\n",
    ]
