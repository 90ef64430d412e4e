"""Peak memory of a command and every process it starts: the summed RSS and PSS of the tree, sampled every 0.2 s.

RSS counts a page shared by several processes (a writer forked from its parent) once in each; PSS divides it
among them. Used for the build's memory (docs/performance.md):

    .venv/bin/python bench/memtree.py .venv/bin/searcher build --corpus bench/.cache/corpus-112k \\
        --index /tmp/index-112k --procs 2
"""

from __future__ import annotations

import subprocess
import sys
import time

import psutil


def sample(root: psutil.Process, peaks: dict[int, float]) -> tuple[float, float]:
    """The tree's summed RSS and PSS now (MB); each process's peak RSS is kept in `peaks`."""
    rss = pss = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            memory = process.memory_full_info()
        except psutil.Error:  # ended since it was listed
            continue
        rss += memory.rss / 2**20
        pss += memory.pss / 2**20
        peaks[process.pid] = max(peaks.get(process.pid, 0.0), memory.rss / 2**20)
    return rss, pss


def main(command: list[str]) -> int:
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    root, peaks = psutil.Process(child.pid), {}
    peak_rss = peak_pss = 0.0
    while child.poll() is None:
        rss, pss = sample(root, peaks)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.2)
    each = ", ".join(f"{mb:.0f}" for mb in sorted(peaks.values()))
    print(f"{time.perf_counter() - started:.0f} s, exit {child.returncode}; tree peak RSS {peak_rss:.0f} MB, "
          f"PSS {peak_pss:.0f} MB; each process's peak RSS: {each} MB")
    return child.returncode


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: memtree.py COMMAND [ARG...]")
    sys.exit(main(sys.argv[1:]))
