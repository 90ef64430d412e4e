"""One search with the discovery features around it: dates as written become the filter, a typo gets a
"did you mean", a query that found nothing is run again as corrected (offered, not forced, otherwise), and near
duplicates on the page are folded under the best-ranked copy. Also the start page's newest articles and the
paragraphs related to one paragraph, read from the engine's Whoosh searcher.

The fields `search_with_discovery` adds to the result are `suggestion` (the corrected query or null),
`corrected` (true when the hits are for the suggestion because the query as typed found nothing), `date_filter`
({text, label, date_from, date_to, rest} or null; `rest` is the query without the date), `folded` (hits of this
page folded under another) and, per hit, `also_in` (the other articles a folded copy came from:
[{id, title, url, source, date}]).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ..search.engine import Engine
from .duplicates import fold_hits
from .keywords import keywords, related
from .spelling import suggest_correction
from .vocabulary import Vocabulary, cached_vocabulary
from .written_dates import find_written_date

VocabularySource = Callable[[], Vocabulary | None]


def search_with_discovery(engine: Engine, query: str, today: date | None = None,
                          vocabulary: VocabularySource | None = None, fold: bool = False,
                          **kwargs: Any) -> dict[str, Any]:
    """`engine.search(query, **kwargs).to_dict()` plus suggestion, corrected, date_filter, folded and also_in.

    A written date is used only when no date_from/date_to/range was given; `today` defaults to the archive's
    newest date, so 去年 means the year before the newest article (pass date.today() for the calendar's).
    `vocabulary` gives the index vocabulary or None when it is not ready (then no suggestion); by default it is
    built now. `fold` folds near-duplicate hits of the page (their `total` is unchanged: it counts paragraphs)."""
    date_filter, date_text = None, ""
    if not kwargs.get("date_from") and not kwargs.get("date_to") and not kwargs.get("range"):
        written, date_text = find_written_date(query, today or _newest(engine))
        if written.label and written.rest:
            date_filter = {"text": query, "label": written.label, "date_from": written.date_from,
                           "date_to": written.date_to, "rest": written.rest}
            query = written.rest
            kwargs |= {"date_from": written.date_from, "date_to": written.date_to}
        else:
            date_text = ""
    result = engine.search(query, **kwargs).to_dict()
    vocab = vocabulary() if vocabulary else _vocabulary(engine)
    correction = suggest_correction(query, vocab) if vocab else None
    corrected = False
    if correction and result["total"] == 0:
        retry = engine.search(correction, **kwargs).to_dict()
        if retry["total"]:
            result, corrected = retry, True
    suggestion = f"{correction} {date_text}".strip() if correction else None
    folded = 0
    if fold:
        result, folded = _folded(result)
    return result | {"suggestion": suggestion, "corrected": corrected, "date_filter": date_filter, "folded": folded}


def _vocabulary(engine: Engine) -> Vocabulary | None:
    """The index vocabulary; None (no suggestion) on a backend other than Whoosh, whose words it reads."""
    if engine.backend != "whoosh":
        return None
    generation, searcher = engine.whoosh_searcher()
    return cached_vocabulary(str(engine.index_dir), generation, searcher)


def _newest(engine: Engine) -> date:
    span = engine.date_range()
    return date.fromisoformat(span[1]) if span else date.today()


def _folded(result: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The page with near duplicates folded: each kept hit gets `also_in`, one entry per other article."""
    hits = []
    for hit in fold_hits(result["hits"]):
        others: dict[str, dict[str, Any]] = {}
        for dup in hit.pop("duplicates"):
            if dup["article_id"] != hit["article"]["id"]:
                others.setdefault(dup["article_id"], {"id": dup["article_id"], "title": dup["title"],
                                                      "url": dup["url"], "source": dup["source"],
                                                      "date": dup["date"]})
        hits.append(hit | {"also_in": list(others.values())})
    return result | {"hits": hits}, len(result["hits"]) - len(hits)


def paragraph_related(engine: Engine, paragraph_id: str, limit: int = 10) -> dict[str, Any]:
    """Paragraphs of other articles sharing the keywords of one paragraph: {paragraph: {id, article_id,
    paragraph, title, text}, keywords, paragraphs, articles} (see keywords.related); raises NotFound."""
    doc = engine.paragraph(paragraph_id)
    words = keywords(doc.get("text", ""))
    source = {key: doc.get(key, "") for key in ("id", "article_id", "paragraph", "title", "text")}
    return {"paragraph": source, "keywords": words} | related(engine, words, doc["article_id"], limit)
