"""Corpus-level analysis resources: a jieba user dictionary and a synonym list.

Both live beside the articles (`corpus/userdict.txt`, `corpus/synonyms.txt`) and are copied into the index
schema at build time, so queries are analysed exactly as the indexed text was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .normalize import normalize_text
from .segmentation import UserWord

USERDICT = "userdict.txt"
SYNONYMS = "synonyms.txt"
RESOURCE_FILES = (USERDICT, SYNONYMS)


@dataclass(frozen=True)
class Resources:
    words: tuple[UserWord, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)


def parse_userdict(text: str) -> list[UserWord]:
    """jieba's format: `word [freq] [tag]` per line; `#` starts a comment."""
    words: list[UserWord] = []
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        words.append((normalize_text(parts[0]), freq, tag))
    return words


def parse_synonyms(text: str) -> dict[str, str]:
    """One group a line, `经开区 = 经济技术开发区` or comma/space separated; the first term is canonical."""
    mapping: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        for sep in ("=", ",", "，", "、"):
            line = line.replace(sep, " ")
        terms = [normalize_text(t) for t in line.split()]
        for term in terms:
            mapping[term] = terms[0]
    return mapping


def load_resources(corpus_dir: Path) -> Resources:
    """Read the optional resource files of a corpus; missing files mean no extra words or synonyms."""
    words: list[UserWord] = []
    synonyms: dict[str, str] = {}
    userdict = corpus_dir / USERDICT
    if userdict.is_file():
        words = parse_userdict(userdict.read_text(encoding="utf-8-sig"))
    synonym_file = corpus_dir / SYNONYMS
    if synonym_file.is_file():
        synonyms = parse_synonyms(synonym_file.read_text(encoding="utf-8-sig"))
    # Synonym terms must be single jieba words for the index-time mapping to see them.
    known = {w for w, _, _ in words}
    words += [(term, None, None) for term in synonyms if term not in known]
    return Resources(tuple(words), synonyms)
