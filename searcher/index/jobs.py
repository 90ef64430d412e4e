"""A full rebuild in a background thread, so a web request can start one and come back for its progress.

The build is the backend's (`searcher.index.writable.WritableIndex.build`; by default `build_index`). It writes a
new generation (on OpenSearch a new index) beside the live one and switches to it only when complete, so searches
keep being answered from the old one meanwhile. One `Rebuilder` runs at most one build at a time in its process;
across processes the writer lock decides, and a build refused by it (IndexBusy) is reported as failed with the
lock holder in the message.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SearcherError
from .build import BuildReport, build_index, count_files

log = logging.getLogger(__name__)

IDLE, RUNNING, DONE, FAILED = "idle", "running", "done", "failed"
# load_corpus reports a bad JSON Lines record as `file.jsonl:LINE`; that is not another file done.
_JSONL_LINE = re.compile(r"\.jsonl:\d+$", re.IGNORECASE)

Build = Callable[..., BuildReport]


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class Rebuilder:
    """Runs `build(corpus_dir, index_dir)` (by default `build_index`) in a thread and keeps its status; thread-safe.

    `wait` is how long the build waits for another writer (an `add`, another process's build) before giving
    up; `on_file` is called with each file's path just before it is read (tests use it to hold a build).
    """

    def __init__(self, corpus_dir: Path, index_dir: Path, *, wait: float = 0.0,
                 on_file: Callable[[str], None] | None = None, build: Build = build_index) -> None:
        self.corpus_dir, self.index_dir = Path(corpus_dir), Path(index_dir)
        self.wait = wait
        self.on_file = on_file
        self._build = build
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._status: dict[str, Any] = self._fresh(IDLE)

    @staticmethod
    def _fresh(state: str) -> dict[str, Any]:
        return {"state": state, "started": None, "finished": None, "files_done": 0, "files_total": 0,
                "current": None, "articles": 0, "paragraphs": 0, "skipped": [], "generation": None, "error": None}

    def start(self) -> bool:
        """Start a rebuild; False (and nothing started) when one is already running in this process."""
        with self._lock:
            if self._status["state"] == RUNNING:
                return False
            self._status = self._fresh(RUNNING)
            self._status["started"] = _now()
            self._thread = threading.Thread(target=self._run, name="searcher-rebuild", daemon=True)
            # Daemon: a server that exits mid-build loses only the unfinished generation, never the live one.
            self._thread.start()
        return True

    def status(self) -> dict[str, Any]:
        """A snapshot safe to serialise: {state, started, finished, files_done, files_total, current,
        articles, paragraphs, skipped: [{path, reason}], generation, error}."""
        with self._lock:
            snapshot = dict(self._status)
            snapshot["skipped"] = [dict(s) for s in self._status["skipped"]]
            return snapshot

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the running build (if any); True when none is running afterwards."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status()["state"] != RUNNING

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._status.update(changes)

    def _progress(self, path: str) -> None:
        """build_index calls this before reading each file; so every earlier file is done."""
        if not _JSONL_LINE.search(path):
            with self._lock:
                if self._status["current"] is not None:
                    self._status["files_done"] += 1
                self._status["current"] = path
        if self.on_file is not None:  # outside the lock: a hook that blocks must not block status()
            self.on_file(path)

    def _run(self) -> None:
        try:
            self._update(files_total=count_files(self.corpus_dir) if self.corpus_dir.is_dir() else 0)
            report = self._build(self.corpus_dir, self.index_dir, progress=self._progress, wait=self.wait)
        except SearcherError as exc:  # IndexBusy, a missing corpus: the message is the whole story
            self._update(state=FAILED, finished=_now(), current=None, error=str(exc))
        except Exception as exc:  # a bug must still end as "failed", never as a job stuck "running"
            log.exception("rebuild of %s failed", self.index_dir)
            self._update(state=FAILED, finished=_now(), current=None, error=f"{type(exc).__name__}: {exc}")
        else:
            with self._lock:
                self._status.update(
                    state=DONE, finished=_now(), current=None, files_done=self._status["files_total"],
                    articles=report.articles, paragraphs=report.paragraphs, generation=report.generation,
                    skipped=[{"path": s.path, "reason": s.reason} for s in report.skipped],
                )
