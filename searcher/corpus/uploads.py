"""Put uploaded articles into the corpus, so the corpus stays the one source of truth.

Every upload becomes an ordinary corpus file under `corpus/uploads/YYYY-MM-DD/`, and is indexed from there
(`searcher.index.adding`). A later `searcher build` therefore keeps it: nothing lives only in the index.

Files appear in the corpus atomically and never over another file. They are written under a hidden temporary
name (the reader ignores dot files, so a build running at the same moment never sees half a file), with the
ordinary mode the umask gives (0644 under umask 022), and then hard-linked to their final name, which fails
instead of overwriting when that name exists. A different file with the same name gets `-2`, `-3`… (`稿件-2.txt`),
the same content gets the existing file back. `searcher add` places files by the same rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import SearcherError
from .reading import EXTRACTED_SUFFIXES, JSONL_SUFFIX, TEXT_SUFFIXES

UPLOADS_DIR = "uploads"
# Everything the corpus reader can parse; anything else would only be skipped by every later build.
ALLOWED_SUFFIXES = frozenset(TEXT_SUFFIXES | EXTRACTED_SUFFIXES | {JSONL_SUFFIX})
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_STEM_CHARS = 80
MAX_NAME_CLASHES = 1000  # report.md, report-2.md … report-1000.md
ARTICLE_FIELDS = ("title", "text", "source", "date", "url")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Letters and digits of any script (Chinese file names are normal here), plus a few harmless marks.
_UNSAFE = re.compile(r"[^\w.()\-]+")


class UploadError(SearcherError):
    """An upload the corpus will not take; the message says why, in words the uploader can act on.
    `reason` is the message without the file's name, `code` a stable word for the kind of refusal."""

    code = "invalid"

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class UploadTooLarge(UploadError):
    """A file (or JSON article) over MAX_UPLOAD_BYTES."""

    code = "too_large"


class UnsupportedUpload(UploadError):
    """A file whose type the corpus reader cannot parse."""

    code = "unsupported_type"


class EmptyUpload(UploadError):
    """A file with no bytes: it could only ever be skipped as empty."""

    code = "empty"


class InvalidArticle(UploadError):
    """A JSON article without a usable title or text, or with a malformed field."""

    code = "invalid_article"


def max_upload_bytes() -> int:
    """Read at call time so that tests (and embedders) can lower the limit on the module."""
    return MAX_UPLOAD_BYTES


def sanitize_filename(filename: str) -> str:
    """A safe single file name: no directories, no hidden or option-like names, the suffix kept (lowercased).

    Only the last path component of what the client sent is used, so `../../etc/passwd` becomes `passwd`.
    """
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # control and format characters
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = _UNSAFE.sub("_", stem.strip()).strip("._-")[:MAX_STEM_CHARS].rstrip("._-") or "upload"
    suffix = _UNSAFE.sub("", suffix).lower()
    return f"{stem}.{suffix}" if suffix else stem


def check_upload(filename: str, size: int) -> str:
    """The sanitised name, after refusing what the corpus cannot use; call it before saving anything."""
    name = sanitize_filename(filename)
    suffix = Path(name).suffix
    if suffix not in ALLOWED_SUFFIXES:
        allowed = " ".join(sorted(ALLOWED_SUFFIXES))
        _refuse(UnsupportedUpload, filename, f"unsupported file type {suffix or '(none)'}; allowed: {allowed}")
    if size > max_upload_bytes():
        _refuse(UploadTooLarge, filename, f"{size} bytes is over the limit of {max_upload_bytes()} bytes")
    if size == 0:
        _refuse(EmptyUpload, filename, "the file is empty")
    return name


def _refuse(kind: type[UploadError], filename: str, reason: str) -> None:
    raise kind(f"{filename!r}: {reason}", reason)


def upload_dir(corpus_dir: Path, today: dt.date | None = None) -> Path:
    return Path(corpus_dir) / UPLOADS_DIR / (today or dt.date.today()).isoformat()


def save_upload(corpus_dir: Path, filename: str, data: bytes, today: dt.date | None = None) -> Path:
    """Store one uploaded file in the corpus and return its path; the same bytes under the same name are
    stored once (so re-sending a file is harmless), different bytes never overwrite an existing file."""
    name = check_upload(filename, len(data))
    return place(upload_dir(corpus_dir, today), name, data)[0]


def candidate_names(name: str) -> Iterator[str]:
    """`report.md`, then `report-2.md`, `report-3.md`…: where a file of that name may go."""
    stem, suffix = Path(name).stem, Path(name).suffix
    yield name
    for n in range(2, MAX_NAME_CLASHES + 1):
        yield f"{stem}-{n}{suffix}"


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def choose_target(directory: Path, name: str, data: bytes) -> Path:
    """The first candidate name that is free or already holds exactly `data` (checks only; writes nothing)."""
    for candidate in candidate_names(name):
        path = directory / candidate
        if not path.exists() or _same(path, data):
            return path
    raise UploadError(f"{name!r}: {MAX_NAME_CLASHES} files of that name already exist in {directory}")


def place(directory: Path, name: str, data: bytes) -> tuple[Path, bool]:
    """Store `data` under the first free candidate name, or find it already stored: (path, newly created)."""
    directory.mkdir(parents=True, exist_ok=True)
    for candidate in candidate_names(name):
        created = _place(directory / candidate, data)
        if created is not None:
            return directory / candidate, created
    raise UploadError(f"{name!r}: {MAX_NAME_CLASHES} files of that name already exist in {directory}")


def _place(target: Path, data: bytes) -> bool | None:
    """Create `target` holding `data` unless it exists: True when created, False when it already holds the same
    bytes, None when it holds other bytes. Never overwrites, even when two uploads race for the same name."""
    if target.exists():
        return False if _same(target, data) else None
    tmp = target.with_name(f".incoming-{secrets.token_hex(8)}")
    # os.open applies the umask to 0o666, as any program creating a file would (mkstemp would give 0600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, target)  # atomic and exclusive: fails if the name was taken meanwhile
        except FileExistsError:
            return False if _same(target, data) else None
        return True
    finally:
        tmp.unlink(missing_ok=True)


def validate_article(article: Any) -> dict[str, str]:
    """The article's fields, cleaned, or InvalidArticle naming the first problem.

    Unknown fields are refused rather than dropped, so a misspelt `titel` is noticed instead of lost.
    """
    if not isinstance(article, Mapping):
        raise InvalidArticle("an article must be a JSON object with 'title' and 'text'")
    unknown = sorted(ascii(key) for key in article if key not in ARTICLE_FIELDS)  # ascii(): echo nothing unsafe
    if unknown:
        raise InvalidArticle(f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(ARTICLE_FIELDS)}")
    clean: dict[str, str] = {}
    for key in ("title", "text"):
        value = article.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InvalidArticle(f"'{key}' must be a non-empty string")
        clean[key] = _unicode(key, value).strip()
    for key in ("source", "date", "url"):
        value = article.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise InvalidArticle(f"'{key}' must be a string")
        clean[key] = _unicode(key, value).strip()
    if clean.get("date") and not _is_real_date(clean["date"]):
        raise InvalidArticle("'date' must be a real date written YYYY-MM-DD, like 2024-11-30")
    return clean


def _unicode(key: str, value: str) -> str:
    """JSON may carry a lone surrogate (`"\\ud800"`), which is no character and cannot be stored as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArticle(f"'{key}' is not valid Unicode text (it holds a lone surrogate)") from None
    return value


def _is_real_date(value: str) -> bool:
    try:
        return bool(_ISO_DATE.match(value)) and bool(dt.date.fromisoformat(value))
    except ValueError:
        return False


def article_line(article: Any) -> bytes:
    """One JSON Lines record for a validated article.

    JSON Lines rather than Markdown with front matter: the reader maps a jsonl record's fields one to one
    (title, source, date, url; each non-empty line of `text` is one paragraph), whereas a Markdown page goes
    through the page parser, whose heuristics (bylines, captions, several headlines on a page) are meant
    for scanned newspaper pages and could split or trim an article the client has already structured.
    """
    record = validate_article(article)
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def json_article_file(article: Any) -> tuple[str, bytes]:
    """Validate one JSON article: the name and bytes of the one-line `.jsonl` corpus file that holds it."""
    data = article_line(article)
    if len(data) > max_upload_bytes():
        raise UploadTooLarge(f"the article is {len(data)} bytes, over the limit of {max_upload_bytes()} bytes")
    return f"article-{hashlib.sha1(data).hexdigest()[:12]}.jsonl", data


def save_json_article(corpus_dir: Path, article: Mapping[str, Any], today: dt.date | None = None) -> Path:
    """Validate one JSON article and store it as a one-line `.jsonl` corpus file named after its content."""
    name, data = json_article_file(article)
    return save_upload(corpus_dir, name, data, today)
