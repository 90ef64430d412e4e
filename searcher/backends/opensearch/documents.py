"""Index documents (searcher/index/documents.py) as OpenSearch stores them, and back.

The analysed fields are sent as token strings of our own analysis and kept out of `_source`; the stored values
sit, unindexed, in the `stored` object; ids, source, date and file are keywords, the paragraph number an
integer. The analysis resources (user dictionary, synonyms) are kept in the mapping's `_meta`, as the Whoosh
schema keeps them, so queries are analysed exactly as the indexed text was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...analysis.pretokenized import GAPS_FIELD, TOKEN_FIELD, index_settings, token_string, tokens_of
from ...analysis.resources import Resources
from ...index.documents import ANALYSED, KEYWORDS, STORED
from ...index.schema import build_schema

VERSION = 1


def tokenizers(resources: Resources) -> dict[str, Any]:
    """Each analysed field's tokenizer, as the Whoosh schema built from the same resources has it."""
    schema = build_schema(resources)
    return {name: schema[name].analyzer for name in ANALYSED}


def index_body(resources: Resources, shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    """Settings and mappings of a paragraph index."""
    properties: dict[str, Any] = {name: GAPS_FIELD if name.endswith("grams") else TOKEN_FIELD for name in ANALYSED}
    properties.update({name: {"type": "keyword"} for name in KEYWORDS})
    properties["paragraph"] = {"type": "integer"}
    properties["stored"] = {"type": "object", "enabled": False}
    # Pairs, not an object: the cluster need not keep an object's key order, and the synonym order is the order of
    # each group's members (which the plan's needles follow).
    meta = {"version": VERSION, "words": [list(word) for word in resources.words],
            "synonyms": [list(pair) for pair in resources.synonyms.items()]}
    mappings = {"dynamic": "strict", "_source": {"excludes": list(ANALYSED)}, "_meta": meta,
                "properties": properties}
    return {"settings": index_settings(shards, replicas), "mappings": mappings}


def resources_of(mapping: Mapping[str, Any]) -> Resources:
    """The analysis resources an index was built with, from its mapping's `_meta`."""
    meta = mapping.get("_meta", {})
    return Resources(tuple(tuple(word) for word in meta.get("words", [])),
                     {term: canonical for term, canonical in meta.get("synonyms", [])})


def encode(doc: Mapping[str, Any], analysers: Mapping[str, Any]) -> dict[str, Any]:
    """One paragraph document for OpenSearch."""
    out: dict[str, Any] = {name: doc.get(name) or "" for name in KEYWORDS}
    out["paragraph"] = doc["paragraph"]
    out["stored"] = {name: doc.get(name) or "" for name in STORED}
    for name, source in ANALYSED.items():
        out[name] = token_string(tokens_of(analysers[name], doc.get(source) or ""))
    return out


def decode(source: Mapping[str, Any]) -> dict[str, Any]:
    """The stored document of a hit's `_source`, with the fields the Whoosh backend stores."""
    return {**{k: v for k, v in source.items() if k != "stored"}, **source.get("stored", {})}
