"""The index's own vocabulary: its jieba words with frequencies and their pinyin, for corrections and autocomplete.

Suggestions must come from what the archive actually says, never from a general dictionary: a word is offered
only if it is a term of the `text` or `title` field. Building the tables reads the whole term list once (see
docs/discovery.md for the cost), so `cached_vocabulary` keeps one per index generation and document count.

`IndexText` answers the questions that need the live index rather than the tables: is this exact text in some
paragraph, and which characters follow this one (the n-gram field makes both cheap).
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import functools
import hashlib
import itertools
import os
import pickle
import re
import tempfile
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import query as Q

from ..analysis.normalize import normalize, normalize_text
from ..analysis.segmentation import jieba
from ..search.substrings import gram_terms, substring
from ..search.vectorized import count_at_least, matches

_HAN = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z]+")
# Fuzzy pinyin: what people mix up when typing or speaking (lv/lu, zh/z, n/l, -ng/-n).
_FUZZY = [(re.compile(p), r) for p, r in [
    (r"^([ln])v", r"\1u"), (r"^([zcs])h", r"\1"), (r"^n(?=[aeiou])", "l"), (r"([aei])ng$", r"\1n"), (r"ong$", "on"),
]]
TOP_PER_KEY = 8
# Word fields whose terms make the vocabulary; `byline` once reporters' names are indexed (issue 8).
VOCABULARY_FIELDS = ("text", "title", "byline")
TOP_PER_PREFIX = 16  # completions kept for one- and two-letter (or character) prefixes


def is_han(text: str) -> bool:
    return bool(_HAN.fullmatch(text))


@functools.cache
def fuzzy_syllable(syllable: str) -> str:
    """One toneless syllable with the usual confusions folded (lü->lu, zh->z, n->l, ing->in)."""
    for pattern, replacement in _FUZZY:
        syllable = pattern.sub(replacement, syllable)
    return syllable


@functools.cache
def _pypinyin() -> Any:
    """pypinyin, imported when the vocabulary is first built: its phrase table takes a quarter of a second to load,
    which the server's start (and so its first answer) should not pay."""
    import pypinyin
    import pypinyin.constants

    return pypinyin


def word_pinyin(word: str) -> list[str]:
    """Toneless pinyin of a word, ü written v, readings chosen in context (重庆银行 -> chong qing yin hang): the
    longest phrases of pypinyin's phrase table from the left, other characters by their usual reading. Plain
    table look-ups, because pypinyin's own phrase matching is too slow for the hundreds of thousands of words of
    a large archive (docs/discovery.md)."""
    phrases = _pypinyin().constants.PHRASES_DICT
    out: list[str] = []
    i = 0
    while i < len(word):
        for size in (4, 3, 2, 1):
            piece = word[i : i + size]
            if size == 1 or piece in phrases:
                out += _piece_pinyin(piece)
                i += size
                break
    return out


@functools.cache
def _piece_pinyin(piece: str) -> tuple[str, ...]:
    pypinyin = _pypinyin()
    return tuple(pypinyin.lazy_pinyin(piece, style=pypinyin.Style.NORMAL, errors="ignore", v_to_u=False))


@functools.cache
def char_readings(char: str) -> set[str]:
    """Every fuzzy toneless reading of one character (行 -> xin, han); none for a character pypinyin has no
    reading of (punctuation, Latin, some rare Han characters such as 鿋)."""
    pypinyin = _pypinyin()
    readings = pypinyin.pinyin(char, style=pypinyin.Style.NORMAL, heteronym=True, errors="ignore")
    return {fuzzy_syllable(s) for s in readings[0]} if readings else set()


@dataclass
class Vocabulary:
    """Words of the index with document frequencies, and lookup tables by pinyin and prefix."""

    words: dict[str, int]
    titles: list[str] = field(default_factory=list)
    by_pinyin: dict[str, list[str]] = field(default_factory=dict)
    by_initials: dict[str, list[str]] = field(default_factory=dict)
    by_fuzzy: dict[str, list[str]] = field(default_factory=dict)
    tops: dict[str, list[str]] = field(default_factory=dict)
    by_syllable: dict[str, list[str]] = field(default_factory=dict)
    pinyin_keys: list[tuple[str, str]] = field(default_factory=list)
    sorted_words: list[str] = field(default_factory=list)
    text: IndexText | None = None

    @classmethod
    def from_words(cls, words: dict[str, int], titles: Iterable[str] = ()) -> Vocabulary:
        """Tables for `words` (word -> number of paragraphs holding it), filled most frequent word first so that
        every capped list holds the most frequent words."""
        vocab = cls(words=dict(words), titles=sorted(set(titles)), sorted_words=sorted(words))
        names = ("pinyin", "initials", "fuzzy", "tops")
        tables: dict[str, dict[str, list[str]]] = {name: defaultdict(list) for name in names}
        chars: dict[str, int] = defaultdict(int)
        keys: set[tuple[str, str]] = set()
        for word, freq in sorted(words.items(), key=lambda item: -item[1]):
            if not word.isdigit() and len(word) > 1:
                for prefix in {word[:1], word[:2]}:
                    _append(tables["tops"], prefix, word, TOP_PER_PREFIX)
            if not is_han(word):
                continue
            for char in word:
                chars[char] += freq
            if len(word) > 1:
                keys |= _add_pinyin(word, tables)
        vocab.by_pinyin, vocab.by_initials = dict(tables["pinyin"]), dict(tables["initials"])
        vocab.by_fuzzy, vocab.tops = dict(tables["fuzzy"]), dict(tables["tops"])
        vocab.by_syllable = _by_syllable(chars)
        vocab.pinyin_keys = sorted(keys)
        return vocab

    @classmethod
    def from_reader(cls, reader: Any, searcher: Any = None, min_freq: int = 1) -> Vocabulary:
        """The vocabulary of a Whoosh index: terms of its word fields (paragraph counts added), title phrases
        and titles."""
        words: dict[str, int] = defaultdict(int)
        schema = reader.schema
        for fieldname in [f for f in VOCABULARY_FIELDS if f in schema and schema[f].scorable]:  # word fields
            for term, freq in _doc_frequencies(reader, fieldname).items():
                if freq >= min_freq:
                    words[term.decode("utf-8")] += freq
        titles = _titles(searcher) if searcher is not None else []
        for phrase, count in title_phrases(titles).items():
            words.setdefault(phrase, count)
        vocab = cls.from_words(words, titles)
        if searcher is not None:
            vocab.text = IndexText(searcher)
        return vocab

    def freq(self, word: str) -> int:
        return self.words.get(word, 0)

    def with_searcher(self, searcher: Any) -> Vocabulary:
        """The same tables answering live questions through `searcher` (one per thread)."""
        clone = Vocabulary(**{**self.__dict__, "text": IndexText(searcher)})
        return clone

    def prefixed(self, prefix: str) -> list[str]:
        """Words starting with `prefix`, in sorted order."""
        start = bisect.bisect_left(self.sorted_words, prefix)
        end = bisect.bisect_left(self.sorted_words, prefix + "\U0010ffff")
        return self.sorted_words[start:end]

    def pinyin_prefixed(self, prefix: str) -> list[str]:
        """Words whose full pinyin or initials start with `prefix` (latin letters)."""
        start = bisect.bisect_left(self.pinyin_keys, (prefix, ""))
        end = bisect.bisect_left(self.pinyin_keys, (prefix + "\x7f", ""))
        return list(dict.fromkeys(word for _, word in self.pinyin_keys[start:end]))


def _doc_frequencies(reader: Any, fieldname: str) -> Counter[bytes]:
    """Each term of the field and the paragraphs holding it, summed over the segments. Whoosh's reader over
    several segments looks every term up again in each segment (a few file reads each: 21 s at a million
    paragraphs); each segment's own terms, read in order, give the same sums in a fraction of that."""
    counts: Counter[bytes] = Counter()
    for leaf, _ in reader.leaf_readers():
        for term, info in leaf.iter_field(fieldname):
            counts[term] += info.doc_frequency()
    return counts


def _append(table: dict[str, list[str]], key: str, word: str, cap: int = TOP_PER_KEY) -> None:
    """Keep the `cap` most frequent words per key (words arrive most frequent first)."""
    bucket = table[key]
    if len(bucket) < cap and word not in bucket:
        bucket.append(word)


def _add_pinyin(word: str, tables: dict[str, dict[str, list[str]]]) -> set[tuple[str, str]]:
    """File a Han word under its full pinyin, initials, fuzzy pinyin and their one- and two-letter prefixes;
    returns its (key, word) pairs for prefix search."""
    syllables = word_pinyin(word)
    if len(syllables) != len(word):
        return set()
    full, initials = "".join(syllables), "".join(s[0] for s in syllables)
    _append(tables["pinyin"], full, word)
    _append(tables["initials"], initials, word)
    _append(tables["fuzzy"], "".join(fuzzy_syllable(s) for s in syllables), word)
    for prefix in {full[:1], full[:2], initials[:2]}:
        _append(tables["tops"], prefix, word, TOP_PER_PREFIX)
    return {(full, word), (initials, word)}


def _by_syllable(chars: dict[str, int]) -> dict[str, list[str]]:
    """Characters of the index by fuzzy reading, most frequent first: the homophone table."""
    table: dict[str, list[str]] = defaultdict(list)
    for char in sorted(chars, key=lambda c: -chars[c]):
        for reading in char_readings(char):
            table[reading].append(char)
    return dict(table)


def title_phrases(titles: list[str], max_chars: int = 8) -> dict[str, int]:
    """Runs of two or three adjacent words of two characters or more in titles (嘉兴 + 高新区), with the number
    of titles holding them (at least two: a phrase of one title is not yet a phrase of the archive)."""
    counts: dict[str, int] = defaultdict(int)
    for title in set(titles):
        words = [w if is_han(w) and len(w) > 1 else "" for w in jieba.lcut(normalize(title).text, HMM=False)]
        runs = (words[i : i + n] for n in (2, 3) for i in range(len(words) - n + 1))
        found = {"".join(run) for run in runs if all(run)}
        for phrase in found:
            if len(phrase) <= max_chars:
                counts[phrase] += 1
    return {p: c for p, c in counts.items() if c >= 2}


MAX_TITLES = 50_000


def _titles(searcher: Any) -> list[str]:
    """Each article's title once, read from its first paragraph only (stored fields are the slow part), for at
    most MAX_TITLES articles (the newest segments last, so the cut keeps the oldest: see docs/discovery.md)."""
    docs = itertools.islice(searcher.docs_for_query(Q.NumericRange("paragraph", 1, 1)), MAX_TITLES)
    return [t for t in (searcher.stored_fields(d).get("title", "") for d in docs) if t]


MAX_COUNTS = 100_000  # remembered substring counts per IndexText
GRAM_FIELDS = (("grams", "text"), ("title_grams", "title"))  # n-gram field, word field of the same text


class IndexText:
    """Exact-text questions answered by the character n-gram fields of a live Whoosh searcher."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self._counts: dict[str, int] = {}
        self._dfs: dict[tuple[str, str], int] = {}

    def term_freq(self, word: str) -> int:
        """Paragraphs whose `text` or `title` has `word` as a term."""
        return sum(self.reader.doc_frequency(f, word) for f in ("text", "title"))

    def _df(self, fieldname: str, term: str) -> int:
        """A term's document frequency, remembered: spelling candidates share most of their n-grams, and a look-up
        in the on-disk term index is a few file reads."""
        key = (fieldname, term)
        df = self._dfs.get(key)
        if df is None:
            if len(self._dfs) >= MAX_COUNTS:
                self._dfs.clear()
            df = self._dfs[key] = self.reader.doc_frequency(fieldname, term)
        return df

    def bound(self, text: str) -> int:
        """An upper bound of `count(text)` from document frequencies alone (no search): the rarest of its n-grams."""
        return self._bound(normalize_text(text))

    def _bound(self, norm: str) -> int:
        return max(self._rarest(fieldname, norm) for fieldname, _ in GRAM_FIELDS)

    def _rarest(self, fieldname: str, norm: str) -> int:
        return min(self._df(fieldname, g) for g in gram_terms(norm))

    def count(self, text: str, enough: int | None = None) -> int:
        """Paragraphs holding `text` (a run of letters/digits/Han) contiguously in text or title (in one of them:
        the larger count). With `enough`, the count is exact only below it: at or above, the answer is some number
        at least `enough` (counted no further). Exact answers are remembered for this vocabulary's generation."""
        norm = normalize_text(text)
        if len(norm) <= 2 and not self.reader.has_deletions():
            return self._bound(norm)  # a single n-gram term: its document frequency is the count
        known = self._counts.get(norm)
        if known is not None:
            return known
        total = 0
        for fieldname, words in GRAM_FIELDS:
            if self._rarest(fieldname, norm) > total:
                query = substring(fieldname, norm, words)
                found = (len(matches(self.searcher, query)[0]) if enough is None
                         else count_at_least(self.searcher, query, enough))
                total = max(total, found)
            if enough is not None and total >= enough:
                return total
        if len(self._counts) >= MAX_COUNTS:
            self._counts.clear()
        self._counts[norm] = total
        return total

    def next_chars(self, char: str) -> list[str]:
        """Characters that follow `char` somewhere in the index (from its bigrams)."""
        out = []
        for term in self.reader.expand_prefix("grams", char):
            gram = term.decode("utf-8")
            if len(gram) == 2 and is_han(gram[1]):
                out.append(gram[1])
        return out


_cache: dict[tuple[str, str, int], Vocabulary] = {}
_cache_lock = threading.Lock()
_building: dict[tuple[str, str, int], threading.Thread] = {}


def cached_vocabulary(index_key: str, generation: str, searcher: Any) -> Vocabulary:
    """The vocabulary of this generation (rebuilt after `searcher add` changes the document count), bound to
    `searcher`; built now if missing. Only the newest vocabulary per index is kept."""
    key = _key(index_key, generation, searcher)
    with _cache_lock:
        vocab = _cache.get(key)
    return (vocab or _build(key, searcher)).with_searcher(searcher)


def ready_vocabulary(index_key: str, generation: str, searcher: Any) -> Vocabulary | None:
    """Like `cached_vocabulary`, but never waits: a missing vocabulary is built in a background thread (on its
    own searcher of `index_key`/`generation`) and None is returned meanwhile, so that a server's first
    keystrokes after a new generation are answered at once (with nothing) instead of after the build."""
    key = _key(index_key, generation, searcher)
    with _cache_lock:
        vocab = _cache.get(key)
    if vocab is None:
        _start_background(key)
        return None
    return vocab.with_searcher(searcher)


def _key(index_key: str, generation: str, searcher: Any) -> tuple[str, str, int]:
    return (index_key, generation, searcher.doc_count_all())


_build_lock = threading.Lock()


def _build(key: tuple[str, str, int], searcher: Any) -> Vocabulary:
    """Build (once) and cache. `_cache_lock` is held only to read and swap the cache, never during the build
    (seconds to minutes on a large index), so `ready_vocabulary` never waits for a build in progress."""
    with _build_lock:
        with _cache_lock:
            vocab = _cache.get(key)
        if vocab is not None:
            return vocab
        vocab = stored_vocabulary(Path(key[0]) / key[1], searcher)
        with _cache_lock:
            for old in [k for k in _cache if k[0] == key[0]]:
                del _cache[old]
            _cache[key] = vocab
    return vocab


VOCABULARY_DIR = "vocabulary"  # in the generation's directory, apart from Whoosh's files
VOCABULARY_FILE = "{state}.v1.pickle"  # .v1: Vocabulary's fields as pickled; another version rebuilds


def stored_vocabulary(generation: Path, searcher: Any) -> Vocabulary:
    """The vocabulary of `searcher`'s index as saved in its generation directory, else built and saved there.

    Building it reads every word of the index (10 s at a million paragraphs), and each server process used to
    build its own at every start. Now the first process to need it builds it while holding the directory's
    vocabulary lock (other processes wait for it, then read its file), and later starts read the file (under a
    second). The file is named by the index's state (its segments and their deleted documents), so an `add` or a
    `remove` gets a new file and the older ones are removed. Where the directory cannot be written (a read-only
    index), the vocabulary is only built."""
    directory = generation / VOCABULARY_DIR
    path = directory / VOCABULARY_FILE.format(state=_state(searcher))
    found = _read_vocabulary(path)
    if found is None:
        with _vocabulary_lock(directory):
            found = _read_vocabulary(path)
            if found is None:
                found = Vocabulary.from_reader(searcher.reader(), searcher)
                _write_vocabulary(path, found)
    found.text = IndexText(searcher)
    return found


def _state(searcher: Any) -> str:
    """A name for what the index holds: its segments and each one's deleted documents."""
    parts = []
    for leaf, _ in searcher.reader().leaf_readers():
        deleted = sorted(leaf.deleted_docs_set) if leaf.has_deletions() else []
        parts.append((leaf.segment().segment_id(), deleted))
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:20]


def _read_vocabulary(path: Path) -> Vocabulary | None:
    try:
        with path.open("rb") as handle:
            fields = pickle.load(handle)
        return Vocabulary(**fields)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001  # damaged or of another version (unpickling garbage raises many kinds): rebuilt
        return None


def _write_vocabulary(path: Path, vocab: Vocabulary) -> None:
    """Atomically (a reader sees the whole file or none), then without the older states' files."""
    fields = {name: value for name, value in vocab.__dict__.items() if name != "text"}
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".vocabulary-", suffix=".part")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(fields, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(temporary, 0o644)  # readable as the index's own files are (mkstemp makes it private)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return
    for older in path.parent.glob(VOCABULARY_FILE.format(state="*")):
        if older != path:
            older.unlink(missing_ok=True)


@contextlib.contextmanager
def _vocabulary_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock on DIRECTORY/lock, so that one process builds while others wait; none where the lock
    file cannot be created."""
    try:
        directory.mkdir(exist_ok=True)
        handle = (directory / "lock").open("a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _start_background(key: tuple[str, str, int]) -> None:
    def run() -> None:
        from ..index.store import open_generation

        with open_generation(Path(key[0]), Path(key[0]) / key[1]).searcher() as own:
            _build(key, own)

    with _cache_lock:
        if key in _building and _building[key].is_alive():
            return
        thread = threading.Thread(target=run, name="vocabulary", daemon=True)
        _building[key] = thread
    thread.start()


def wait_for_background(timeout: float | None = None) -> None:
    """Wait for background builds to finish (tests, and a server that wants to warm up before listening)."""
    for thread in list(_building.values()):
        thread.join(timeout)
