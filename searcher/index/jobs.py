"""A full rebuild in a background thread, so a web request can start one and come back for its progress.

The build is the backend's (`searcher.index.writable.WritableIndex.build`; by default `build_index`). It writes a
new generation (on OpenSearch a new index) beside the live one and switches to it only when complete, so searches
keep being answered from the old one meanwhile. One `Rebuilder` runs at most one build at a time in its process;
across processes the writer lock decides, and a build refused by it (IndexBusy) is reported as failed with the
lock holder in the message.

Its status is also written to STATUS_FILE in the index directory, so that every process of a server started with
several workers (`searcher serve --workers`) reports the same rebuild, whichever process runs it: a request for the
status may reach any of them. A status file left `running` by a process that has died reads as failed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SearcherError
from .build import BuildReport, build_index, count_files

log = logging.getLogger(__name__)

IDLE, RUNNING, DONE, FAILED = "idle", "running", "done", "failed"
STATUS_FILE = "rebuild-status.json"
ABANDONED = "the process running the rebuild stopped before it finished（执行重建的进程已中止）"
# load_corpus reports a bad JSON Lines record as `file.jsonl:LINE`; that is not another file done.
_JSONL_LINE = re.compile(r"\.jsonl:\d+$", re.IGNORECASE)

Build = Callable[..., BuildReport]


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (it may belong to another user: then it exists too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        self.pid = os.getpid()  # whose status a shared one is (tests give two Rebuilders different ones)

    @staticmethod
    def _fresh(state: str) -> dict[str, Any]:
        return {"state": state, "started": None, "finished": None, "files_done": 0, "files_total": 0,
                "current": None, "articles": 0, "paragraphs": 0, "skipped": [], "generation": None, "error": None}

    def start(self) -> bool:
        """Start a rebuild; False (and nothing started) when one is already running, in this process or in
        another that shares the status file."""
        with self._lock:
            if self._status["state"] == RUNNING or self._elsewhere(self._status).get("state") == RUNNING:
                return False
            self._status = self._fresh(RUNNING)
            self._status["started"] = _now()
            self._publish()
            self._thread = threading.Thread(target=self._run, name="searcher-rebuild", daemon=True)
            # Daemon: a server that exits mid-build loses only the unfinished generation, never the live one.
            self._thread.start()
        return True

    def status(self) -> dict[str, Any]:
        """A snapshot safe to serialise: {state, started, finished, files_done, files_total, current,
        articles, paragraphs, skipped: [{path, reason}], generation, error}."""
        with self._lock:
            snapshot = self._elsewhere(self._status) or dict(self._status)
            snapshot["skipped"] = [dict(s) for s in snapshot["skipped"]]
            return snapshot

    def _elsewhere(self, own: dict[str, Any]) -> dict[str, Any]:
        """The shared status when another process started a rebuild after this one's (else {})."""
        try:
            shared = json.loads((self.index_dir / STATUS_FILE).read_text(encoding="utf-8"))
            pid = shared.pop("pid")
        except (OSError, ValueError, KeyError, AttributeError):
            return {}
        if pid == self.pid or (own["started"] is not None and (shared.get("started") or "") <= own["started"]):
            return {}
        if shared.get("state") == RUNNING and not _alive(pid):
            shared.update(state=FAILED, current=None, error=ABANDONED)
        return shared if set(shared) == set(own) else {}

    def _publish(self) -> None:
        """Write this process's status for the others (called under the lock); a failure to write only costs
        the other processes the news."""
        path = self.index_dir / STATUS_FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{STATUS_FILE}.{self.pid}.tmp")
            partial.write_text(json.dumps(self._status | {"pid": self.pid}, ensure_ascii=False), encoding="utf-8")
            os.replace(partial, path)
        except OSError as exc:
            log.warning("could not share the rebuild status in %s: %s", path, exc)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the running build (if any); True when none is running afterwards."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status()["state"] != RUNNING

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._status.update(changes)
            self._publish()

    def _progress(self, path: str) -> None:
        """build_index calls this before reading each file; so every earlier file is done."""
        if not _JSONL_LINE.search(path):
            with self._lock:
                if self._status["current"] is not None:
                    self._status["files_done"] += 1
                self._status["current"] = path
                self._publish()
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
                self._publish()
