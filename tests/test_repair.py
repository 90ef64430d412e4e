"""Rejoining paragraphs cut by page and column breaks (searcher.page.repair and the sentence-end rule)."""

from __future__ import annotations

import pytest

from searcher.page.repair import join_cut, repair_run, should_join, starts_new_paragraph
from searcher.page.text import ends_sentence


@pytest.mark.parametrize(
    "text",
    [
        "句子结束。",
        "他说：“我们会做好。”",
        "真的吗？",
        "太好了！",
        "数据背后……",
        "“首次、首批、第一、唯一”。",
        "一气呵成;",
        "领跑全省；",
        "介绍如下：",
        "（浙江数字化发展与治理研究中心 黄颖博士）",
        "It ended.",
    ],
)
def test_sentence_ends(text: str) -> None:
    assert ends_sentence(text)


@pytest.mark.parametrize(
    "text",
    [
        "成为国内第一只特种",
        "我们以重点项目推进为抓",
        "2024年,嘉兴高新区以“闯”",
        "海外市场销售量占总销量的近50%。”加西",
        "做强空港电子信息产业园、",
        "是推动产业迈向中高端的重要",
        "用激情与坚持——",
        "此次跨地区的集群,是",
    ],
)
def test_cut_sentences(text: str) -> None:
    assert not ends_sentence(text)


def test_word_cut_across_a_page_break_is_joined() -> None:
    assert repair_run(["成为国内第一只特种", "纸生产企业的股票……穿越百年历史。"]) == [
        "成为国内第一只特种纸生产企业的股票……穿越百年历史。"
    ]


def test_three_way_cut_is_joined_and_the_duplicated_character_removed() -> None:
    pieces = ["海外市场销售量占总销量的近50%。”加西", "贝拉党委副书记", "记、副总经理周建生介绍。"]
    assert repair_run(pieces) == ["海外市场销售量占总销量的近50%。”加西贝拉党委副书记、副总经理周建生介绍。"]


def test_duplicate_removal_is_narrow() -> None:
    # Only "same ideograph + 、/，" at the start of the continuation counts as a PDF duplicate.
    assert join_cut("党委书记", "记、副总经理") == "党委书记、副总经理"
    assert join_cut("他写日记", "记录了一切。") == "他写日记记录了一切。"
    assert join_cut("年产量达", "达到一万吨") == "年产量达达到一万吨"


def test_finished_paragraphs_stay_apart() -> None:
    assert repair_run(["第一段结束。", "第二段开始。"]) == ["第一段结束。", "第二段开始。"]


def test_a_new_paragraph_opening_is_not_glued_to_a_cut_enumeration() -> None:
    previous = "持续提升平台能级,做强空港电子信息产业园、"
    following = "正月初八，年味还未散尽，嘉兴国家高新区的招商团队早已奔跑起来。"
    assert starts_new_paragraph(following)
    assert not should_join(previous, following)
    assert repair_run([previous, following]) == [previous, following]


@pytest.mark.parametrize(
    "text",
    ["2024年,嘉兴高新区以“闯”", "11月27日至29日，参加", "近日，根据德国", "据了解，高新区", "本报讯 记者"],
)
def test_new_paragraph_openings(text: str) -> None:
    assert starts_new_paragraph(text)


@pytest.mark.parametrize(
    "text", ["的精神、“创”的劲头", "手，把办公桌搬到项目一线", "前，桐乡经济开发区正处在", "“三驾马车”之首"]
)
def test_continuations_are_not_new_paragraphs(text: str) -> None:
    assert not starts_new_paragraph(text)


def test_latin_words_keep_their_space() -> None:
    joined = repair_run(["Start Up Energy", "Transition 平台公布了名单。"])
    assert joined == ["Start Up Energy Transition 平台公布了名单。"]
