"""Split page text into blocks (runs of non-blank lines) and remember the blank lines around each.

The blank-line counts matter: PDF extraction puts two or more blank lines around captions and image
slots, and one blank line between the paragraphs of a column, so spacing is evidence of layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dateline import is_dateline, read_dateline
from .names import is_byline_line
from .text import clean_line, concat, ends_sentence, has_clause_punct

# Blank lines assumed before the first and after the last block: the page edge isolates like a gap.
EDGE_GAP = 2
MARKDOWN_HEADING_RE = re.compile(r"^#{1,6}\s+\S")
# A bulleted byline starts a block of its own even when no blank line separates it from the headline.
BULLET_BYLINE_RE = re.compile(r"^[■►▶]\s*(本报|特约|见习|首席)?(记者|通讯员|评论员|摄影)")


@dataclass(frozen=True)
class Block:
    """A run of non-blank lines and the number of blank lines that surround it."""

    index: int
    lines: tuple[str, ...]
    blank_before: int
    blank_after: int

    @property
    def text(self) -> str:
        """The lines as one prose string (hard-wrapped CJK lines join without spaces)."""
        out = ""
        for line in self.lines:
            out = concat(out, line)
        return out

    @property
    def spaced(self) -> str:
        """The lines joined by one space: how multi-line headlines and bylines are written."""
        return " ".join(self.lines)

    @property
    def isolated(self) -> bool:
        """True when two or more blank lines sit on either side: the mark of a caption or image slot."""
        return self.blank_before >= 2 or self.blank_after >= 2


def _is_indented(raw_line: str) -> bool:
    """A first-line indent (ideographic space, tab or two spaces) marks the start of a paragraph."""
    return raw_line.startswith(("\u3000", "\t", "  "))


def _one_paragraph_per_line(lines: list[str], indents: list[bool]) -> bool:
    """True for a block written one paragraph per line (indented, or lines that end sentences).

    Text files often separate paragraphs by a single newline; a PDF page never puts two finished
    sentences on consecutive lines of one block except that way. Over-splitting is harmless because
    `repair` rejoins lines that stop mid-sentence.
    """
    if len(lines) < 2:
        return False
    if any(indents[1:]):
        return True
    finished = sum(1 for line in lines if ends_sentence(line) and line[-1] not in "?？")
    return finished >= 2 and finished * 2 >= len(lines)


def _breaks_block(current: list[str], line: str, following: str) -> bool:
    """Markdown headings, bylines and datelines stand alone even when no blank line separates them.

    `following` is the line after `line` ('' at a blank line or the end). A run of byline lines
    (`■记者 陈曦` + `通讯员 李建业`) stays one block and ends before the text under it. A dateline breaks
    off a line that ends a sentence, or a headline when it names a source (`嘉兴日报 2024年12月5日`) or
    stands on its own line (a blank or a byline after it); a wrapped body line that happens to hold just
    a date (`…统计截至` / `2024年12月5日` / `为止，…`) stays in its paragraph.
    """
    previous = current[-1]
    if MARKDOWN_HEADING_RE.match(line) or MARKDOWN_HEADING_RE.match(previous) or BULLET_BYLINE_RE.match(line):
        return True
    if all(is_byline_line(text) for text in current) and not is_byline_line(line):
        return True
    if len(current) == 1 and is_dateline(previous):
        return True
    dateline = read_dateline(line)
    if dateline is None:
        return False
    if ends_sentence(previous):
        return True
    alone = dateline.source or not following or is_byline_line(following)
    return bool(alone) and _headline_shaped(current)


def _headline_shaped(lines: list[str]) -> bool:
    """1-3 short lines with no sentence punctuation: what a headline above a dateline looks like."""
    return len(lines) <= 3 and all(len(line) <= 40 and not has_clause_punct(line) for line in lines)


def _raw_blocks(text: str) -> tuple[list[tuple[list[str], int]], int]:
    """(lines, blank lines before) for each block, and the number of blank lines at the end."""
    raw: list[tuple[list[str], int]] = []
    indents: list[list[bool]] = []
    current: list[str] = []
    blanks = 0
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    lines = [clean_line(raw_line) for raw_line in raw_lines]
    for n, (raw_line, line) in enumerate(zip(raw_lines, lines, strict=True)):
        if not line:
            current = []
            blanks += 1
            continue
        following = lines[n + 1] if n + 1 < len(lines) else ""
        if current and _breaks_block(current, line, following):
            current = []
        if not current:
            raw.append((current, blanks))
            indents.append([])
        current.append(line)
        indents[-1].append(_is_indented(raw_line))
        blanks = 0
    out: list[tuple[list[str], int]] = []
    for (lines, before), flags in zip(raw, indents, strict=True):
        if _one_paragraph_per_line(lines, flags):
            out.extend(([line], before if n == 0 else 0) for n, line in enumerate(lines))
        else:
            out.append((lines, before))
    return out, blanks


def split_blocks(text: str) -> list[Block]:
    """Cut text into blocks at blank lines, counting the blank lines around each block."""
    raw, trailing = _raw_blocks(text)
    blocks: list[Block] = []
    for i, (lines, before) in enumerate(raw):
        after = raw[i + 1][1] if i + 1 < len(raw) else max(trailing, EDGE_GAP)
        if i == 0:
            before = max(before, EDGE_GAP)
        blocks.append(Block(index=i, lines=tuple(lines), blank_before=before, blank_after=after))
    return blocks
