"""Reading a corpus: discovery, encodings, front matter, jsonl, other formats, and bad files."""

from __future__ import annotations

import codecs
import json
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searcher.corpus.reading import decode_bytes, discover_files, load_corpus, load_file
from searcher.errors import UnreadableFile
from searcher.models import Dropped, ParsedFile, Skipped

PAGE = "初冬的南湖\n美不胜收\n\n■摄影 记者 王振宇\n\n晨曦中的南湖悄然换上了“华服”，嘉兴的初冬格外美丽。\n"
BODY = "晨曦中的南湖悄然换上了“华服”，嘉兴的初冬格外美丽。"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (PAGE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + PAGE.encode("utf-8"), "utf-8-sig"),
        (PAGE.encode("gb18030"), "gb18030"),
        (PAGE.encode("gbk"), "gb18030"),
        (codecs.BOM_UTF16_LE + PAGE.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + PAGE.encode("utf-16-be"), "utf-16-be"),
        (PAGE.encode("utf-16-le"), "utf-16-le"),
        (PAGE.encode("utf-16-be"), "utf-16-be"),
        ("嘉兴日报初冬的南湖美不胜收".encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_decode_bytes_detects_the_encoding(data: bytes, encoding: str) -> None:
    text, found = decode_bytes(data)
    assert found == encoding
    assert text.lstrip("\ufeff").startswith(("初冬的南湖", "嘉兴日报"))
    assert "\ufeff" not in text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (codecs.BOM_UTF8, "empty file"),
        (bytes(range(256)) * 4, "binary file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary file"),
        (bytes([0x80, 0x81, 0xFE, 0xFF, 0xC0, 0xC1]) * 10, "undecodable"),
    ],
)
def test_decode_bytes_refuses_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        decode_bytes(data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gb.txt", PAGE.encode("gb18030")),
        ("le_bom.txt", codecs.BOM_UTF16_LE + PAGE.encode("utf-16-le")),
        ("be.txt", PAGE.encode("utf-16-be")),
        ("le.txt", PAGE.encode("utf-16-le")),
        ("bom.txt", codecs.BOM_UTF8 + PAGE.encode("utf-8")),
    ],
)
def test_encoded_files_parse_to_the_same_article(tmp_path: Path, name: str, data: bytes) -> None:
    parsed = load_file(write(tmp_path / name, data), tmp_path)
    [article] = parsed.articles
    assert (article.title, article.byline) == ("初冬的南湖 美不胜收", "摄影 记者 王振宇")
    assert [p.text for p in article.paragraphs] == [BODY]


def test_discover_files_is_recursive_sorted_and_skips_hidden_and_resources(tmp_path: Path) -> None:
    for rel in ["b.txt", "a/z.md", "a/b.jsonl", ".hidden.txt", ".git/x.txt", "userdict.txt", "synonyms.txt",
                "sub/userdict.txt", "notes.xyz"]:
        write(tmp_path / rel, PAGE)
    found = [p.relative_to(tmp_path).as_posix() for p in discover_files(tmp_path)]
    assert found == ["a/b.jsonl", "a/z.md", "b.txt", "notes.xyz", "sub/userdict.txt"]


def test_article_file_is_the_relative_path_with_forward_slashes(tmp_path: Path) -> None:
    parsed = load_file(write(tmp_path / "2024" / "12" / "page.txt", PAGE), tmp_path)
    assert parsed.path == "2024/12/page.txt"
    assert parsed.articles[0].file == "2024/12/page.txt"
    assert parsed.articles[0].id.startswith("2024.12.page-")
    assert parsed.articles[0].source == ""


def test_front_matter_overrides_what_parsing_infers(tmp_path: Path) -> None:
    text = (
        "---\ntitle: 南湖初冬\ndate: 2024-12-01\nsource: 嘉兴日报\npage: A2\nurl: https://example.org/lake\n"
        "author: 王振宇\n---\n" + PAGE
    )
    [article] = load_file(write(tmp_path / "lake.md", text), tmp_path).articles
    assert (article.title, article.byline, article.date, article.source, article.page, article.url) == (
        "南湖初冬", "王振宇", "2024-12-01", "嘉兴日报", "A2", "https://example.org/lake"
    )
    assert [p.text for p in article.paragraphs] == [BODY]
    assert article.dropped[:2] == [
        Dropped("摄影 记者 王振宇", "byline replaced by metadata"),
        Dropped("初冬的南湖 美不胜收", "title replaced by metadata"),
    ]


def test_front_matter_id_is_honoured(tmp_path: Path) -> None:
    [article] = load_file(write(tmp_path / "x.md", "---\nid: lake-2024\n---\n" + PAGE), tmp_path).articles
    assert article.id == "lake-2024"


def test_front_matter_date_in_chinese_is_normalised(tmp_path: Path) -> None:
    path = write(tmp_path / "x.md", "---\ndate: 2024年12月1日\n---\n" + PAGE)
    [article] = load_file(path, tmp_path).articles
    assert article.date == "2024-12-01"


def test_broken_front_matter_is_reported(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="front matter"):
        load_file(write(tmp_path / "x.md", "---\ntitle: [unclosed\n---\n正文。\n"), tmp_path)


def test_jsonl_keeps_good_lines_and_reports_bad_ones(tmp_path: Path) -> None:
    rows = [
        json.dumps({"id": "bridge", "title": "大桥通车", "text": "第一段。\n\n第二段。", "source": "嘉兴日报",
                    "date": "2024/11/30", "url": "https://example.org/b"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "x", "text": "没有标题。"}, ensure_ascii=False),
        "",
        json.dumps({"id": "桥 2", "title": "第二篇", "text": "正文。"}, ensure_ascii=False),
        json.dumps(["a list"]),
    ]
    write(tmp_path / "news.jsonl", "\n".join(rows) + "\n")
    items = list(load_corpus(tmp_path))
    parsed = items[0]
    assert isinstance(parsed, ParsedFile)
    first, second = parsed.articles
    assert (first.id, first.title, first.source, first.date, first.url, first.file) == (
        "bridge", "大桥通车", "嘉兴日报", "2024-11-30", "https://example.org/b", "news.jsonl"
    )
    assert [(p.number, p.text) for p in first.paragraphs] == [(1, "第一段。"), (2, "第二段。")]
    assert second.id.startswith("news.") and "jsonl" not in second.id and second.id != "桥 2"
    skipped = items[1:]
    assert [s.path for s in skipped] == ["news.jsonl:2", "news.jsonl:3", "news.jsonl:6"]
    assert skipped[0].reason.startswith("invalid JSON")
    assert skipped[1].reason == "missing or empty 'title'"
    assert skipped[2].reason == "not a JSON object"


def test_bad_files_are_skipped_with_reasons_and_do_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path / "a_empty.txt", b"")
    write(tmp_path / "b_binary.txt", bytes(range(256)) * 4)
    write(tmp_path / "c_bad.txt", bytes([0x80, 0x81, 0xFE, 0xFF, 0xC0, 0xC1]) * 10)
    write(tmp_path / "d_good.txt", PAGE)
    write(tmp_path / "e.xyz", "whatever")
    items = list(load_corpus(tmp_path))
    assert [(type(i).__name__, i.path) for i in items] == [
        ("Skipped", "a_empty.txt"),
        ("Skipped", "b_binary.txt"),
        ("Skipped", "c_bad.txt"),
        ("ParsedFile", "d_good.txt"),
        ("Skipped", "e.xyz"),
    ]
    reasons = [i.reason for i in items if isinstance(i, Skipped)]
    assert reasons[0] == "empty file"
    assert reasons[1] == "binary file"
    assert reasons[2].startswith("undecodable")
    assert reasons[3] == "unsupported file type .xyz"


def test_load_file_raises_with_the_relative_path(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile) as info:
        load_file(write(tmp_path / "sub" / "x.txt", b""), tmp_path)
    assert (info.value.path, info.value.reason) == ("sub/x.txt", "empty file")


def test_other_formats_go_through_the_formats_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("searcher.corpus.formats")

    def extract(path: Path) -> tuple[str, dict]:
        if path.suffix == ".pdf":
            raise RuntimeError("encrypted")
        meta = {"title": "网页标题", "date": "2024-12-01", "author": "记者 甲"}
        return "正文第一段。\n\n正文第二段。", meta

    fake.extract = extract  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "searcher.corpus.formats", fake)
    monkeypatch.setattr("searcher.corpus.formats", fake, raising=False)
    write(tmp_path / "a.html", "<html></html>")
    write(tmp_path / "b.pdf", b"%PDF-1.4")
    items = list(load_corpus(tmp_path))
    html, pdf = items
    assert isinstance(html, ParsedFile)
    [article] = html.articles
    assert (article.title, article.date, article.byline) == ("网页标题", "2024-12-01", "记者 甲")
    assert [p.text for p in article.paragraphs] == ["正文第一段。", "正文第二段。"]
    assert pdf == Skipped("b.pdf", "cannot extract text: RuntimeError: encrypted")


def test_ids_given_twice_in_the_corpus_are_made_unique(tmp_path: Path) -> None:
    row = json.dumps({"id": "bridge", "title": "大桥", "text": "正文。"}, ensure_ascii=False)
    write(tmp_path / "a.jsonl", row + "\n")
    write(tmp_path / "b.jsonl", row + "\n")
    def corpus_ids() -> list[str]:
        return [a.id for item in load_corpus(tmp_path) if isinstance(item, ParsedFile) for a in item.articles]

    ids = corpus_ids()
    assert ids[0] == "bridge" and ids[1] != "bridge" and ids[1].startswith("b.") and "jsonl" not in ids[1]
    assert ids == corpus_ids()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_decode_bytes_either_decodes_or_explains(data: bytes) -> None:
    try:
        text, encoding = decode_bytes(data)
    except ValueError as exc:
        assert str(exc).startswith(("empty file", "binary file", "undecodable"))
    else:
        assert text.strip() and encoding


def has_stop_or_newline(text: str) -> bool:
    return ("。" in text or "\n" in text) and sum(ch in COMMON for ch in text) >= 4


COMMON = "嘉兴南湖初冬的美不胜收发展创新经济开发区高质量新闻记者报道城市产业集群"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(COMMON + "，。“”\n　"), max_size=200).filter(has_stop_or_newline))
def test_chinese_text_round_trips_through_every_encoding(text: str) -> None:
    """Text with a 。 or a line break and a few words (one or two bare ideographs are ambiguous)."""
    for encoding in ("utf-8", "gb18030", "utf-16-le", "utf-16-be"):
        decoded, found = decode_bytes(text.encode(encoding))
        assert (decoded, found) == (text, encoding)


def test_utf16_indented_with_ideographic_spaces() -> None:
    text = "　　　　嘉兴日报。\n"
    assert decode_bytes(text.encode("utf-16-le")) == (text, "utf-16-le")
    assert decode_bytes(text.encode("utf-16-be")) == (text, "utf-16-be")
