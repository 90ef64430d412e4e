"""Publication date, source and byline of real fixture files (PDF, HTML, DOCX, TXT, MD), end to end.

Each file is built in tmp_path and read with `load_file`, the path `build` and `inspect` use. What must
not happen is asserted next to what must: a file's own time as the date, a dateline in the title, a
date line swallowed by the byline, a shared byline cut to its first name.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import datetime
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate

from searcher.cli import cli
from searcher.corpus.reading import load_file
from searcher.models import Article

TITLE = "平湖港区吞吐量创新高"
P1 = "今年以来，平湖港区集装箱吞吐量持续增长，前十一个月累计完成二百万标箱，同比增长百分之十二，创历史新高。"
P2 = "港区负责人表示，下一步将继续优化航线布局，提升服务水平，为地方经济发展作出更大贡献。"
P3 = "据介绍，港区还新开通了三条国际航线，覆盖日韩和东南亚主要港口，明年吞吐量有望再增一成。"


def only_article(path: Path) -> Article:
    parsed = load_file(path, path.parent)
    assert len(parsed.articles) == 1
    return parsed.articles[0]


def attribution(article: Article) -> tuple[str, str, str, str]:
    return article.title, article.byline, article.date, article.source


# ---------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def cjk_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def build_pdf(path: Path, font: str, lines: list[str]) -> None:
    """A headline and paragraphs, with reportlab's real creation date (today), as an exported PDF has."""
    head = ParagraphStyle("h", fontName=font, fontSize=18, leading=24, spaceAfter=10)
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=16, wordWrap="CJK", spaceAfter=8)
    doc = SimpleDocTemplate(str(path), pagesize=A4)
    doc.build([Paragraph(lines[0], head), *(Paragraph(line, body) for line in lines[1:])])


def test_pdf_byline_with_date_and_source_is_split_and_the_file_time_is_not_the_date(
    tmp_path: Path, cjk_font: str
) -> None:
    path = tmp_path / "pinghu-port.pdf"
    build_pdf(path, cjk_font, [TITLE, "记者 戴文博 2024-12-10 嘉兴日报", P1, P2])

    article = only_article(path)

    assert attribution(article) == (TITLE, "记者 戴文博", "2024-12-10", "嘉兴日报")
    assert article.provenance == {"title": "text:headline", "byline": "text:byline",
                                  "date": "text:dateline", "source": "text:dateline"}
    assert [p.text for p in article.paragraphs] == [P1, P2]
    assert not any("2024-12-10" in p.text for p in article.paragraphs)


def test_pdf_without_a_dateline_has_no_date(tmp_path: Path, cjk_font: str) -> None:
    path = tmp_path / "undated.pdf"
    build_pdf(path, cjk_font, [TITLE, "■记者 戴文博", P1, P2])
    old = time.mktime((2021, 3, 4, 12, 0, 0, 0, 0, -1))
    os.utime(path, (old, old))

    article = only_article(path)

    # Neither the PDF's creation date (today) nor the file's modification time (2021-03-04) is a date.
    assert (article.byline, article.date, article.source) == ("记者 戴文博", "", "")
    assert "date" not in article.provenance


def test_pdf_dateline_under_the_headline(tmp_path: Path, cjk_font: str) -> None:
    path = tmp_path / "dated.pdf"
    build_pdf(path, cjk_font, [TITLE, "嘉兴日报 2024年12月5日", P1, P2])

    article = only_article(path)

    assert attribution(article) == (TITLE, "", "2024-12-05", "嘉兴日报")


# ---------------------------------------------------------------- TXT and MD


def test_txt_dateline_under_the_title_is_not_merged_into_it(tmp_path: Path) -> None:
    path = tmp_path / "parks.txt"
    path.write_text(f"{TITLE}\n嘉兴日报 2024年12月5日\n\n{P1}\n\n{P2}\n", encoding="utf-8")

    article = only_article(path)

    assert attribution(article) == (TITLE, "", "2024-12-05", "嘉兴日报")
    assert article.provenance["date"] == article.provenance["source"] == "text:dateline"
    assert [p.text for p in article.paragraphs] == [P1, P2]
    assert [(d.text, d.reason) for d in article.dropped] == [("嘉兴日报 2024年12月5日", "dateline")]


def test_txt_dateline_between_headline_and_byline(tmp_path: Path) -> None:
    path = tmp_path / "order.txt"
    path.write_text(f"{TITLE}\n\n2024年12月5日 星期四\n\n■记者 戴文博\n\n{P1}\n", encoding="utf-8")

    assert attribution(only_article(path)) == (TITLE, "记者 戴文博", "2024-12-05", "")


def test_byline_line_right_above_the_text_is_split_off_it(tmp_path: Path) -> None:
    path = tmp_path / "tight.txt"
    wrapped = "\n".join([P1[:30], P1[30:], P2[:30], P2[30:]])
    path.write_text(f"{TITLE}\n\n记者 戴文博 2024-12-10 嘉兴日报\n{wrapped}\n", encoding="utf-8")

    article = only_article(path)

    assert attribution(article) == (TITLE, "记者 戴文博", "2024-12-10", "嘉兴日报")
    assert [p.text for p in article.paragraphs] == [P1, P2]


def test_a_paragraph_opening_with_the_word_reporter_is_not_a_byline(tmp_path: Path) -> None:
    path = tmp_path / "reporter.txt"
    line1, line2 = "记者从市统计局获悉今年前三季度全市规上工业", "增加值同比增长百分之八，增速居全省前列。"
    path.write_text(f"{TITLE}\n\n{line1}\n{line2}\n\n{P2}\n", encoding="utf-8")

    article = only_article(path)

    assert article.byline == ""
    assert [p.text for p in article.paragraphs] == [line1 + line2, P2]


def test_a_date_inside_a_sentence_is_not_a_publication_date(tmp_path: Path) -> None:
    path = tmp_path / "sentence.txt"
    path.write_text(f"{TITLE}\n\n截至2024年12月5日，港区累计完成二百万标箱。\n\n{P2}\n", encoding="utf-8")

    article = only_article(path)

    assert article.date == "" and article.source == ""
    assert article.paragraphs[0].text == "截至2024年12月5日，港区累计完成二百万标箱。"


def test_a_wrapped_line_holding_only_a_date_stays_in_its_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "wrapped.txt"
    path.write_text(f"{TITLE}\n\n港区累计吞吐量的统计截至\n2024年12月5日\n为止，共二百万标箱。\n", encoding="utf-8")

    article = only_article(path)

    assert article.date == ""
    assert [p.text for p in article.paragraphs] == ["港区累计吞吐量的统计截至2024年12月5日为止，共二百万标箱。"]


def test_page_dateline_dates_every_article_and_an_own_dateline_wins(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(
        "嘉兴日报 2024年12月5日 星期四\n\n"
        f"{TITLE}\n\n■记者 戴文博\n\n{P1}\n\n"
        "南湖区新增三处口袋公园\n\n■记者 陈曦 2024-12-04\n\n"
        f"{P2}\n",
        encoding="utf-8",
    )

    first, second = load_file(path, tmp_path).articles

    assert attribution(first) == (TITLE, "记者 戴文博", "2024-12-05", "嘉兴日报")
    assert attribution(second) == ("南湖区新增三处口袋公园", "记者 陈曦", "2024-12-04", "嘉兴日报")


def test_front_matter_beats_the_dateline(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text(f"---\ndate: 2024-12-01\n---\n# {TITLE}\n\n嘉兴日报 2024年12月5日\n\n{P1}\n", encoding="utf-8")

    article = only_article(path)

    assert (article.date, article.source) == ("2024-12-01", "嘉兴日报")
    assert article.provenance["date"] == "front matter:date"
    assert article.provenance["source"] == "text:dateline"


def test_front_matter_date_that_is_no_real_day_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    # Quoted, so YAML keeps it a string (unquoted, YAML itself refuses it and the file is reported).
    path.write_text(f'---\ndate: "2024-02-30"\n---\n# {TITLE}\n\n嘉兴日报 2024年12月5日\n\n{P1}\n', encoding="utf-8")

    article = only_article(path)

    assert (article.date, article.provenance["date"]) == ("2024-12-05", "text:dateline")


# ---------------------------------------------------------------- HTML


def html_page(head: str = "", top: str = "", paragraphs: tuple[str, ...] = (P1, P2, P3)) -> str:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{TITLE}_嘉兴在线</title>{head}'
        f'</head><body><nav><a href="/">首页</a> <a href="/n">新闻</a></nav><article><h1>{TITLE}</h1>{top}'
        f"{body}</article><footer><p>来源：本站 版权所有 © 2024</p></footer></body></html>"
    )


def write_html(tmp_path: Path, html: str, name: str = "pinghu-port.html") -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def test_html_published_time_and_site_name(tmp_path: Path) -> None:
    head = ('<meta property="og:site_name" content="南湖晚报">'
            '<meta property="article:published_time" content="2024-12-08T23:30:00+08:00">')
    article = only_article(write_html(tmp_path, html_page(head)))

    # The date as written (the publisher's local day), not shifted to UTC.
    assert (article.date, article.source) == ("2024-12-08", "南湖晚报")
    assert article.provenance["date"] == "html:article:published_time"
    assert article.provenance["source"] == "html:og:site_name"


def test_html_source_line_names_the_paper_over_the_portal(tmp_path: Path) -> None:
    head = '<meta property="og:site_name" content="嘉兴在线">'
    article = only_article(write_html(tmp_path, html_page(head, top="<p>来源：南湖晚报</p>")))

    assert article.source == "南湖晚报" and article.provenance["source"] == "html:来源 line"
    assert all("来源" not in p.text for p in article.paragraphs)


def test_html_source_line_in_page_furniture_is_ignored(tmp_path: Path) -> None:
    article = only_article(write_html(tmp_path, html_page()))

    assert article.source == ""  # the footer's `来源：本站` describes the site, not the article


def test_html_shared_byline_is_kept_whole(tmp_path: Path) -> None:
    top = '<div class="info"><span class="author">钟雨桐</span> 通讯员 韩立峰</div>'
    article = only_article(write_html(tmp_path, html_page(top=top)))

    assert article.byline == "钟雨桐 通讯员 韩立峰"
    assert [p.text for p in article.paragraphs] == [P1, P2, P3]


def test_html_byline_line_in_the_text_is_kept_whole(tmp_path: Path) -> None:
    article = only_article(write_html(tmp_path, html_page(top="<p>钟雨桐 通讯员 韩立峰</p>")))

    assert (article.byline, article.provenance["byline"]) == ("钟雨桐 通讯员 韩立峰", "text:byline")
    assert article.title == TITLE


def test_html_author_label_line_is_a_byline_not_a_title(tmp_path: Path) -> None:
    article = only_article(write_html(tmp_path, html_page(top="<p>作者：钟雨桐 通讯员 韩立峰</p>")))

    assert (article.title, article.byline) == (TITLE, "钟雨桐 通讯员 韩立峰")
    assert article.dropped == []


def test_html_dateline_beats_a_date_guessed_from_the_address(tmp_path: Path) -> None:
    head = ('<link rel="canonical" href="https://news.example.cn/2024/11/30/pinghu.html">'
            '<meta name="pubdate" content="2024-13-45">')
    article = only_article(write_html(tmp_path, html_page(head, top="<p>嘉兴日报 2024年12月5日</p>")))

    assert (article.date, article.source) == ("2024-12-05", "嘉兴日报")
    assert article.provenance["date"] == "text:dateline"


def test_html_date_guessed_from_the_address_is_used_and_labelled(tmp_path: Path) -> None:
    head = '<link rel="canonical" href="https://news.example.cn/2024/11/30/pinghu.html">'
    article = only_article(write_html(tmp_path, html_page(head)))

    assert article.date == "2024-11-30"
    assert article.provenance["date"].endswith("(inferred)")


def test_short_html_article_keeps_its_blocks_apart(tmp_path: Path) -> None:
    html = html_page(top='<p class="byline">记者 钟雨桐</p>', paragraphs=(P1, P2))
    article = only_article(write_html(tmp_path, html))

    assert article.title == TITLE
    assert [p.text for p in article.paragraphs] == [P1, P2]


# ---------------------------------------------------------------- DOCX


def test_docx_created_time_is_not_the_date_but_its_dateline_is(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.created = datetime(2026, 1, 2, 8, 0)
    for text in (TITLE, "记者 戴文博 2024-12-10 嘉兴日报", P1, P2):
        document.add_paragraph(text)
    path = tmp_path / "story.docx"
    document.save(str(path))

    article = only_article(path)

    assert attribution(article) == (TITLE, "记者 戴文博", "2024-12-10", "嘉兴日报")


def test_docx_without_a_dateline_has_no_date(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.created = datetime(2026, 1, 2, 8, 0)
    for text in (TITLE, P1, P2):
        document.add_paragraph(text)
    path = tmp_path / "undated.docx"
    document.save(str(path))

    assert only_article(path).date == ""


# ---------------------------------------------------------------- ids and inspect


def test_ids_carry_no_file_extension_and_differ_per_file(tmp_path: Path) -> None:
    html = write_html(tmp_path, html_page(), name="pinghu-port.html")
    md = tmp_path / "pinghu-port.md"
    md.write_text(f"# {TITLE}\n\n{P1}\n", encoding="utf-8")
    txt = tmp_path / "pinghu-port.txt"
    txt.write_text(f"{TITLE}\n\n{P1}\n", encoding="utf-8")

    ids = [only_article(path).id for path in (html, md, txt)]

    assert len(set(ids)) == 3
    assert not any(re.search(r"\.(html|md|txt)\b", article_id) for article_id in ids)
    assert all(article_id.startswith("pinghu-port") for article_id in ids)
    assert ids == [only_article(path).id for path in (html, md, txt)]


def test_inspect_says_where_each_value_came_from(tmp_path: Path) -> None:
    head = '<meta property="og:site_name" content="南湖晚报">'
    path = write_html(tmp_path, html_page(head, top="<p>钟雨桐 通讯员 韩立峰 2024-12-08</p>"))

    result = CliRunner().invoke(cli, ["inspect", str(path), "--json"])

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"path", "encoding", "meta", "articles", "dropped"}
    article = data["articles"][0]
    assert {"id", "title", "byline", "source", "date", "page", "url", "continued", "file", "paragraphs",
            "dropped"} < set(article)
    assert article["provenance"] == {"title": "html:title", "byline": "text:byline", "date": "text:dateline",
                                     "source": "html:og:site_name"}
    assert (article["byline"], article["date"], article["source"]) == ("钟雨桐 通讯员 韩立峰", "2024-12-08", "南湖晚报")

    text = CliRunner().invoke(cli, ["inspect", str(path)]).output
    assert "date:     2024-12-08  (from text:dateline)" in text
    assert "source:   南湖晚报  (from html:og:site_name)" in text
    assert "title from: html:title" in text


def test_inspect_leaves_the_provenance_of_an_empty_field_empty(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text(f"{TITLE}\n\n{P1}\n", encoding="utf-8")

    data = json.loads(CliRunner().invoke(cli, ["inspect", str(path), "--json"]).output)

    assert data["articles"][0]["provenance"] == {"title": "text:headline", "byline": "", "date": "", "source": ""}
