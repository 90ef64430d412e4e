"""The Whoosh schema: one document per body paragraph, carrying its article's attribution."""

from __future__ import annotations

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from ..analysis.resources import Resources
from ..analysis.tokenizers import GramTokenizer, JiebaTokenizer


def build_schema(resources: Resources) -> Schema:
    """Words (with positions, for phrases) and character n-grams (without: searcher/search/substrings.py) of the
    paragraph, title, heading and byline; exact-match fields for filters and updates; columns (sortable) for what
    results are folded and ordered by: article, paragraph, date."""
    words = JiebaTokenizer(resources.words, resources.synonyms)
    chars = GramTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        article_id=ID(stored=True, sortable=True),
        paragraph=NUMERIC(stored=True, sortable=True),
        text=TEXT(analyzer=words, stored=True, phrase=True),
        grams=TEXT(analyzer=chars),
        title=TEXT(analyzer=words, stored=True, phrase=True),
        title_grams=TEXT(analyzer=chars),
        heading=TEXT(analyzer=words, stored=True, phrase=True),
        heading_grams=TEXT(analyzer=chars),
        byline=TEXT(analyzer=words, stored=True, phrase=True),
        byline_grams=TEXT(analyzer=chars),
        source=ID(stored=True),
        date=ID(stored=True, sortable=True),
        source_url=STORED,
        page=STORED,
        continued=STORED,
        file=ID(stored=True),
        file_hash=ID(stored=True),
    )
