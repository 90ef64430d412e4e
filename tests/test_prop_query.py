"""Property: any string is a query. Parsing never raises, the plan builder always yields a plan, and that plan
runs on a real (tiny) index, through Whoosh directly and through `Engine.search`.

Generated queries mix every kind of character with the syntax the parser knows (quotes of four kinds, `-`,
`OR`, `|`, `title:`/`source:`/`date:` with good and bad values), since syntax is where parsers break.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searcher.errors import BadQuery
from searcher.search.engine import MAX_QUERY_CHARS, Engine
from searcher.search.plan import Builder
from searcher.search.syntax import parse_query

SYNTAX = st.sampled_from([
    '"', "“", "”", "「", "」", "『", "』", "-", "--", " OR ", "OR", "|", "||", " ", "\u3000", "\t", "\n",
    "title:", "source:", "date:", "date:2024", "date:2024-11", "date:2024-13-45", "date:..2024", "date:2024..",
    "date:abc..", ":", "::", "嘉兴", "光伏", "长江大桥", "南京市长江大桥", "的", "什么", "？", "?", "哪", "a",
    "APP", "ＡＰＰ", "１００", "臺灣", "经开区", "_", "*", "(", ")", "[", "]", "\\", "\x00", "\x1b", "\u200b",
    "\ud800", "\udced",  # lone surrogates: a JSON escape, a command-line argument that was not UTF-8
])
CHARS = st.characters()
QUERY = st.lists(st.one_of(SYNTAX, st.text(CHARS, max_size=6)), max_size=14).map("".join)
SYNONYMS = {"经开区": "经开区", "经济技术开发区": "经开区"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    from conftest import ARTICLES, write_jsonl

    from searcher.index.build import build_index

    root = tmp_path_factory.mktemp("prop-query")
    corpus = root / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", ARTICLES)
    (corpus / "synonyms.txt").write_text("经开区 = 经济技术开发区\n", encoding="utf-8")
    build_index(corpus, root / "index")
    return Engine(root / "index")


def run_plan(engine: Engine, text: str) -> None:
    """Build the plan exactly as the engine does and run each of its queries on the index."""
    searcher, builder = engine._searcher()
    reader = searcher.reader()

    def df(field: str, term: str) -> tuple[int, int]:
        return reader.doc_frequency(field, term), reader.doc_count()

    parsed = parse_query(text)
    for plan in (Builder(SYNONYMS).plan(parsed), builder.plan(parsed, df)):
        assert isinstance(plan.needles, list) and all(isinstance(n, str) and n for n in plan.needles)
        for query in (plan.strict, plan.question):
            if query is not None:
                searcher.search(query, limit=5, filter=plan.filter)
        if not parsed.empty and (plan.strict is None and plan.question is None):
            pytest.fail(f"a query with words gave no plan: {text!r}")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(QUERY)
def test_any_string_parses_into_a_plan_that_runs(tiny: Engine, text: str) -> None:
    run_plan(tiny, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(QUERY, st.integers(1, 3), st.integers(1, 20))
def test_any_string_is_searched_with_a_well_formed_result(tiny: Engine, text: str, page: int, size: int) -> None:
    try:
        result = tiny.search(text[:MAX_QUERY_CHARS], page=page, size=size)
    except BadQuery as exc:  # the one documented refusal (a 400), e.g. for a `date:` that is no date
        assert str(exc).strip()
        return
    assert result.total >= len(result.hits) and len(result.hits) <= size
    assert [h.rank for h in result.hits] == list(range((page - 1) * size + 1, (page - 1) * size + 1 + len(result.hits)))
    for hit in result.hits:
        assert hit.text and hit.article.id and hit.paragraph >= 1
        assert hit.highlight.replace("<mark>", "").replace("</mark>", "") == escape(hit.text)


def escape(text: str) -> str:
    from markupsafe import escape as html_escape

    return str(html_escape(text))
