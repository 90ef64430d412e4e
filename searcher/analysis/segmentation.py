"""jieba's accurate-mode words, most of them cut by jieba-rs.

jieba cuts text block by block: a block is a run of CJK characters, ASCII letters, digits and `+#&._%-` (its
`re_han_default`), cut by the dictionary's most probable route with an HMM for runs it does not know; anything
between blocks goes character by character. jieba-rs (`rjieba`) is the same algorithm over the same dictionary
and HMM, 8× faster, and segmentation is a fifth of a build's writing time. The two part only where one of those
symbols joins letters or digits: jieba cuts `f-35a` at the hyphen and `08.371z` after the number, jieba-rs keeps
each one word. So a block of CJK characters, letters and digits alone is cut by jieba-rs, every other block by
jieba, and the words are jieba's: over the 112,374 news paragraphs of `../shared/eval/news`, the 984,204 blocks
of the first kind (95 % of the characters) were cut identically by both (`tests/test_segmentation.py` keeps a
sample of them, the user dictionary's words and the blocks where the two part).

User words go into both dictionaries with the count jieba gives them, so both route through them alike. A word
jieba knows already keeps the total of all counts true: jieba adds its new count to the total without taking its
old one off (jieba-rs takes it off), and a route's probability depends on that total.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

from .dictionary import ready


@contextmanager
def _pkg_resources_hidden() -> Iterator[None]:
    """jieba 0.42.1 imports pkg_resources only to open its own dictionary, and opens it by path when that import
    fails. pkg_resources is deprecated and scans every installed distribution when imported: 0.2–0.3 s of each
    start of `searcher` (a third of the time to the first answer). Unless something imported it already, jieba is
    imported with it hidden."""
    if "pkg_resources" in sys.modules:
        yield
        return
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # `import pkg_resources` raises ImportError
    try:
        yield
    finally:
        del sys.modules["pkg_resources"]


with warnings.catch_warnings(), _pkg_resources_hidden():
    # jieba 0.42.1 (last release 2020) has invalid escape sequences (and, when pkg_resources is loaded, uses it).
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
    import jieba

jieba.setLogLevel(logging.WARNING)

UserWord = tuple[str, int | None, str | None]

# The blocks jieba-rs cuts as jieba does: jieba's block characters without its symbols.
_PLAIN = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9]+")
_BLOCKS = jieba.re_han_default  # a capturing group: split() gives the blocks and what lies between them
_loaded_words: dict[str, tuple[int, str | None]] = {}
_lock = threading.Lock()  # jieba-rs's add_word needs its dictionary to itself
_rust: ModuleType | None = None


def load_words(words: Sequence[UserWord]) -> None:
    """Teach both segmenters the corpus user dictionary and synonym terms (global, idempotent)."""
    ready(jieba.dt)
    for word, freq, tag in words:
        if word in _loaded_words:
            continue
        with _lock:
            known = jieba.dt.FREQ.get(word, 0)
            jieba.add_word(word, freq, tag)
            jieba.dt.total -= known  # see the module's docstring
            _loaded_words[word] = (jieba.dt.FREQ[word], tag)
            if _rust is not None:
                _rust.add_word(word, *_loaded_words[word])


def cut(text: str) -> list[str]:
    """The words `jieba.cut(text)` gives (accurate mode, HMM on), in order, every character in one of them."""
    ready(jieba.dt)
    rust = _rust or _load_rust()
    words: list[str] = []
    for block in _BLOCKS.split(text):
        if not block:
            continue
        if _PLAIN.fullmatch(block):
            with _lock:
                words.extend(rust.cut(block))
        else:
            words.extend(jieba.dt.cut(block))
    return words


def _load_rust() -> ModuleType:
    """Import jieba-rs (0.1 s: it parses its dictionary) and give it the user words taught so far."""
    global _rust
    with _lock:
        if _rust is None:
            import rjieba

            for word, (freq, tag) in _loaded_words.items():
                rjieba.add_word(word, freq, tag)
            _rust = rjieba
        return _rust
