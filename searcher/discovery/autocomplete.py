"""Autocomplete: words, names and titles of the index that start with what was typed, most frequent first.

Latin letters are also read as the start of pinyin (`jiax` -> 嘉兴, `jxg` -> 嘉兴高新区 by initials), because a
reporter with the input method still composing has only letters. Every suggestion is a term or title of the
index, so choosing one always finds something.
"""

from __future__ import annotations

import bisect
import heapq

from ..analysis.normalize import normalize
from .vocabulary import Vocabulary

DEFAULT_LIMIT = 8
MAX_TITLES = 3


def suggest(prefix: str, vocab: Vocabulary, limit: int = DEFAULT_LIMIT) -> list[str]:
    """Up to `limit` completions of `prefix`: words by paragraph frequency, then article titles."""
    text = normalize(prefix).text.strip()
    if not text:
        return []
    ranked = [w for w in vocab.tops.get(text.lower(), []) if w != text][:limit] if len(text) <= 2 else []
    if len(ranked) < limit:
        words = [w for w in vocab.prefixed(text) if w != text and _useful(w)]
        if text.isascii() and text.isalpha():
            words += vocab.pinyin_prefixed(text.lower())
        ranked = heapq.nlargest(limit, dict.fromkeys(ranked + words), key=vocab.freq)
    titles = [t for t in _titles(vocab, prefix.strip()) if t not in ranked][:MAX_TITLES]
    keep = max(limit - len(titles), 0)
    return (ranked[:keep] + titles)[:limit]


def _useful(word: str) -> bool:
    """A completion worth showing: more than one character, not a bare number."""
    return len(word) > 1 and not word.isdigit()


def _titles(vocab: Vocabulary, prefix: str) -> list[str]:
    """Titles starting with the prefix as typed (titles are kept as written, not normalised)."""
    if not prefix:
        return []
    start = bisect.bisect_left(vocab.titles, prefix)
    out = []
    for title in vocab.titles[start:]:
        if not title.startswith(prefix):
            break
        out.append(title)
    return out
