"""Building and updating the paragraph index: corpus files -> articles -> one Whoosh document per paragraph."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh import index as whoosh_index
from whoosh.writing import IndexWriter

from ..analysis.resources import RESOURCE_FILES, load_resources
from ..corpus.reading import discover_files, load_corpus
from ..errors import DiskFull, UnreadableFile
from ..models import ParsedFile, Skipped
from . import procwriter, store
from .documents import paragraph_documents
from .schema import build_schema

if TYPE_CHECKING:
    from .adding import FileOutcome

Progress = Callable[[str], None]
META = store.META


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
    outcomes: list[FileOutcome] = field(default_factory=list)  # per file given to `add` (searcher.index.adding)


def file_hash(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def _add_parsed(writer: IndexWriter, parsed: ParsedFile, content_hash: str, report: BuildReport) -> None:
    report.files += 1
    for article in parsed.articles:
        for doc in paragraph_documents(article, content_hash):
            writer.add_document(**doc)
            report.paragraphs += 1
        report.articles += 1
        report.article_ids.append(article.id)


def _write_meta(generation: Path, report: BuildReport, corpus_dir: Path) -> None:
    store.write_meta(generation, {
        "generation": generation.name, "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus": str(corpus_dir.resolve()),
        "files": report.files, "articles": report.articles, "paragraphs": report.paragraphs,
    })


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in procwriter.DISK_FULL


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def disk_full(exc: OSError, index_dir: Path, generation: Path) -> DiskFull:
    """The message for a build that ran out of space: which path, that nothing changed, what to do."""
    live = store.current_generation(index_dir)
    need = f" (the live index takes {_size_mb(live):.2f} MB; a rebuild needs about as much again)" if live else ""
    return DiskFull(exc.filename or str(generation),
                    f"the unfinished generation {generation.name} was removed and the previous index, if any, "
                    f"is still serving. Free space on the disk holding {index_dir}{need}, or build into another "
                    "--index, then run the build again")


def _fill(generation: Path, corpus_dir: Path, progress: Progress | None, procs: int) -> BuildReport:
    """Write every corpus file into the (new, unpublished) generation."""
    report = BuildReport(generation.name)
    ix = whoosh_index.create_in(str(generation), build_schema(load_resources(corpus_dir)))
    writer = procwriter.writer(ix, procs, limitmb=256)
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
        procwriter.cancel(writer)
        raise
    for name in RESOURCE_FILES:
        if (corpus_dir / name).is_file():
            shutil.copy2(corpus_dir / name, generation / name)
    _write_meta(generation, report, corpus_dir)
    return report


def build_index(corpus_dir: Path, index_dir: Path, progress: Progress | None = None,
                procs: int = 1, wait: float = 0.0) -> BuildReport:
    """Index the whole corpus into a new generation and switch to it only once it is complete.

    Whatever stops the build (an error, a full disk, SIGTERM turned into an exception by the CLI) removes the
    unfinished generation and leaves the live one serving; a full disk becomes DiskFull naming the path."""
    started = time.perf_counter()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if not corpus_dir.is_dir():
        raise UnreadableFile(str(corpus_dir), "corpus directory not found")
    with store.writer_lock(index_dir, wait=wait):
        store.discard_abandoned(index_dir)  # space held by killed or failed builds
        previous = store.current_generation(index_dir)
        generation = None
        try:
            generation = store.new_generation(index_dir)
            report = _fill(generation, corpus_dir, progress, procs)
            store.publish(index_dir, generation, corpus_dir)
        except BaseException as exc:
            if generation is not None and store.current_generation(index_dir) != generation:
                store.abandon(generation)
            if is_disk_full(exc):
                raise disk_full(exc, index_dir, generation or index_dir) from exc  # type: ignore[arg-type]
            raise
        store.clean_generations(index_dir, previous)
    report.seconds = time.perf_counter() - started
    return report


def count_files(corpus_dir: Path) -> int:
    return len(discover_files(Path(corpus_dir)))


def add_files(paths: Iterable[Path], corpus_dir: Path | None, index_dir: Path, progress: Progress | None = None,
              wait: float = 0.0) -> BuildReport:
    """Index new or changed files into the live generation (see searcher.index.adding, where this lives)."""
    from .adding import add_files as add

    return add(paths, corpus_dir, index_dir, progress=progress, wait=wait)


def remove_articles(article_ids: Iterable[str], index_dir: Path, wait: float = 0.0) -> dict[str, int]:
    """Delete articles from the live generation; returns paragraphs removed per id (0 = unknown id)."""
    index_dir = Path(index_dir)
    with store.writer_lock(index_dir, wait=wait):
        generation = store.require_generation(index_dir)
        writer = procwriter.writer(store.open_generation(index_dir, generation))
        try:
            removed = {aid: writer.delete_by_term("article_id", aid) for aid in article_ids}
        except Exception as exc:  # reading a truncated segment
            procwriter.cancel(writer)
            raise store.unreadable(index_dir, generation, exc) from exc
        writer.commit()
    return removed
