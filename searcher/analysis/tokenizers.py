"""Whoosh tokenizers for Chinese: jieba words and character n-grams, both over normalised text.

Both keep Whoosh's tokenizer contract, which jieba's bundled ChineseAnalyzer breaks: `pos` is the token number
(so phrase queries work) and `startchar`/`endchar` are exact offsets into the *original* text (so highlights
are exact), even though matching happens on NFKC-folded, lower-cased, simplified text.

The schema is pickled into the index, so the tokenizers are module-level classes that carry their resources
(user dictionary entries, synonym map) as plain data and load them into jieba lazily.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer

from .dictionary import ready
from .normalize import Normalized, normalize
from .segmentation import UserWord, cut, jieba, load_words

Span = tuple[str, int, int, int]  # (token text, position, start, end in the normalised text)


def is_word(text: str) -> bool:
    """A token worth indexing: it has at least one letter, digit or CJK character (not punctuation/space)."""
    return any(char.isalnum() for char in text)


def segment(text: str) -> list[tuple[str, int, int]]:
    """jieba accurate-mode words with offsets into `text`, punctuation and spaces dropped."""
    words = []
    start = 0
    for word in cut(text):
        end = start + len(word)
        if is_word(word):
            words.append((word, start, end))
        start = end
    return words


def dictionary() -> dict[str, int]:
    """jieba's words and their counts (a word's prefixes are there too, counting 0), loaded on first use."""
    ready(jieba.dt)
    return jieba.dt.FREQ


def sub_words(word: str) -> Iterator[tuple[str, int]]:
    """jieba search-mode sub-words of a long word (dictionary bi- and tri-grams), with their offset in it."""
    freq = dictionary()
    for n in (2, 3):
        if len(word) > n:
            for i in range(len(word) - n + 1):
                gram = word[i : i + n]
                if freq.get(gram):
                    yield gram, i


class _NormalizingTokenizer(Tokenizer):
    """Shared plumbing: normalise once, then subclasses yield (text, pos, start, end) over normalised text."""

    def _spans(self, norm: Normalized, mode: str) -> Iterator[Span]:
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        norm, spans = _analysed(self, value, mode)
        for text, pos, start, end in spans:
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                original_start, original_end = norm.span(start, end)
                token.startchar = start_char + original_start
                token.endchar = start_char + original_end
            yield token

    def term_counts(self, value: str) -> tuple[tuple[bytes, int], ...]:
        """Each index term of `value` (UTF-8, as Whoosh stores terms) with its number of occurrences: what indexing
        a field without positions needs, counted straight from the spans (searcher/index/schema.py, CountedText)."""
        return _term_counts(self, value)


@lru_cache(maxsize=64)
def _term_counts(tokenizer: _NormalizingTokenizer, value: str) -> tuple[tuple[bytes, int], ...]:
    _, spans = _analysed(tokenizer, value, "index")
    return tuple((text.encode("utf-8"), count) for text, count in Counter(span[0] for span in spans).items())


@lru_cache(maxsize=64)
def _analysed(tokenizer: _NormalizingTokenizer, value: str, mode: str) -> tuple[Normalized, tuple[Span, ...]]:
    """The normalised value and its spans, remembered for the last few values: every paragraph of an article
    carries the same title, heading and byline, and they were analysed again for each (a tenth of a build's
    analysis). Tokenizers are equal, and hash equally, when they carry the same resources."""
    norm = normalize(value)
    return norm, tuple(tokenizer._spans(norm, mode))


class JiebaTokenizer(_NormalizingTokenizer):
    """Words: jieba accurate mode; at index time also search-mode sub-words at their parent's position,
    and the canonical term of a synonym group at the position of any of its members."""

    def __init__(self, words: Sequence[UserWord] = (), synonyms: Mapping[str, str] | None = None) -> None:
        self.words = tuple(words)
        self.synonyms = dict(synonyms or {})

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, JiebaTokenizer)
            and self.words == other.words
            and self.synonyms == other.synonyms
        )

    def __hash__(self) -> int:
        return hash((self.words, tuple(sorted(self.synonyms.items()))))

    def _spans(self, norm: Normalized, mode: str) -> Iterator[Span]:
        load_words(self.words)
        for pos, (word, start, end) in enumerate(segment(norm.text)):
            yield word, pos, start, end
            if mode == "query":
                continue
            for sub, offset in sub_words(word):
                yield sub, pos, start + offset, start + offset + len(sub)
            canonical = self.synonyms.get(word)
            if canonical and canonical != word:
                yield canonical, pos, start, end


GRAM_SIZES = (1, 2)


class GramTokenizer(_NormalizingTokenizer):
    """Character 1- and 2-grams inside runs of letters, digits and CJK characters (punctuation and spaces break
    them). The n-gram fields keep no positions: a substring of one or two characters is one term, a longer one the
    intersection of its bigrams checked against the stored text (searcher/search/substrings.py)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GramTokenizer)

    def __hash__(self) -> int:
        return hash(GramTokenizer)

    def _spans(self, norm: Normalized, mode: str) -> Iterator[Span]:
        text = norm.text
        for match in _RUN.finditer(text):
            start, end = match.span()
            for i in range(start, end):
                yield text[i], i, i, i + 1
                if i + 1 < end:
                    yield text[i : i + 2], i, i, i + 2


_RUN = re.compile(r"[^\W_]+")


def alnum_runs(text: str) -> list[str]:
    """The runs of letters, digits and CJK characters: the stretches n-grams are taken from."""
    return _RUN.findall(text)
