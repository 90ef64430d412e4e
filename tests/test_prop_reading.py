"""Property: ingestion of arbitrary bytes under every supported extension gives articles or a clear skip
reason (`UnreadableFile` naming the file), never another exception.

Random bytes alone rarely get past the first check of a format, so each extension also gets bytes that start
like the real thing (a PDF header, a ZIP/DOCX header, HTML tags, JSON records, front matter) and then go wrong.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searcher.corpus.reading import load_corpus, load_file
from searcher.errors import UnreadableFile
from searcher.models import ParsedFile

SUFFIXES = [".txt", ".md", ".jsonl", ".html", ".pdf", ".docx"]
TEXTISH = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)


def _docx_like(body: bytes) -> bytes:
    """A ZIP with the parts a .docx names, holding whatever bytes as its document."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"/>')
        zf.writestr("word/document.xml", body)
    return out.getvalue()


PREFIXED = {
    ".txt": st.one_of(TEXTISH.map(str.encode), TEXTISH.map(lambda t: ("---\n" + t + "\n---\n" + t).encode())),
    ".md": TEXTISH.map(lambda t: f"# {t}\n\n{t}".encode("utf-16")),
    ".jsonl": st.lists(st.one_of(
        st.dictionaries(st.sampled_from(["id", "title", "text", "date", "source", "url", "author"]),
                        st.one_of(TEXTISH, st.integers(), st.none(), st.lists(st.integers(), max_size=2)),
                        max_size=7).map(lambda d: json.dumps(d, ensure_ascii=bool(len(d) % 2))),
        TEXTISH), max_size=5).map(lambda lines: "\n".join(lines).encode()),
    ".html": TEXTISH.map(lambda t: f"<html><head><title>{t}</title><meta charset='{t[:8]}'></head>"
                                   f"<body><article><p>{t}</p></article></body>".encode()),
    ".pdf": st.binary(max_size=300).map(lambda b: b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n" + b),
    ".docx": st.binary(max_size=300).map(_docx_like),
}


def check_load(path: Path) -> None:
    try:
        parsed = load_file(path, path.parent)
    except UnreadableFile as exc:
        assert exc.path == path.name and exc.reason.strip(), "a skip must name the file and say why"
        assert "Traceback" not in exc.reason
        return
    assert isinstance(parsed, ParsedFile)
    for article in parsed.articles:
        assert article.id and article.title and article.file == path.name
        assert [p.number for p in article.paragraphs] == list(range(1, len(article.paragraphs) + 1))


@pytest.mark.parametrize("suffix", SUFFIXES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600))
def test_random_bytes_give_articles_or_a_reason(tmp_path: Path, suffix: str, data: bytes) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    check_load(path)


@pytest.mark.parametrize("suffix", SUFFIXES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bytes_that_start_like_the_format_give_articles_or_a_reason(tmp_path: Path, suffix: str,
                                                                    data: st.DataObject) -> None:
    path = tmp_path / f"shaped{suffix}"
    path.write_bytes(data.draw(PREFIXED[suffix]))
    check_load(path)


def test_a_corpus_of_garbage_is_reported_file_by_file(tmp_path: Path) -> None:
    """load_corpus turns any failure into a Skipped naming the file, and goes on with the next file."""
    for n, suffix in enumerate(SUFFIXES):
        (tmp_path / f"bad{n}{suffix}").write_bytes(bytes(range(256)) * 3)
    (tmp_path / "good.txt").write_text("嘉兴光伏产业继续发展。", encoding="utf-8")
    items = list(load_corpus(tmp_path))
    assert [i.path for i in items] == [f"bad{n}{s}" for n, s in enumerate(SUFFIXES)] + ["good.txt"]
    assert all(not isinstance(i, ParsedFile) and i.reason for i in items[:-1])
    assert isinstance(items[-1], ParsedFile) and items[-1].articles
