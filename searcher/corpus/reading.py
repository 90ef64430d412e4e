"""Read a corpus directory: find the article files, decode them, and hand their text to the parser.

A file that cannot be used is reported (path and reason) and skipped; it never stops the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from ..errors import UnreadableFile
from ..models import Article, Paragraph, ParsedFile, Skipped
from ..page import meta as page_meta
from ..page.ids import IdAllocator, given_id
from ..page.parsing import parse_page
from .decode import decode_bytes

__all__ = ["decode_bytes", "discover_files", "load_file", "load_corpus", "RESOURCE_FILES"]

# Analyzer resources that live at the corpus root but are not articles.
RESOURCE_FILES = frozenset({"userdict.txt", "synonyms.txt"})
TEXT_SUFFIXES = frozenset({".txt", ".md"})
EXTRACTED_SUFFIXES = frozenset({".html", ".htm", ".pdf", ".docx"})
JSONL_SUFFIX = ".jsonl"


def _relative(path: Path, root: Path) -> str:
    """The corpus-relative path with forward slashes, as stored on articles and in messages."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover_files(root: Path) -> list[Path]:
    """Every candidate file below root, sorted by relative path; hidden files and resources excluded."""
    found: list[Path] = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if len(rel.parts) == 1 and rel.name in RESOURCE_FILES:
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _read_bytes(path: Path, rel: str) -> bytes:
    """The file's bytes, or UnreadableFile naming the OS error."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(rel, f"cannot read: {exc.strerror or exc}") from exc


def _decode(path: Path, rel: str) -> tuple[str, str]:
    """Decoded text and encoding, or UnreadableFile with the decoder's reason."""
    try:
        return decode_bytes(_read_bytes(path, rel))
    except ValueError as exc:
        raise UnreadableFile(rel, str(exc)) from exc


def _split_front_matter(text: str, rel: str) -> tuple[str, dict[str, Any]]:
    """Separate optional YAML front matter from the body; malformed front matter is an error to fix."""
    if not text.lstrip("\ufeff").startswith("---"):
        return text, {}
    try:
        post = frontmatter.loads(text.lstrip("\ufeff"))
    except (yaml.YAMLError, ValueError) as exc:
        raise UnreadableFile(rel, f"invalid YAML front matter: {exc}") from exc
    if not isinstance(post.metadata, Mapping):
        raise UnreadableFile(rel, "front matter is not a mapping of fields")
    return post.content, dict(post.metadata)


def _load_text(path: Path, rel: str) -> ParsedFile:
    """A .txt or .md page: decode, split off front matter, parse into articles."""
    text, encoding = _decode(path, rel)
    body, meta = _split_front_matter(text, rel)
    if not body.strip():
        raise UnreadableFile(rel, "empty file (no text after the front matter)")
    parsed = parse_page(body, file=rel, meta=page_meta.labelled(meta, "front matter"))
    parsed.encoding = encoding
    return parsed


def _load_extracted(path: Path, rel: str) -> ParsedFile:
    """HTML, PDF and DOCX go through searcher.corpus.formats (another module); its failures become UnreadableFile."""
    try:
        from . import formats  # lazy: heavy optional dependencies, and owned by another module

        text, meta = formats.extract(path)
    except UnreadableFile:
        raise
    except Exception as exc:  # any extractor failure is this one file's problem, never the corpus's
        raise UnreadableFile(rel, f"cannot extract text: {type(exc).__name__}: {exc}") from exc
    if not text or not text.strip():
        raise UnreadableFile(rel, "empty file (no text extracted)")
    parsed = parse_page(text, file=rel, meta=dict(meta or {}))
    parsed.encoding = str((meta or {}).get("encoding", ""))
    return parsed


def _jsonl_article(record: Any, rel: str, allocator: IdAllocator) -> Article:
    """One jsonl record as an Article; ValueError names what is wrong with it."""
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    title, text = record.get("title"), record.get("text")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("missing or empty 'title'")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing or empty 'text'")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    article = Article(id="", title=" ".join(title.split()), file=rel)
    article.paragraphs = [Paragraph(number=n, text=t) for n, t in enumerate((t for t in lines if t), start=1)]
    stated = page_meta.labelled(record, "jsonl")
    page_meta.apply_page_meta(article, stated)
    page_meta.apply_article_meta(article, stated)
    raw_id = record.get("id")
    has_id = raw_id is not None and str(raw_id).strip()
    article.id = allocator.for_given(raw_id) if has_id else allocator.for_title(article.title)
    return article


def _no_surrogates(value: Any) -> Any:
    """A JSON `\\ud800` escape decodes to a lone surrogate, which no later stage can encode (the index, the page,
    the JSON answer): each becomes U+FFFD, one character for one."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_no_surrogates(k): _no_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    return value


def _load_jsonl(path: Path, rel: str) -> ParsedFile:
    """One article per line; bad lines are listed in meta['skipped_lines'] and the rest kept."""
    text, encoding = _decode(path, rel)
    parsed = ParsedFile(path=rel, encoding=encoding)
    allocator = IdAllocator(rel)
    skipped: list[dict[str, str]] = []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            parsed.articles.append(_jsonl_article(_no_surrogates(json.loads(line)), rel, allocator))
        except json.JSONDecodeError as exc:
            skipped.append({"path": f"{rel}:{number}", "reason": f"invalid JSON: {exc.msg}"})
        except ValueError as exc:
            skipped.append({"path": f"{rel}:{number}", "reason": str(exc)})
    parsed.meta["skipped_lines"] = skipped
    return parsed


def load_file(path: Path, root: Path) -> ParsedFile:
    """Read and parse one corpus file; UnreadableFile(relative path, reason) when it cannot be used."""
    rel = _relative(path, root)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _load_text(path, rel)
    if suffix == JSONL_SUFFIX:
        return _load_jsonl(path, rel)
    if suffix in EXTRACTED_SUFFIXES:
        return _load_extracted(path, rel)
    raise UnreadableFile(rel, f"unsupported file type {suffix}" if suffix else "unsupported file type (none)")


def _dedupe_ids(parsed: ParsedFile, seen: set[str]) -> None:
    """Keep ids unique across the corpus: a source-given id already used by an earlier file is hashed
    with this file's path (deterministic, since files are read in sorted order)."""
    for article in parsed.articles:
        if article.id in seen:
            article.id = given_id(parsed.path, f"{article.id}@{parsed.path}")
        seen.add(article.id)


def load_corpus(root: Path) -> Iterator[ParsedFile | Skipped]:
    """Every file below root, parsed, or Skipped(path, reason); jsonl bad lines come as `file.jsonl:LINE`."""
    seen: set[str] = set()
    for path in discover_files(root):
        try:
            parsed = load_file(path, root)
        except UnreadableFile as exc:
            yield Skipped(exc.path, exc.reason)
            continue
        except Exception as exc:  # a parser bug on one file must not lose the rest of the corpus
            yield Skipped(_relative(path, root), f"internal error: {type(exc).__name__}: {exc}")
            continue
        _dedupe_ids(parsed, seen)
        yield parsed
        for bad in parsed.meta.get("skipped_lines", []):
            yield Skipped(bad["path"], bad["reason"])
