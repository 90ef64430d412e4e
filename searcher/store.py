"""Index generations on disk, switched atomically, and the one-writer-at-a-time lock.

Layout: `INDEX/gen-000007/` holds a complete Whoosh index; `INDEX/CURRENT` names the live one. A build writes a
new generation beside the live one and replaces `CURRENT` (write, fsync, rename) only once it is complete, so a
failed, interrupted or killed build leaves readers on the previous generation. The writer lock is an advisory
`flock`, which the kernel releases when its holder dies: a lock file left by a killed process is never "held".
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import IndexBusy, IndexMissing

CURRENT = "CURRENT"
LOCK = "writer.lock"
_GEN = re.compile(r"^gen-(\d{6})$")


def generations(index_dir: Path) -> list[Path]:
    """Every generation directory, oldest first."""
    if not index_dir.is_dir():
        return []
    return sorted(p for p in index_dir.iterdir() if p.is_dir() and _GEN.match(p.name))


def current_generation(index_dir: Path) -> Path | None:
    """The live generation, or None when nothing was ever published."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    path = index_dir / name
    return path if _GEN.match(name) and path.is_dir() else None


def require_generation(index_dir: Path) -> Path:
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissing(str(index_dir))
    return gen


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty directory for the next generation (numbers only grow, so names are never reused)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    existing = [int(_GEN.match(p.name).group(1)) for p in generations(index_dir)]  # type: ignore[union-attr]
    path = index_dir / f"gen-{max(existing, default=0) + 1:06d}"
    path.mkdir()
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, generation: Path) -> None:
    """Make `generation` the live one in a single atomic rename."""
    tmp = index_dir / f"{CURRENT}.tmp"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(generation.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


def clean_generations(index_dir: Path, previous: Path | None) -> list[Path]:
    """Delete superseded and abandoned generations, keeping the live one and the one it replaced, so a
    request that read `CURRENT` just before the switch can still open what it read. Call under the lock."""
    keep = {g.name for g in (current_generation(index_dir), previous) if g is not None}
    doomed = [g for g in generations(index_dir) if g.name not in keep]
    for gen in doomed:
        shutil.rmtree(gen, ignore_errors=True)
    return doomed


def _holder(lock_path: Path) -> str:
    try:
        return lock_path.read_text(encoding="ascii").strip() or "unknown"
    except OSError:
        return "unknown"


@contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's writer lock; wait up to `wait` seconds, then raise IndexBusy naming the holder."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir / LOCK
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
                        f"another build or add (pid {_holder(lock_path)}) is writing {index_dir}; "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.2)
        acquired = True
        # Any pid left in the file belonged to a process that died holding the lock: the kernel freed it.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        if acquired:
            os.ftruncate(fd, 0)
        os.close(fd)
