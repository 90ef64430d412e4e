"""Question re-ranking: the paragraph where the question's words stand together wins."""

from __future__ import annotations

from searcher.search.plan import Builder
from searcher.search.rerank import Candidate, alnum_bigrams, answer_shape, boost_near, rerank, window_coverage
from searcher.search.syntax import parse_query


def test_bigrams_ignore_punctuation_and_fold_width():
    assert alnum_bigrams("ＡＢ，光伏") == {"ab", "光伏"}


def test_window_coverage_counts_distinct_bigrams_near_each_other():
    weights = {"光伏": 2.0, "企业": 1.0, "嘉兴": 1.0}
    assert window_coverage("嘉兴光伏企业", weights, 10) == 4.0
    assert window_coverage("嘉兴" + "。" * 50 + "光伏企业", weights, 10) == 3.0
    assert window_coverage("光伏光伏光伏", weights, 10) == 2.0


def test_rerank_prefers_the_compact_answer_over_a_slightly_higher_bm25_score():
    weights = {g: 1.0 for g in alnum_bigrams("双环传动在哪一年签约")}
    scattered = Candidate({"text": "双环" + "其他内容。" * 40 + "传动" + "别的。" * 40 + "签约", "title": ""}, 1.1)
    compact = Candidate({"text": "双环传动于2015年签约桐乡经济开发区。", "title": ""}, 1.0)
    ranked = rerank([scattered, compact], "双环传动在哪一年签约", weights)
    assert ranked[0] is compact and ranked[0].score > ranked[1].score


def test_title_coverage_counts():
    weights = {"战国": 1.0, "无双": 1.0}
    a = Candidate({"text": "一款游戏。", "title": "战国无双3"}, 1.0)
    b = Candidate({"text": "一款游戏。", "title": "别的"}, 1.0)
    assert rerank([b, a], "战国无双", weights)[0] is a


def test_a_quantity_question_knows_the_shape_of_its_answer():
    shape = answer_shape("嘉兴的社会组织有多少家？")
    assert shape.search("登记社会组织4980家") and shape.search("两千多家企业") and shape.search("1.2万家")
    assert not shape.search("阳光家庭社工事务所") and not shape.search("专家认为")
    assert answer_shape("水深多少的海域") is None and answer_shape("光伏企业在哪里") is None


def test_the_paragraph_with_the_answer_shape_wins_a_close_call():
    question = "嘉兴的社会组织有多少家"
    weights = {g: 1.0 for g in alnum_bigrams(question)}
    family = Candidate({"text": "嘉兴市阳光家庭社工事务所是一个社会组织。", "title": ""}, 1.0)
    count = Candidate({"text": "全市登记社会组织4980家。", "title": ""}, 1.0)
    assert rerank([family, count], question, weights)[0] is count


def test_keywords_typed_together_rank_where_their_words_stand_together(make_index):
    """A run's words next to each other outrank the same words far apart (the proximity that used to be a phrase
    in the query is now a re-ranking of the best hits); a paragraph missing a word is never a hit."""
    filler = "，".join(["会议还讨论了其他议题"] * 2)  # longer: by BM25 alone "apart" would rank first
    rows = [
        {"id": "apart", "title": "甲", "date": "2025-01-01", "text": "嘉兴市召开会议，光伏产业链也被提及。"},
        {"id": "together", "title": "乙", "date": "2025-01-01", "text": f"嘉兴光伏产业发展迅速。{filler}。"},
        {"id": "half", "title": "丙", "date": "2025-01-01", "text": "嘉兴的老街很热闹。"},
    ]
    engine = make_index(rows)
    result = engine.search("嘉兴光伏")
    assert [h.article.id for h in result.hits] == ["together", "apart"]
    assert result.total == 2


def test_a_run_found_as_typed_outranks_its_parts_found_apart_or_without_its_stopword():
    """中国人民 ranks the paragraph holding it as typed above one where 中国 and 人民 only stand near; 的汇报 (的 is not
    searched) ranks the paragraph holding 的汇报 above one holding only 汇报. Nothing is dropped or added."""
    near = Candidate({"text": "中国与人民", "title": ""}, 2.0)
    typed = Candidate({"text": "中国人民的节日", "title": ""}, 1.6)  # both stand near: 3.0 against 3.2
    assert boost_near([near, typed], [("中国", "人民")], ["中国人民"]) == [typed, near]
    plain = Candidate({"text": "听取汇报。", "title": ""}, 2.0)
    with_stopword = Candidate({"text": "听取工作的汇报。", "title": ""}, 1.5)
    assert boost_near([plain, with_stopword], [], ["的汇报"]) == [with_stopword, plain]


def test_the_plan_asks_for_runs_as_typed_only_where_its_parts_differ_from_them():
    plan = Builder().plan(parse_query('中国人民 的汇报 嘉兴 发展新 "南湖 晨曦"'))
    assert plan.verbatim == ["中国人民", "的汇报"]  # 嘉兴 and 发展新 are matched as typed already, a phrase too
