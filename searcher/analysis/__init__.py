"""Stage 3, analysis: text -> tokens. Normalisation with a map back to the original characters, the jieba word and
character n-gram tokenizers, the corpus's user dictionary and synonyms, and the pre-tokenized form for OpenSearch.

Whoosh pickles the schema into every index, analyzers included, under the dotted path of each class. Indexes built
before the library was grouped into packages name `searcher.analysis.JiebaTokenizer` and
`searcher.analysis.GramTokenizer`, so those two names stay importable from here (tests/test_pickled_paths.py).
"""

from .tokenizers import GramTokenizer, JiebaTokenizer

__all__ = ["GramTokenizer", "JiebaTokenizer"]
