"""Load while changing, short: 16 readers search the production server (`searcher serve`) for 8 seconds while
20 articles are added and then the whole index is rebuilt. No request may fail, every answer must have the
documented shape, and the new articles must be found without a restart. The 60-second run with its figures is
`make reliability` (docs/RELIABILITY.md); no timing is asserted here."""

from __future__ import annotations

import json
from pathlib import Path

from reliability_harness import harness


def test_sixteen_readers_see_no_failure_while_articles_are_added_and_the_index_rebuilt(tmp_path: Path) -> None:
    report = harness.load_while_changing(seconds=8, clients=16, keep=tmp_path / "work")
    harness.print_report(report)  # shown with `pytest -s`
    assert harness.failures(report) == []
    figures = report["figures"]
    for window in ("searching alone", "during add", "during rebuild"):
        assert figures[window]["requests"] > 0, f"no search overlapped {window}: {json.dumps(figures)}"
    assert figures["all"]["5xx"] == 0 and figures["all"]["failed"] == 0
    add, rebuild = report["changes"]
    assert add["checks"]["articles"][1] == add["checks"]["articles"][0] + harness.NEW_ARTICLES
    assert rebuild["checks"]["articles"] == add["checks"]["articles"][1]
