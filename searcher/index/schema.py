"""The Whoosh schema: one document per body paragraph, carrying its article's attribution."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Frequency
from whoosh.system import pack_uint

from ..analysis.resources import Resources
from ..analysis.tokenizers import GramTokenizer, JiebaTokenizer


class CountedText(TEXT):
    """A TEXT field without positions, indexed from the tokenizer's term counts.

    Whoosh indexes a field by running its analyzer's token stream through the format: a Token object updated and
    two dictionaries updated per token, about as much CPU as segmenting the text. A field that keeps no positions
    needs only each term's count, which our tokenizers give directly (`term_counts`, remembered for the last few
    values, as every paragraph of an article repeats its title). The terms, frequencies, weights and values are
    Whoosh's: `tests/test_schema.py` compares them."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        counts = getattr(self.analyzer, "term_counts", None)
        if counts is None or not isinstance(value, str) or kwargs.get("mode", "index") != "index" \
                or type(self.format) is not Frequency:
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        return ((term, count, count * boost, _packed(count)) for term, count in counts(value))


_PACKED = [pack_uint(count) for count in range(256)]


def _packed(count: int) -> bytes:
    """Frequency's value for `count` occurrences; one shared object for the usual counts, which the posting pool
    keeps once (searcher/index/pool.py)."""
    return _PACKED[count] if count < 256 else pack_uint(count)


def build_schema(resources: Resources) -> Schema:
    """Words and character n-grams (searcher/search/substrings.py) of the paragraph, title, heading and byline;
    exact-match fields for filters and updates; columns (sortable) for what results are folded and ordered by
    (article, paragraph, date) and what facets count (source, date, byline). No field keeps positions
    (`phrase=False`: term frequencies only): no query here reads them (a phrase is a substring, checked against the
    stored text), and they were 44 % of the index's bytes and most of the cost of decoding postings
    (docs/performance.md)."""
    words = JiebaTokenizer(resources.words, resources.synonyms)
    chars = GramTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        article_id=ID(stored=True, sortable=True),
        paragraph=NUMERIC(stored=True, sortable=True),
        text=CountedText(analyzer=words, stored=True, phrase=False),
        grams=CountedText(analyzer=chars, phrase=False),
        title=CountedText(analyzer=words, stored=True, phrase=False),
        title_grams=CountedText(analyzer=chars, phrase=False),
        heading=CountedText(analyzer=words, stored=True, phrase=False),
        heading_grams=CountedText(analyzer=chars, phrase=False),
        byline=CountedText(analyzer=words, stored=True, phrase=False, sortable=True),
        byline_grams=CountedText(analyzer=chars, phrase=False),
        source=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        source_url=STORED,
        page=STORED,
        continued=STORED,
        file=ID(stored=True),
        file_hash=ID(stored=True),
    )
