"""Results to take away: an Atom feed per query (a reporter follows a topic), CSV and JSON downloads.

All three are built from the same dict `/api/search` returns, plus the citations, so they never disagree
with the page. The Atom feed is written with ElementTree, which escapes every text and attribute.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from xml.etree import ElementTree as ET

from .citation import gbt7714, plain

ATOM = "http://www.w3.org/2005/Atom"
CSV_COLUMNS = ["rank", "id", "title", "source", "date", "byline", "paragraph", "text", "url", "source_url",
               "citation_gbt7714", "citation_plain"]


def with_citations(result: dict[str, Any]) -> dict[str, Any]:
    """The search result with `citation` {gbt7714, plain} added to every hit (numbered by rank)."""
    hits = [hit | {"citation": {"gbt7714": gbt7714(hit["article"], hit["rank"]), "plain": plain(hit)}}
            for hit in result["hits"]]
    return result | {"hits": hits}


def to_csv(result: dict[str, Any]) -> str:
    """One row per hit, UTF-8 with a BOM so that spreadsheet programs read the Chinese correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for hit in with_citations(result)["hits"]:
        article = hit["article"]
        writer.writerow([hit["rank"], hit["id"], article["title"], article["source"], article["date"],
                         article["byline"], hit["paragraph"], hit["text"], article["url"],
                         article.get("source_url", ""), hit["citation"]["gbt7714"], hit["citation"]["plain"]])
    return out.getvalue()


def to_atom(result: dict[str, Any], self_url: str, base_url: str, updated: str) -> str:
    """An Atom 1.0 feed of the hits (RFC 4287): one entry per paragraph, newest article date as `updated`
    when the hits are dated, else `updated` (an RFC 3339 timestamp the caller gives)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "title", f"检索：{result['query']}")
    _text(feed, "id", base_url.rstrip("/") + self_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=base_url.rstrip("/") + self_url)
    dates = [h["article"]["date"] for h in result["hits"] if h["article"]["date"]]
    _text(feed, "updated", f"{max(dates)}T00:00:00Z" if dates else updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "searcher")
    for hit in result["hits"]:
        _entry(feed, hit, base_url.rstrip("/"), updated)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True)


def _entry(feed: ET.Element, hit: dict[str, Any], base: str, updated: str) -> None:
    article = hit["article"]
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "title", f"{article['title']}（第{hit['paragraph']}段）")
    _text(entry, "id", f"{base}{article['url']}")
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=f"{base}{article['url']}")
    _text(entry, "updated", f"{article['date']}T00:00:00Z" if article["date"] else updated)
    if article["byline"]:
        _text(ET.SubElement(entry, f"{{{ATOM}}}author"), "name", article["byline"])
    _text(entry, "summary", hit["text"])
    if article["source"]:
        _text(entry, "category", "", term=article["source"])


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text:
        element.text = text
    return element
