"""Adding files to the live index without ever losing or misplacing one.

- Files go into the corpus the index was built from (`store.resolve_corpus`), so the next rebuild keeps them;
  a different `--corpus` is refused naming both.
- A file from outside the corpus is copied to `added/NAME`, or `added/DIR/PATH` for the files of a directory
  given to `add` (their relative paths kept). A name already taken by a different file gets `-2`, `-3`…
  (`report-2.md`); the same bytes under that name are the same file, never a second copy.
- Every file is read and parsed before anything is copied, from a staging copy in a hidden folder (in the index
  directory, or the corpus on OpenSearch): one that cannot be indexed (unknown type, empty, unreadable, no
  article, too many paragraphs) is reported by name and reason and never enters the corpus.
- All of that, and the paragraph limits (`searcher.index.limits`), happen before the writer lock is taken; under the
  lock the files are only placed and written. If another writer holds the lock, the good files are still placed
  in the corpus (the next build or add indexes them) and IndexBusy says so. If the write fails, the files this
  request placed are removed again and the index is left as it was.

All of this is the same for every backend (`ingest`); what the index holds of a file and how a file's paragraphs
are replaced are the backend's (`searcher.index.writable.WritableIndex`; `searcher.backends.writable_index` picks
the configured one).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..corpus import uploads
from ..corpus.reading import discover_files, load_file
from ..errors import DiskFull, IndexBusy, TooManyParagraphs, UnreadableFile
from ..models import ParsedFile, Skipped
from . import store
from .build import BuildReport, Progress, is_disk_full
from .documents import paragraph_documents
from .limits import Limits, docx_paragraphs
from .writable import Indexed, IndexReader, IndexWriter, WhooshIndex, WritableIndex

INDEXED, UNCHANGED, SKIPPED = "indexed", "unchanged", "skipped"
ADDED_DIR = "added"


@dataclass(frozen=True)
class Incoming:
    """One file for the corpus: what its sender called it, the corpus folder it belongs in, and its bytes."""

    label: str
    folder: str
    name: str
    data: bytes


@dataclass
class FileOutcome:
    """What became of one file given to `add` or uploaded; `code` is a stable word for why it was skipped."""

    name: str
    status: str = INDEXED
    file: str | None = None
    articles: list[str] = field(default_factory=list)
    paragraphs: int = 0
    reason: str | None = None
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def skipped(name: str, code: str, reason: str) -> FileOutcome:
    return FileOutcome(name, SKIPPED, reason=reason, code=code)


@dataclass
class _Prepared:
    outcome: FileOutcome
    parsed: ParsedFile | None = None
    content_hash: str = ""
    staged: Path | None = None  # the staging copy of a file that is not in the corpus yet
    source: Incoming | None = None  # its folder and name (data dropped, read back from `staged`)
    unchanged: bool = False  # already indexed with these bytes when prepared (checked again under the lock)

    @property
    def pending(self) -> bool:
        """Whether this file still needs the writer: to be placed and indexed, or to confirm it is unchanged."""
        return self.parsed is not None or self.unchanged


def add_files(paths: Iterable[Path], corpus_dir: Path | None, index_dir: Path, progress: Progress | None = None,
              wait: float = 0.0, limits: Limits | None = None) -> BuildReport:
    """Index new or changed files into the live Whoosh generation; unchanged files (same content hash) are skipped.

    `corpus_dir` None means the corpus recorded by the index; a different one raises CorpusMismatch."""
    target = WhooshIndex(Path(index_dir), None if corpus_dir is None else Path(corpus_dir))
    return add_paths(target, paths, progress=progress, wait=wait, limits=limits)


def add_paths(target: WritableIndex, paths: Iterable[Path], *, progress: Progress | None = None, wait: float = 0.0,
              limits: Limits | None = None) -> BuildReport:
    """`searcher add PATH...` on any backend: each file or directory's files into `target.corpus` and the index."""
    return ingest(target, _sources(paths, target.corpus), progress=progress, wait=wait, limits=limits)


def _sources(paths: Iterable[Path], corpus: Path) -> Iterator[Path | Incoming | FileOutcome]:
    """Each file to add: a corpus file (indexed where it is), an Incoming copy, or why it cannot be read."""
    root = corpus.resolve()
    for given in map(Path, paths):
        if given.is_dir():
            base = given.resolve()
            for path in discover_files(given):
                rel_dir = path.parent.relative_to(given).as_posix()
                folder = "/".join(p for p in (ADDED_DIR, base.name, rel_dir) if p not in ("", "."))
                yield path if path.resolve().is_relative_to(root) else _read(path, folder)
        elif given.is_file():
            yield given if given.resolve().is_relative_to(root) else _read(given, ADDED_DIR)
        else:
            yield skipped(str(given), "missing", "no such file")


def _read(path: Path, folder: str) -> Incoming | FileOutcome:
    try:
        return Incoming(str(path), folder, path.name, path.read_bytes())
    except OSError as exc:
        return skipped(str(path), "unreadable", f"cannot read: {exc.strerror or exc}")


def ingest(target: WritableIndex, items: Iterable[Path | Incoming | FileOutcome], *, progress: Progress | None = None,
           wait: float = 0.0, limits: Limits | None = None) -> BuildReport:
    """The one way files enter the corpus and the index, for `searcher add` and uploads on every backend: prepare
    every item (outside the lock), check the request's size, then place and index the good ones."""
    limits = limits or Limits.from_env()
    corpus = target.corpus
    try:
        # IndexMissing / IndexCorrupt / BackendUnavailable before anything is staged
        with target.reader() as index, tempfile.TemporaryDirectory(prefix=store.STAGING_PREFIX,
                                                                   dir=target.staging) as tmp:
            prepared = [_prepare(item, corpus, Path(tmp), limits, progress, index) for item in items]
            total = sum(p.outcome.paragraphs for p in prepared if p.parsed is not None)
            problem = limits.request_problem(total)
            if problem:
                raise TooManyParagraphs(problem)
            if not any(p.parsed is not None for p in prepared):  # nothing to write: no need to wait for the lock
                report = BuildReport(index.name)
                for p in prepared:
                    _settle(report, p, (p.outcome.articles, p.outcome.paragraphs))
                return report
            return _locked_add(target, prepared, Path(tmp), wait, limits)
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        raise DiskFull(exc.filename or target.where, "nothing was added and the index is unchanged; free space "
                       "on that disk and try again") from exc


def _settle(report: BuildReport, p: _Prepared, indexed: Indexed | None) -> bool:
    """Record a file that needs no writing (skipped, or already `indexed`); False for one that does."""
    report.outcomes.append(p.outcome)
    if not p.pending:
        report.skipped.append(Skipped(p.outcome.name, p.outcome.reason or ""))
        return True
    if indexed is None:
        return False
    report.unchanged += 1
    p.outcome.status, (p.outcome.articles, p.outcome.paragraphs) = UNCHANGED, indexed
    report.article_ids += p.outcome.articles
    return True


def _locked_add(target: WritableIndex, prepared: list[_Prepared], tmp: Path, wait: float,
                limits: Limits) -> BuildReport:
    """Under the writer lock: place and write every file; a write that fails removes the files it placed."""
    corpus = target.corpus
    created: list[Path] = []
    try:
        with target.writer(wait) as index:
            report = BuildReport(index.name)
            for p in prepared:
                _write_one(index, p, corpus, tmp, report, created, limits)
        return report
    except IndexBusy as exc:  # only taking the lock raises it, before anything was placed
        placed = [_place(p, corpus, tmp, [], limits).outcome.file or "" for p in prepared if p.parsed is not None]
        busy = IndexBusy(f"{exc}. Saved in the corpus as {', '.join(placed)}, not yet indexed: "
                         "add or send them again when it has finished")
        busy.saved = placed  # type: ignore[attr-defined]
        raise busy from exc
    except BaseException:
        for path in created:  # the request failed as a whole: leave the corpus as it was
            path.unlink(missing_ok=True)
        raise


# --- before the lock: read, check, parse ------------------------------------------------------------------


def _prepare(item: Path | Incoming | FileOutcome, corpus: Path, tmp: Path, limits: Limits,
             progress: Progress | None, index: IndexReader) -> _Prepared:
    """Everything about one file that needs no lock: read, refuse, find its place, skip if already indexed, parse."""
    if isinstance(item, FileOutcome):
        return _Prepared(item)
    if progress:
        progress(item.label if isinstance(item, Incoming) else str(item))
    if isinstance(item, Path):
        return _prepare_in_place(item, corpus.resolve(), limits, index)
    refusal = _refusal(item, limits)
    if refusal is not None:
        return _Prepared(refusal)
    target = uploads.choose_target(corpus / item.folder, item.name, item.data)
    rel = target.relative_to(corpus).as_posix()
    indexed = index.indexed(rel, _sha1(item.data)) if target.exists() else None
    if indexed is not None:  # sent again: the same bytes, already in the corpus and indexed
        return _Prepared(FileOutcome(item.label, file=rel, articles=indexed[0], paragraphs=indexed[1]),
                         content_hash=_sha1(item.data), unchanged=True)
    staged = tmp / rel
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(item.data)
    prepared = _Prepared(FileOutcome(item.label, file=rel), content_hash=_sha1(item.data), staged=staged,
                         source=Incoming(item.label, item.folder, item.name, b""))
    return _parse(prepared, staged, tmp, limits)


def _prepare_in_place(path: Path, root: Path, limits: Limits, index: IndexReader) -> _Prepared:
    """A file already in the corpus: indexed where it is (and never removed from it, whatever its outcome)."""
    outcome = FileOutcome(str(path), file=path.resolve().relative_to(root).as_posix())
    try:
        content_hash = _sha1(path.read_bytes())
    except OSError as exc:
        return _Prepared(skipped(str(path), "unreadable", f"cannot read: {exc.strerror or exc}"))
    indexed = index.indexed(outcome.file or "", content_hash)
    if indexed is not None:
        outcome.articles, outcome.paragraphs = indexed
        return _Prepared(outcome, content_hash=content_hash, unchanged=True)
    return _parse(_Prepared(outcome, content_hash=content_hash), path.resolve(), root, limits)


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _refusal(item: Incoming, limits: Limits) -> FileOutcome | None:
    """A file refused before it is parsed: a type the reader does not know, empty, too big, a .docx too long."""
    try:
        uploads.check_upload(item.name, len(item.data))
    except uploads.UploadError as exc:
        return skipped(item.label, exc.code, exc.reason)
    if item.name.lower().endswith(".docx"):
        problem = limits.file_problem(docx_paragraphs(item.data, limits.file_paragraphs))
        if problem:
            return skipped(item.label, "too_many_paragraphs", f"at least {problem}")
    return None


def _parse(prepared: _Prepared, path: Path, root: Path, limits: Limits) -> _Prepared:
    """Parse the file as it will be read from the corpus; a file that yields nothing indexable is skipped."""
    outcome = prepared.outcome
    try:
        parsed = load_file(path, root)
    except UnreadableFile as exc:
        return _Prepared(skipped(outcome.name, "unreadable", exc.reason))
    except Exception as exc:  # a parser bug on one file must not lose the others
        return _Prepared(skipped(outcome.name, "unreadable", f"internal error: {type(exc).__name__}: {exc}"))
    bad_lines = "; ".join(f"{b['path']}: {b['reason']}" for b in parsed.meta.get("skipped_lines", []))
    if not parsed.articles:
        return _Prepared(skipped(outcome.name, "no_articles", "no article found in it" + (f" ({bad_lines})"
                                                                                          if bad_lines else "")))
    outcome.paragraphs = sum(len(a.paragraphs) for a in parsed.articles)
    problem = limits.file_problem(outcome.paragraphs)
    if problem:
        return _Prepared(skipped(outcome.name, "too_many_paragraphs", problem))
    prepared.parsed = parsed
    return prepared


# --- under the lock: place and write ----------------------------------------------------------------------


def _write_one(index: IndexWriter, p: _Prepared, corpus: Path, tmp: Path, report: BuildReport,
               created: list[Path], limits: Limits) -> None:
    if p.staged is not None:
        p = _place(p, corpus, tmp, created, limits)
    rel = p.outcome.file or ""
    if _settle(report, p, index.indexed(rel, p.content_hash) if p.pending else None):
        return
    if p.parsed is None:  # unchanged when prepared, changed since by someone else: parse it where it is now
        report.outcomes.pop()
        p = _parse(p, corpus.resolve() / rel, corpus.resolve(), limits)
        if _settle(report, p, None):
            return
    first = len(report.article_ids)
    _add_parsed(index, rel, p.parsed, p.content_hash, report)  # type: ignore[arg-type]
    p.outcome.articles = report.article_ids[first:]
    report.skipped += [Skipped(b["path"], b["reason"]) for b in p.parsed.meta.get("skipped_lines", [])]  # type: ignore[union-attr]


def _add_parsed(index: IndexWriter, rel: str, parsed: ParsedFile, content_hash: str, report: BuildReport) -> None:
    """Replace the paragraphs of corpus file `rel` with those of its parsed articles, and count them."""
    docs: list[dict[str, Any]] = []
    for article in parsed.articles:
        docs += paragraph_documents(article, content_hash)
        report.articles += 1
        report.article_ids.append(article.id)
    report.files += 1
    report.paragraphs += len(docs)
    report.removed += index.replace(rel, docs)


def _place(p: _Prepared, corpus: Path, tmp: Path, created: list[Path], limits: Limits) -> _Prepared:
    """Copy the staged file to the name chosen for it; if another request took that name meanwhile with other
    bytes, the file goes to the next free name and is parsed again there (its id and citation follow its path)."""
    assert p.staged is not None and p.source is not None
    data = p.staged.read_bytes()
    target, new = uploads.place(corpus / p.source.folder, p.source.name, data)
    if new:
        created.append(target)
    if target.relative_to(corpus).as_posix() == p.outcome.file:
        return p
    again = _prepare(Incoming(p.source.label, p.source.folder, p.source.name, data), corpus, tmp, limits, None,
                     _NOTHING_INDEXED)
    return again if again.parsed is not None else p


class _NothingIndexed:
    """An index stand-in for re-preparing a file under the lock, where `_write_one` checks the real index."""

    name = ""

    def indexed(self, rel: str, content_hash: str) -> None:
        return None


_NOTHING_INDEXED = _NothingIndexed()
