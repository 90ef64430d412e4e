"""searcher.corpus.formats on small real HTML, PDF and DOCX files built in tmp_path, asserting exact outcomes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import docx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from searcher.corpus.formats import SUFFIXES, extract

P1 = (
    "满眼生机转化钧，天工人巧日争新。在禾城大地，遍吹创新之风。当前，嘉兴正推动主导产业进一步升级，"
    "着力打造形成1个全球性、3个全国性、5个长三角区域性先进制造业集群。"
)
P2 = (
    "11月27日至29日，参加全国媒体社长总编嘉兴行的30余位社长、总编，深入嘉兴的企业、社区、科研院所等，"
    "感受嘉兴产业兴旺、创新蓬勃的喜人面貌，探寻嘉兴高质量发展密码。"
)
P3 = (
    "从一艘小船到一个大党，嘉兴向来不缺改革创新的基因。民丰特纸、敏实集团、加西贝拉……"
    "历数嘉兴名企的创业史，基本都是一场创新“马拉松”，一路走来步履坚实。"
)
P4 = (
    "据统计，今年前三季度，嘉兴实现规上工业增加值2165.2亿元，占GDP比重达46.2%，居浙江省第一；"
    "工信部最新认定的中小企业特色产业集群名单中，嘉兴两个集群跻身“国家队”。"
)
TITLE = "嘉兴推动制造业集群升级"
NAV = ["首页", "国内新闻", "国际新闻", "体育频道", "财经频道"]
FOOTER = "版权所有 © 2024 新闻中心 京ICP备12345678号 联系我们 广告服务 网站地图 隐私政策"


def news_page(paragraphs: list[str], charset: str = "utf-8", head_extra: str = "") -> str:
    """A saved news page: title with site suffix, author and date meta tags, nav bar, article, footer."""
    nav = "".join(f'<li><a href="/c{i}">{name}</a></li>' for i, name in enumerate(NAV))
    body = "\n".join(f"<p>{text}</p>" for text in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<title>{TITLE}_新闻中心</title>
<meta name="author" content="陈曦">
<meta property="article:published_time" content="2024-11-30">
{head_extra}
</head>
<body>
<nav class="navbar"><ul>{nav}</ul></nav>
<div class="main">
<article>
<h1>{TITLE}</h1>
{body}
</article>
</div>
<footer><p>{FOOTER}</p></footer>
</body>
</html>
"""


# ---------------------------------------------------------------- HTML


def test_html_news_page_gives_article_paragraphs_and_meta(tmp_path: Path) -> None:
    page = tmp_path / "jiaxing.html"
    canonical = '<link rel="canonical" href="https://news.example.cn/2024/11/30/jiaxing.html">'
    page.write_text(news_page([P1, P2, P3, P4], head_extra=canonical), encoding="utf-8")

    text, meta = extract(page)

    assert text == "\n\n".join([P1, P2, P3, P4])
    assert meta == {
        "title": TITLE,
        "date": "2024-11-30",
        "author": "陈曦",
        "url": "https://news.example.cn/2024/11/30/jiaxing.html",
        "provenance": {
            "title": "html:title",
            "date": "html:article:published_time",
            "author": "html:author",
            "url": "html:url",
        },
    }
    for boilerplate in [*NAV, "版权所有", "ICP"]:
        assert boilerplate not in text


def test_html_without_canonical_has_no_url_and_htm_suffix_works(tmp_path: Path) -> None:
    page = tmp_path / "jiaxing.htm"
    page.write_text(news_page([P1, P2, P3]), encoding="utf-8")

    text, meta = extract(page)

    assert text == "\n\n".join([P1, P2, P3])
    assert {key: meta[key] for key in ("title", "date", "author")} == {
        "title": TITLE, "date": "2024-11-30", "author": "陈曦"
    }
    assert "url" not in meta and "url" not in meta["provenance"]


def test_html_gb18030_bytes_declared_as_gb2312(tmp_path: Path) -> None:
    # 镕 is outside GB2312 and 𠮷 needs GB18030's four-byte form: a strict gb2312 decode would fail.
    rare = "朱镕基曾到访此地，当地老人说起“𠮷”字的写法，至今仍津津乐道，成为古镇口口相传的一段佳话与记忆。"
    page = tmp_path / "gb.html"
    page.write_bytes(news_page([P1, rare, P2], charset="gb2312").encode("gb18030"))

    text, meta = extract(page)

    assert text == "\n\n".join([P1, rare, P2])
    assert meta["title"] == TITLE
    assert meta["author"] == "陈曦"


def test_html_utf8_bytes_with_stale_gb2312_declaration(tmp_path: Path) -> None:
    page = tmp_path / "stale.html"
    page.write_bytes(news_page([P1, P2], charset="gb2312").encode("utf-8"))

    text, meta = extract(page)

    assert text == f"{P1}\n\n{P2}"
    assert meta["title"] == TITLE


def test_html_byline_author_tag_is_reduced_to_the_name(tmp_path: Path) -> None:
    page = tmp_path / "byline.html"
    html = news_page([P1, P2]).replace('content="陈曦"', 'content="■本报记者 王强"')
    page.write_text(html, encoding="utf-8")

    assert extract(page)[1]["author"] == "王强"


def test_html_author_tag_stops_at_the_end_of_the_names(tmp_path: Path) -> None:
    page = tmp_path / "byline.html"
    html = news_page([P1, P2]).replace('content="陈曦"', 'content="记者 王强 2024-12-10 嘉兴日报"')
    page.write_text(html, encoding="utf-8")

    assert extract(page)[1]["author"] == "王强"


def test_html_page_without_article_text_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><head><title>空</title></head><body></body></html>", encoding="utf-8")

    with pytest.raises(ValueError, match="^no article text found in HTML page$"):
        extract(page)


# ---------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def cjk_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def build_pdf(path: Path, flowables: list, title: str = "", author: str = "") -> None:
    """invariant=1 pins the creation date to 2000-01-01: a date that must never become the article's."""
    doc = SimpleDocTemplate(str(path), pagesize=A4, title=title, author=author, invariant=1)
    doc.build(flowables)


def test_pdf_chinese_text_round_trips_with_blocks(tmp_path: Path, cjk_font: str) -> None:
    head = ParagraphStyle("h", fontName=cjk_font, fontSize=18, leading=24, spaceAfter=10)
    body = ParagraphStyle("b", fontName=cjk_font, fontSize=11, leading=16, wordWrap="CJK", spaceAfter=8)
    path = tmp_path / "paper.pdf"
    build_pdf(
        path,
        [
            Paragraph(TITLE, head),
            Paragraph("■记者 陈曦", body),
            Paragraph(P1 + P1, body),
            Paragraph(P2, body),
        ],
        title=TITLE,
        author="陈曦",
    )

    text, meta = extract(path)

    # The info dictionary's creation date (2000-01-01) is when the file was made, not a publication date.
    assert meta == {"title": TITLE, "author": "陈曦",
                    "provenance": {"title": "pdf:info /Title", "author": "pdf:info /Author"}}
    blocks = text.split("\n\n")
    # The headline equals meta["title"] and is dropped; the byline and both paragraphs stay separate.
    assert blocks[0] == "■记者 陈曦"
    assert [block.replace("\n", "") for block in blocks[1:]] == [P1 + P1, P2]
    assert "\n" in blocks[1]  # the PDF wrapped the long paragraph; its lines are kept, not merged


def test_pdf_paragraphs_marked_only_by_first_line_indent(tmp_path: Path, cjk_font: str) -> None:
    body = ParagraphStyle("b", fontName=cjk_font, fontSize=11, leading=16, wordWrap="CJK", firstLineIndent=22)
    path = tmp_path / "indent.pdf"
    build_pdf(path, [Paragraph(TITLE, body), Paragraph(P3 + P3, body), Paragraph(P4 + P4, body)])

    text, meta = extract(path)

    # No info title (reportlab's "untitled"/"anonymous" placeholders are dropped), so the headline stays.
    assert meta == {}
    assert [block.replace("\n", "") for block in text.split("\n\n")] == [TITLE, P3 + P3, P4 + P4]


def test_pdf_second_column_starts_a_new_block(tmp_path: Path, cjk_font: str) -> None:
    path = tmp_path / "columns.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont(cjk_font, 11)
    left, right = ["左栏第一行文字", "左栏第二行文字", "左栏第三行"], ["右栏第一行文字", "右栏第二行文字"]
    for x, lines in [(60, left), (300, right)]:
        for row, line in enumerate(lines):
            pdf.drawString(x, 760 - 16 * row, line)
    pdf.save()

    assert extract(path)[0] == "\n".join(left) + "\n\n" + "\n".join(right)


def test_pdf_font_scaled_by_text_matrix_keeps_wrapped_lines_together(tmp_path: Path, cjk_font: str) -> None:
    # Many producers write "Tf 1" and put the real size in the text matrix; indents must be judged in points.
    path = tmp_path / "scaled.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    rows = [
        (22, "第一段首行缩进两字"),
        (0, "第一段续行"),
        (1.0, "第一段末行"),
        (22, "第二段首行"),
        (0, "第二段续行"),
    ]
    text = pdf.beginText()
    for row, (indent, line) in enumerate(rows):
        text.setTextTransform(11, 0, 0, 11, 60 + indent, 760 - 16 * row)
        text.setFont(cjk_font, 1)
        text.textOut(line)
    pdf.drawText(text)
    pdf.save()

    assert extract(path)[0] == "第一段首行缩进两字\n第一段续行\n第一段末行\n\n第二段首行\n第二段续行"


def test_pdf_pages_are_joined_with_a_blank_line(tmp_path: Path, cjk_font: str) -> None:
    body = ParagraphStyle("b", fontName=cjk_font, fontSize=11, leading=16, wordWrap="CJK")
    path = tmp_path / "two.pdf"
    build_pdf(path, [Paragraph(P1, body), PageBreak(), Paragraph(P2, body)])

    text, _ = extract(path)

    assert [block.replace("\n", "") for block in text.split("\n\n")] == [P1, P2]


def test_pdf_without_text_layer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.rect(72, 72, 300, 400, fill=1)
    pdf.save()

    with pytest.raises(ValueError, match=r"^PDF has no text layer \(scanned image\?\); OCR it first$"):
        extract(path)


def test_pdf_with_user_password_is_refused(tmp_path: Path, cjk_font: str) -> None:
    path = tmp_path / "locked.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, encrypt="secret")
    pdf.setFont(cjk_font, 12)
    pdf.drawString(72, 700, P1[:20])
    pdf.save()

    with pytest.raises(ValueError, match="^PDF is encrypted and needs a password to open$"):
        extract(path)


def test_pdf_with_only_owner_password_is_read(tmp_path: Path, cjk_font: str) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    path = tmp_path / "restricted.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, encrypt=StandardEncryption("", ownerPassword="owner"))
    pdf.setFont(cjk_font, 12)
    pdf.drawString(72, 700, P1[:20])
    pdf.save()

    assert extract(path)[0] == P1[:20]


def test_garbage_named_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"this is not a pdf at all\x00\x01\x02")

    with pytest.raises(ValueError, match=r"^not a PDF file \(no %PDF header\)$"):
        extract(path)


def test_truncated_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")

    with pytest.raises(ValueError, match=r"^not a readable PDF \(.+\)$"):
        extract(path)


# ---------------------------------------------------------------- DOCX


def test_docx_headings_paragraphs_and_core_properties(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = TITLE
    document.core_properties.author = "陈曦"
    document.core_properties.created = datetime(2024, 11, 30, 8, 0)
    document.add_heading(TITLE, level=0)
    document.add_paragraph("")  # empty paragraphs are not blocks
    document.add_paragraph(P1)
    document.add_heading("创新“长跑”，实现发展“快跑”", level=1)
    document.add_paragraph(P2)
    document.add_paragraph("   ")
    path = tmp_path / "story.docx"
    document.save(str(path))

    text, meta = extract(path)

    assert text == "\n\n".join([P1, "创新“长跑”，实现发展“快跑”", P2])
    # `created` is when the file was written, never the article's publication date.
    assert meta == {"title": TITLE, "author": "陈曦",
                    "provenance": {"title": "docx:core title", "author": "docx:core author"}}


def test_docx_without_properties_keeps_headline_and_line_breaks(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph(TITLE)
    paragraph = document.add_paragraph("■记者 陈曦")
    paragraph.add_run().add_break()
    paragraph.add_run("通讯员 张三")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "产值"
    table.cell(0, 1).text = "2165.2亿元"
    path = tmp_path / "plain.docx"
    document.save(str(path))

    text, meta = extract(path)

    assert text == f"{TITLE}\n\n■记者 陈曦\n通讯员 张三\n\n产值  2165.2亿元"
    # python-docx's template author ("python-docx") and created date (2013-12-23) are not real metadata.
    assert meta == {}


def test_garbage_named_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(b"garbage, not a zip package")

    with pytest.raises(ValueError, match=r"^not a \.docx file \(not a ZIP package\)$"):
        extract(path)


def test_zip_that_is_not_a_docx_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "x.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")

    with pytest.raises(ValueError, match=r"^not a readable \.docx file \(.+\)$"):
        extract(path)


# ---------------------------------------------------------------- dispatch


def test_unsupported_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.xyz"
    path.write_text("hello", encoding="utf-8")

    with pytest.raises(ValueError, match=r"^unsupported file type \.xyz$"):
        extract(path)


def test_suffix_match_is_case_insensitive_and_listed(tmp_path: Path) -> None:
    page = tmp_path / "UPPER.HTML"
    page.write_text(news_page([P1, P2]), encoding="utf-8")

    assert extract(page)[0] == f"{P1}\n\n{P2}"
    assert SUFFIXES == {".html", ".htm", ".pdf", ".docx"}


def test_missing_file_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="^cannot read file: "):
        extract(tmp_path / "gone.pdf")
