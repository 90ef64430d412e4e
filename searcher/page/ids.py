"""Stable, URL-safe article ids, so links and citations survive rebuilds of the same corpus.

An id is `<file slug>-<8 hex of sha1(title)>`, e.g. `002_37e806985c17eaa5-1a2b3c4d`; a second article
with the same title in the same file gets `-2`, a third `-3`, in page order. Nothing depends on the
order of a directory listing, and editing one article's title changes only that article's id.

The file slug is the path relative to the corpus root without its suffix, with `/` turned into `.`.
A file extension is no part of an article's name, but `a.txt`, `a.md` and `a.pdf` in one folder must
not share ids: `.txt` pages (the newspaper pages, whose ids are already in citations) keep the bare
stem, every other suffix is replaced by 6 hex of sha1(path) (`pinghu-port.html` ->
`pinghu-port.5c0e1a`). Characters outside [A-Za-z0-9_.-] are replaced by `_`, and then 6 hex of
sha1(path) are appended so that two Chinese file names that would both reduce to `___` stay distinct.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

SAFE_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
UNSAFE_CHAR_RE = re.compile(r"[^A-Za-z0-9_.-]")


def _sha1(text: str) -> str:
    """Hex sha1 of UTF-8 text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def is_url_safe(value: str) -> bool:
    """True when a given id can go into a URL path as is."""
    return bool(SAFE_ID_RE.match(value))


def file_slug(rel_path: str) -> str:
    """A URL-safe, readable slug for a corpus-relative path (see the module docstring)."""
    path = rel_path.replace("\\", "/").strip("/")
    stem, suffix = _split_suffix(path)
    slug = UNSAFE_CHAR_RE.sub("_", stem.replace("/", "."))
    if slug != stem.replace("/", ".") or suffix not in ("", ".txt"):
        slug = f"{slug}.{_sha1(rel_path)[:6]}"
    return slug if stem else _sha1(rel_path)[:12]


def _split_suffix(path: str) -> tuple[str, str]:
    """(`dir/page`, `.txt`) for `dir/page.txt`; a leading dot (`.hidden`) is a name, not a suffix."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    if dot <= 0:
        return path, ""
    return path[: len(path) - len(name) + dot], name[dot:].lower()


def given_id(rel_path: str, value: object) -> str:
    """An id supplied by the source (jsonl `id`, front matter `id`): kept if URL-safe, else hashed."""
    text = str(value).strip()
    if is_url_safe(text):
        return text
    return f"{file_slug(rel_path)}-{_sha1('id:' + text)[:8]}"


class IdAllocator:
    """Hands out ids for the articles of one file, numbering repeated titles in page order."""

    def __init__(self, rel_path: str) -> None:
        self.slug = file_slug(rel_path)
        self.rel_path = rel_path
        self._seen: Counter[str] = Counter()

    def for_title(self, title: str) -> str:
        """The id of the next article with this title in this file."""
        base = f"{self.slug}-{_sha1(title)[:8]}"
        return self._unique(base)

    def for_given(self, value: object) -> str:
        """The id of an article whose source supplied one (deduplicated within the file)."""
        return self._unique(given_id(self.rel_path, value))

    def _unique(self, base: str) -> str:
        """Append -2, -3… to a repeated id, in the order the articles appear."""
        self._seen[base] += 1
        count = self._seen[base]
        return base if count == 1 else f"{base}-{count}"
