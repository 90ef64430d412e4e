"""Turn the text of a newspaper page into articles: title, byline, headed and repaired paragraphs.

How a page is read (each rule is tested in tests/test_parsing.py and on the real pages):

* Blocks are runs of non-blank lines; the blank lines around a block are layout evidence
  (`blocks`). Page furniture — ads, column names, QR prompts, weather, teasers, `(下转2版)`
  markers, photo credits — is recognised first (`furniture`).
* An article starts at a `# ` markdown title, at a headline (1-3 short unpunctuated lines) directly
  above a byline (`■记者 …`, `► 本报记者 …`, `■本报评论员 …`, or a bare line of names such as
  `高柱强 金长青` right under the page's first headline), at the headline above a photo story whose
  byline (`■摄影 …`) follows its text, and at the top of the page. Everything up to the next start
  belongs to the article, so text after a `(下转2版)` marker stays with its article.
* Titles and headings made of several lines are joined with one space
  (`体验一程路 认识一座城 桐乡再次因马拉松而全城沸腾`); a leading `#` is removed.
* Bylines lose their ■/► bullets and are joined with one space (`记者 陈曦 通讯员 李建业 朱晓斌`); a
  trailing photo credit (`图片由嘉兴国家高新区提供`) is split off and dropped as a caption. A byline stops
  at the end of the names: a dateline printed after them (`记者 戴文博 2024-12-10 嘉兴日报`) gives the
  article's date and source instead.
* A dateline block (`嘉兴日报 2024年12月5日`, `来源：南湖晚报`; see `dateline`) is never a title or
  a paragraph: it dates its article, or, above the page's first article, every article of the page that
  has no dateline of its own. Stated metadata beats both (`meta`); each value's origin is kept in
  `Article.provenance`.
* Inside an article, a short unpunctuated block is a caption when two or more blank lines stand on
  either side of it; otherwise it is a heading (`## …`, `【创新视角1】` plus its line, a two-line
  block, a line ending in `——`, or a balanced `A，B` line) — unless the paragraph before it stops
  mid-sentence or the line reads as a sentence fragment, in which case it is body text.
* Headings are not paragraphs: they become `Paragraph.heading` of the paragraphs that follow.
* An expert comment's attribution line `（浙江数字化发展与治理研究中心 黄颖博士）` is kept as the
  last paragraph under its heading: a reader citing the comment needs to know whose it is.
* Cut paragraphs are rejoined by `repair.repair_run`, never across a heading, a continuation marker
  or an article boundary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ..models import Article, Dropped, Paragraph, ParsedFile
from . import furniture as pf
from .blocks import Block, split_blocks
from .dateline import Dateline, is_dateline, read_dateline, split_tail
from .ids import IdAllocator
from .meta import (
    FROM_BYLINE,
    FROM_DATELINE,
    FROM_FILE_NAME,
    FROM_HEADLINE,
    apply_article_meta,
    apply_page_meta,
    json_ready,
    text_field,
)
from .repair import repair_run
from .text import CLOSERS, collapse_spaces, ends_sentence, has_clause_punct

MD_TITLE = "md title"
MD_HEADING = "md heading"
MARKER = "section marker"
BYLINE = "byline"
PHOTO_BYLINE = "photo byline"
TEXT = "text"
DATELINE = "dateline"
FURNITURE_KINDS = frozenset({pf.CAPTION, pf.AD, pf.COLUMN, pf.QR, pf.WEATHER, pf.TEASER, pf.CONTINUATION,
                             pf.FURNITURE, DATELINE})
PAGE_LEVEL = frozenset({pf.AD, pf.COLUMN, pf.QR, pf.WEATHER, pf.TEASER, pf.FURNITURE})

TITLE_LINE_MAX = 40
SHORT_LINE_MAX = 30
CAPTION_LINE_MAX = 45
BALANCED_MAX = 22
MARKER_RE = re.compile(r"^【[^】]{1,20}】$")
ATTRIBUTION_RE = re.compile(r"^[（(][^（）()]{2,60}[）)]$")
LEAD_IN_RE = re.compile(r"^[^，,。；;！？!?]{2,12}(——|：|:)$")
FRAGMENT_START = ("在", "从", "对", "把", "将", "向", "和", "与", "而", "但", "据", "当", "随着", "通过",
                  "由于", "因为", "虽然", "并且", "以及")
FRAGMENT_END = tuple("的地得了着过是和与及或在以为对把将被向从、，,")


@dataclass
class _Start:
    """Where an article begins, which blocks are its title and which is its byline."""

    index: int
    title: list[int]
    byline: int | None = None


@dataclass
class _Body:
    """Accumulates an article's runs of text blocks while its blocks are walked in page order."""

    runs: list[tuple[str, list[str]]] = field(default_factory=list)
    heading: str = ""
    headings: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)

    def flush(self) -> None:
        """End the current run: the next text block may not be joined to the previous one."""
        if self.current:
            self.runs.append((self.heading, self.current))
            self.current = []

    def set_heading(self, heading: str) -> None:
        """Start a new section; its paragraphs carry this heading."""
        self.flush()
        self.heading = heading
        self.headings.append(heading)

    @property
    def open_sentence(self) -> bool:
        """True when the last body text of the run stops mid-sentence."""
        return bool(self.current) and not ends_sentence(self.current[-1])


def _strip_md(line: str) -> str:
    """`## 担纲经济发展主阵地` -> `担纲经济发展主阵地`."""
    return line.lstrip("#").strip()


def _kind(block: Block) -> str:
    """First-pass label of a block: a furniture reason, a structural kind, or plain text."""
    first = block.lines[0]
    if first.startswith("# "):
        return MD_TITLE
    if first.startswith("#"):
        return MD_HEADING
    if len(block.lines) <= 2 and is_dateline(block.spaced):
        return DATELINE
    reason = pf.furniture_reason(block)
    if reason:
        return reason
    if len(block.lines) == 1 and MARKER_RE.match(first):
        return MARKER
    if pf.is_photo_byline(block):
        return PHOTO_BYLINE
    if pf.is_byline(block):
        return BYLINE
    return TEXT


def _is_title_like(block: Block) -> bool:
    """1-3 short lines without sentence-ending punctuation: the shape of a headline."""
    if len(block.lines) > 3 or any(len(line) > TITLE_LINE_MAX for line in block.lines):
        return False
    text = block.text
    if any(ch in "。；;" for ch in text):
        return False
    return not text.rstrip(CLOSERS).endswith(("：", ":", "，", ",", "、"))


def _label(blocks: Sequence[Block], titled: bool = False) -> list[str]:
    """Label every block, promoting a bare line of names under the page's first headline to a byline.

    `titled` says the headline was stated apart from the text (an HTML or PDF title the extractor took
    out), so a line of names opening the text stands right under it.
    """
    kinds = [_kind(block) for block in blocks]
    for i, block in enumerate(blocks):
        if kinds[i] != TEXT or not pf.is_bare_authors(block):
            continue
        j = _skip_datelines(kinds, i - 1)
        at_top = all(kind in FURNITURE_KINDS for kind in kinds[: max(j, 0)])
        if j < 0:
            if titled:
                kinds[i] = BYLINE
        elif kinds[j] == MD_TITLE or (kinds[j] == TEXT and _is_title_like(blocks[j]) and at_top):
            kinds[i] = BYLINE
    return kinds


def _skip_datelines(kinds: Sequence[str], j: int) -> int:
    """The nearest block at or above j that is not a dateline (-1 at the top of the page)."""
    while j >= 0 and kinds[j] == DATELINE:
        j -= 1
    return j


def _title_before(blocks: Sequence[Block], kinds: Sequence[str], i: int) -> list[int]:
    """The headline blocks right above block i (two blocks only at the top of the page); a dateline
    between headline and byline is looked through."""
    j = _skip_datelines(kinds, i - 1)
    if j < 0 or kinds[j] != TEXT or not _is_title_like(blocks[j]):
        return []
    k = j - 1
    at_top = all(kind in FURNITURE_KINDS for kind in kinds[:k])
    if k >= 0 and kinds[k] == TEXT and _is_title_like(blocks[k]) and blocks[j].blank_before <= 1 and at_top:
        return [k, j]
    return [j]


def _photo_title(blocks: Sequence[Block], kinds: Sequence[str], i: int) -> int | None:
    """The headline of a photo story: the first headline-shaped block above the text the byline follows."""
    j = i - 1
    while j >= 0 and kinds[j] == TEXT and not _is_title_like(blocks[j]):
        j -= 1
    if j < i - 1 and j >= 0 and kinds[j] == TEXT:
        return j
    return None


def _leading_title(blocks: Sequence[Block], kinds: Sequence[str], first: int) -> list[int]:
    """Headline blocks at the top of a page with no byline (up to two)."""
    title: list[int] = []
    i = first
    while i < len(blocks) and len(title) < 2 and kinds[i] == TEXT and _is_title_like(blocks[i]):
        title.append(i)
        i += 1
    return title


def _find_starts(blocks: Sequence[Block], kinds: Sequence[str]) -> list[_Start]:
    """Every article start on the page, in page order."""
    starts: dict[int, _Start] = {}
    for i, kind in enumerate(kinds):
        if kind == MD_TITLE:
            nxt = i + 1
            byline = nxt if nxt < len(kinds) and kinds[nxt] == BYLINE else None
            starts[i] = _Start(i, [i], byline)
        elif kind == BYLINE and not (i > 0 and kinds[i - 1] == MD_TITLE):
            title = _title_before(blocks, kinds, i)
            if title:
                starts[title[0]] = _Start(title[0], title, i)
        elif kind == PHOTO_BYLINE:
            top = _photo_title(blocks, kinds, i)
            title = [top] if top is not None else _title_before(blocks, kinds, i)
            if title:
                starts[title[0]] = _Start(title[0], title, i)
    content = [i for i, kind in enumerate(kinds) if kind not in FURNITURE_KINDS]
    if content and content[0] not in starts and (not starts or min(starts) > content[0]):
        first = content[0]
        starts[first] = _Start(first, _leading_title(blocks, kinds, first))
    return [starts[i] for i in sorted(starts)]


def _text_role(block: Block, body: _Body, following: Block | None, following_kind: str) -> str:
    """Decide whether a plain text block inside an article is body, a heading or a caption.

    `following` is the next block on the page (any kind) or None at the end of the article.
    """
    text = block.text
    if len(block.lines) == 1 and ATTRIBUTION_RE.match(text):
        return "body"
    if len(block.lines) == 1 and LEAD_IN_RE.match(text) and not block.isolated:
        return "heading"
    if ends_sentence(text) or any(ch in "。！？!?；;" for ch in text):
        return "body"
    if block.isolated and _caption_shaped(block):
        return "caption"
    short = len(block.lines) <= 3 and all(len(line) <= SHORT_LINE_MAX for line in block.lines)
    if not short or block.isolated:
        return "body"
    if len(block.lines) >= 2:
        return "heading"
    if body.open_sentence:
        # The line may finish the cut sentence; only the strong `A，B` heading shape outweighs that.
        return "heading" if _balanced_heading(text) else "body"
    if following is None:
        return "caption"
    if following_kind == pf.CONTINUATION:
        return "body"  # the words right above `(下转2版)` are the article's, cut off
    if following_kind == TEXT and _is_title_like(following) and not following.isolated:
        return "body"  # a heading is followed by its text, not by another headline-shaped line
    return "heading" if _heading_like_line(text) else "body"


def _caption_shaped(block: Block) -> bool:
    """A noun phrase without prose punctuation, one to three lines: what photo captions look like."""
    text = block.text
    return (
        len(block.lines) <= 3
        and all(len(line) <= CAPTION_LINE_MAX for line in block.lines)
        and not has_clause_punct(text)
        and text.count("“") == text.count("”")
    )


def _fragment_like(text: str) -> bool:
    """True when a line starts or ends the way only a piece of a sentence does (`在…`, `…的`)."""
    return text.startswith(FRAGMENT_START) or text.endswith(FRAGMENT_END)


def _balanced_heading(text: str) -> bool:
    """`创新“长跑”，实现发展“快跑”`: two short phrases (3-13 characters) around one comma."""
    parts = re.split(r"[，,]", text)
    return (
        len(text) <= BALANCED_MAX
        and len(parts) == 2
        and all(3 <= len(part) <= 13 for part in parts)
        and not _fragment_like(text)
    )


def _heading_like_line(text: str) -> bool:
    """A one-line section heading: the balanced shape, or a short comma-free phrase that is no fragment."""
    if not 2 <= len(text) <= SHORT_LINE_MAX or _fragment_like(text) or text.count("“") != text.count("”"):
        return False
    if _balanced_heading(text):
        return True
    return not has_clause_punct(text) and len(text) <= 20


def _heading_text(block: Block) -> str:
    """A heading as stored on paragraphs: lines joined by a space, lead-in dash or colon removed."""
    return collapse_spaces(block.spaced).rstrip("—：: ")


def _set_byline(article: Article, byline: str, raw: str) -> None:
    """A byline found inside the article: used if the article has none yet, else shown as dropped."""
    if article.byline:
        article.dropped.append(Dropped(raw, "byline"))
    else:
        article.byline = byline
        article.provenance["byline"] = FROM_BYLINE


def _take_byline(article: Article, block: Block) -> None:
    """A byline block: the names become the byline, a dateline after them gives date and source,
    a trailing photo credit is dropped as a caption."""
    byline, credit = pf.clean_byline(block)
    names, tail = split_tail(byline)
    _set_byline(article, names, block.spaced)
    if tail.text:
        _take_dateline(article, tail, tail.text)
    if credit:
        article.dropped.append(Dropped(credit, pf.CAPTION))


def _take_dateline(article: Article, dateline: Dateline, printed: str) -> None:
    """The first date and source an article's datelines state are its own; the line as printed is
    listed as dropped (reason `dateline`) so `inspect` shows what was read."""
    _fill_from_dateline(article, dateline)
    article.dropped.append(Dropped(printed, DATELINE))


def _fill_from_dateline(article: Article, dateline: Dateline) -> None:
    """Set the date and source a dateline states where the article has none yet."""
    for key in ("date", "source"):
        value = getattr(dateline, key)
        if value and not getattr(article, key):
            setattr(article, key, value)
            article.provenance[key] = FROM_DATELINE


def _add_body_text(article: Article, body: _Body, text: str) -> None:
    """Append body text, splitting off a `(下转2版)` marker printed at the end of the paragraph."""
    text, marker = pf.split_inline_continuation(text)
    body.current.append(text)
    if marker:
        body.flush()
        article.dropped.append(Dropped(marker, pf.CONTINUATION))
        article.continued = article.continued or pf.continuation_target(marker)


def _build_article(blocks: Sequence[Block], kinds: Sequence[str], start: _Start, end: int,
                   page_dropped: list[Dropped]) -> Article:
    """Assemble one article from blocks[start.index:end]."""
    title = collapse_spaces(" ".join(_strip_md(blocks[i].spaced) for i in start.title))
    article = Article(id="", title=title)
    if title:
        article.provenance["title"] = FROM_HEADLINE
    if start.byline is not None:
        _take_byline(article, blocks[start.byline])
    body = _Body()
    skip = set(start.title) | ({start.byline} if start.byline is not None else set())
    order = [i for i in range(start.index, end) if i not in skip]
    pos = 0
    while pos < len(order):
        i = order[pos]
        block, kind = blocks[i], kinds[i]
        pos += 1
        if kind == pf.CONTINUATION:
            body.flush()
            article.dropped.append(Dropped(block.text, kind))
            article.continued = article.continued or pf.continuation_target(block.text)
        elif kind in PAGE_LEVEL:
            page_dropped.append(Dropped(block.spaced, kind))
        elif kind == pf.CAPTION:
            article.dropped.append(Dropped(block.spaced, kind))
        elif kind in (MD_HEADING, MD_TITLE):
            body.set_heading(_strip_md(block.text))
        elif kind == MARKER:
            heading = block.text
            if pos < len(order) and kinds[order[pos]] == TEXT and _is_title_like(blocks[order[pos]]):
                heading = f"{heading} {_heading_text(blocks[order[pos]])}"
                pos += 1
            body.set_heading(heading)
        elif kind in (BYLINE, PHOTO_BYLINE):
            _take_byline(article, block)
        elif kind == DATELINE:
            _take_dateline(article, _read_dateline(block), block.spaced)
        elif pf.parenthesized_byline(block.text):
            _set_byline(article, pf.parenthesized_byline(block.text), block.text)
        else:
            nxt = order[pos] if pos < len(order) else None
            following = (blocks[nxt], kinds[nxt]) if nxt is not None else (None, "")
            role = _text_role(block, body, *following)
            if role == "heading":
                body.set_heading(_heading_text(block))
            elif role == "caption":
                article.dropped.append(Dropped(block.spaced, pf.CAPTION))
            else:
                _add_body_text(article, body, block.text)
    body.flush()
    number = 0
    for heading, texts in body.runs:
        for text in repair_run(texts):
            number += 1
            article.paragraphs.append(Paragraph(number=number, text=text, heading=heading))
    used = {heading for heading, _ in body.runs}
    article.dropped.extend(Dropped(h, "heading without text") for h in body.headings if h not in used)
    return article


def _read_dateline(block: Block) -> Dateline:
    """What a DATELINE block says (`_kind` labels a block so only when read_dateline accepts it)."""
    return read_dateline(block.spaced) or Dateline(text=block.spaced)


def parse_page(text: str, *, file: str, meta: Mapping[str, Any] | None = None) -> ParsedFile:
    """Split one page (or one plain article) into articles; `meta` overrides what the page says."""
    meta = dict(meta or {})
    blocks = split_blocks(text)
    kinds = _label(blocks, titled=bool(text_field(meta, "title")))
    page_dropped: list[Dropped] = []
    starts = _find_starts(blocks, kinds)
    first = starts[0].index if starts else len(blocks)
    page_dateline = Dateline()
    for i in range(first):
        reason = kinds[i] if kinds[i] in FURNITURE_KINDS else pf.FURNITURE
        page_dropped.append(Dropped(blocks[i].spaced, reason))
        if kinds[i] == DATELINE and not page_dateline.text:
            page_dateline = _read_dateline(blocks[i])
    articles: list[Article] = []
    for n, start in enumerate(starts):
        end = starts[n + 1].index if n + 1 < len(starts) else len(blocks)
        article = _build_article(blocks, kinds, start, end, page_dropped)
        if article.paragraphs or article.title or article.byline:
            articles.append(article)
        else:
            page_dropped.extend(article.dropped)
    _finish(articles, file, meta, page_dateline)
    return ParsedFile(path=file, articles=articles, dropped=page_dropped, meta=json_ready(meta))


def _finish(articles: list[Article], file: str, meta: Mapping[str, Any], page_dateline: Dateline) -> None:
    """Apply the page's dateline and stated metadata, fill empty titles from the file name, assign ids.

    Precedence, strongest first: stated metadata (front matter, HTML tags, PDF/DOCX properties), the
    article's own dateline, a dateline printed above the page's first article, the headline text.
    """
    allocator = IdAllocator(file)
    for article in articles:
        article.file = file
        _fill_from_dateline(article, page_dateline)
        apply_page_meta(article, meta)
        if len(articles) == 1:
            apply_article_meta(article, meta)
        if not article.title:
            article.title = PurePosixPath(file).stem
            article.provenance["title"] = FROM_FILE_NAME
        given = text_field(meta, "id") if len(articles) == 1 else ""
        article.id = allocator.for_given(given) if given else allocator.for_title(article.title)
