"""What a saved HTML news page declares about itself: author, publication date, source, title, address.

Read from the page's own tags and lines rather than guessed, each value with where it came from
(`html:article:published_time`, `html:og:site_name`, `html:来源 line`):

* date: the first date tag holding a real calendar date (`article:published_time`, `datePublished`,
  `PubDate`, ...), written as the publisher's local day; else trafilatura's date found in the page's
  markup or address, labelled `(inferred)` so that a dateline in the text beats it;
* source: a `source`/`ContentSource` tag, else a `来源：` line outside footers, nav bars and comment
  lists, else the site's name (`og:site_name`): a portal names itself there, not the paper it reprints;
* author: an author tag, else the author trafilatura found in the markup, with the rest of its line
  when that line is names and roles only (`<span>钟雨桐</span> 通讯员 韩立峰` stays whole).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .dateline import SOURCE_LABEL_RE, split_tail
from .meta import INFERRED, normalize_date
from .names import is_names_line
from .text import collapse_spaces as _squash

__all__ = ["html_meta"]


def html_meta(html: str, doc: Any) -> dict[str, tuple[str, str]]:
    """field -> (value, provenance) for title, date, source, author and url; `doc` is trafilatura's result."""
    tree = _html_tree(html)
    tags = _meta_tags(tree)
    author = _first_tag(tags, _AUTHOR_TAGS)
    if not author[0] and doc.author:
        author = (_author_line(tree, _squash(doc.author)), "html:author in page")
    date = _tag_date(tags)
    if not date[0] and normalize_date(doc.date):
        date = (normalize_date(doc.date), f"html:date in page or address {INFERRED}")
    return {
        "title": (_squash(doc.title or ""), "html:title"),
        "date": date,
        "source": _html_source(tags, tree),
        "author": author,
        "url": (doc.url or "", "html:url"),
    }


def _html_tree(html: str) -> Any:
    """The page as an lxml tree for reading metadata, or None when lxml cannot parse it."""
    from lxml import html as lxml_html

    try:
        return lxml_html.fromstring(html)
    except Exception:  # an unparsable page only means no extra metadata
        return None


def _meta_tags(tree: Any) -> dict[str, str]:
    """Read <meta name|property=... content=...> pairs, lower-cased keys, first occurrence wins."""
    if tree is None:
        return {}
    tags: dict[str, str] = {}
    for node in tree.iter("meta"):
        key = (node.get("name") or node.get("property") or node.get("itemprop") or "").strip().lower()
        content = (node.get("content") or "").strip()
        if key and content:
            tags.setdefault(key, content)
    return tags


# trafilatura drops single-word authors (a Western-name heuristic), which loses most Chinese names,
# so declared author tags are read directly first.
_AUTHOR_TAGS = ("author", "article:author", "byline", "dc.creator", "dc.contributor", "sailthru.author")
# Publication-date tags, most specific first (PubDate is what Chinese government sites write).
_DATE_TAGS = ("article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
              "publish_date", "publish-date", "dc.date.issued", "dcterms.issued", "dc.date", "date",
              "sailthru.date", "parsely-pub-date")
# The article's own source (portals and government sites write ContentSource/source) beats a `来源：` line
# in the page, which beats the site's name: a portal's og:site_name names the portal, not the paper.
_SOURCE_TAGS = ("contentsource", "source")
_SITE_TAGS = ("og:site_name", "sitename", "dc.publisher", "publisher")
_NOT_ARTICLE_RE = re.compile(r"foot|nav|comment|related|recommend|sidebar|copyright", re.IGNORECASE)
_LINE_TAGS = frozenset({"p", "div", "span", "li", "td", "em", "small", "time", "font", "section", "h2", "h3",
                        "h4", "h5", "h6", "header"})
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "ul", "ol", "table", "section", "article", "h1", "h2", "h3",
                         "h4", "h5", "h6", "header", "footer", "blockquote"})
_MARKUP_LINE_MAX = 80


def _first_tag(tags: dict[str, str], keys: Iterable[str]) -> tuple[str, str]:
    """(value, `html:<key>`) of the first usable tag among keys; web addresses are not names."""
    for key in keys:
        value = _squash(tags.get(key, ""))
        if value and not value.lower().startswith(("http://", "https://")):
            return value, f"html:{key}"
    return "", ""


def _tag_date(tags: dict[str, str]) -> tuple[str, str]:
    """(ISO date, `html:<key>`) from the first date tag that holds a real calendar date."""
    for key in _DATE_TAGS:
        date = normalize_date(tags.get(key, ""))
        if date:
            return date, f"html:{key}"
    return "", ""


def _in_page_furniture(element: Any) -> bool:
    """True inside a footer, nav bar, sidebar or comment list, where `来源：` lines describe other things."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("footer", "nav", "aside"):
            return True
        if _NOT_ARTICLE_RE.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
    return False


def _markup_source(tree: Any) -> str:
    """The name after `来源：` in the first short line of the page outside its furniture."""
    if tree is None:
        return ""
    for element in tree.iter(*_LINE_TAGS):
        text = _squash(element.text_content())
        if "来源" not in text or len(text) > _MARKUP_LINE_MAX or _in_page_furniture(element):
            continue
        match = SOURCE_LABEL_RE.search(text)
        if match:
            return match.group(1)
    return ""


def _html_source(tags: dict[str, str], tree: Any) -> tuple[str, str]:
    """(source, provenance): a source tag, else a `来源：` line in the page, else the site's name."""
    stated = _first_tag(tags, _SOURCE_TAGS)
    if stated[0]:
        return stated
    line = _markup_source(tree)
    if line:
        return line, "html:来源 line"
    return _first_tag(tags, _SITE_TAGS)


def _author_line(tree: Any, author: str) -> str:
    """The whole byline around an author trafilatura found in the markup.

    trafilatura reads the author from one element (`<span class="author">钟雨桐</span> 通讯员 韩立峰`),
    which cuts a shared byline after the first name; the text that follows on the same line is kept when
    the line is names and roles only.
    """
    if tree is None:
        return author
    for element in tree.iter():
        if not isinstance(element.tag, str) or _squash(element.text_content()) != author:
            continue
        parts = [author, element.tail or ""]
        for sibling in element.itersiblings():
            if not isinstance(sibling.tag, str) or sibling.tag in _BLOCK_TAGS:
                break
            parts.extend((sibling.text_content(), sibling.tail or ""))
        names = split_tail(_squash(" ".join(parts)))[0]
        return names if names.startswith(author) and is_names_line(names) else author
    return author
