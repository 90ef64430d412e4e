"""One search with the discovery features around it: dates as written become the filter, a typo gets a
"did you mean", and a query that found nothing is run again as corrected (offered, not forced, otherwise).

Ready for `/api/search` and the page to call instead of `Engine.search`; the fields it adds to the result are
`suggestion` (the corrected query or null), `corrected` (true when the hits are for the suggestion because
the query as typed found nothing) and `date_filter` ({text, label, date_from, date_to} or null).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .engine import Engine
from .spelling import suggest_correction
from .vocabulary import cached_vocabulary
from .written_dates import parse_written_date


def search_with_discovery(engine: Engine, query: str, today: date | None = None, **kwargs: Any) -> dict[str, Any]:
    """`engine.search(query, **kwargs).to_dict()` plus suggestion, corrected and date_filter.

    A written date is used only when no date_from/date_to was given; `today` defaults to the archive's newest
    date, so 去年 means the year before the newest article (pass date.today() for the calendar's)."""
    date_filter = None
    if not kwargs.get("date_from") and not kwargs.get("date_to"):
        written = parse_written_date(query, today or _newest(engine))
        if written.label and written.rest:
            date_filter = {"text": query, "label": written.label, "date_from": written.date_from,
                           "date_to": written.date_to}
            query = written.rest
            kwargs |= {"date_from": written.date_from, "date_to": written.date_to}
    result = engine.search(query, **kwargs).to_dict()
    generation, searcher = engine.whoosh_searcher()
    suggestion = suggest_correction(query, cached_vocabulary(str(engine.index_dir), generation, searcher))
    corrected = False
    if suggestion and result["total"] == 0:
        retry = engine.search(suggestion, **kwargs).to_dict()
        if retry["total"]:
            result, corrected = retry, True
    return result | {"suggestion": suggestion, "corrected": corrected, "date_filter": date_filter}


def _newest(engine: Engine) -> date:
    span = engine.date_range()
    return date.fromisoformat(span[1]) if span else date.today()
