"""Uploads into the corpus: safe names, no overwrites, JSON articles that read back exactly."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import threading
import zipfile
from pathlib import Path

import docx
import pytest

from searcher.corpus import uploads
from searcher.corpus.reading import discover_files, load_file
from searcher.corpus.uploads import (
    EmptyUpload,
    InvalidArticle,
    UnsupportedUpload,
    UploadTooLarge,
    sanitize_filename,
    save_json_article,
    save_upload,
)
from searcher.errors import SearcherError
from searcher.index import limits
from searcher.index.build import add_files, build_index

DAY = dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..", "upload"),
        (".", "upload"),
        ("", "upload"),
        (".hidden.txt", "hidden.txt"),
        ("..\\..\\windows\\win.ini.md", "win.ini.md"),
        ("/abs/path/报道.TXT", "报道.txt"),
        ("嘉兴 日报 2024.docx", "嘉兴_日报_2024.docx"),
        ("-rf.txt", "rf.txt"),
        ("a\x00b\u202e.txt", "ab.txt"),
        ("<script>.html", "script.html"),
        ("ｆｕｌｌ.txt", "ｆｕｌｌ.txt"),
    ],
)
def test_sanitize_filename(given: str, expected: str) -> None:
    assert sanitize_filename(given) == expected


def test_long_names_are_cut_but_keep_their_suffix() -> None:
    name = sanitize_filename("新" * 300 + ".pdf")
    assert name.endswith(".pdf") and len(name) <= uploads.MAX_STEM_CHARS + 4


def test_save_upload_stays_inside_the_dated_uploads_folder(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    path = save_upload(corpus, "../../../etc/passwd.txt", "南湖的早晨。".encode(), today=DAY)
    assert path == corpus / "uploads" / "2025-03-01" / "passwd.txt"
    assert path.read_text(encoding="utf-8") == "南湖的早晨。"
    assert not (tmp_path / "etc").exists()
    # No temporary file is left behind for a build to trip over.
    assert [p.name for p in path.parent.iterdir()] == ["passwd.txt"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "..", "notes", "virus.exe", "page.php"])
def test_names_without_a_readable_suffix_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsupportedUpload, match="unsupported file type"):
        save_upload(tmp_path / "corpus", name, b"x")
    assert not (tmp_path / "corpus").exists()


def test_same_name_same_content_is_stored_once(tmp_path: Path) -> None:
    first = save_upload(tmp_path, "稿件.txt", "内容一。".encode(), today=DAY)
    again = save_upload(tmp_path, "稿件.txt", "内容一。".encode(), today=DAY)
    assert first == again
    assert len(list(first.parent.iterdir())) == 1


def test_same_name_different_content_never_overwrites(tmp_path: Path) -> None:
    first = save_upload(tmp_path, "稿件.txt", "内容一。".encode(), today=DAY)
    second = save_upload(tmp_path, "稿件.txt", "内容二。".encode(), today=DAY)
    third = save_upload(tmp_path, "稿件.txt", "内容二。".encode(), today=DAY)
    assert (first.name, second.name) == ("稿件.txt", "稿件-2.txt")
    assert third == second
    assert first.read_text(encoding="utf-8") == "内容一。"
    assert second.read_text(encoding="utf-8") == "内容二。"


def test_racing_uploads_with_one_name_keep_every_content(tmp_path: Path) -> None:
    contents = [f"第{i}份稿件。".encode() for i in range(8)]
    saved: list[Path] = []
    barrier = threading.Barrier(len(contents))

    def upload(data: bytes) -> None:
        barrier.wait()
        saved.append(save_upload(tmp_path, "same.txt", data, today=DAY))

    threads = [threading.Thread(target=upload, args=(c,)) for c in contents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(p.read_bytes() for p in saved) == sorted(contents)
    assert len(set(saved)) == len(contents)


def test_size_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert uploads.MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
    save_upload(tmp_path, "ok.txt", b"x" * 10)
    with pytest.raises(UploadTooLarge):
        save_upload(tmp_path, "big.txt", b"x" * 11)
    with pytest.raises(UploadTooLarge):
        save_json_article(tmp_path, {"title": "标题", "text": "正文" * 10})
    with pytest.raises(EmptyUpload):
        save_upload(tmp_path, "empty.txt", b"")


def test_errors_are_searcher_errors() -> None:
    for cls in (UploadTooLarge, UnsupportedUpload, InvalidArticle, EmptyUpload):
        assert issubclass(cls, SearcherError)


def test_json_article_reads_back_as_one_article_with_its_fields(tmp_path: Path) -> None:
    article = {"title": "南湖初冬", "text": "晨曦中的南湖换上了华服。\n\n游客们纷纷前来拍照。\n",
               "source": "南湖晚报", "date": "2024-12-01", "url": "https://example.org/nanhu"}
    path = save_json_article(tmp_path, article, today=DAY)
    assert path.suffix == ".jsonl" and path.parent == tmp_path / "uploads" / "2025-03-01"
    parsed = load_file(path, tmp_path)
    assert len(parsed.articles) == 1
    got = parsed.articles[0]
    assert (got.title, got.source, got.date, got.url) == ("南湖初冬", "南湖晚报", "2024-12-01",
                                                          "https://example.org/nanhu")
    assert [p.text for p in got.paragraphs] == ["晨曦中的南湖换上了华服。", "游客们纷纷前来拍照。"]
    assert got.file == "uploads/2025-03-01/" + path.name
    # The same article sent again is the same file, so indexing it again changes nothing.
    assert save_json_article(tmp_path, article, today=DAY) == path


def test_json_article_optional_fields_may_be_missing(tmp_path: Path) -> None:
    got = load_file(save_json_article(tmp_path, {"title": "标题", "text": "正文。"}), tmp_path).articles[0]
    assert (got.title, got.source, got.date, got.url) == ("标题", "", "", "")


@pytest.mark.parametrize(
    ("article", "message"),
    [
        ({"text": "正文"}, "'title'"),
        ({"title": "  ", "text": "正文"}, "'title'"),
        ({"title": "标题"}, "'text'"),
        ({"title": "标题", "text": 5}, "'text'"),
        ({"title": "标题", "text": "正文", "date": "2024-02-30"}, "real date"),
        ({"title": "标题", "text": "正文", "date": "2024/02/03"}, "real date"),
        ({"title": "标题", "text": "正文", "source": ["a"]}, "'source'"),
        ({"title": "标题", "text": "正文", "titel": "x"}, "unknown field"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_invalid_json_articles(tmp_path: Path, article: object, message: str) -> None:
    with pytest.raises(InvalidArticle, match=message):
        save_json_article(tmp_path, article)  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())


def test_uploads_survive_a_full_rebuild(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "old.txt").write_text("旧稿件\n\n这是一篇旧稿件的正文，讲述嘉兴的故事。", encoding="utf-8")
    build_index(corpus, index)
    path = save_json_article(corpus, {"title": "潮汐能电站", "text": "海盐县研究潮汐能发电。"})
    added = add_files([path], corpus, index)
    assert len(added.article_ids) == 1
    rebuilt = build_index(corpus, index)
    assert added.article_ids[0] in rebuilt.article_ids
    assert path in discover_files(corpus)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_saved_files_have_the_modes_the_umask_gives(tmp_path: Path, umask: int, mode: int) -> None:
    previous = os.umask(umask)
    try:
        path = save_upload(tmp_path, "稿件.txt", "内容。".encode(), today=DAY)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == mode  # not mkstemp's 0600, which other readers cannot open


def test_names_count_up_past_every_taken_one(tmp_path: Path) -> None:
    names = [save_upload(tmp_path, "a.txt", f"第{i}版。".encode(), today=DAY).name for i in range(4)]
    assert names == ["a.txt", "a-2.txt", "a-3.txt", "a-4.txt"]
    assert uploads.choose_target(tmp_path / "uploads" / "2025-03-01", "a.txt", "第2版。".encode()).name == "a-3.txt"
    assert uploads.choose_target(tmp_path / "uploads" / "2025-03-01", "a.txt", b"new").name == "a-5.txt"


@pytest.mark.parametrize("field", ["title", "text", "source"])
def test_a_lone_surrogate_is_an_invalid_article(tmp_path: Path, field: str) -> None:
    article = {"title": "标题", "text": "正文。", field: "坏\ud800字"}
    with pytest.raises(InvalidArticle, match=f"'{field}' is not valid Unicode"):
        save_json_article(tmp_path, article)
    with pytest.raises(InvalidArticle, match="unknown field") as refused:
        save_json_article(tmp_path, {"title": "标题", "text": "正文。", "\udc80": "x"})
    str(refused.value).encode("utf-8")  # the message itself is printable
    assert not any(tmp_path.iterdir())


def docx_with(paragraphs: int) -> bytes:
    """A minimal .docx whose body holds `paragraphs` one-character paragraphs (small once zipped)."""
    body = "<w:p><w:r><w:t>段</w:t></w:r></w:p>" * paragraphs
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w='
                         f'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}'
                         '<w:sectPr/></w:body></w:document>')
    return out.getvalue()


CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                 '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                 'document.main+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def test_docx_paragraphs_are_counted_without_parsing_and_counting_stops_early() -> None:
    assert limits.docx_paragraphs(docx_with(7), stop=100) == 7
    big = docx_with(200_000)
    assert len(big) < 600_000  # like the 551 KB file of the report
    assert limits.docx_paragraphs(big, stop=10_000) > 10_000
    assert limits.docx_paragraphs(b"not a zip", stop=10) == 0
    # A real document from python-docx: the paragraph count matches what it wrote (heading included).
    document = docx.Document()
    for n in range(5):
        document.add_paragraph(f"第{n}段")
    out = io.BytesIO()
    document.save(out)
    assert limits.docx_paragraphs(out.getvalue(), stop=100) == 5


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert limits.Limits.from_env() == limits.Limits(10_000, 20_000)
    monkeypatch.setenv(limits.FILE_ENV, "50")
    monkeypatch.setenv(limits.REQUEST_ENV, "70")
    got = limits.Limits.from_env()
    assert got == limits.Limits(50, 70)
    assert got.file_problem(50) is None and limits.FILE_ENV in (got.file_problem(51) or "")
    assert got.request_problem(70) is None and limits.REQUEST_ENV in (got.request_problem(71) or "")
    monkeypatch.setenv(limits.FILE_ENV, "lots")  # nonsense falls back to the default, never to "no limit"
    assert limits.Limits.from_env().file_paragraphs == limits.DEFAULT_FILE_PARAGRAPHS
