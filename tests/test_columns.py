"""searcher/search/columns.py: columns as arrays, read once per set of segments."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
from conftest import ARTICLES, write_jsonl

from searcher.index.adding import add_files
from searcher.search.columns import column, occurrence
from searcher.search.engine import Engine
from searcher.search.facets import ARTICLE_FIELDS, sample_articles


def test_codes_sort_as_the_values_and_give_each_documents_value(engine: Engine) -> None:
    searcher, _ = engine._searcher()
    for name in ("article_id", "date", "paragraph"):
        col = column(searcher, name)
        assert col.values == sorted(set(col.values))
        reader = searcher.reader().column_reader(name)
        assert [col[d] for d in range(searcher.doc_count_all())] == list(reader)
    assert column(searcher, "date") is column(searcher, "date")  # read once


def test_an_add_is_seen(engine: Engine, tmp_path: Path) -> None:
    searcher, _ = engine._searcher()
    before = column(searcher, "article_id")
    extra = write_jsonl(tmp_path / "more.jsonl", [dict(ARTICLES[0], id="bridge-2", date="2026-01-01")])
    add_files([extra], tmp_path / "corpus", engine.index_dir)
    searcher, _ = engine._searcher()
    after = column(searcher, "article_id")
    assert "bridge-2" in after.values and "bridge-2" not in before.values
    assert len(after.codes) == searcher.doc_count_all() > len(before.codes)


def test_occurrence_counts_earlier_elements_of_the_same_code() -> None:
    assert occurrence(np.array([5, 3, 5, 5, 3, 9])).tolist() == [0, 0, 1, 2, 1, 0]
    assert occurrence(np.array([], dtype=np.int32)).tolist() == []


def test_facets_read_the_stored_fields_of_an_index_without_those_columns(engine: Engine) -> None:
    """Indexes built before source and byline were columns keep them only stored: the facets read those."""
    searcher, _ = engine._searcher()
    docs = np.arange(searcher.doc_count_all())
    articles = column(searcher, "article_id")
    from_columns = sample_articles(searcher, docs, articles, {name: column(searcher, name) for name in ARTICLE_FIELDS})
    from_stored = sample_articles(searcher, docs, articles, dict.fromkeys(ARTICLE_FIELDS))
    assert from_columns == from_stored
    assert len(from_columns[0]) == len(ARTICLES) and {m.fields["source"] for m in from_columns[0].values()} == {
        "嘉兴日报", "南湖晚报"}


def test_threads_asking_at_once_read_a_column_once(engine: Engine, monkeypatch) -> None:
    """A server's threads all need the article column at their first searches: one reads it, the others wait
    for it (each reading it too took seconds at a million paragraphs)."""
    from searcher.search import columns

    reads = []
    real = columns._read

    def slow_read(searcher, name):
        reads.append(name)
        time.sleep(0.2)
        return real(searcher, name)

    monkeypatch.setattr(columns, "_read", slow_read)
    searcher, _ = engine._searcher()
    got: list[columns.Column] = []
    threads = [threading.Thread(target=lambda: got.append(column(searcher, "source"))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert reads == ["source"] and len(got) == 6 and all(g is got[0] for g in got)
