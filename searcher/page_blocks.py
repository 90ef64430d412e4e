"""Split page text into blocks (runs of non-blank lines) and remember the blank lines around each.

The blank-line counts matter: PDF extraction puts two or more blank lines around captions and image
slots, and one blank line between the paragraphs of a column, so spacing is evidence of layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .page_text import clean_line, concat

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


def split_blocks(text: str) -> list[Block]:
    """Cut text into blocks at blank lines, counting the blank lines around each block."""
    raw: list[tuple[list[str], int]] = []
    current: list[str] = []
    blanks = 0
    for line in text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n"):
        line = clean_line(line)
        if line and MARKDOWN_HEADING_RE.match(line):
            current = [line]  # a markdown heading is a block of its own even without blank lines
            raw.append((current, blanks))
            current = []
            blanks = 0
        elif line:
            if current and BULLET_BYLINE_RE.match(line):
                current = []
            if not current:
                raw.append((current, blanks))
            current.append(line)
            blanks = 0
        else:
            if current:
                current = []
            blanks += 1
    blocks: list[Block] = []
    for i, (lines, before) in enumerate(raw):
        after = raw[i + 1][1] if i + 1 < len(raw) else max(blanks, EDGE_GAP)
        if i == 0:
            before = max(before, EDGE_GAP)
        blocks.append(Block(index=i, lines=tuple(lines), blank_before=before, blank_after=after))
    return blocks
