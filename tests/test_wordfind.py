"""Growing the dictionary: runs jieba splits are proposed with counts and examples; `words add` and a rebuild
make them whole words of the index."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from discovery_fixtures import articles, write_corpus

from searcher.cli import cli
from searcher.discovery.wordfind import add_words, suggest_words
from searcher.search.engine import Engine


def _paragraphs() -> list[str]:
    return [p for a in articles() for p in a["text"].split("\n")]


def test_split_names_are_proposed_with_count_and_example() -> None:
    found = {c.word: c for c in suggest_words(_paragraphs(), min_count=2)}
    assert {"嘉源和达", "双溪湖", "加西贝拉", "口袋公园"} <= set(found)
    assert found["嘉源和达"].pieces == ("嘉源", "和", "达") and found["嘉源和达"].count == 2
    assert found["加西贝拉"].count == 3 and "加西贝拉" in found["加西贝拉"].example


def test_fragments_known_words_and_rare_runs_are_not_proposed() -> None:
    found = {c.word for c in suggest_words(_paragraphs(), min_count=2)}
    assert not {"嘉源和", "和达", "嘉兴", "光伏", "隆基绿能"} & found  # fragments; words jieba already has
    assert "双溪湖" not in {c.word for c in suggest_words(_paragraphs(), min_count=3)}


def test_add_words_appends_once_in_jieba_format(tmp_path: Path) -> None:
    (tmp_path / "userdict.txt").write_text("南湖区 10 ns", encoding="utf-8")  # no final newline
    assert add_words(tmp_path, ["嘉源和达", "双溪湖", "南湖区", "嘉源和达"]) == (["嘉源和达", "双溪湖"], ["南湖区"])
    assert (tmp_path / "userdict.txt").read_text(encoding="utf-8") == "南湖区 10 ns\n嘉源和达\n双溪湖\n"


def test_cli_suggest_add_and_rebuild(tmp_path: Path) -> None:
    corpus, index = write_corpus(tmp_path / "corpus"), tmp_path / "index"
    runner = CliRunner()
    listed = runner.invoke(cli, ["words", "suggest", "--corpus", str(corpus), "--min-count", "2", "--json"])
    assert listed.exit_code == 0, listed.output
    assert "加西贝拉" in [row["word"] for row in json.loads(listed.output)]
    added = runner.invoke(cli, ["words", "add", "加西贝拉", "--corpus", str(corpus)])
    assert added.exit_code == 0 and "searcher build" in added.output
    assert runner.invoke(cli, ["build", "--corpus", str(corpus), "--index", str(index)]).exit_code == 0
    _, searcher = Engine(index).whoosh_searcher()
    assert searcher.reader().doc_frequency("text", "加西贝拉") == 3
    offered = runner.invoke(cli, ["suggest", "加西", "--index", str(index)])
    assert offered.output.splitlines()[0] == "加西贝拉"


def test_cli_suggest_says_when_nothing_is_found(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    result = CliRunner().invoke(cli, ["words", "suggest", "--corpus", str(corpus), "--min-count", "50"])
    assert result.exit_code == 0 and "no run found at least 50 times" in result.output


def test_cli_names_a_missing_corpus_or_index(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = tmp_path / "nope"
    for args in (["words", "suggest", "--corpus", str(missing)], ["words", "add", "嘉源和达", "--corpus", str(missing)],
                 ["suggest", "嘉", "--index", str(missing)]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1 and str(missing) in result.output, args
    assert not missing.exists()
