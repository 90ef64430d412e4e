"""Near-duplicate paragraphs (reprints, wire copy with small edits) grouped so one story gives one result.

Two paragraphs are near duplicates when the Jaccard similarity of their character 4-gram sets (normalised text,
punctuation and spaces removed) reaches THRESHOLD. Character shingles need no segmentation, so a changed word
or number only touches the four shingles around it, while two different paragraphs that quote one shared
sentence keep most of their shingles apart. MinHash LSH (datasketch) finds the candidate pairs among many
paragraphs without comparing every pair; every candidate is then checked with the exact Jaccard, so LSH only
costs recall, never precision. Precision and recall on the test set are in docs/discovery.md.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..analysis.normalize import normalize

SHINGLE = 4
THRESHOLD = 0.6
NUM_PERM = 128
EXACT_UP_TO = 64
# fold_hits leaves shorter paragraphs alone: THRESHOLD was measured on paragraphs of 60 characters or more, and two
# short templated sentences that differ only in the facts (嘉兴今年新增11兆瓦… / 海宁今年新增21兆瓦…) reach it.
FOLD_MIN_CHARS = 40
_NOT_TEXT = re.compile(r"[\W_]+")


def flat_text(text: str) -> str:
    """The normalised text without punctuation or spaces: what shingles are cut from."""
    return _NOT_TEXT.sub("", normalize(text).text)


def shingles(text: str, n: int = SHINGLE) -> set[str]:
    """Character n-grams of the normalised text without punctuation or spaces (the text itself if shorter)."""
    flat = flat_text(text)
    if len(flat) <= n:
        return {flat} if flat else set()
    return {flat[i : i + n] for i in range(len(flat) - n + 1)}


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two shingle sets (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def minhash(shingle_set: set[str], num_perm: int = NUM_PERM) -> Any:
    from datasketch import MinHash  # imported when needed: with scipy it takes most of a second

    signature = MinHash(num_perm=num_perm)
    signature.update_batch([s.encode("utf-8") for s in shingle_set])
    return signature


def group_near_duplicates(items: Iterable[tuple[str, str]], threshold: float = THRESHOLD) -> list[list[str]]:
    """Groups (of two or more ids, in input order) of paragraphs that are near duplicates of one another,
    transitively; `items` are (id, text). Groups are ordered by their first member."""
    sets = {key: shingles(text) for key, text in items}
    parent = {key: key for key in sets}
    for key, other in _candidate_pairs(sets, threshold):
        if similarity(sets[key], sets[other]) >= threshold:
            _union(parent, key, other)
    groups: dict[str, list[str]] = {}
    for key in sets:
        groups.setdefault(_find(parent, key), []).append(key)
    return [members for members in groups.values() if len(members) > 1]


def _candidate_pairs(sets: dict[str, set[str]], threshold: float) -> Iterator[tuple[str, str]]:
    """Pairs worth comparing exactly: every pair of a page's hits (EXACT_UP_TO or fewer: 45 set intersections
    cost far less than 10 MinHash signatures, 70 ms a page), else the pairs MinHash LSH finds."""
    keys = [key for key, shingle_set in sets.items() if shingle_set]
    if len(keys) <= EXACT_UP_TO:
        yield from itertools.combinations(keys, 2)
        return
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=max(threshold - 0.2, 0.1), num_perm=NUM_PERM)
    for key in keys:
        signature = minhash(sets[key])
        yield from ((key, other) for other in lsh.query(signature))
        lsh.insert(key, signature)


def _find(parent: dict[str, str], key: str) -> str:
    while parent[key] != key:
        parent[key] = parent[parent[key]]
        key = parent[key]
    return key


def _union(parent: dict[str, str], a: str, b: str) -> None:
    root_a, root_b = _find(parent, a), _find(parent, b)
    if root_a != root_b:
        parent[max(root_a, root_b)] = min(root_a, root_b)


def duplicates_in_index(searcher: Any, text: str, exclude_id: str = "", threshold: float = THRESHOLD,
                        candidates: int = 50) -> list[dict[str, Any]]:
    """Paragraphs of the index that are near duplicates of `text` (other than `exclude_id`), most similar first:
    candidates are the paragraphs sharing the most of its 4-grams' rarest leading bigrams, verified by exact Jaccard."""
    from whoosh import query as Q

    own = shingles(text)
    grams = sorted({s[:2] for s in own}, key=lambda g: searcher.doc_frequency("grams", g))[:24]
    if not grams:
        return []
    query = Q.Or([Q.Term("grams", g) for g in grams])
    out = []
    for hit in searcher.search(query, limit=candidates):
        if hit["id"] == exclude_id:
            continue
        score = similarity(own, shingles(hit.get("text", "")))
        if score >= threshold:
            out.append({"id": hit["id"], "article_id": hit["article_id"], "paragraph": hit["paragraph"],
                        "similarity": round(score, 3)})
    return sorted(out, key=lambda d: -d["similarity"])


def fold_hits(hits: list[dict[str, Any]], threshold: float = THRESHOLD,
              min_chars: int = FOLD_MIN_CHARS) -> list[dict[str, Any]]:
    """One result per story on a page of hits (dicts as /api/search returns them): the best-ranked hit of each
    group of near duplicates stays, with `duplicates` listing the others ({id, article_id, title, source, date,
    url}); the order of the kept hits is unchanged; paragraphs under `min_chars` characters are never folded.
    Totals are the caller's to restate."""
    long_enough = [(hit["id"], hit["text"]) for hit in hits if len(flat_text(hit["text"])) >= min_chars]
    groups = group_near_duplicates(long_enough, threshold)
    by_id = {hit["id"]: hit for hit in hits}
    folded: dict[str, list[str]] = {}
    for members in groups:
        best, *others = sorted(members, key=lambda m: by_id[m]["rank"])
        folded[best] = others
    hidden = {m for others in folded.values() for m in others}
    out = []
    for hit in hits:
        if hit["id"] in hidden:
            continue
        out.append(hit | {"duplicates": [_reference(by_id[m]) for m in folded.get(hit["id"], [])]})
    return out


def _reference(hit: dict[str, Any]) -> dict[str, Any]:
    article = hit["article"]
    return {"id": hit["id"], "article_id": article["id"], "title": article["title"], "source": article["source"],
            "date": article["date"], "url": article["url"]}
