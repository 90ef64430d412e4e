"""Our own analysis, sent to OpenSearch pre-tokenized: the cluster indexes exactly the terms and positions that the
Whoosh backend indexes, and needs no Chinese plugin.

A token stream becomes one string that a stock analyzer (whitespace tokenizer, `pattern_capture`, `stop`, all in
OpenSearch's bundled `analysis-common` module) turns back into the same stream:

- each position is one whitespace-separated slot, in position order;
- terms sharing a position (jieba sub-words, a synonym's canonical term, overlapping 1- and 2-grams) are joined by
  `|` in their slot; `pattern_capture` splits them into tokens at that one position;
- a position without terms (the Whoosh gram field skips punctuation) is the slot `_`, which the `stop` filter
  removes while keeping the position gap, so phrases never match across it.

So a phrase query over `a b` matches exactly where Whoosh's phrase over the same terms matches. The character n-gram
fields use `GAPS_ANALYZER`, which keeps each `_` as a token: a quoted `南湖 晨曦` is then the phrase `南 湖 _ 晨 曦`,
which needs exactly one space or punctuation mark between the two runs, as the Whoosh backend's check of the
stored text does (with the gaps removed, any character there would do). Offsets are not
kept: highlights are computed from the returned text by our own highlighter, as on Whoosh.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

ANALYZER = "pretokenized"
GAPS_ANALYZER = "pretokenized_gaps"
STACK = "|"
GAP = "_"
# Characters that would break the encoding; no real term holds them (jieba and the gram tokenizer never put
# spaces or `|` inside a term), but a term must never silently split in two, so they are replaced.
_UNSAFE = re.compile(r"[\s|]")

ANALYSIS: dict[str, Any] = {
    "filter": {
        "pretokenized_stack": {"type": "pattern_capture", "preserve_original": False, "patterns": [r"([^|]+)"]},
        "pretokenized_gap": {"type": "stop", "stopwords": [GAP], "ignore_case": False},
    },
    "analyzer": {
        ANALYZER: {
            "type": "custom",
            "tokenizer": "whitespace",
            "filter": ["pretokenized_stack", "pretokenized_gap"],
        },
        GAPS_ANALYZER: {"type": "custom", "tokenizer": "whitespace", "filter": ["pretokenized_stack"]},
    },
}

# A field holding a token string: positions for phrases, no offsets (we highlight ourselves), BM25 as in Whoosh.
TOKEN_FIELD: dict[str, Any] = {"type": "text", "analyzer": ANALYZER, "index_options": "positions"}
# The same, with every position that holds no term kept as the token `_` (the n-gram fields: see above).
GAPS_FIELD: dict[str, Any] = {**TOKEN_FIELD, "analyzer": GAPS_ANALYZER}


def term(text: str) -> str:
    """A term as it is written into a token string (and so as a `term` query must spell it)."""
    return _UNSAFE.sub("\N{REPLACEMENT CHARACTER}", text) if text != GAP else "\N{REPLACEMENT CHARACTER}"


def tokens_of(tokenizer: Any, text: str, mode: str = "index") -> list[tuple[str, int]]:
    """(term, position) pairs of a Whoosh tokenizer, as Whoosh indexes (`index`) or queries (`query`) them."""
    return [(token.text, token.pos) for token in tokenizer(text, positions=True, mode=mode)]


def token_string(tokens: Iterable[tuple[str, int]]) -> str:
    """The encoding described above: one slot per position from 0 to the last, gaps as `_`, stacks joined by `|`."""
    slots: dict[int, list[str]] = {}
    for text, pos in tokens:
        stack = slots.setdefault(pos, [])
        if (encoded := term(text)) not in stack:
            stack.append(encoded)
    out: list[str] = []
    for pos in sorted(slots):
        out.extend([GAP] * (pos - len(out)))
        out.append(STACK.join(slots[pos]))
    return " ".join(out)


def index_settings(shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    """Index settings that define the pretokenized analyzer."""
    return {"number_of_shards": shards, "number_of_replicas": replicas, "analysis": ANALYSIS}
