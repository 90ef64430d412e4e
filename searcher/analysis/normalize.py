"""Text normalisation that keeps a map back to the original characters.

Matching happens on normalised text (NFKC width folding, lower-case Latin, traditional -> simplified Chinese),
but highlights and token offsets must point into the text the reader sees. `normalize` therefore returns the
normalised string together with, for every normalised character, the index of the original character it came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")
# A lone surrogate (from a JSON "\\ud800" escape or a command-line argument that was not UTF-8) cannot be encoded,
# and OpenCC encodes its input as UTF-8: it becomes U+FFFD, one character for one, so offsets stay exact.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus `origin[i]`: the original index of normalised character i (len(text) + 1 entries)."""

    text: str
    origin: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised [start, end) span to the original text's [start, end)."""
        if end <= start:
            return self.origin[start], self.origin[start]
        return self.origin[start], self.origin[end - 1] + 1


@lru_cache(maxsize=65536)
def _fold_char(char: str) -> str:
    """NFKC and lower-case one character; the result may be empty or longer than one character."""
    return unicodedata.normalize("NFKC", char).lower()


def _fold(text: str) -> tuple[str, list[int]]:
    """The folded text and each folded character's origin. Most text folds one character to one: then the origin
    is the identity, and str.translate does the folding in C (a tenth of the per-character loop's time)."""
    folded = text.translate(_FOLD)
    if len(folded) == len(text) and _FOLD.uneven.isdisjoint(text):
        return folded, list(range(len(text)))
    return _fold_by_char(text)


def _fold_by_char(text: str) -> tuple[str, list[int]]:
    pieces: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        folded = char if char.isascii() and not char.isupper() else _fold_char(char)
        pieces.append(folded)
        origin.extend([i] * len(folded))
    return "".join(pieces), origin


def _to_simplified(text: str) -> str:
    """Traditional -> simplified; falls back to per-character conversion when a phrase rule changes length."""
    text = _SURROGATE.sub("\ufffd", text)
    converted = _T2S.convert(text)
    if len(converted) == len(text):
        return converted
    out = []
    for char in text:
        one = _T2S.convert(char)
        out.append(one if len(one) == 1 else char)
    return "".join(out)


def normalize(text: str) -> Normalized:
    folded, origin = _fold(text)
    origin.append(len(text))
    return Normalized(_to_simplified(folded), origin)


class _FoldTable(dict[int, str]):
    """str.translate table of `_fold_char`, filled as characters are first seen; `uneven` holds the characters
    seen so far that fold to other than one character (NFKC: "㎏" -> "kg", "ﬁ" -> "fi"; some fold to nothing)."""

    def __init__(self) -> None:
        super().__init__()
        self.uneven: set[str] = set()

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = _fold_char(char)
        if len(folded) != 1:
            self.uneven.add(char)  # before the entry: another thread that finds the entry must find this too
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def normalize_text(text: str) -> str:
    """Only the normalised string, for query words, needles and checking candidates against stored text: the same
    string as `normalize(text).text`, folded by str.translate (a dictionary look-up per character, in C) instead of
    the loop that also records every character's origin."""
    return _to_simplified(text.translate(_FOLD))
