"""Page parsing rules on small pages: boundaries, titles, bylines, headings, captions, furniture, ids."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from searcher.models import Dropped, ParsedFile
from searcher.page.ids import IdAllocator, file_slug, given_id, is_url_safe
from searcher.page.inspecting import inspect_to_dict, inspect_to_text
from searcher.page.meta import normalize_date
from searcher.page.parsing import parse_page

PAGES = Path(__file__).parent / "fixtures" / "pages"


def parse_fixture(name: str) -> ParsedFile:
    return parse_page((PAGES / name).read_text(encoding="utf-8"), file=name)


def texts(article) -> list[str]:
    return [p.text for p in article.paragraphs]


def test_headline_over_two_lines_and_two_line_byline() -> None:
    first = parse_fixture("two_articles.txt").articles[0]
    assert first.title == "头版新闻标题 副标题在第二行"
    assert first.byline == "记者 张三 通讯员 李四"


def test_page_is_split_at_each_headline_with_a_byline() -> None:
    parsed = parse_fixture("two_articles.txt")
    assert [a.title for a in parsed.articles] == ["头版新闻标题 副标题在第二行", "另一篇文章"]
    assert parsed.articles[1].byline == "本报评论员 王五"
    assert texts(parsed.articles[1]) == ["评论正文第一段，观点鲜明。"]


def test_headings_label_the_following_paragraphs_and_are_not_paragraphs() -> None:
    first = parse_fixture("two_articles.txt").articles[0]
    assert [(p.number, p.heading, p.text) for p in first.paragraphs] == [
        (1, "", "第一段正文讲述了事情的经过，内容完整。"),
        (2, "", "第二段正文在版面底部被切断，成为国内第一只特种纸生产企业的股票。"),
        (3, "小标题一 第二行小标题", "小标题下面的正文，句子完整。"),
    ]


def test_caption_and_continuation_are_dropped_on_the_article() -> None:
    first = parse_fixture("two_articles.txt").articles[0]
    assert first.dropped == [Dropped("图片说明文字", "caption"), Dropped("(下转2版)", "continuation")]
    assert first.continued == "下转2版"


def test_page_furniture_is_dropped_with_its_reason() -> None:
    parsed = parse_fixture("two_articles.txt")
    assert [(d.reason, d.text) for d in parsed.dropped] == [
        ("column name", "经济嘉观察"),
        ("ad", "ICBC 中国工商银行 嘉兴分行"),
        ("qr prompt", "扫一扫 更精彩"),
        ("teaser", "■导读"),
        ("teaser", "“抗洪老兵” 用爱与坚守书写人生“最美”故事 》》》详见4版"),
        ("weather", "今天多云转阴,夜里局部有小雨,今天白天最高气温12℃。"),
    ]


def test_photo_story_byline_after_its_text_starts_a_new_article_at_its_headline() -> None:
    parsed = parse_fixture("photo_story.txt")
    assert [(a.title, a.byline) for a in parsed.articles] == [
        ("前一篇文章", "记者 赵六"),
        ("初冬的南湖 美不胜收", "摄影 记者 王振宇 陆巍"),
    ]
    assert texts(parsed.articles[1]) == ["昨天,晨曦中的南湖悄然换上了“华服”。"]
    assert texts(parsed.articles[0]) == ["前一篇正文，完整的一句话。"]


def test_markdown_title_and_headings() -> None:
    page = "# 大标题\n\n► 本报记者 邓淑华 特约通讯员 陈一薇\n\n导语一句。\n\n## 第一部分\n\n正文一句。\n"
    article = parse_page(page, file="a.md").articles[0]
    assert article.title == "大标题"
    assert article.byline == "本报记者 邓淑华 特约通讯员 陈一薇"
    assert [(p.heading, p.text) for p in article.paragraphs] == [
        ("", "导语一句。"),
        ("第一部分", "正文一句。"),
    ]


def test_bare_author_line_under_the_first_headline() -> None:
    page = "桐乡经济开发区：数实融合 智达未来\n\n高柱强 金长青\n\n\n\n正文第一段。\n"
    article = parse_page(page, file="p.txt").articles[0]
    assert (article.title, article.byline) == ("桐乡经济开发区：数实融合 智达未来", "高柱强 金长青")
    assert texts(article) == ["正文第一段。"]


def test_photo_credit_in_byline_is_split_off() -> None:
    page = "# 标题\n\n■记者 赵晨 通讯员 陈一薇 图片由嘉兴国家高新区提供\n\n正文。\n"
    article = parse_page(page, file="p.txt").articles[0]
    assert article.byline == "记者 赵晨 通讯员 陈一薇"
    assert article.dropped == [Dropped("图片由嘉兴国家高新区提供", "caption")]


def test_section_marker_joins_its_heading_line() -> None:
    page = "标题\n\n■记者 甲乙\n\n导语。\n\n【创新视角1】\n\n正向研发，抢占科技创新的“制高点”\n\n正文。\n"
    article = parse_page(page, file="p.txt").articles[0]
    assert [(p.heading, p.text) for p in article.paragraphs] == [
        ("", "导语。"),
        ("【创新视角1】 正向研发，抢占科技创新的“制高点”", "正文。"),
    ]


def test_short_line_between_blank_runs_is_a_caption_not_a_heading() -> None:
    page = (
        "标题\n\n■记者 甲乙\n\n第一段。\n\n\n\n参观加西贝拉\n\n\n\n第二段。\n\n"
        "发展惠民，助力城市向新\n\n第三段。\n"
    )
    article = parse_page(page, file="p.txt").articles[0]
    assert article.dropped == [Dropped("参观加西贝拉", "caption")]
    assert [(p.heading, p.text) for p in article.paragraphs] == [
        ("", "第一段。"),
        ("", "第二段。"),
        ("发展惠民，助力城市向新", "第三段。"),
    ]


def test_cut_paragraph_joins_across_a_caption() -> None:
    page = (
        "标题\n\n■记者 甲乙\n\n“我们以重点项目推进为抓\n\n\n\n中国巨石股份有限公司智能制造车间\n\n"
        "手，把办公桌搬到项目一线。”他说。\n"
    )
    article = parse_page(page, file="p.txt").articles[0]
    assert texts(article) == ["“我们以重点项目推进为抓手，把办公桌搬到项目一线。”他说。"]
    assert article.dropped == [Dropped("中国巨石股份有限公司智能制造车间", "caption")]


def test_cut_paragraph_never_joins_across_a_heading() -> None:
    page = "标题\n\n■记者 甲乙\n\n引领着全民\n\n一场马拉松，串联一路景\n\n一直以来,马拉松赛事备受关注。\n"
    article = parse_page(page, file="p.txt").articles[0]
    assert [(p.heading, p.text) for p in article.paragraphs] == [
        ("", "引领着全民"),
        ("一场马拉松，串联一路景", "一直以来,马拉松赛事备受关注。"),
    ]


def test_cut_paragraph_never_joins_across_a_continuation_marker() -> None:
    page = "标题\n\n■记者 甲乙\n\n这句话没有说完\n\n(下转2版)\n\n跑一程,爱一城。\n"
    article = parse_page(page, file="p.txt").articles[0]
    assert texts(article) == ["这句话没有说完", "跑一程,爱一城。"]
    assert article.continued == "下转2版"


def test_cut_paragraph_never_joins_across_articles() -> None:
    cut = "这是上一篇文章的最后一段，版面到这里就结束了，句子却还没有说完"
    page = f"标题甲\n\n■记者 甲乙\n\n{cut}\n\n标题乙\n\n■记者 丙丁\n\n新文章的正文。\n"
    parsed = parse_page(page, file="p.txt")
    assert [texts(a) for a in parsed.articles] == [[cut], ["新文章的正文。"]]


def test_sentence_fragment_line_is_body_not_heading() -> None:
    page = "标题\n\n■记者 甲乙\n\n工序一气呵成;\n\n在研发出全球首个182半片\n\n异质结电池片的企业,场景火热;\n"
    article = parse_page(page, file="p.txt").articles[0]
    assert texts(article) == ["工序一气呵成;", "在研发出全球首个182半片异质结电池片的企业,场景火热;"]
    assert all(p.heading == "" for p in article.paragraphs)


def test_expert_comment_keeps_its_attribution_as_a_paragraph() -> None:
    page = (PAGES / "expert.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    article = parse_page(page, file="expert.md").articles[0]
    assert [(p.heading, p.text) for p in article.paragraphs] == [
        ("", "第一段正文。"),
        ("专家点评", "点评正文第一段。"),
        ("专家点评", "点评正文第二段。"),
        ("专家点评", "（浙江数字化发展与治理研究中心 黄颖博士）"),
    ]
    assert article.dropped == [
        Dropped("俯瞰图", "caption"),
        Dropped("（本版图片由桐乡经济开发区提供）", "caption"),
    ]


def test_meta_overrides_a_single_article() -> None:
    meta = {"title": "给定标题", "author": "张三", "date": "2024/12/3", "source": "嘉兴日报", "page": 8,
            "url": "https://example.org/a", "id": "given-id"}
    article = parse_page("页面标题\n\n正文。\n", file="x.txt", meta=meta).articles[0]
    got = (article.title, article.byline, article.date, article.source, article.page, article.url, article.id)
    assert got == ("给定标题", "张三", "2024-12-03", "嘉兴日报", "8", "https://example.org/a", "given-id")


def test_meta_on_a_multi_article_page_sets_only_page_fields() -> None:
    parsed = parse_fixture("two_articles.txt")
    meta = {"title": "整版", "author": "某人", "source": "嘉兴日报", "date": "2024-12-01"}
    parsed = parse_page((PAGES / "two_articles.txt").read_text(encoding="utf-8"), file="p.txt", meta=meta)
    assert [(a.title, a.source, a.date) for a in parsed.articles] == [
        ("头版新闻标题 副标题在第二行", "嘉兴日报", "2024-12-01"),
        ("另一篇文章", "嘉兴日报", "2024-12-01"),
    ]
    assert parsed.articles[0].byline == "记者 张三 通讯员 李四"


def test_page_without_headline_uses_the_file_stem_as_title() -> None:
    article = parse_page("只有一段正文，没有标题。\n", file="dir/untitled.txt").articles[0]
    assert article.title == "untitled"
    assert article.file == "dir/untitled.txt"


def test_dates_are_normalised_to_iso() -> None:
    assert normalize_date("2024年12月3日") == "2024-12-03"
    assert normalize_date("2024/1/5") == "2024-01-05"
    assert normalize_date("20240105") == "2024-01-05"
    assert normalize_date("2024-02-30") == ""
    assert normalize_date("yesterday") == ""


def test_ids_are_stable_url_safe_and_unique_for_equal_titles() -> None:
    allocator = IdAllocator("002_37e806985c17eaa5.txt")
    first, second = allocator.for_title("同一标题"), allocator.for_title("同一标题")
    assert first.startswith("002_37e806985c17eaa5-") and len(first.split("-")[1]) == 8
    assert second == f"{first}-2"
    assert IdAllocator("002_37e806985c17eaa5.txt").for_title("同一标题") == first
    assert all(is_url_safe(i) for i in (first, second))


def test_ids_depend_on_path_not_listing_order() -> None:
    assert file_slug("2024/12/page1.txt") == "2024.12.page1"
    assert file_slug("a.md") != file_slug("a.txt") == "a"
    assert file_slug("a.md") == file_slug("a.md") and not file_slug("a.md").endswith("md")
    chinese_a, chinese_b = file_slug("嘉兴日报一.txt"), file_slug("嘉兴日报二.txt")
    assert chinese_a != chinese_b and is_url_safe(chinese_a)


def test_given_ids_are_kept_when_url_safe_else_hashed() -> None:
    assert given_id("a.jsonl", "bridge-1") == "bridge-1"
    hashed = given_id("a.jsonl", "桥 1/2")
    assert is_url_safe(hashed) and hashed.startswith(f"{file_slug('a.jsonl')}-") and "jsonl" not in hashed
    assert hashed == given_id("a.jsonl", "桥 1/2")


def test_inspect_outputs() -> None:
    parsed = parse_fixture("two_articles.txt")
    data = inspect_to_dict(parsed)
    json.dumps(data, ensure_ascii=False)
    assert data["path"] == "two_articles.txt"
    assert data["articles"][0]["continued"] == "下转2版"
    assert data["articles"][0]["paragraphs"][2] == {"number": 3, "heading": "小标题一 第二行小标题",
                                                    "text": "小标题下面的正文，句子完整。"}
    assert {"text": "经济嘉观察", "reason": "column name"} in data["dropped"]
    text = inspect_to_text(parsed)
    assert "=== Article 2: 另一篇文章" in text
    assert "  [3] 小标题下面的正文，句子完整。" in text
    assert "  - (weather): 今天多云转阴" in text


def test_one_paragraph_per_line_text_files_are_split_at_lines() -> None:
    indented = "嘉兴南湖迎来初雪\n　　今天早上，嘉兴迎来今冬第一场雪。\n　　市民纷纷走出家门，\n记录雪景。\n"
    article = parse_page(indented, file="a.txt").articles[0]
    assert article.title == "嘉兴南湖迎来初雪"
    assert texts(article) == ["今天早上，嘉兴迎来今冬第一场雪。", "市民纷纷走出家门，记录雪景。"]
    plain = "嘉兴南湖迎来初雪\n今天早上，嘉兴迎来今冬第一场雪。\n市民纷纷走出家门，记录雪景。\n"
    article = parse_page(plain, file="b.txt").articles[0]
    assert article.title == "嘉兴南湖迎来初雪"
    assert texts(article) == ["今天早上，嘉兴迎来今冬第一场雪。", "市民纷纷走出家门，记录雪景。"]


def test_hard_wrapped_paragraph_stays_one_paragraph() -> None:
    page = (
        "标题\n\n■记者 甲乙\n\n这是一个被固定宽度折行的段落，它的每一行\n"
        "都没有在句子结束的地方断开，所以应当\n合成一段。\n"
    )
    assert texts(parse_page(page, file="p.txt").articles[0]) == [
        "这是一个被固定宽度折行的段落，它的每一行都没有在句子结束的地方断开，所以应当合成一段。"
    ]


def test_parenthesized_byline_at_the_end_becomes_the_byline() -> None:
    page = "标题\n\n正文第一段。\n\n（记者 张三 通讯员 李四）\n"
    article = parse_page(page, file="p.txt").articles[0]
    assert (article.byline, texts(article)) == ("记者 张三 通讯员 李四", ["正文第一段。"])


def test_continuation_marker_at_the_end_of_a_paragraph_is_split_off() -> None:
    page = (
        "标题\n\n■记者 甲乙\n\n“值得我来跑一跑。”张洁冰说。(下转2版)\n\n后面一段。\n\n"
        "（完）\n\n责任编辑：王五\n"
    )
    parsed = parse_page(page, file="p.txt")
    article = parsed.articles[0]
    assert texts(article) == ["“值得我来跑一跑。”张洁冰说。", "后面一段。"]
    assert (article.continued, article.dropped) == ("下转2版", [Dropped("(下转2版)", "continuation")])
    assert parsed.dropped == [
        Dropped("（完）", "page furniture"),
        Dropped("责任编辑：王五", "page furniture"),
    ]


def test_news_about_weather_or_banks_is_not_dropped() -> None:
    page = (
        "寒潮来袭\n\n■记者 甲乙\n\n今天，嘉兴迎来寒潮，最低气温将降至零下2℃。\n\n银行助力小微企业\n\n"
        "工商银行推出新产品。\n"
    )
    parsed = parse_page(page, file="p.txt")
    assert [(p.heading, p.text) for p in parsed.articles[0].paragraphs] == [
        ("", "今天，嘉兴迎来寒潮，最低气温将降至零下2℃。"),
        ("银行助力小微企业", "工商银行推出新产品。"),
    ]
    assert parsed.dropped == []


def test_photo_byline_right_under_its_headline() -> None:
    page = "前文\n\n■记者 甲\n\n前文正文。\n\n南湖雪景\n\n■摄影 记者 乙\n\n雪后的南湖格外美丽。\n"
    parsed = parse_page(page, file="p.txt")
    assert [(a.title, a.byline, texts(a)) for a in parsed.articles] == [
        ("前文", "记者 甲", ["前文正文。"]),
        ("南湖雪景", "摄影 记者 乙", ["雪后的南湖格外美丽。"]),
    ]


PIECES = st.sampled_from(
    [
        "嘉兴", "南湖", "发展", "创新", "。", "！", "？", "“", "”", "（", "）", "■记者 张三", "通讯员 李四",
        "# ", "## ", "【视角】", "(下转2版)", "扫一扫", "ICBC", "分行", "今天多云", "12℃", "在", "的",
        "2024年", "\n", "\n\n", "\n\n\n", "　　", "  ", "abc", "3.5",
        "2024-12-10", " 嘉兴日报", " 来源：南湖晚报", "2024年12月5日", "钟雨桐", " 通讯员 ", "【", "】", "|",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=60).map("".join))
def test_any_text_parses_without_losing_words(text: str) -> None:
    parsed = parse_page(text, file="fuzz.txt")
    ids = [a.id for a in parsed.articles]
    assert len(ids) == len(set(ids)) and all(is_url_safe(i) for i in ids)
    parts = [d.text for d in parsed.dropped]
    for a in parsed.articles:
        assert [p.number for p in a.paragraphs] == list(range(1, len(a.paragraphs) + 1))
        assert all(p.text.strip() for p in a.paragraphs)
        parts += [a.byline, *(p.text for p in a.paragraphs), *(d.text for d in a.dropped)]
        parts += list(dict.fromkeys(p.heading for p in a.paragraphs))
        if a.title != "fuzz":  # the file stem stands in for a missing headline
            parts.append(a.title)
    marks = set("■#")
    have = Counter(ch for part in parts for ch in part if not ch.isspace() and ch not in marks)
    want = Counter(ch for ch in text if not ch.isspace() and ch not in marks)
    assert want - have == Counter()


def test_short_heading_in_extracted_html_text() -> None:
    """Text from searcher.corpus.formats: blocks separated by one blank line, the headline already removed."""
    text = "昨天，晨曦中的南湖悄然换上了“华服”。\n\n湖心岛\n\n从空中俯瞰，湖心岛宛如调色盘。"
    article = parse_page(text, file="a.html", meta={"title": "南湖初冬美景", "author": "王振宇"}).articles[0]
    assert (article.title, article.byline) == ("南湖初冬美景", "王振宇")
    assert [(p.heading, p.text) for p in article.paragraphs] == [
        ("", "昨天，晨曦中的南湖悄然换上了“华服”。"),
        ("湖心岛", "从空中俯瞰，湖心岛宛如调色盘。"),
    ]
