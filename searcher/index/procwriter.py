"""Whoosh's multiprocess writer, made safe to kill, to interrupt and to run out of disk.

`whoosh.multiproc.MpWriter` forks worker processes that wait on a queue for batches of documents. As shipped,
a `kill -9` or SIGTERM of the parent leaves them waiting forever, and each holds a copy of every descriptor the
parent had open, the writer lock's included: the lock stays held, naming a dead pid, until someone kills them.
A worker that fails (disk full) just exits, and the parent either blocks on a full queue or commits an index
that silently lacks that worker's documents.

Here each worker asks the kernel to kill it when its parent dies (Linux `prctl(PR_SET_PDEATHSIG)`; strictly, when
the *thread* that forked it ends, and that thread waits inside the build until its workers are done), closes its
copy of the writer lock, ignores Ctrl-C (the parent cancels it) and reports a full disk by its exit status. The
parent checks on its workers whenever it queues work and after committing, and `cancel()` really stops them.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import queue
import signal
import sys
from pathlib import Path
from typing import Any

from whoosh.index import Index
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import IndexWriter, SegmentWriter

from ..errors import WriterFailed
from . import store
from .codec import LeanCodec
from .pool import TermPool, use_term_pool

PR_SET_PDEATHSIG = 1
DISK_FULL_EXIT = 75  # a worker's exit status when the disk (or a quota) was full
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when `parent` exits; exit at once if it already has."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the closed lock and cancel() still apply
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died between fork() and prctl()
        os._exit(1)


class _Worker(SubWriterTask):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.parent = os.getpid()

    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent cancels us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited through fork
        die_with_parent(self.parent)
        store.close_inherited_locks()
        try:
            super().run()
        except OSError as exc:
            if exc.errno not in DISK_FULL:
                raise
            sys.exit(DISK_FULL_EXIT)  # the parent turns this into one clear message; no traceback per worker

    def _process_file(self, filename: str, doc_count: int) -> None:
        if not isinstance(self.writer.pool, TermPool):  # the first batch: nothing in the pool yet
            use_term_pool(self.writer)
        super()._process_file(filename, doc_count)


def check_workers(tasks: list[Any]) -> None:
    """Raise if a worker ended badly: the index it was writing would silently lack its documents."""
    for task in tasks:
        code = task.exitcode
        if code == DISK_FULL_EXIT:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if code not in (None, 0):
            raise WriterFailed(f"an index writer process (pid {task.pid}) failed with exit status {code}; the "
                               "unfinished generation was removed and the previous index, if any, is still serving")


class _CheckedQueue:
    """The job queue as the parent sees it: a put never blocks forever on workers that are gone."""

    def __init__(self, jobs: Any, tasks: list[Any]) -> None:
        self.jobs, self.tasks = jobs, tasks

    def put(self, item: Any) -> None:
        while True:
            check_workers(self.tasks)
            try:
                self.jobs.put(item, timeout=0.5)
                return
            except queue.Full:
                continue


class SafeMpWriter(MpWriter):
    def __init__(self, ix: Index, procs: int, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, **kwargs)
        use_term_pool(self)
        self._jobs: Any = self.jobqueue
        self.jobqueue: Any = _CheckedQueue(self._jobs, self.tasks)

    def _new_task(self) -> _Worker:
        task = _Worker(self.storage, self.indexname, self._jobs, self.resultqueue, self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task

    def commit(self, *args: Any, **kwargs: Any) -> None:
        super().commit(*args, **kwargs)
        check_workers(self.tasks)

    def cancel(self) -> None:
        stop_workers(self.tasks)
        self._jobs.cancel_join_thread()  # nobody will read what is left in the queue
        SegmentWriter.cancel(self)


def stop_workers(tasks: list[Any]) -> None:
    for task in tasks:
        if task.is_alive():
            task.terminate()
    for task in tasks:
        task.join(5)
        if task.is_alive():
            task.kill()
            task.join()


def writer(ix: Index, procs: int = 1, **kwargs: Any) -> IndexWriter:
    """A writer in the index's format (searcher/index/codec.py): one process, or `procs` processes each writing its own
    segment. Every writer of an index comes from here, so that new and merged segments all inline short postings,
    and every posting pool keeps each term's postings together (searcher/index/pool.py)."""
    kwargs.setdefault("codec", LeanCodec())
    if procs <= 1:
        return use_term_pool(ix.writer(**kwargs))
    return SafeMpWriter(ix, procs=procs, multisegment=True, **kwargs)


def cancel(writer: IndexWriter) -> None:
    """Abandon a writer after a failure (or a committed one whose workers failed) without masking the failure.

    Whoosh's own cancel() writes (it closes the segment), so on a full disk it fails too, half-way, leaving files
    open and its lock on the index held: those are closed and released here all the same."""
    folder = getattr(getattr(writer, "storage", None), "folder", None)
    if folder:
        store.close_written_files(Path(folder))  # what the original failure left open
    try:
        writer.cancel()
    except Exception:  # close what cancel() opened while its exception still holds the files
        if folder:
            store.close_written_files(Path(folder))
        lock = getattr(writer, "writelock", None)
        with contextlib.suppress(Exception):
            if lock is not None:
                lock.release()
        with contextlib.suppress(Exception):
            writer._tempstorage.destroy()
    if isinstance(writer, SafeMpWriter):
        stop_workers(writer.tasks)
