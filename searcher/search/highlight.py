"""Exact highlights: every matched word, phrase or substring wrapped in <mark>, in HTML-escaped text.

Matching is done on normalised text (so ＡＰＰ, 臺灣 are found for app, 台湾) and mapped back to the original
characters, so a mark never covers half a word the query named in full. Long paragraphs are cut to a
sentence-aware window around the densest matches.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from ..analysis.normalize import normalize

Span = tuple[int, int]
WHOLE_LIMIT = 220
WINDOW = 200
_SENTENCE = re.compile(r"[^。！？；!?;]*[。！？；!?;]*")


def find_spans(text: str, needles: Iterable[str]) -> list[Span]:
    """Original-text spans of every occurrence of every needle (normalised), merged where they touch. A space or
    punctuation mark inside a needle (a quoted `南湖 晨曦`) stands for any one such character, as in matching."""
    norm = normalize(text)
    spans: list[Span] = []
    for needle in {n for n in needles if n}:
        if all(c.isalnum() for c in needle):
            start = norm.text.find(needle)
            while start != -1:
                spans.append(norm.span(start, start + len(needle)))
                start = norm.text.find(needle, start + 1)
        else:
            spans += [norm.span(m.start(), m.end()) for m in re.finditer(_separated(needle), norm.text)]
    return merge(spans)


def _separated(needle: str) -> str:
    """Regex of a needle whose separators (runs of spaces or punctuation) each match one such character."""
    parts = re.split(r"(?:\W|_)+", needle.strip())
    return r"(?:\W|_)".join(re.escape(p) for p in parts if p) or re.escape(needle)


def merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: list[Span], start: int = 0, end: int | None = None) -> str:
    """HTML of text[start:end] with the spans inside it marked."""
    end = len(text) if end is None else end
    out, cursor = [], start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out += [html.escape(text[cursor:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
        cursor = e
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


def sentences(text: str) -> list[Span]:
    """Sentence spans, each ending after its 。！？； (and any run of them)."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.end() > m.start()]


def best_window(text: str, spans: list[Span], width: int = WINDOW) -> Span:
    """The run of whole sentences, at most `width` characters, that covers the most marked characters."""
    sents = sentences(text)
    best, best_score = (0, min(len(text), width)), -1.0
    for i in range(len(sents)):
        j = i
        while j + 1 < len(sents) and sents[j + 1][1] - sents[i][0] <= width:
            j += 1
        start, end = sents[i][0], min(sents[j][1], sents[i][0] + width)
        covered = [(max(s, start), min(e, end)) for s, e in spans if s < end and e > start]
        score = sum(e - s for s, e in covered) + 10 * len(covered)
        if score > best_score:
            best, best_score = (start, end), score
    return _center_if_long(best, spans, width)


def _center_if_long(window: Span, spans: list[Span], width: int) -> Span:
    """A single sentence longer than the window: make sure the first match inside it is shown."""
    start, end = window
    inside = [s for s in spans if start <= s[0] < start + width * 2]
    if inside and inside[0][1] > end:
        start = max(window[0], inside[0][0] - width // 3)
        end = start + width
    return start, end


def highlight(text: str, needles: Iterable[str], limit: int = WHOLE_LIMIT) -> str:
    spans = find_spans(text, needles)
    if len(text) <= limit:
        return mark(text, spans)
    start, end = best_window(text, spans)
    end = min(end, len(text))
    return ("…" if start > 0 else "") + mark(text, spans, start, end) + ("…" if end < len(text) else "")
