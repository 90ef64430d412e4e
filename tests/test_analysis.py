"""The tokenizer contract: positions are token numbers, offsets point exactly into the original text."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from searcher.analysis.normalize import _fold, _fold_by_char, normalize, normalize_text
from searcher.analysis.tokenizers import GramTokenizer, JiebaTokenizer

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
SPECIAL = st.sampled_from("ＡＰＰ１００臺灣，。 abcXYZ")
TEXT = st.text(st.one_of(CJK, st.characters(codec="utf-8"), SPECIAL), max_size=80)


def check_offsets(text, toks):
    """Offsets cover exactly the original characters the token came from: equal where folding is 1:1
    (almost all text), containing it where one character folds to several (¼ -> 1⁄4)."""
    one_to_one = len(normalize(text).text) == len(text)
    for token, _, start, end in toks:
        original = normalize_text(text[start:end])
        assert original == token if one_to_one else token in original


def tokens(tokenizer, text, mode="index"):
    return [(t.text, t.pos, t.startchar, t.endchar) for t in tokenizer(text, positions=True, chars=True, mode=mode)]


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_word_offsets_point_at_the_token(text):
    check_offsets(text, tokens(JiebaTokenizer(), text))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_gram_offsets_point_at_the_token(text):
    check_offsets(text, tokens(GramTokenizer(), text))


def test_grams_are_the_characters_and_pairs_inside_runs_never_across_a_break():
    toks = tokens(GramTokenizer(), "南湖，晨曦a1")
    assert [t[0] for t in toks] == ["南", "南湖", "湖", "晨", "晨曦", "曦", "曦a", "a", "a1", "1"]
    assert not any(len(t[0]) > 2 or not t[0].isalnum() for t in toks)
    assert ("晨", 3, 3, 4) in toks


def test_positions_are_token_numbers_and_subwords_share_their_parent():
    toks = tokens(JiebaTokenizer(), "南京市长江大桥")
    assert [t for t in toks if t[0] == "南京市"][0][1] == 0
    assert {t[0] for t in toks if t[1] == 1} >= {"长江大桥", "长江", "大桥"}
    assert [t[0] for t in tokens(JiebaTokenizer(), "南京市长江大桥", mode="query")] == ["南京市", "长江大桥"]


def test_normalisation_folds_width_case_and_traditional_but_keeps_offsets():
    norm = normalize("ＡＰＰ臺灣")
    assert norm.text == "app台湾"
    assert norm.span(3, 5) == (3, 5)
    assert normalize("㍿").span(0, 4) == (0, 1)


def test_punctuation_is_not_a_token():
    assert [t[0] for t in tokens(JiebaTokenizer(), "嘉兴，光伏！", mode="query")] == ["嘉兴", "光伏"]


def test_synonyms_index_the_canonical_term_at_the_same_position():
    words = [("经开区", None, None), ("经济技术开发区", None, None)]
    tok = JiebaTokenizer(words, {"经开区": "经开区", "经济技术开发区": "经开区"})
    toks = tokens(tok, "嘉兴经济技术开发区")
    assert ("经开区", 1, 2, 9) in toks


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(TEXT, st.sampled_from(["Σ", "ΑΣ", "ﬁ", "¼", "Ⅻ", "臺灣"])), max_size=6).map("".join))
def test_normalize_text_is_the_text_of_normalize(text):
    """The fast path (str.translate) used to check candidates gives exactly what the tokenizers index."""
    assert normalize_text(text) == normalize(text).text


UNEVEN = st.sampled_from(["㍿", "ﬁ", "¼", "Ⅻ", "ＡＢ", "臺灣", "\u0301"])  # folding to more, or other, characters


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(TEXT, UNEVEN), max_size=6).map("".join))
def test_folding_maps_each_character_to_its_origin_on_the_fast_path_too(text: str) -> None:
    """Folding by str.translate (when every character folds to one) gives the origins the per-character loop
    gives, whether the characters are seen for the first time or not."""
    for _ in range(2):
        assert _fold(text) == _fold_by_char(text)


def test_a_character_folding_to_several_takes_the_exact_path_the_first_time_it_is_seen() -> None:
    fresh = "\u3392"  # ㎒ -> "mhz", not used by any other test
    assert _fold("a" + fresh) == ("amhz", [0, 1, 1, 1])
    assert _fold("a" + fresh) == ("amhz", [0, 1, 1, 1])


def test_jieba_loads_its_dictionary_without_pkg_resources() -> None:
    """pkg_resources costs 0.2-0.3 s of every start and jieba needs it only to find its dictionary; the
    start-up of the app, a search's segmentation and jieba's TF-IDF must not import it (nor warn)."""
    code = ("import sys, web; import jieba.analyse; from searcher.analysis.tokenizers import segment; "
            "print([w for w, _, _ in segment('嘉兴高新区以光伏产业为核心')]); print('pkg_resources' in sys.modules)")
    done = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code], capture_output=True,
                          text=True, check=True)
    words, imported = done.stdout.splitlines()
    assert words == "['嘉兴', '高新区', '以', '光伏', '产业', '为', '核心']"
    assert imported == "False"
