"""Keyword semantics a reader can trust (issue 8 item 1, 2 and 7): every observation reproduced on small fixture
articles, with what must come back and what must not."""

from __future__ import annotations

import re

import pytest

from searcher.errors import BadQuery

ARTICLES = [
    {"id": "org", "title": "登记社会组织4980家", "byline": "本报记者 王忱 通讯员 钱熠", "source": "嘉兴日报",
     "date": "2024-12-05",
     "text": "截至目前，全市登记社会组织4980家，有专兼职从业人员近5万人。\n"
             "嘉兴市阳光家庭社工事务所是一个专门助力解决婚姻家庭矛盾的社会组织，帮助了很多家庭。\n"
             "社会主义现代化建设离不开各界的参与。\n"
             "专家和运动家在会上发言。"},
    {"id": "lake", "title": "初冬的南湖", "byline": "记者 陈一薇", "source": "南湖晚报", "date": "2024-11-20",
     "text": "晨曦中的南湖换上了华服。\n湖边的游客很多，湖水清澈。\n站在南湖，晨曦映照湖面。"},
    {"id": "plant", "title": "敏实集团智能工厂", "byline": "记者 高柱强 金长青", "source": "嘉兴日报",
     "date": "2023-06-01",
     "text": "敏实集团投用MES系统，实现生产全流程数字化。\n"
             "集团下属企业引进新的管理系统，效率明显提升。\n"
             "加强质量管理，强化安全生产。\n"
             "乌镇的互联网企业不断集聚。"},
    {"id": "solar", "title": "嘉兴光伏产业", "byline": "记者 陈一薇 邓淑华", "source": "浙江日报",
     "date": "2025-02-14",
     "text": "嘉兴高新区以光伏产业为核心，汇聚超200家光伏企业。\n"
             "光伏玻璃企业实现技术突破。\n"
             "嘉兴的农业也在发展。"},
]


@pytest.fixture(scope="module")
def news_index(tmp_path_factory):
    from conftest import jsonl_index

    return jsonl_index(tmp_path_factory.mktemp("semantics"), ARTICLES)


@pytest.fixture(scope="module")
def news(news_index):
    from searcher.search.engine import Engine

    return Engine(news_index)


@pytest.fixture(scope="module")
def web(news_index):
    from web import create_app

    return create_app({"INDEX_DIR": str(news_index), "TESTING": True}).test_client()


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


def marks(hit) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", hit.highlight + hit.byline_highlight)


# --- a run typed without spaces --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["滴水湖", "恐龙化石博物馆"])
def test_words_found_nowhere_give_nothing_not_single_character_hits(news, query):
    result = news.search(query)
    assert (result.total, result.hits, result.partial) == (0, [], False)


@pytest.mark.parametrize("query, expected", [
    ("社会组织", {"org-p1", "org-p2"}),      # not org-p3, which has only 社会
    ("敏实集团", {"plant-p1"}),              # not plant-p2, which has only 集团
    ("MES系统", {"plant-p1"}),               # not plant-p2, which has only 系统
    ("4980家", {"org-p1"}),                  # not 家 in 家庭, 专家, 运动家, nor 4980 in the title alone
    ("嘉兴光伏", {"solar-p1"}),              # not solar-p2 (嘉兴 only in the title) nor solar-p3
])
def test_a_run_is_found_as_typed_or_as_all_its_words_in_the_paragraph(news, query, expected):
    result = news.search(query)
    assert set(ids(result)) == expected and result.total == len(expected) and not result.partial


def test_a_split_off_character_is_only_marked_next_to_its_neighbour(news):
    hit = news.search("4980家").hits[0]
    assert "<mark>4980家</mark>" in hit.highlight and marks(hit) == ["4980家"]


def test_space_separated_words_may_lean_on_the_title_but_a_run_may_not(news):
    spaced = ids(news.search("嘉兴 光伏"))
    # The documented rule: each word in the paragraph or, for all but one, in the heading or title (嘉兴光伏产业);
    # the paragraph holding both ranks first.
    assert spaced == ["solar-p1", "solar-p2", "solar-p3"]
    assert "org-p2" not in spaced  # 嘉兴 but no 光伏 anywhere in its article
    assert ids(news.search("嘉兴光伏")) == ["solar-p1"]


def test_a_run_with_a_missing_word_is_partial_and_only_whole_pieces_match(news):
    result = news.search("乌镇互联网小镇")
    assert result.partial and "plant-p4" in ids(result)
    for hit in result.hits:
        assert set(marks(hit)) <= {"乌镇", "互联网", "小镇"} and marks(hit)


def test_the_question_ranks_the_paragraph_with_the_number_first(news):
    result = news.search("嘉兴的社会组织有多少家")
    order = ids(result)
    assert order.index("org-p1") < order.index("org-p2") and not result.partial


@pytest.mark.parametrize("query", ["title:", "foo:bar", "AND", "author:", "date:"])
def test_syntax_alone_returns_no_unrelated_hits(news, query):
    assert news.search(query).total == 0 and news.search(query).hits == []


def test_and_between_words_is_the_same_as_a_space(news):
    assert ids(news.search("嘉兴 AND 光伏")) == ids(news.search("嘉兴 光伏"))


# --- quoted text ----------------------------------------------------------------------------------------------


def test_quoted_text_with_a_space_matches_that_text_only(news):
    result = news.search('"南湖 晨曦"')
    assert ids(result) == ["lake-p3"]  # 站在南湖，晨曦映照湖面 — not 晨曦中的南湖
    assert "<mark>南湖，晨曦</mark>" in result.hits[0].highlight
    assert ids(news.search('"晨曦 南湖"')) == []


# --- bylines and people ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, articles", [
    ("陈一薇", {"lake", "solar"}), ("邓淑华", {"solar"}), ("王忱", {"org"}), ("高柱强", {"plant"}),
])
def test_a_reporter_finds_every_article_with_the_name_marked_in_the_byline(news, name, articles):
    result = news.search(name)
    assert {h.article.id for h in result.hits} == articles and not result.partial
    for hit in result.hits:
        assert hit.paragraph == 1 and f"<mark>{name}</mark>" in hit.byline_highlight


def test_a_name_split_by_segmentation_never_matches_its_last_character_alone(news):
    result = news.search("高柱强")
    assert ids(result) == ["plant-p1"]  # not plant-p3 (加强, 强化)
    assert "<mark>强</mark>" not in result.hits[0].highlight


def test_author_filter_in_the_query_and_as_a_parameter(news):
    assert {h.article.id for h in news.search("光伏 author:陈一薇").hits} == {"solar"}
    assert news.search("光伏 author:王忱").total == 0
    assert ids(news.search("光伏", author="陈一薇")) == ids(news.search("光伏 author:陈一薇"))
    assert ids(news.search("author:陈一薇")) == ["solar-p1", "lake-p1"]  # one per article, newest first


def test_byline_is_escaped(make_index):
    engine = make_index([{"id": "x", "title": "t", "byline": "<b>记者</b> 王忱", "text": "光伏企业。"}])
    assert engine.search("王忱").hits[0].byline_highlight == "&lt;b&gt;记者&lt;/b&gt; <mark>王忱</mark>"


# --- filters, totals, order -----------------------------------------------------------------------------------


def every_hit(engine, query, **kwargs):
    """All hits over all pages, and the totals each page reported."""
    hits, totals, page = [], set(), 1
    while True:
        result = engine.search(query, size=2, page=page, **kwargs)
        hits += result.hits
        totals.add(result.total)
        if not result.hits:
            return hits, totals
        page += 1


FILTERS = [{}, {"source": "嘉兴日报"}, {"source": "xyz"}, {"date_from": "2000-01-01"}, {"date_from": "2024-01-01"},
           {"date_to": "2024-12-31"}, {"author": "陈一薇"}, {"source": "嘉兴日报", "date_from": "2024-01-01"}]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("per_article", [None, 1, 2])
@pytest.mark.parametrize("query", ["光伏", "嘉兴 光伏", "嘉兴的社会组织有多少家", "0", "乌镇互联网小镇"])
def test_total_is_exactly_what_can_be_paged_through(news, query, filters, per_article):
    hits, totals = every_hit(news, query, per_article=per_article, **filters)
    assert totals == {len(hits)}
    assert len({h.id for h in hits}) == len(hits)
    per = {}
    for hit in hits:
        per[hit.article.id] = per.get(hit.article.id, 0) + 1
        assert filters.get("source", hit.article.source) == hit.article.source
        assert hit.article.date >= filters.get("date_from", "")
        assert hit.article.date <= filters.get("date_to", "9999")
        assert filters.get("author", "") in hit.article.byline
    assert not per_article or max(per.values(), default=0) <= per_article


def test_a_filter_that_matches_nothing_reports_zero(news):
    assert news.search("嘉兴 source:xyz").total == 0
    assert news.search("嘉兴 date:2022").total == 0


@pytest.mark.parametrize("query, expected", [
    ("date:2024", ["org-p1", "lake-p1"]),
    ("source:嘉兴日报", ["org-p1", "plant-p1"]),
    ("author:王忱", ["org-p1"]),
])
def test_a_filter_alone_lists_its_articles_newest_first(news, query, expected):
    result = news.search(query)
    assert ids(result) == expected and result.total == len(expected)


def test_a_filter_alone_with_per_article_lists_paragraphs_in_reading_order(news):
    assert ids(news.search("author:王忱", per_article=2)) == ["org-p1", "org-p2"]


@pytest.mark.parametrize("query", ["嘉兴 date:2024-13-45", "date:abc", "光伏 date:2024-02-30", "date:2024..x"])
def test_a_bad_date_in_the_query_is_refused_like_a_bad_parameter(news, query):
    with pytest.raises(BadQuery, match="not a date"):
        news.search(query)


def test_newest_first(news):
    result = news.search("光伏 OR 社会组织 OR 南湖", sort="newest", size=20)
    dates = [h.article.date for h in result.hits]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == 3
    assert result.total == len(result.hits)


@pytest.mark.parametrize("kwargs", [{"sort": "oldest"}, {"range": "decade"}])
def test_unknown_sort_or_range_is_refused(news, kwargs):
    with pytest.raises(BadQuery):
        news.search("光伏", **kwargs)


def test_quick_ranges_count_back_from_today(make_index):
    from datetime import date, timedelta

    today = date.today()
    ages = {"today": 0, "days3": 3, "days20": 20, "days200": 200, "days800": 800, "future": -5}
    engine = make_index([{"id": name, "title": "t", "text": f"光伏企业{name}。",
                          "date": (today - timedelta(days=age)).isoformat()} for name, age in ages.items()])
    found = {r: {h.article.id for h in engine.search("光伏", range=r).hits} for r in ("day", "week", "month", "year")}
    assert found == {"day": {"today"}, "week": {"today", "days3"}, "month": {"today", "days3", "days20"},
                     "year": {"today", "days3", "days20", "days200"}}
    assert {h.article.id for h in engine.search("光伏", range="year", date_from="2000-01-01").hits} == found["year"]


# --- bounded plans (issue 12 item 1) --------------------------------------------------------------------------


def leaves(query) -> int:
    return sum(1 for _ in query.leaves()) if query is not None else 0


def test_a_repeated_word_makes_a_plan_no_bigger_than_the_word_once():
    from searcher.search.plan import Builder
    from searcher.search.syntax import parse_query

    once = Builder().plan(parse_query("嘉兴"))
    for repeated in ("嘉兴" * 250, " ".join(["嘉兴"] * 166)):
        plan = Builder().plan(parse_query(repeated))
        assert leaves(plan.strict) == leaves(once.strict) and not plan.trimmed
        assert plan.needles == ["嘉兴"]


def test_a_query_of_many_distinct_words_is_capped_and_says_so(news):
    from searcher.search.plan import MAX_PIECES, Builder
    from searcher.search.syntax import parse_query

    words = [f"{a}{b}" for a in "东南西北中" for b in "山水田林湖草沙"]
    plan = Builder().plan(parse_query(" ".join(words)))
    assert plan.trimmed and len(plan.needles) == MAX_PIECES
    per_piece = leaves(Builder().plan(parse_query("东山 南水")).strict) / 2
    assert leaves(plan.strict) <= per_piece * MAX_PIECES + 4
    result = news.search(" ".join(words))
    assert result.notice and result.partial  # no paragraph holds them all; 南湖 and 东湖 hold one


def test_long_quoted_phrases_are_cut_and_say_so(news):
    result = news.search('"' + "光伏企业" * 30 + '"')
    assert result.notice and result.total == 0
    assert not news.search('"光伏企业"').notice


# --- the API, the page and the command line -------------------------------------------------------------------


@pytest.mark.parametrize("extra", [{"date_from": "2000-01-01"}, {"date_to": "2030-01-01"}, {"source": "嘉兴日报"},
                                   {"author": "陈一薇"}, {"range": "year"}, {"sort": "newest"}, {}])
def test_per_article_with_any_filter_answers(web, extra):
    response = web.get("/api/search", query_string={"q": "0", "per_article": 1, **extra})
    assert response.status_code == 200, response.get_json()
    response = web.get("/api/search", query_string={"q": "光伏", "per_article": 1, **extra})
    body = response.get_json()
    assert response.status_code == 200 and body["total"] == len(body["hits"])


@pytest.mark.parametrize("args", [{"q": "嘉兴 date:2024-13-45"}, {"q": "date:abc"}, {"q": "嘉兴", "sort": "x"},
                                  {"q": "嘉兴", "range": "x"}, {"q": "嘉兴", "date_from": "2024-13-45"}])
def test_bad_dates_sorts_and_ranges_are_the_same_400(web, args):
    response = web.get("/api/search", query_string=args)
    assert response.status_code == 400 and set(response.get_json()["error"]) == {"code", "message"}


def test_api_author_sort_range_and_byline_highlight(web):
    body = web.get("/api/search", query_string={"q": "陈一薇", "sort": "newest"}).get_json()
    assert [h["article"]["id"] for h in body["hits"]] == ["solar", "lake"]
    assert all("<mark>陈一薇</mark>" in h["byline_highlight"] for h in body["hits"])
    body = web.get("/api/search", query_string={"q": "光伏", "author": "邓淑华"}).get_json()
    assert {h["article"]["id"] for h in body["hits"]} == {"solar"}


def test_the_page_offers_only_pages_with_hits(web):
    html = web.get("/search", query_string={"q": "光伏 OR 社会组织 OR 南湖", "size": 2, "per_article": 1}).text
    pages = {int(n) for n in re.findall(r'aria-label="第(\d+)页"', html)} | {1}
    assert max(pages) == 2  # three articles, one paragraph each, two a page
    last = web.get("/search", query_string={"q": "光伏 OR 社会组织 OR 南湖", "size": 2, "per_article": 1,
                                            "page": 2}).text
    assert last.count('class="hit"') == 1 and "找到 <strong>3</strong> 条结果" in last
    assert "分页" not in web.get("/search", query_string={"q": "嘉兴 source:xyz"}).text


def test_the_page_has_sort_and_range_controls_and_keeps_them_in_links(web):
    html = web.get("/search", query_string={"q": "光伏 OR 社会组织 OR 南湖", "size": 2, "sort": "newest",
                                            "range": "year"}).text
    assert '<option value="newest" selected>' in html and "一周内" in html
    html = web.get("/search", query_string={"q": "光伏 OR 社会组织 OR 南湖", "size": 2, "sort": "newest"}).text
    assert "sort=newest" in re.search(r'<nav class="pagination".*?</nav>', html, re.S).group(0)


def test_the_page_says_when_matches_are_partial(web):
    assert "没有完全匹配的结果，以下为部分匹配" in web.get("/search", query_string={"q": "乌镇互联网小镇"}).text
    assert "部分匹配" not in web.get("/search", query_string={"q": "滴水湖"}).text


def test_cli_refuses_an_empty_query(news_index):
    from click.testing import CliRunner

    from searcher.cli import cli

    for query in ("", "   "):
        result = CliRunner().invoke(cli, ["search", query, "--index", str(news_index)])
        assert result.exit_code != 0 and "query is empty" in result.output


def test_cli_sort_range_and_author(news_index):
    import json

    from click.testing import CliRunner

    from searcher.cli import cli

    args = ["search", "光伏 OR 南湖", "--index", str(news_index), "--json"]
    newest = json.loads(CliRunner().invoke(cli, [*args, "--newest"]).output)
    assert [h["article"]["date"] for h in newest["hits"]] == sorted((h["article"]["date"] for h in newest["hits"]),
                                                                    reverse=True)
    by = json.loads(CliRunner().invoke(cli, [*args, "--author", "陈一薇", "--range", "year"]).output)
    assert {h["article"]["id"] for h in by["hits"]} <= {"solar", "lake"}


def test_repeats_count_once_without_changing_the_meaning(news):
    assert ids(news.search("光伏 光伏 OR 南湖")) == ids(news.search("光伏"))
    assert ids(news.search("光伏 光伏 光伏")) == ids(news.search("光伏"))


def test_many_quoted_phrases_are_capped_too():
    from searcher.search.plan import MAX_PIECES, Builder
    from searcher.search.syntax import parse_query

    query = " ".join(f'"{a}{b}"' for a in "东南西北中" for b in "山水田林湖草沙")
    plan = Builder().plan(parse_query(query))
    assert plan.trimmed and len(plan.needles) == MAX_PIECES
