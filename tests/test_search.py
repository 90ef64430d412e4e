"""What readers notice at once: each failure of the out-of-the-box stack is a test here."""

from __future__ import annotations

import re

import pytest
from conftest import ARTICLES, write_jsonl

from searcher.backends import writable_index
from searcher.errors import BadQuery
from searcher.index.adding import add_files
from searcher.search import engine as engine_module


def ids(result):
    return [h.id for h in result.hits]


def marked(result):
    return [m for h in result.hits for m in re.findall(r"<mark>(.*?)</mark>", h.highlight)]


def test_quoted_phrase_matches_in_order_and_adjacent(engine):
    assert ids(engine.search('"长江大桥"')) == ["bridge-p1"]
    assert ids(engine.search('"大桥长江"')) == []


def test_minus_excludes(engine):
    assert set(ids(engine.search("发展"))) == {"farm-p1", "farm-p2"}
    assert ids(engine.search("发展 -农业")) == ["farm-p2"]
    assert ids(engine.search('发展 -"数字经济"')) == ["farm-p1"]


@pytest.mark.parametrize("query, expected", [
    ("曦", "lake-p1"), ("国梁", "bridge-p2"), ("市长", "bridge-p1"), ("app", "lake-p2"),
    ("ＡＰＰ", "lake-p2"), ("100万", "lake-p2"), ("臺灣", "lake-p2"), ("台湾", "lake-p2"),
])
def test_single_characters_parts_of_names_and_words_inside_words_are_found(engine, query, expected):
    result = engine.search(query)
    assert expected in ids(result)
    assert marked(result)


def test_full_width_and_traditional_are_highlighted_in_the_original_text(engine):
    hit = engine.search("台湾").hits[0]
    assert "<mark>臺灣</mark>" in hit.highlight
    assert "<mark>ＡＰＰ</mark>" in engine.search("app").hits[0].highlight


def test_highlight_never_marks_half_a_word(engine):
    hit = engine.search("马克思").hits[0]
    assert "<mark>马克思</mark>" in hit.highlight


def test_all_words_must_match(engine):
    assert ids(engine.search("嘉兴 光伏")) == ["solar-p1"]


def test_or_between_words(engine):
    assert set(ids(engine.search("逆变器 OR 绿色食品"))) == {"solar-p2", "farm-p1"}


def test_title_and_source_filters(engine):
    assert set(ids(engine.search("title:农业"))) == {"farm-p1", "farm-p2"}
    assert ids(engine.search("南湖 source:南湖晚报")) == ["lake-p1"]
    assert ids(engine.search("嘉兴", source="南湖晚报")) == []


def test_date_range(engine):
    assert {h.article.id for h in engine.search("嘉兴", date_from="2025-01-01").hits} == {"solar"}
    assert {h.article.id for h in engine.search("嘉兴 date:2023").hits} == {"farm"}


def test_synonyms_apply_at_query_time(engine):
    result = engine.search("经开区")
    assert ids(result) == ["farm-p2"]
    assert "<mark>经济技术开发区</mark>" in result.hits[0].highlight


@pytest.mark.parametrize("query", ['"光伏', '光伏"', "-", "OR", "光伏 OR", "。", "((", "title:", "*?", "<script>"])
def test_stray_syntax_is_read_as_text(engine, query):
    engine.search(query)  # never raises


def test_unbalanced_quote_still_finds_the_word(engine):
    assert "solar-p1" in ids(engine.search('"光伏'))


def test_html_in_text_and_query_is_escaped(make_index):
    engine = make_index([{"id": "x", "title": "t", "text": "<b>光伏</b> & 嘉兴"}])
    assert engine.search("光伏").hits[0].highlight == "&lt;b&gt;<mark>光伏</mark>&lt;/b&gt; &amp; 嘉兴"


def test_no_strict_match_returns_partial_matches_and_says_so(engine):
    result = engine.search("嘉兴 火星")
    assert result.partial and result.total > 0
    assert not engine.search("嘉兴 光伏").partial


def test_question_ranks_its_paragraph_first(engine):
    result = engine.search("嘉兴高新区汇聚了多少家光伏企业？")
    assert ids(result)[0] == "solar-p1"


def test_hits_carry_attribution(engine):
    hit = engine.search('"刘国梁"').hits[0]
    assert (hit.rank, hit.paragraph, hit.article.id, hit.article.title) == (1, 2, "bridge", "南京长江大桥通车纪念")
    assert hit.article.url == "/articles/bridge#p-2"
    assert hit.article.source_url == "https://example.org/bridge"
    assert hit.text == "马克思主义者刘国梁参观了大桥。"


def test_paging_and_ranks(engine):
    first, second = engine.search("嘉兴", size=2), engine.search("嘉兴", size=2, page=2)
    assert [h.rank for h in first.hits] == [1, 2] and [h.rank for h in second.hits] == [3]
    assert set(ids(first)) | set(ids(second)) == {"farm-p1", "farm-p2", "solar-p1"}
    assert first.total == second.total == 3


def test_one_article_per_page_option(engine):
    result = engine.search("光伏", per_article=1)
    assert len({h.article.id for h in result.hits}) == len(result.hits)


@pytest.mark.parametrize("kwargs", [{"page": 0}, {"size": 0}, {"size": 101}, {"date_from": "2024/1/1"}])
def test_bad_parameters_raise_bad_query(engine, kwargs):
    with pytest.raises(BadQuery):
        engine.search("嘉兴", **kwargs)


def test_over_long_query_is_refused(engine):
    with pytest.raises(BadQuery):
        engine.search("嘉" * 501)


def test_long_paragraph_gets_a_sentence_window_with_ellipses(make_index):
    text = "。".join(f"第{i}句话讲的是别的事情" for i in range(30)) + "。光伏企业在这里。" + "后面还有很多内容。" * 20
    hit = make_index([{"id": "long", "title": "t", "text": text}]).search("光伏").hits[0]
    assert hit.highlight.startswith("…") and hit.highlight.endswith("…")
    assert "<mark>光伏</mark>企业在这里。" in hit.highlight
    assert hit.text == text


def test_article_and_health(engine):
    article = engine.article("bridge")
    assert [p.number for p in article.paragraphs] == [1, 2]
    assert engine.health()["articles"] == 4 and engine.health()["paragraphs"] == 8
    assert engine.sources() == ["南湖晚报", "嘉兴日报"] or set(engine.sources()) == {"南湖晚报", "嘉兴日报"}
    assert engine.date_range() == ("2023-05-01", "2025-02-14")


def test_health_counts_the_articles_left_after_adds_and_removals(engine, tmp_path):
    """An added article counts, a removed one does not (its paragraphs stay in the segment, deleted), and the
    paragraph count follows."""
    more = [{"id": "port", "title": "嘉兴港", "source": "嘉兴日报", "date": "2025-03-01", "text": "集装箱。\n出口。"},
            {"id": "farm2", "title": "蘑菇", "source": "嘉兴日报", "date": "2025-03-02", "text": "光伏板下种蘑菇。"}]
    add_files([write_jsonl(tmp_path / "more.jsonl", more)], tmp_path / "corpus", engine.index_dir)
    assert engine.health()["articles"] == 6 and engine.health()["paragraphs"] == 11
    writable_index(engine.index_dir, tmp_path / "corpus").remove(["farm2", "bridge"])
    searcher, _ = engine._searcher()
    live = {searcher.stored_fields(d)["article_id"] for d in range(searcher.doc_count_all())
            if not searcher.reader().is_deleted(d)}
    assert live == {"port"} | {a["id"] for a in ARTICLES} - {"bridge"}
    assert engine.health()["articles"] == len(live) == 4 and engine.health()["paragraphs"] == 8


def test_a_page_past_the_end_is_empty(engine):
    result = engine.search("嘉兴", size=2, page=5)
    assert result.total == 3 and result.hits == []


def test_space_separated_keywords_stay_strict_however_many(engine):
    result = engine.search("嘉兴 高新区 光伏 企业 核心")
    assert ids(result) == ["solar-p1"] and not result.partial


def test_a_question_is_ranked_not_filtered(engine):
    result = engine.search("嘉兴哪家企业做逆变器？")
    assert ids(result)[0] == "solar-p2" and not result.partial


def test_word_matches_rank_above_substring_only_matches(make_index):
    engine = make_index([
        {"id": "inside", "title": "桥", "text": "南京市长江大桥今天正式通车了。"},
        {"id": "word", "title": "会", "text": "副市长今天出席了通车仪式。"},
    ])
    assert ids(engine.search("市长")) == ["word-p1", "inside-p1"]


def test_user_dictionary_words_are_single_words(make_index):
    rows = [{"id": "a", "title": "t", "text": "禾城大地遍吹创新之风。"}]
    plain = make_index(rows)
    assert "禾城大地" not in plain.highlight_terms("禾城大地")
    engine = make_index(rows, userdict="禾城大地 10 ns\n")
    assert engine.highlight_terms("禾城大地") == ["禾城大地"]
    assert ids(engine.search("禾城大地")) == ["a-p1"]


@pytest.mark.parametrize("limit, total, relation", [(3, 3, "gte"), (5, 5, "eq"), (6, 5, "eq")])
def test_totals_are_exact_up_to_the_limit_then_at_least(make_index, monkeypatch, limit, total, relation):
    """Past TOTAL_LIMIT the total says "at least" (Elasticsearch's track_total_hits) and paging still reaches every
    hit; a paragraph without the word is never counted."""
    rows = [{"id": f"port-{i}", "title": f"第{i}篇", "date": "2025-01-0" + str(i + 1),
             "text": f"乍浦港口第{i}次扩建。"} for i in range(5)]
    rows.append({"id": "other", "title": "别的", "date": "2025-01-09", "text": "与此无关的段落。"})
    engine = make_index(rows)
    monkeypatch.setattr(engine_module, "TOTAL_LIMIT", limit)
    first = engine.search("港口", size=3)
    assert (first.total, first.total_relation) == (total, relation)
    assert first.to_dict()["total_relation"] == relation
    rest = engine.search("港口", size=3, page=2)
    ids = {h.article.id for h in first.hits + rest.hits}
    assert ids == {f"port-{i}" for i in range(5)}
