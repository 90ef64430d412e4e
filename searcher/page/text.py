"""Small text predicates shared by page parsing and paragraph repair (CJK-aware, no state)."""

from __future__ import annotations

import re

# Characters after which a block is a finished sentence, so the next block starts a new paragraph.
# ：and ；count as ends: in news copy they close a lead-in, or a list item whose next item is its own
# paragraph.
SENTENCE_END = frozenset("。！？!?…；;：:.")
# Closing quotes and brackets are looked through: `…介绍。”` ends a sentence, `以“闯”` does not.
CLOSERS = "”’」』）)】》〉\"'"
# Punctuation that only occurs inside a sentence; a line holding it is prose, not a noun-phrase caption.
CLAUSE_PUNCT = frozenset("，,、；;。！？!?：:")
CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
SPACES_RE = re.compile(r"[\s\u3000]+")


def clean_line(line: str) -> str:
    """Strip ASCII and ideographic spaces, which PDF extraction leaves at both ends of lines."""
    return line.strip(" \t\r\n\u3000\u00a0\ufeff")


def collapse_spaces(text: str) -> str:
    """Turn every run of whitespace into one ASCII space, for titles and bylines."""
    return SPACES_RE.sub(" ", text).strip()


def ends_sentence(text: str) -> bool:
    """True when the text stops at a sentence boundary, looking through closing quotes and brackets."""
    stripped = text.rstrip()
    if not stripped:
        return True
    if stripped[0] in "（(" and stripped[-1] in "）)":
        return True  # a whole parenthetical, e.g. an attribution line
    core = stripped.rstrip(CLOSERS)
    if not core:
        return True
    if core.endswith("——"):
        return False  # a dash leads into what follows
    return core[-1] in SENTENCE_END


def has_clause_punct(text: str) -> bool:
    """True when the text contains sentence punctuation (commas included), i.e. reads as prose."""
    return any(ch in CLAUSE_PUNCT for ch in text)


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph."""
    return bool(CJK_RE.match(ch))


def _latin_word_char(ch: str) -> bool:
    """An ASCII letter or digit, i.e. part of a word that needs a space before the next word."""
    return ch.isascii() and ch.isalnum()


def concat(left: str, right: str) -> str:
    """Join two pieces of one sentence: no space in CJK text, one space between two Latin words."""
    if left and right and _latin_word_char(left[-1]) and _latin_word_char(right[0]):
        return f"{left} {right}"
    return left + right
