"""Reading a Baidu-style query string into a structure; this step never fails.

Space-separated items must all match (`AND` between them says the same); `"quoted phrase"` (ASCII or Chinese
quotes) matches as written; `-word` excludes; `OR` (or `|`) between items makes either enough; `title:`, `source:`,
`author:` and `date:` filter. Unbalanced quotes, stray operators, lone punctuation and unknown `name:value` items
are read as plain text and a known field with nothing after it is ignored, so any string a user can type is a
query. The one thing recorded as an error is a `date:` that is not a date (`bad_dates`): it would otherwise
silently filter everything out, so the engine refuses it like a bad `date_from` parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..analysis.normalize import normalize_text

_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}
_TOKEN = re.compile(r'-?(?:"[^"]*"|“[^”]*”|「[^」]*」|『[^』]*』)|\S+')
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
FIELDS = ("title", "source", "author", "date")


@dataclass(frozen=True)
class Unit:
    """One thing to match: loose words (segmented later) or an exact phrase."""

    text: str
    phrase: bool = False


@dataclass
class ParsedQuery:
    groups: list[list[Unit]] = field(default_factory=list)  # AND of groups; OR within a group
    exclude: list[Unit] = field(default_factory=list)
    title: list[Unit] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    author: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    operators: bool = False  # the user used syntax: keep strict semantics, no question heuristics
    raw: str = ""
    bad_dates: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.groups or self.title)

    @property
    def filtered(self) -> bool:
        """Whether anything restricts which articles count (source, author or dates)."""
        return bool(self.source or self.author or self.date_from or self.date_to)

    def units(self) -> list[Unit]:
        return [u for g in self.groups for u in g] + self.title


def _strip_quotes(token: str) -> tuple[str, bool]:
    if len(token) >= 2 and token[0] in _QUOTES and token[-1] == _QUOTES[token[0]]:
        return token[1:-1], True
    return token, False


def _clean(text: str) -> str:
    """Drop quote characters left unbalanced; they are noise, not syntax."""
    return "".join(c for c in text if c not in '"“”「」『』')


def has_text(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _expand_date(value: str, low: bool) -> str | None:
    """ISO bound of a year, month or day; None when `value` is not one (2024-13-45 is not)."""
    m = _DATE.match(value.strip())
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    month = f"{int(month):02d}" if month else ("01" if low else "12")
    day = f"{int(day):02d}" if day else ("01" if low else "31")
    return f"{year}-{month}-{day}"


def _date_filter(query: ParsedQuery, text: str) -> None:
    """`date:` bounds; a side that is given but is no date makes the whole value a bad date."""
    lo_text, _, hi_text = text.partition("..") if ".." in text else (text, "", text)
    lo, hi = _expand_date(lo_text, low=True), _expand_date(hi_text, low=False)
    if (lo_text.strip() and lo is None) or (hi_text.strip() and hi is None) or (lo is None and hi is None):
        query.bad_dates.append(text)
        return
    query.date_from, query.date_to = lo, hi


def _field(query: ParsedQuery, name: str, value: str) -> None:
    """Apply a `field:value` item (`date:` takes `2024`, `2024-11`, `2024-11-30` or `FROM..TO` with either side
    optional); an empty value is ignored."""
    text, quoted = _strip_quotes(value)
    if not has_text(text):
        return
    if name == "title":
        query.title.append(Unit(_clean(text), quoted))
    elif name == "source":
        query.source.append(text)
    elif name == "author":
        query.author.append(_clean(text))
    else:
        _date_filter(query, text)


def parse_query(raw: str) -> ParsedQuery:
    query = ParsedQuery(raw=raw)
    pending_or = False
    for raw_token in _TOKEN.findall(raw.replace("\u3000", " ").replace("|", " OR ")):
        if raw_token == "OR":
            pending_or = bool(query.groups)
            continue
        if raw_token == "AND":  # what a space already says
            continue
        token = normalize_text(raw_token)
        name, sep, value = token.partition(":")
        if sep and name in FIELDS:
            _field(query, name, value)
            query.operators = True
            continue
        negative = token.startswith("-") and len(token) > 1
        text, quoted = _strip_quotes(token[1:] if negative else token)
        text = _clean(text)
        if not has_text(text):
            continue
        unit = Unit(text, quoted)
        query.operators |= quoted or negative or pending_or
        if negative:
            query.exclude.append(unit)
        elif pending_or:
            query.groups[-1].append(unit)
        else:
            query.groups.append([unit])
        pending_or = False
    return query
