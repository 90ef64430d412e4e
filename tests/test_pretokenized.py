"""The token-string encoding that carries our analysis to OpenSearch (the cluster side is tested in
tests/test_opensearch_cluster.py)."""

from __future__ import annotations

from searcher.analysis.pretokenized import GAP, STACK, term, token_string, tokens_of
from searcher.analysis.tokenizers import GramTokenizer, JiebaTokenizer


def decode(encoded: str) -> list[tuple[str, int]]:
    """What the cluster's analyzer makes of a token string: whitespace slots, `|` stacks, `_` gaps dropped."""
    return [(t, pos) for pos, slot in enumerate(encoded.split(" ")) if slot != GAP for t in slot.split(STACK)]


def test_positions_stacks_and_gaps_survive() -> None:
    tokens = [("南京市", 0), ("长江大桥", 1), ("长江", 1), ("大桥", 1), ("是", 4)]
    encoded = token_string(tokens)
    assert encoded == "南京市 长江大桥|长江|大桥 _ _ 是"
    assert decode(encoded) == tokens


def test_token_order_does_not_matter_and_duplicates_collapse() -> None:
    assert token_string([("b", 1), ("a", 0), ("b", 1)]) == "a b"


def test_leading_gap_keeps_first_position() -> None:
    assert decode(token_string([("x", 2)])) == [("x", 2)]


def test_empty_text_is_an_empty_string() -> None:
    assert token_string([]) == ""


def test_terms_never_split_or_vanish() -> None:
    """A term holding a separator, or equal to the gap mark, is re-spelled, the same way at query time."""
    for raw in ("a b", "a|b", GAP, "a\tb"):
        encoded = token_string([(raw, 0)])
        assert decode(encoded) == [(term(raw), 0)]
        assert " " not in term(raw) and STACK not in term(raw) and term(raw) != GAP
    assert term("长江") == "长江"


def test_real_tokenizers_round_trip() -> None:
    """Jieba sub-words and synonyms stack on their word; gram positions skip punctuation."""
    words = JiebaTokenizer(synonyms={"大桥": "桥梁"})
    chars = GramTokenizer()
    for tokenizer, text in ((words, "南京市长江大桥，大桥很长"), (chars, "嘉兴，光伏。ＡＰＰ")):
        tokens = tokens_of(tokenizer, text)
        assert sorted(decode(token_string(tokens))) == sorted({(term(t), p) for t, p in tokens})
    positions = dict(tokens_of(words, "南京市长江大桥，大桥很长"))
    assert positions["桥梁"] == positions["大桥"] == positions["长江大桥"] + 1
