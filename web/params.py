"""Turn query-string text into `Engine.search` arguments.

Only the conversion from strings lives here (non-integers, blanks); the ranges themselves (page >= 1,
size 1..100, query length, real dates) are checked by the engine, so the HTML page, the API and the CLI agree.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from searcher.errors import BadQuery

DEFAULT_SIZE = 10
# ASCII digits only (int() would also take "1_0" and full-width digits); nine digits keep it a sane number,
# and a longer one is refused as too large rather than as not a number.
MAX_DIGITS = 9
MAX_INTEGER = 10**MAX_DIGITS - 1
_INTEGER = re.compile(rf"-?[0-9]{{1,{MAX_DIGITS}}}", re.ASCII)
_TOO_LONG = re.compile(rf"-?[0-9]{{{MAX_DIGITS + 1},}}", re.ASCII)


@dataclass(frozen=True)
class SearchParams:
    q: str
    page: int = 1
    size: int = DEFAULT_SIZE
    source: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    per_article: int | None = None
    author: str | None = None
    sort: str = "relevance"
    range: str | None = None

    def engine_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `Engine.search` (everything but the query)."""
        kwargs = asdict(self)
        del kwargs["q"]
        return kwargs

    def link_args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link to a variant of this search, leaving out defaults and blanks."""
        args = {**asdict(self), **changes}
        if args.get("page") == 1:
            args.pop("page")
        if args.get("size") == DEFAULT_SIZE:
            args.pop("size")
        if args.get("sort") == "relevance":
            args.pop("sort")
        return {key: value for key, value in args.items() if value not in (None, "")}

    @property
    def filtered(self) -> bool:
        return bool(self.source or self.author or self.date_from or self.date_to or self.range)


def parse_search_args(args: MultiDict[str, str]) -> SearchParams:
    """Read q/page/size/source/date_from/date_to/per_article/author/sort/range; raises BadQuery for numbers that
    are not integers (the engine checks the rest)."""
    return SearchParams(
        q=args.get("q", "").strip(),
        page=_int(args, "page", 1),
        size=_int(args, "size", DEFAULT_SIZE),
        source=_text(args, "source"),
        date_from=_date(args, "date_from"),
        date_to=_date(args, "date_to"),
        per_article=_int(args, "per_article", 0) or None,
        author=_text(args, "author"),
        sort=_text(args, "sort") or "relevance",
        range=_text(args, "range"),
    )


def _int(args: MultiDict[str, str], name: str, default: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if _TOO_LONG.fullmatch(raw):
        size = "too small" if raw.startswith("-") else "too large"
        raise BadQuery(f"{name} is {size}: at most {MAX_DIGITS} digits, got {len(raw.lstrip('-'))}")
    if not _INTEGER.fullmatch(raw):
        raise BadQuery(f"{name} must be an integer, got {raw[:20]!r}")
    return int(raw)


def _text(args: MultiDict[str, str], name: str) -> str | None:
    return args.get(name, "").strip() or None


def _date(args: MultiDict[str, str], name: str) -> str | None:
    """The date as sent (what <input type="date"> sends); the engine refuses anything but a real YYYY-MM-DD."""
    return _text(args, name)


def parse_flag(args: MultiDict[str, str], name: str) -> bool:
    """A 0/1 switch (absent or empty is 0); anything else is a BadQuery rather than a silent guess."""
    raw = args.get(name, "").strip()
    if raw not in ("", "0", "1"):
        raise BadQuery(f"{name} must be 0 or 1, got {raw[:20]!r}（{name} 只能是 0 或 1）")
    return raw == "1"
