"""The Whoosh schema: one document per body paragraph, carrying its article's attribution."""

from __future__ import annotations

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from ..analysis.resources import Resources
from ..analysis.tokenizers import GramTokenizer, JiebaTokenizer


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
        text=TEXT(analyzer=words, stored=True, phrase=False),
        grams=TEXT(analyzer=chars, phrase=False),
        title=TEXT(analyzer=words, stored=True, phrase=False),
        title_grams=TEXT(analyzer=chars, phrase=False),
        heading=TEXT(analyzer=words, stored=True, phrase=False),
        heading_grams=TEXT(analyzer=chars, phrase=False),
        byline=TEXT(analyzer=words, stored=True, phrase=False, sortable=True),
        byline_grams=TEXT(analyzer=chars, phrase=False),
        source=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        source_url=STORED,
        page=STORED,
        continued=STORED,
        file=ID(stored=True),
        file_hash=ID(stored=True),
    )
