"""The one mapping between an article and the index documents of its paragraphs, and back from a stored document
to the attribution a hit needs. Both backends use it: Whoosh stores these documents as they are; OpenSearch sends
the analysed fields as token strings beside the same stored values (searcher/backends/opensearch/documents.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ..models import Article, ArticleRef, Paragraph

# Each analysed field and the stored field it is made from (the word fields analyse their own stored text).
ANALYSED = {
    "text": "text", "grams": "text",
    "title": "title", "title_grams": "title",
    "heading": "heading", "heading_grams": "heading",
    "byline": "byline", "byline_grams": "byline",
}
# Exact values: ids, filters and updates match them as they are.
KEYWORDS = ("id", "article_id", "source", "date", "file", "file_hash")
# Stored only: shown with a hit or an article, never searched.
STORED = ("text", "title", "heading", "byline", "source_url", "page", "continued")


def paragraph_documents(article: Article, content_hash: str) -> Iterator[dict[str, Any]]:
    """Index documents of one article: each paragraph with the attribution a citation needs."""
    for para in article.paragraphs:
        yield {
            "id": f"{article.id}-p{para.number}",
            "article_id": article.id,
            "paragraph": para.number,
            "text": para.text,
            "grams": para.text,
            "title": article.title,
            "title_grams": article.title,
            "heading": para.heading,
            "heading_grams": para.heading,
            "byline": article.byline,
            "byline_grams": article.byline,
            "source": article.source,
            "date": article.date,
            "source_url": article.url,
            "page": article.page,
            "continued": article.continued,
            "file": article.file,
            "file_hash": content_hash,
        }


def article_url(article_id: str, paragraph: int | None = None) -> str:
    """Where the web app shows an article (at a paragraph's anchor); the same link in JSON and HTML."""
    url = "/articles/" + quote(article_id, safe=":")
    return f"{url}#p-{paragraph}" if paragraph else url


def newest_entry(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A stored paragraph's article as the start page's list of newest articles shows it."""
    article_id = doc["article_id"]
    return {"id": article_id, "title": doc.get("title", ""), "date": doc.get("date", ""),
            "source": doc.get("source", ""), "byline": doc.get("byline", ""), "url": article_url(article_id)}


def attribution(doc: Mapping[str, Any]) -> ArticleRef:
    """The article a stored paragraph document belongs to, as a hit cites it."""
    article_id = doc["article_id"]
    return ArticleRef(
        id=article_id, title=doc.get("title", ""), byline=doc.get("byline", ""),
        source=doc.get("source", ""), date=doc.get("date", ""), file=doc.get("file", ""),
        url=article_url(article_id, doc["paragraph"]), source_url=doc.get("source_url", ""),
    )


def article_of(article_id: str, docs: Sequence[Mapping[str, Any]]) -> Article:
    """The whole article from the stored documents of its paragraphs, in paragraph order."""
    first = docs[0]
    return Article(
        id=article_id, title=first.get("title", ""), byline=first.get("byline", ""),
        paragraphs=[Paragraph(d["paragraph"], d.get("text", ""), d.get("heading", "")) for d in docs],
        source=first.get("source", ""), date=first.get("date", ""), url=first.get("source_url", ""),
        file=first.get("file", ""), page=first.get("page", ""), continued=first.get("continued", ""),
    )
