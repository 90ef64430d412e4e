"""How much one upload or `searcher add` may put into the live index, and the cheap checks that enforce it.

A few kilobytes can expand enormously: a 551 KB .docx held 200,000 paragraphs (719 MB to parse) and four 19 MB
texts made 103,228 paragraphs that held the writer lock for 14 minutes while searches slowed to a crawl. So every
file is measured before the writer lock is taken (a .docx even before it is parsed), and a request that would
create more paragraphs than allowed is refused as a whole. A full `searcher build` has no such limit: it is the
tool for bulk imports and never blocks searching.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass

FILE_ENV = "SEARCHER_MAX_FILE_PARAGRAPHS"
REQUEST_ENV = "SEARCHER_MAX_PARAGRAPHS"
DEFAULT_FILE_PARAGRAPHS = 10_000
DEFAULT_REQUEST_PARAGRAPHS = 20_000
# A Word paragraph element: <w:p> or <w:p attr=...>, not <w:pPr>, <w:proofErr> and the like.
_DOCX_PARAGRAPH = re.compile(rb"<w:p[ >/]")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    file_paragraphs: int = DEFAULT_FILE_PARAGRAPHS
    request_paragraphs: int = DEFAULT_REQUEST_PARAGRAPHS

    @classmethod
    def from_env(cls) -> Limits:
        """Read at call time, so an operator (or a test) changes them without touching code."""
        return cls(_env_int(FILE_ENV, DEFAULT_FILE_PARAGRAPHS), _env_int(REQUEST_ENV, DEFAULT_REQUEST_PARAGRAPHS))

    def file_problem(self, paragraphs: int) -> str | None:
        """Why one file may not be added, or None."""
        if paragraphs <= self.file_paragraphs:
            return None
        return (f"{paragraphs} paragraphs, over the limit of {self.file_paragraphs} per file ({FILE_ENV}); "
                "split it, or put it in the corpus and run `searcher build`")

    def request_problem(self, paragraphs: int) -> str | None:
        """Why the files of one request may not be added together, or None."""
        if paragraphs <= self.request_paragraphs:
            return None
        return (f"these files hold {paragraphs} paragraphs, over the limit of {self.request_paragraphs} per "
                f"request ({REQUEST_ENV}); nothing was added: send fewer files at a time, or put them in the "
                "corpus and run `searcher build`")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else default


def docx_paragraphs(data: bytes, stop: int) -> int:
    """Paragraph elements in a .docx body, counted while inflating it a megabyte at a time and stopping once
    past `stop`, so neither a huge document nor a zip bomb is ever held in memory. 0 when it is not a docx
    (the parser then reports what is wrong with it)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("word/document.xml") as body:
            count, tail = 0, b""
            while count <= stop and (chunk := body.read(_CHUNK)):
                window = tail + chunk
                count += len(_DOCX_PARAGRAPH.findall(window))
                tail = window[-4:]  # a tag cut at the boundary: too short to have matched, so counted once
            return count
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, RuntimeError):
        return 0
