"""The query plan's Whoosh query objects as OpenSearch query DSL over the pre-tokenized fields.

Only the shapes searcher/search/plan.py builds are translated; anything else is a programming error (TypeError),
never a silently different query. A checked substring (`substrings.Holding`: the AND of its n-grams, checked
against the stored text) becomes a phrase of its 1-grams on the n-gram field, whose positions OpenSearch keeps:
exact by itself, with no stored text to look at. Boosts are kept; scores are BM25 over the same terms, not the
same numbers as Whoosh's BM25F.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh import query as Q

from ...analysis.pretokenized import GAP, term
from ...index.documents import ANALYSED
from ...search.substrings import _BREAK, Holding

_NULL = type(Q.NullQuery)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def translate(query: Q.Query) -> dict[str, Any]:
    """The DSL for one plan query (recursively)."""
    if isinstance(query, _NULL):
        return {"match_none": {}}
    if isinstance(query, Holding):
        return _holding(query)
    if isinstance(query, Q.ConstantScoreQuery):
        return {"constant_score": {"filter": translate(query.child), "boost": query.score}}
    if isinstance(query, Q.Term):
        return _term(query)
    if isinstance(query, Q.TermRange | Q.NumericRange):
        return _range(query)
    if isinstance(query, Q.And):
        return _bool(query, must=[translate(q) for q in query.subqueries])
    if isinstance(query, Q.Or):
        matches = max(1, getattr(query, "minmatch", 0) or 0)
        return _bool(query, should=[translate(q) for q in query.subqueries], minimum_should_match=matches)
    if isinstance(query, Q.AndMaybe):
        return _bool(query, must=[translate(query.a)], should=[translate(query.b)])
    if isinstance(query, Q.AndNot):
        return _bool(query, must=[translate(query.a)], must_not=[translate(query.b)])
    if isinstance(query, Q.Require):  # plan.Filtered too: scored by `a` alone
        return _bool(query, must=[translate(query.a)], filter=[translate(query.b)])
    if isinstance(query, Q.Not):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [translate(query.query)]}}
    raise TypeError(f"no OpenSearch translation for {query!r}")


def _boost(query: Q.Query) -> dict[str, float]:
    boost = getattr(query, "boost", 1.0)
    return {} if boost == 1.0 else {"boost": boost}


def _bool(query: Q.Query, **clauses: Any) -> dict[str, Any]:
    return {"bool": {**clauses, **_boost(query)}}


def _term(query: Q.Term) -> dict[str, Any]:
    value = term(query.text) if query.fieldname in ANALYSED else query.text
    return {"term": {query.fieldname: {"value": value, **_boost(query)}}}


def _range(query: Q.TermRange | Q.NumericRange) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if query.start is not None:
        bounds["gt" if query.startexcl else "gte"] = query.start
    if query.end is not None:
        bounds["lt" if query.endexcl else "lte"] = query.end
    return {"range": {query.fieldname: {**bounds, **_boost(query)}}}


def runs_of(pattern: str) -> list[str]:
    """The runs of letters and digits a Holding's pattern was made of (substrings.substring joins them)."""
    return [_ESCAPED.sub(r"\1", part) for part in pattern.split(_BREAK)]


def phrase_string(runs: list[str]) -> str:
    """The token string of a substring on an n-gram field: each character a position, one gap between runs."""
    return f" {GAP} ".join(" ".join(term(char) for char in run) for run in runs)


def _holding(query: Holding) -> dict[str, Any]:
    fields = {fieldname for fieldname, _ in query.child.iter_all_terms()}
    if len(fields) != 1:
        raise TypeError(f"a checked substring over more than one field: {query!r}")
    phrase = {"query": phrase_string(runs_of(query.pattern)), **_boost(query)}
    return {"match_phrase": {fields.pop(): phrase}}
