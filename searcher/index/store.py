"""Index generations on disk, switched atomically, and the one-writer-at-a-time lock.

Layout: `INDEX/gen-000007/` holds a complete Whoosh index and, written last, its `meta.json` (which corpus it was
built from, counts); `INDEX/CURRENT` names the live generation; `INDEX/index.json` keeps the highest generation
number ever handed out and the corpus of the last build. A build writes a new generation beside the live one and
replaces `CURRENT` (write, fsync, rename) only once it is complete, so a failed, interrupted or killed build leaves
readers on the previous generation. Numbers only grow, even when a generation directory is deleted by hand, so a
half-built generation can never be mistaken for the one `CURRENT` names.

The writer lock is an advisory `flock`, which the kernel releases when every process holding its file descriptor
has exited: a lock file left by a killed process is never "held". A forked child shares the descriptor (and so the
lock), which is why the build's worker processes close it (`close_inherited_locks`) and die with their parent.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import io
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index

from ..errors import CorpusMismatch, CorpusMissing, IndexBusy, IndexCorrupt, IndexMissing

CURRENT = "CURRENT"
LOCK = "writer.lock"
STATE = "index.json"
META = "meta.json"
_GEN = re.compile(r"^gen-(\d{6})$")
_held_locks: set[int] = set()  # writer-lock descriptors this process holds


def _number(path: Path | str) -> int:
    match = _GEN.match(Path(path).name)
    return int(match.group(1)) if match else 0


def generations(index_dir: Path) -> list[Path]:
    """Every generation directory, oldest first."""
    if not index_dir.is_dir():
        return []
    return sorted(p for p in index_dir.iterdir() if p.is_dir() and _GEN.match(p.name))


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace `path` atomically (write, fsync, rename), so a crash leaves the old or the new content."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_meta(generation: Path) -> dict[str, Any]:
    return _read_json(generation / META)


def write_meta(generation: Path, meta: dict[str, Any]) -> None:
    """Written last, it marks the generation complete: one without it is never served."""
    _write_json(generation / META, meta)


def _named_generation(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None


def current_generation(index_dir: Path) -> Path | None:
    """The live generation, or None when nothing usable was ever published."""
    name = _named_generation(index_dir)
    if name is None or not _GEN.match(name):
        return None
    path = index_dir / name
    return path if (path / META).is_file() else None


def require_generation(index_dir: Path) -> Path:
    """The live generation; IndexMissing when none was published, IndexCorrupt when it is gone or incomplete."""
    gen = current_generation(index_dir)
    if gen is not None:
        return gen
    name = _named_generation(index_dir)
    if name is None:
        raise IndexMissing(str(index_dir))
    if not _GEN.match(name):
        raise IndexCorrupt(str(index_dir), f"{CURRENT} names {name[:40]!r}, which is not a generation")
    state = "is missing" if not (index_dir / name).is_dir() else "is incomplete (no meta.json)"
    raise IndexCorrupt(str(index_dir), f"the live generation {name} {state}")


def open_generation(index_dir: Path, generation: Path) -> Index:
    """Open a generation's Whoosh index; any failure to read it (truncated or missing files) is IndexCorrupt.

    Without memory maps: Whoosh copies each memory-mapped compound segment whole into a BytesIO, so every
    searcher (one per server thread) held its own copy of the index (1.1 GB and 2.9 s to open on 40,000
    paragraphs; 0.1 GB and 0.02 s without), and a segment truncated under a mapping killed the process with
    SIGBUS. Plain reads go through the OS page cache, shared by every thread and process."""
    try:
        return FileStorage(str(generation), supports_mmap=False).open_index()
    except Exception as exc:  # EOFError, struct.error, UnpicklingError, EmptyIndexError, OSError...
        raise unreadable(index_dir, generation, exc) from exc


def unreadable(index_dir: Path, generation: Path | str, exc: BaseException) -> IndexCorrupt:
    """The IndexCorrupt to raise when reading `generation` failed with `exc`, after closing the files the failed
    open left behind (Whoosh does not close a file it could not finish reading)."""
    _close_files_of(exc)
    return IndexCorrupt(str(index_dir), f"the live generation {Path(generation).name} cannot be read "
                                        f"({type(exc).__name__}: {str(exc)[:120]})")


def _close_files_of(exc: BaseException) -> None:
    """Close the files held by the frames the exception passed through (directly or inside Whoosh's wrappers)."""
    tb = exc.__traceback__
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            for handle in (value, getattr(value, "file", None), getattr(value, "_file", None)):
                if isinstance(handle, io.IOBase) and not handle.closed:
                    with contextlib.suppress(Exception):
                        handle.close()
        tb = tb.tb_next


def recorded_corpus(index_dir: Path) -> Path | None:
    """The corpus the live index was built from (None for an index built before this was recorded)."""
    gen = current_generation(index_dir)
    recorded = (read_meta(gen) if gen else {}).get("corpus") or _read_json(index_dir / STATE).get("corpus")
    return Path(recorded) if isinstance(recorded, str) and recorded else None


def resolve_corpus(index_dir: Path, given: Path | None, default: Path) -> Path:
    """Where files added to this index must go: its recorded corpus. `given` (a --corpus or a configured one)
    must be that corpus, or CorpusMismatch names both; without either, `default`."""
    recorded = recorded_corpus(index_dir)
    if recorded is not None and not recorded.is_dir():
        raise CorpusMissing(str(index_dir), str(recorded))
    if given is None:
        return recorded or default
    if recorded is not None and Path(given).resolve() != recorded.resolve():
        raise CorpusMismatch(str(index_dir), str(recorded), str(given))
    return Path(given)


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty directory for the next generation. Its number is above every number ever handed out (the
    high-water mark in index.json), every directory present and the name in CURRENT, so none is ever reused."""
    index_dir.mkdir(parents=True, exist_ok=True)
    state = _read_json(index_dir / STATE)
    seen = [_number(p) for p in generations(index_dir)] + [_number(_named_generation(index_dir) or "")]
    last = state.get("last_generation")
    number = max([*seen, last if isinstance(last, int) else 0]) + 1
    _write_json(index_dir / STATE, state | {"last_generation": number})
    path = index_dir / f"gen-{number:06d}"
    path.mkdir()
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, generation: Path, corpus: Path | None = None) -> None:
    """Make `generation` the live one in a single atomic rename (and remember the corpus it was built from)."""
    if corpus is not None:
        state = _read_json(index_dir / STATE)
        _write_json(index_dir / STATE, state | {"corpus": str(Path(corpus).resolve())})
    tmp = index_dir / f"{CURRENT}.tmp"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(generation.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


def discard(generation: Path) -> None:
    shutil.rmtree(generation, ignore_errors=True)


def close_written_files(directory: Path) -> None:
    """Close every file this process still has open for writing below `directory`. Whoosh leaves them open when a
    write fails (a full disk); left to the garbage collector they warn, and a deleted file's space is only freed
    once it is closed. Buffered files first (closing one closes its raw file even when the flush fails)."""
    prefix = f"{directory}{os.sep}"
    handles = [obj for obj in gc.get_objects() if isinstance(obj, io.BufferedWriter | io.BufferedRandom | io.FileIO)]
    handles.sort(key=lambda obj: isinstance(obj, io.FileIO))
    for handle in handles:
        name = getattr(handle, "name", "")
        if isinstance(name, str) and name.startswith(prefix) and not handle.closed and handle.writable():
            with contextlib.suppress(OSError, ValueError):
                handle.close()


def abandon(generation: Path) -> None:
    """Remove a generation whose build failed in this process, closing what the failed writer left open."""
    close_written_files(generation)
    discard(generation)


STAGING_PREFIX = ".add-"  # searcher.index.adding stages files here while it reads them, outside the lock
STALE_STAGING_SECONDS = 24 * 3600


def discard_abandoned(index_dir: Path) -> list[Path]:
    """Delete generations newer than the live one: left by builds that failed or were killed (they were never
    published). Frees their disk space before the next build needs it. Staging directories of adds killed a day
    or more ago go too (a younger one may belong to an add still reading its files). Call under the lock."""
    live = _number(_named_generation(index_dir) or "")
    doomed = [g for g in generations(index_dir) if _number(g) > live]
    for gen in doomed:
        discard(gen)
    return doomed + discard_stale_staging(index_dir)


def discard_stale_staging(directory: Path) -> list[Path]:
    """Delete the staging folders in `directory` of adds killed a day or more ago (a younger one may belong to an
    add still reading its files). Call under the writer lock."""
    cutoff = time.time() - STALE_STAGING_SECONDS
    doomed = [p for p in directory.glob(f"{STAGING_PREFIX}*") if p.is_dir() and p.stat().st_mtime < cutoff]
    for path in doomed:
        discard(path)
    return doomed


def clean_generations(index_dir: Path, previous: Path | None) -> list[Path]:
    """Delete superseded and abandoned generations, keeping the live one and the one it replaced, so a
    request that read `CURRENT` just before the switch can still open what it read. Call under the lock."""
    keep = {g.name for g in (current_generation(index_dir), previous) if g is not None}
    doomed = [g for g in generations(index_dir) if g.name not in keep]
    for gen in doomed:
        discard(gen)
    return doomed


def _holder(lock_path: Path) -> str:
    try:
        return lock_path.read_text(encoding="ascii").strip() or "unknown"
    except OSError:
        return "unknown"


def close_inherited_locks() -> None:
    """In a forked child: drop the parent's writer-lock descriptors, so the lock is the parent's alone and is
    released the moment the parent dies. Closing (never LOCK_UN, which would unlock the parent too)."""
    for fd in list(_held_locks):
        try:
            os.close(fd)
        except OSError:
            pass
    _held_locks.clear()


@contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's writer lock; wait up to `wait` seconds, then raise IndexBusy naming the holder."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with file_lock(index_dir / LOCK, f"is writing {index_dir}", wait):
        yield


@contextmanager
def file_lock(lock_path: Path, doing: str, wait: float = 0.0) -> Iterator[None]:
    """Hold an exclusive `flock` on `lock_path` (created if missing), which dies with its holder; wait up to `wait`
    seconds, then raise IndexBusy: "another build or add (pid N) `doing`". The OpenSearch backend's writers lock a
    file in the corpus with it (searcher/backends/opensearch/adding.py)."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    acquired = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"another build or add (pid {_holder(lock_path)}) {doing}; try again when it has finished"
                    ) from None
                time.sleep(0.2)
        acquired = True
        _held_locks.add(fd)
        # Any pid left in the file belonged to a process that died holding the lock: the kernel freed it.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        _held_locks.discard(fd)
        if acquired:
            os.ftruncate(fd, 0)
        os.close(fd)
