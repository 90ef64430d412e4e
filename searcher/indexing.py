"""Building and updating the paragraph index: corpus files -> articles -> one Whoosh document per paragraph."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import IndexWriter

from . import store
from .errors import UnreadableFile
from .models import Article, ParsedFile, Skipped
from .reading import discover_files, load_corpus, load_file
from .resources import RESOURCE_FILES, load_resources
from .schema import build_schema

Progress = Callable[[str], None]
META = "meta.json"


@dataclass
class BuildReport:
    generation: str
    files: int = 0
    articles: int = 0
    paragraphs: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: int = 0
    removed: int = 0
    article_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0


def file_hash(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def paragraph_documents(article: Article, content_hash: str) -> Iterator[dict[str, Any]]:
    """Whoosh documents of one article: each paragraph with the attribution a citation needs."""
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


def _add_parsed(writer: IndexWriter, parsed: ParsedFile, content_hash: str, report: BuildReport) -> None:
    report.files += 1
    for article in parsed.articles:
        for doc in paragraph_documents(article, content_hash):
            writer.add_document(**doc)
            report.paragraphs += 1
        report.articles += 1
        report.article_ids.append(article.id)


def _write_meta(generation: Path, report: BuildReport) -> None:
    meta = {"generation": generation.name, "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "files": report.files, "articles": report.articles, "paragraphs": report.paragraphs}
    (generation / META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def build_index(corpus_dir: Path, index_dir: Path, progress: Progress | None = None,
                procs: int = 1, wait: float = 0.0) -> BuildReport:
    """Index the whole corpus into a new generation and switch to it only once it is complete."""
    started = time.perf_counter()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if not corpus_dir.is_dir():
        raise UnreadableFile(str(corpus_dir), "corpus directory not found")
    with store.writer_lock(index_dir, wait=wait):
        generation = store.new_generation(index_dir)
        report = BuildReport(generation.name)
        ix = whoosh_index.create_in(str(generation), build_schema(load_resources(corpus_dir)))
        writer = ix.writer(limitmb=256, procs=procs, multisegment=procs > 1)
        try:
            for item in load_corpus(corpus_dir):
                if progress:
                    progress(item.path)
                if isinstance(item, Skipped):
                    report.skipped.append(item)
                else:
                    _add_parsed(writer, item, file_hash(corpus_dir / item.path), report)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        for name in RESOURCE_FILES:
            if (corpus_dir / name).is_file():
                shutil.copy2(corpus_dir / name, generation / name)
        _write_meta(generation, report)
        previous = store.current_generation(index_dir)
        store.publish(index_dir, generation)
        store.clean_generations(index_dir, previous)
    report.seconds = time.perf_counter() - started
    return report


def count_files(corpus_dir: Path) -> int:
    return len(discover_files(Path(corpus_dir)))


def _stored_hash(searcher: Any, rel: str) -> str | None:
    doc = searcher.document(file=rel)
    return doc["file_hash"] if doc else None


def _into_corpus(path: Path, corpus_dir: Path) -> Path:
    """New files are copied into the corpus, which stays the source of truth for later rebuilds."""
    path, corpus_dir = path.resolve(), corpus_dir.resolve()
    if path.is_relative_to(corpus_dir):
        return path
    target = corpus_dir / "added" / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_bytes() != path.read_bytes():
        shutil.copy2(path, target)
    return target


def _expand(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out.extend(discover_files(path) if path.is_dir() else [path])
    return out


def add_files(paths: Iterable[Path], corpus_dir: Path, index_dir: Path, progress: Progress | None = None,
              wait: float = 0.0) -> BuildReport:
    """Index new or changed files into the live generation; unchanged files (same content hash) are skipped."""
    started = time.perf_counter()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    with store.writer_lock(index_dir, wait=wait):
        generation = store.require_generation(index_dir)
        report = BuildReport(generation.name)
        ix = whoosh_index.open_dir(str(generation))
        writer = ix.writer(limitmb=256)
        try:
            with ix.searcher() as searcher:
                for path in _expand(Path(p) for p in paths):
                    _add_one(writer, searcher, path, corpus_dir, report, progress)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
    report.seconds = time.perf_counter() - started
    return report


def _add_one(writer: IndexWriter, searcher: Any, path: Path, corpus_dir: Path, report: BuildReport,
             progress: Progress | None) -> None:
    if progress:
        progress(str(path))
    if not path.is_file():
        report.skipped.append(Skipped(str(path), "no such file"))
        return
    target = _into_corpus(path, corpus_dir)
    rel = target.relative_to(corpus_dir.resolve()).as_posix()
    content_hash = file_hash(target)
    if _stored_hash(searcher, rel) == content_hash:
        report.unchanged += 1
        report.article_ids += sorted({d["article_id"] for d in searcher.documents(file=rel)})
        return
    try:
        parsed = load_file(target, corpus_dir.resolve())
    except UnreadableFile as exc:
        report.skipped.append(Skipped(str(path), exc.reason))
        return
    report.removed += writer.delete_by_term("file", rel)
    _add_parsed(writer, parsed, content_hash, report)
    report.skipped += [Skipped(bad["path"], bad["reason"]) for bad in parsed.meta.get("skipped_lines", [])]


def remove_articles(article_ids: Iterable[str], index_dir: Path, wait: float = 0.0) -> dict[str, int]:
    """Delete articles from the live generation; returns paragraphs removed per id (0 = unknown id)."""
    index_dir = Path(index_dir)
    with store.writer_lock(index_dir, wait=wait):
        ix = whoosh_index.open_dir(str(store.require_generation(index_dir)))
        writer = ix.writer()
        removed = {aid: writer.delete_by_term("article_id", aid) for aid in article_ids}
        writer.commit()
    return removed
