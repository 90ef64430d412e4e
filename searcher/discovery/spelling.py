"""Did you mean: Chinese typos (homophones, near shapes) and pinyin input corrected from the index's own text.

The rules, in order of what must never happen first:
- a term of the index (a jieba word of some paragraph or title) is never corrected, whatever its homophones
  (景点 stays 景点 even though 经典 is more frequent; 张云 stays 张云);
- a correction is a text that is in the index (checked with the n-gram field), more frequent than what was typed;
  a run that is itself text of the index (in REAL_TEXT paragraphs, or cut by jieba into index words) is left alone;
- homophone substitutions (fuzzy pinyin: lü/lu, zh/z, n/l, -ng/-n) are preferred, then any one character whose
  neighbours in the index fit (a near-shape typo such as 加西贝位 -> 加西贝拉), only in runs of three or more,
  where the context is strong enough to trust;
- latin letters that are not an index term are read as full pinyin (`jiaxing`) or initials (`jxgxq`) and
  turned into index words; several words must together be a text of the index, or the reading is dropped.
  Capitals (GDP, MES) are acronyms, never pinyin.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator

from ..analysis.normalize import normalize
from ..analysis.tokenizers import segment
from .vocabulary import IndexText, Vocabulary, char_readings, is_han, word_pinyin

MAX_RUN = 8          # longer runs are corrected piece by piece (jieba words), never as a whole
MAX_PINYIN = 40      # letters read as pinyin at most
REAL_TEXT = 3        # a run found in this many paragraphs is text of the archive, whatever jieba makes of it
POPULAR = 10         # a run that is in the index (across words) is corrected only to a text this many times commoner
_SKIP = re.compile(r'^(?:OR|AND|NOT|\||-.*|.*[:："“”].*)$')
_PIECES = re.compile(r"[\u3400-\u9fff]+|[A-Za-z]+|[^\u3400-\u9fffA-Za-z]+")


def suggest_correction(query: str, vocabulary: Vocabulary) -> str | None:
    """The corrected query, or None when every word is in the index or nothing better is found.

    `vocabulary` must be bound to the index (`Vocabulary.from_reader(..., searcher)` or `with_searcher`)."""
    changed = False
    out = []
    for term in query.split():
        fixed = None if _SKIP.match(term) else _correct_term(term, vocabulary)
        changed = changed or (fixed is not None and fixed != term)
        out.append(fixed or term)
    return " ".join(out) if changed else None


def _correct_term(term: str, vocab: Vocabulary) -> str | None:
    pieces = _PIECES.findall(term)
    fixed = [_correct_piece(p, vocab) or p for p in pieces]
    return "".join(fixed) if fixed != pieces else None


def _correct_piece(piece: str, vocab: Vocabulary) -> str | None:
    text = normalize(piece).text
    if is_han(text) and len(text) >= 2:
        return _correct_han(text, vocab)
    if text.isascii() and text.isalpha() and 2 <= len(text) <= MAX_PINYIN and not piece.isupper():
        return None if _known(text, vocab) else from_pinyin(text, vocab)
    return None


def _known(word: str, vocab: Vocabulary) -> bool:
    assert vocab.text is not None, "the vocabulary must be bound to an index"
    return vocab.freq(word) > 0 or vocab.text.term_freq(word) > 0


# --- Chinese runs ---------------------------------------------------------------------------------------------


def _correct_han(run: str, vocab: Vocabulary) -> str | None:
    if _known(run, vocab):
        return None
    if len(run) > MAX_RUN:
        words = [w for w, _, _ in segment(run)]
        fixed = [w if len(w) < 2 or _known(w, vocab) else (_correct_han(w, vocab) or w) for w in words]
        return "".join(fixed) if fixed != words else None
    return _best_candidate(run, vocab)


def _best_candidate(run: str, vocab: Vocabulary) -> str | None:
    """The most frequent text of the index at the first stage that finds one: whole-word or one-character
    homophones, then two homophone characters (runs of 4+), then one character that fits its neighbours (3+)."""
    text = vocab.text
    assert text is not None
    typed = text.count(run, enough=REAL_TEXT)  # exact below REAL_TEXT, which is all the floor needs
    if typed >= REAL_TEXT or (typed and all(_known(w, vocab) for w, _, _ in segment(run))):
        return None  # text of the archive (为深 of 为深化), not a typo
    floor = typed * POPULAR
    homophones = [_homophones(c, vocab) for c in run]
    stages = (_one_homophone, _two_homophones, _fitting_shapes)
    for stage in stages:
        best = _most_frequent([c for c in dict.fromkeys(stage(run, homophones, vocab)) if c != run], text, floor)
        if best:
            return best
    return None


def _most_frequent(candidates: list[str], text: IndexText, floor: int) -> str | None:
    """The candidate found in most paragraphs (more than `floor`; ties to the first in code-point order). Counting
    one means a search; each candidate's upper bound (from document frequencies) is free, so they are counted from
    the highest bound down, and counting stops once no bound left can beat or tie the best count."""
    best: tuple[int, str] | None = None  # (-count, candidate), the smaller the better
    for bound, c in sorted(((text.bound(c), c) for c in candidates), key=lambda bc: (-bc[0], bc[1])):
        if bound <= floor or (best is not None and bound < -best[0]):
            break
        count = text.count(c)
        if count > floor and (best is None or (-count, c) < best):
            best = (-count, c)
    return best[1] if best else None


def _one_homophone(run: str, homophones: list[list[str]], vocab: Vocabulary) -> Iterator[str]:
    """Index words that sound like the whole run (every reading of its characters), then the run with one
    character replaced by a homophone."""
    readings = [sorted(char_readings(c)) for c in run]
    if math.prod(len(r) for r in readings) <= 16:
        for combo in itertools.product(*readings):
            yield from (w for w in vocab.by_fuzzy.get("".join(combo), []) if len(w) == len(run))
    for i, chars in enumerate(homophones):
        yield from (run[:i] + c + run[i + 1 :] for c in chars)


def _two_homophones(run: str, homophones: list[list[str]], vocab: Vocabulary) -> Iterator[str]:
    if len(run) < 4:
        return
    for i, j in itertools.combinations(range(len(run)), 2):
        for a, b in itertools.product(homophones[i][:6], homophones[j][:6]):
            yield run[:i] + a + run[i + 1 : j] + b + run[j + 1 :]


def _fitting_shapes(run: str, homophones: list[list[str]], vocab: Vocabulary) -> Iterator[str]:
    """One character replaced by any that follows its left neighbour in the index and precedes its right one:
    near-shape typos (加西贝位 -> 加西贝拉) without a shape table, trusted only with two or more neighbours."""
    if len(run) < 3:
        return
    assert vocab.text is not None
    for i in range(1, len(run)):
        yield from (run[:i] + c + run[i + 1 :] for c in _fitting(vocab.text, run, i))


def _homophones(char: str, vocab: Vocabulary) -> list[str]:
    """Characters of the index that sound like `char` (fuzzy pinyin), most frequent first."""
    out: list[str] = []
    for reading in sorted(char_readings(char)):
        out += [c for c in vocab.by_syllable.get(reading, [])[:40] if c != char and c not in out]
    return out


def _fitting(text: IndexText, run: str, i: int) -> list[str]:
    """Characters that follow run[i-1] in the index and, when there is one, precede run[i+1]."""
    chars = [c for c in text.next_chars(run[i - 1]) if c != run[i]]
    if i + 1 < len(run):
        chars = [c for c in chars if text.count(c + run[i + 1])]
    return chars


# --- pinyin input ---------------------------------------------------------------------------------------------


def from_pinyin(letters: str, vocab: Vocabulary) -> str | None:
    """Index words for full pinyin (`jiaxing`) or initials (`jxgxq`): the reading in fewest words whose joined
    text is in the index; a single word is taken as it is (it is an index term by construction)."""
    for table in (vocab.by_pinyin, vocab.by_initials):
        for split in _splits(letters, table):
            choices = [table[part][:5] for part in split]
            if len(split) == 1:
                return choices[0][0]
            best = _best_combination(choices, vocab)
            if best:
                return best
    return _word_start(letters, vocab)


def _word_start(letters: str, vocab: Vocabulary) -> str | None:
    """The first syllables of an index word when the letters spell exactly them (xiuzhou -> 秀洲 of 秀洲区, a
    name jieba indexes only inside the longer word), if that text is in the index."""
    assert vocab.text is not None
    for word in sorted(vocab.pinyin_prefixed(letters), key=vocab.freq, reverse=True)[:20]:
        syllables = word_pinyin(word)
        for k in range(1, len(word)):
            if "".join(syllables[:k]) == letters and vocab.text.count(word[:k]):
                return word[:k]
    return None


def _splits(letters: str, table: dict[str, list[str]], limit: int = 20) -> list[list[str]]:
    """Ways to cut `letters` into keys of `table`, fewest pieces first (at most `limit`)."""
    n = len(letters)
    splits: list[list[str]] = []

    def walk(start: int, parts: list[str]) -> None:
        if len(splits) >= limit * 5 or len(parts) > 6:
            return
        if start == n:
            splits.append(list(parts))
            return
        for end in range(n, start, -1):
            if letters[start:end] in table:
                walk(end, parts + [letters[start:end]])

    walk(0, [])
    return sorted(splits, key=len)[:limit]


def _best_combination(choices: list[list[str]], vocab: Vocabulary) -> str | None:
    assert vocab.text is not None
    best: tuple[int, str] | None = None
    for combo in itertools.islice(itertools.product(*choices), 200):
        text = "".join(combo)
        count = vocab.text.count(text)
        if count and (best is None or count > best[0]):
            best = (count, text)
    return best[1] if best else None
