"""Property: the analyzer takes any Unicode string, and every token points exactly at what it came from.

tests/test_analysis.py checks offsets on UTF-8-encodable text; these properties add what a hostile or broken
input brings: lone surrogates, control and format characters, private-use and unassigned code points,
combining marks and characters whose folded form is longer than they are (ﬁ, ㍿, ½).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from searcher.analysis.normalize import normalize, normalize_text
from searcher.analysis.tokenizers import GramTokenizer, JiebaTokenizer

ANY_CHAR = st.one_of(
    st.characters(),  # every category hypothesis knows, surrogates excluded
    st.characters(categories=["Cs", "Cc", "Cf", "Co", "Cn", "Mn", "Zs", "Zl", "Zp"]),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from("ﬁ㍿½ＡＰＰ１００臺灣長江大橋İẞǅ\u0301\u200d\ufeff"),
)
ANY_TEXT = st.text(ANY_CHAR, max_size=120)
TOKENIZERS = {"words": JiebaTokenizer(synonyms={"经开区": "经开区", "经济技术开发区": "经开区"}),
              "grams": GramTokenizer()}


def tokens(name: str, text: str, mode: str) -> list[tuple[str, int, int, int]]:
    return [(t.text, t.pos, t.startchar, t.endchar)
            for t in TOKENIZERS[name](text, positions=True, chars=True, mode=mode)]


def check(name: str, text: str, mode: str) -> None:
    """Every token's offsets lie inside the text and slice it to the token's surface form once normalised
    (equal when folding keeps the length, containing it when one character folds to several)."""
    toks = tokens(name, text, mode)
    one_to_one = len(normalize(text).text) == len(text)
    synonyms = TOKENIZERS["words"].synonyms if name == "words" else {}
    previous = -1
    for word, pos, start, end in toks:
        assert word and 0 <= start < end <= len(text), (word, start, end)
        assert pos >= previous, "positions never go backwards"
        previous = pos
        surface = normalize_text(text[start:end])
        if synonyms.get(surface) == word and surface != word:
            continue  # the canonical term of a synonym group sits on its member's span
        assert (surface == word) if one_to_one else (word in surface), (word, surface)


@settings(max_examples=250, deadline=None)
@given(ANY_TEXT, st.sampled_from(["index", "query"]))
def test_words_of_any_unicode_slice_back_to_their_surface(text: str, mode: str) -> None:
    check("words", text, mode)


@settings(max_examples=250, deadline=None)
@given(ANY_TEXT)
def test_grams_of_any_unicode_slice_back_to_their_surface(text: str) -> None:
    check("grams", text, "index")


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT, st.integers(0, 50), st.integers(0, 5000))
def test_offsets_shift_with_start_char_and_positions_with_start_pos(text: str, start_pos: int,
                                                                   start_char: int) -> None:
    """Whoosh analyses multi-valued fields with offsets carried over; they must shift, nothing else."""
    plain = tokens("grams", text, "index")
    shifted = [(t.text, t.pos, t.startchar, t.endchar) for t in TOKENIZERS["grams"](
        text, positions=True, chars=True, start_pos=start_pos, start_char=start_char)]
    assert shifted == [(w, p + start_pos, s + start_char, e + start_char) for w, p, s, e in plain]
