"""CountedText (searcher/index/schema.py) indexes exactly what Whoosh's TEXT indexes from the same tokenizer:
the same terms, frequencies, weights and values, and so the same field lengths."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT

from searcher.analysis.tokenizers import GramTokenizer, JiebaTokenizer
from searcher.index.schema import CountedText

WORDS = JiebaTokenizer([("经开区", None, None)], {"经济技术开发区": "经开区"})
SAMPLES = ["", "嘉兴嘉兴嘉兴，南湖南湖", "ＡＰＰ臺灣 app 台湾", "嘉兴经济技术开发区的经开区",
           "㍿ ﬁ 2023-09-04T14", "！？", "长" * 300]


def indexed(field: TEXT, value: str | list[str]) -> list[tuple[bytes, int, float, bytes]]:
    return sorted(field.index(value))


def test_the_same_postings_as_whoosh_text_for_both_tokenizers() -> None:
    for tokenizer in (WORDS, GramTokenizer()):
        counted, plain = CountedText(analyzer=tokenizer, phrase=False), TEXT(analyzer=tokenizer, phrase=False)
        for value in SAMPLES:
            assert indexed(counted, value) == indexed(plain, value)
    repeated = dict((term, count) for term, count, _, _ in CountedText(analyzer=GramTokenizer()).index("嘉兴嘉兴嘉"))
    assert repeated == {"嘉".encode(): 3, "兴".encode(): 2, "嘉兴".encode(): 2, "兴嘉".encode(): 2}


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("嘉兴南湖经济技术开发区臺灣ＡａB1２ ，。"), max_size=40))
def test_the_same_postings_for_any_text(value: str) -> None:
    for tokenizer in (WORDS, GramTokenizer()):
        counted, plain = CountedText(analyzer=tokenizer, phrase=False), TEXT(analyzer=tokenizer, phrase=False)
        assert indexed(counted, value) == indexed(plain, value)


def test_other_uses_take_whoosh_way() -> None:
    """Positions, a query-mode analysis or a list of tokens are Whoosh's own code, unchanged."""
    with_positions = CountedText(analyzer=GramTokenizer(), phrase=True)
    assert indexed(with_positions, "嘉兴") == indexed(TEXT(analyzer=GramTokenizer(), phrase=True), "嘉兴")
    assert indexed(CountedText(analyzer=WORDS, phrase=False), ["嘉兴", "嘉兴"]) == [(b"\xe5\x98\x89\xe5\x85\xb4", 2,
                                                                                     2.0, b"\x00\x00\x00\x02")]
