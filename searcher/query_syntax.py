"""Reading a Baidu-style query string into a structure; this step never fails.

Space-separated items must all match; `"quoted phrase"` (ASCII or Chinese quotes) matches as written; `-word`
excludes; `OR` (or `|`) between items makes either enough; `title:`, `source:` and `date:` filter. Unbalanced
quotes, stray operators and lone punctuation are read as plain text, so any string a user can type is a query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .normalize import normalize_text

_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}
_TOKEN = re.compile(r'-?(?:"[^"]*"|“[^”]*”|「[^」]*」|『[^』]*』)|\S+')
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
FIELDS = ("title", "source", "date")


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
    date_from: str | None = None
    date_to: str | None = None
    operators: bool = False  # the user used syntax: keep strict semantics, no question heuristics
    raw: str = ""

    @property
    def empty(self) -> bool:
        return not (self.groups or self.title)

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


def _date_bounds(value: str) -> tuple[str | None, str | None]:
    """`2024`, `2024-11`, `2024-11-30`, or `FROM..TO` with either side optional -> ISO bounds."""
    lo, _, hi = value.partition("..") if ".." in value else (value, "", value)
    return _expand_date(lo, low=True), _expand_date(hi, low=False)


def _expand_date(value: str, low: bool) -> str | None:
    m = _DATE.match(value.strip())
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    month = f"{int(month):02d}" if month else ("01" if low else "12")
    day = f"{int(day):02d}" if day else ("01" if low else "31")
    return f"{year}-{month}-{day}"


def _field(query: ParsedQuery, name: str, value: str) -> bool:
    """Apply a `field:value` item; False when it is not a usable filter (then it is read as text)."""
    text, quoted = _strip_quotes(value)
    if not has_text(text):
        return False
    if name == "title":
        query.title.append(Unit(_clean(text), quoted))
    elif name == "source":
        query.source.append(text)
    else:
        lo, hi = _date_bounds(text)
        if lo is None and hi is None:
            return False
        query.date_from, query.date_to = lo, hi
    return True


def parse_query(raw: str) -> ParsedQuery:
    query = ParsedQuery(raw=raw)
    pending_or = False
    for raw_token in _TOKEN.findall(raw.replace("\u3000", " ").replace("|", " OR ")):
        if raw_token == "OR":
            pending_or = bool(query.groups)
            continue
        token = normalize_text(raw_token)
        name, sep, value = token.partition(":")
        if sep and name in FIELDS and _field(query, name, value):
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
