"""Keywords of an article (jieba.analyse TF-IDF) and "more like this": other paragraphs and articles that share them.

jieba's IDF table is general Chinese; the archive's own document frequencies would be better for words jieba
does not know, but its table keeps the result stable as the archive grows and needs no extra pass over it.
"""

from __future__ import annotations

import warnings
from typing import Any

from whoosh import query as Q

from ..analysis.normalize import normalize
from ..models import Article
from ..search.engine import Engine

TOP_KEYWORDS = 10
MLT_TERMS = 6


def _analyse() -> Any:
    """jieba.analyse, imported when first needed: loading its IDF table and tagger takes a second, which the
    server's start (and its first answer) should not pay."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba 0.42.1 (2020): pkg_resources and invalid escapes
        import jieba.analyse
    return jieba.analyse


def keywords(text: str, top: int = TOP_KEYWORDS) -> list[str]:
    """The `top` most characteristic words of `text`, best first: segmented as the index segments (so each is a
    term the index can be searched for), weighted by jieba's TF-IDF."""
    words = _analyse().extract_tags(normalize(text).text, topK=top * 2)
    return [w for w in words if len(w) > 1 and not w.isdigit()][:top]


def article_keywords(article: Article, top: int = TOP_KEYWORDS) -> list[str]:
    """Keywords of the whole article; the title counts twice, as a reader would weigh it."""
    body = "\n".join(p.text for p in article.paragraphs)
    return keywords(f"{article.title}\n{article.title}\n{body}", top)


def related_query(words: list[str], exclude_article: str) -> Q.Query | None:
    """"More like this", decided once for both backends: paragraphs holding any of the best MLT_TERMS `words`
    (BM25-ranked), never from `exclude_article`; None without words."""
    if not words:
        return None
    # Paragraph text only, the best MLT_TERMS words: every extra common word (嘉兴) makes Whoosh score
    # many more paragraphs for little change in the top (docs/discovery.md has the timings).
    return Q.AndNot(Q.Or([Q.Term("text", w) for w in words[:MLT_TERMS]]), Q.Term("article_id", exclude_article))


def related(engine: Engine, words: list[str], exclude_article: str, limit: int = 10) -> dict[str, list[dict]]:
    """Paragraphs and articles sharing the most of `words` (`related_query`, run by `engine.scored`):
    {"paragraphs": [{id, article_id, paragraph, title, text, score}], "articles": [{id, title, date, source,
    score}]} (an article is listed once, at its best paragraph)."""
    query = related_query(words, exclude_article)
    if query is None:
        return {"paragraphs": [], "articles": []}
    paragraphs: list[dict] = []
    articles: dict[str, dict] = {}
    for doc, score in engine.scored(query, limit * 5):
        article_id = doc["article_id"]
        score = round(score, 4)
        if len(paragraphs) < limit:
            paragraphs.append({"id": doc["id"], "article_id": article_id, "paragraph": doc["paragraph"],
                               "title": doc.get("title", ""), "text": doc.get("text", ""), "score": score})
        if article_id not in articles and len(articles) < limit:
            articles[article_id] = {"id": article_id, "title": doc.get("title", ""), "date": doc.get("date", ""),
                                    "source": doc.get("source", ""), "score": score}
    return {"paragraphs": paragraphs, "articles": list(articles.values())}
