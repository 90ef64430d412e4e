"""Small, Flask-free helpers that shape library values for the templates (pagination, citations, sections).

Kept apart from the views so the views stay thin and these can be unit-tested without a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup

from searcher.models import ArticleRef, Paragraph
from searcher.search.highlight import find_spans, mark


@dataclass(frozen=True)
class Pager:
    """Which pages to offer. `shown` (the hits on this page) overrules a total that promises more than came
    back: a page with fewer hits than `size` is the last one, so no link ever leads to an empty page."""

    page: int
    size: int
    total: int
    shown: int | None = None

    @property
    def count(self) -> int:
        """The number of results the page reports: exact whenever this page is short (or page 1 is empty)."""
        if self.shown is None or self.shown >= self.size or (self.shown == 0 and self.page > 1):
            return self.total
        return (self.page - 1) * self.size + self.shown

    @property
    def last(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def offered(self) -> bool:
        """Pagination is shown only on a page that has hits and has somewhere to go."""
        return self.shown != 0 and self.last > 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.last

    @property
    def first_rank(self) -> int:
        """Rank of the first hit on this page, for `<ol start>`."""
        return (self.page - 1) * self.size + 1

    def window(self, radius: int = 2) -> list[int | None]:
        """Page numbers to link: first, last and `radius` either side of the current one; None is a gap."""
        wanted = {1, self.last, *range(self.page - radius, self.page + radius + 1)}
        pages = sorted(p for p in wanted if 1 <= p <= self.last)
        out: list[int | None] = []
        previous = 0
        for number in pages:
            if previous and number - previous > 1:
                out.append(None)
            out.append(number)
            previous = number
        return out


def citation(ref: ArticleRef, paragraph: int, link: str) -> str:
    """A one-line citation in the usual Chinese order: 《title》, byline, source, date, paragraph, link.

    Plain text on purpose: it is shown in a <pre>-like block for copying, and Jinja escapes it there.
    """
    parts = [f"《{ref.title}》" if ref.title else "", ref.byline, ref.source, ref.date, f"第{paragraph}段"]
    text = "，".join(part for part in parts if part) + "。"
    text += f"链接：{link}"
    if ref.source_url:
        text += f"　原文：{ref.source_url}"
    return text


@dataclass(frozen=True)
class Section:
    """Consecutive paragraphs under one subheading (the heading is empty before the first one)."""

    heading: str
    paragraphs: list[Paragraph]


def sections(paragraphs: Iterable[Paragraph]) -> list[Section]:
    """Group paragraphs so that each subheading is rendered once, above the paragraphs it governs."""
    out: list[Section] = []
    for paragraph in paragraphs:
        if not out or out[-1].heading != paragraph.heading:
            out.append(Section(paragraph.heading, []))
        out[-1].paragraphs.append(paragraph)
    return out


def marked_paragraphs(paragraphs: Iterable[Paragraph], needles: list[str]) -> dict[int, Markup]:
    """Paragraph HTML with the query's words (`Engine.highlight_terms`) in <mark>, using the library's own
    matcher so the article page marks exactly what the result list marked (whole paragraphs: no windows)."""
    if not needles:
        return {}
    # mark() HTML-escapes the text around the <mark> tags, so the result is safe to render as is.
    return {p.number: Markup(mark(p.text, find_spans(p.text, needles))) for p in paragraphs}
