"""Turn HTML, PDF and DOCX files into the plain-text shape the page parser reads from .txt files.

Every extractor returns ``(text, meta)``: ``text`` is blocks separated by one blank line (a block is a
headline, a byline or a paragraph; lines inside a block are kept), ``meta`` holds whichever of
``title``, ``date`` (YYYY-MM-DD), ``source``, ``author`` and ``url`` the file itself declares, and
``meta["provenance"]`` says where each came from (``html:og:site_name``, ``pdf:info /Title``). When
``meta`` has a title the text does not repeat it as its first block, because the caller uses
``meta["title"]`` as the headline and would otherwise index the headline twice.

A publication date is only ever read from what the publisher wrote (an HTML date tag, a dateline in the
text). A PDF's creation date and a Word file's ``created`` property are when the file was made, which
for a saved or exported article is any day after publication, so they are never used as its date.

Every failure, whether ours or a library's, is raised as ``ValueError`` with a short reason a user can
act on; the caller prefixes the path and skips the file, so no traceback ever reaches the user.
"""

from __future__ import annotations

import codecs
import functools
import io
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..page.dateline import split_tail
from ..page.html import html_meta

__all__ = ["SUFFIXES", "extract"]

# field -> (value, where it came from); extract() turns it into meta plus meta["provenance"].
Meta = dict[str, tuple[str, str]]


def extract(path: Path) -> tuple[str, dict[str, Any]]:
    """Extract body text and declared metadata from one file, choosing the reader by suffix."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise ValueError(f"unsupported file type {suffix or '(no suffix)'}")
    text, found = reader(path)
    meta: dict[str, Any] = {key: value for key, (value, _) in found.items() if value}
    if meta:
        meta["provenance"] = {key: origin for key, (value, origin) in found.items() if value}
    return _drop_repeated_title(text, meta.get("title", "")), meta


# ---------------------------------------------------------------- shared helpers


def _read_bytes(path: Path) -> bytes:
    """Read the file, turning OS errors into the ValueError the caller knows how to report."""
    try:
        return path.read_bytes()
    except OSError as err:
        raise ValueError(f"cannot read file: {err.strerror or err}") from None


def _squash(text: str) -> str:
    """Collapse runs of whitespace so titles and names compare and display cleanly."""
    return " ".join(text.split())


def _join_blocks(blocks: Iterable[str]) -> str:
    """Join non-empty blocks with one blank line, the separator the page parser splits on."""
    return "\n\n".join(block for block in (b.strip() for b in blocks) if block)


def _drop_repeated_title(text: str, title: str) -> str:
    """Remove a first block that only repeats the title, since the caller takes the headline from meta."""
    if not title:
        return text
    first, sep, rest = text.partition("\n\n")
    if _squash(first) == _squash(title):
        return rest.lstrip("\n")
    return text


def _short(err: BaseException) -> str:
    """One line of a library's error message, so reasons stay readable in a skip list."""
    message = str(err).strip().splitlines()
    return message[0][:160] if message and message[0] else type(err).__name__


# Bylines in Chinese papers carry a marker and a role before the name ("■记者 陈曦", "文/王强");
# roles like 文 need a separator after them so names such as 文静 survive.
_BYLINE_PREFIX = re.compile(
    r"^[\s■□●○▲△◆◇★☆*·•|｜]*"  # marker
    r"(?:(?:本报|特约|实习)?记者[\s:：/／]*|(?:作者|撰稿|撰文|文|编辑)[\s:：/／|｜]+)?"  # role
)


def _clean_author(author: str) -> str:
    """Reduce a byline to the names, so meta["author"] is the same whether it came from a tag or the page;
    like a byline in the text it stops at the end of the names (`王强 2024-12-10` -> `王强`)."""
    author = split_tail(_squash(author))[0]
    cleaned = _BYLINE_PREFIX.sub("", author, count=1).strip()
    return cleaned or author


# ---------------------------------------------------------------- HTML

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# Pages labelled gb2312/gbk routinely contain characters only GB18030 (their superset) can decode.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}


def _decode_html(data: bytes) -> str:
    """Decode page bytes: BOM, then UTF-8, then the declared charset, then GB18030, then a detector."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff")
    # Valid UTF-8 wins over the declaration: GBK bytes almost never form valid UTF-8, while converted
    # sites often keep a stale "gb2312" tag, and UTF-8 decoded as GB18030 is silent mojibake.
    candidates = ["utf-8"]
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", "ignore").lower()
        candidates.append("gb18030" if name in _GB_FAMILY else name)
    candidates.append("gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return _detect_and_decode(data)


def _detect_and_decode(data: bytes) -> str:
    """Last resort for pages in neither declared nor common encodings (Big5, Shift-JIS...)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("utf-8", errors="replace")


def _element_text(element: Any) -> str:
    """Text of one trafilatura output element, keeping <lb/> as a line break and list items as lines."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if node.tag in ("lb", "br"):
            parts.append("\n")
        elif node.tag in ("item", "row"):
            parts.append("\n")
        elif node.tag == "cell":
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _html_blocks(body: Any) -> list[str]:
    """One block per top-level element of trafilatura's body (paragraph, heading, list, table, quote)."""
    return [text for text in (_element_text(child) for child in body) if text]


@functools.cache
def _trafilatura_config() -> Any:
    """trafilatura's defaults, except the size below which it swaps in a fallback extractor.

    The default (250 characters) suits English; a short Chinese article is often under it, and the
    fallback then flattens title, byline and every paragraph into one block.
    """
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "80")
    return config


def _read_html(path: Path) -> tuple[str, Meta]:
    """Main text and metadata of a saved news page, with nav bars, footers and comments left out."""
    import trafilatura
    from trafilatura.settings import set_date_params

    html = _XML_DECL.sub("", _decode_html(_read_bytes(path)), count=1)
    if not html.strip():
        raise ValueError("empty HTML file")
    try:
        # Non-extensive date search: the extensive one turns a footer's "© 2024" into 2024-01-01.
        doc = trafilatura.bare_extraction(
            html,
            config=_trafilatura_config(),
            with_metadata=True,
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params=set_date_params(False),
            as_dict=False,
        )
    except Exception as err:  # any parser failure becomes a skip reason
        raise ValueError(f"cannot parse HTML ({_short(err)})") from None
    assert not isinstance(doc, dict)  # as_dict=False: a Document
    if doc is None or doc.body is None:
        raise ValueError("no article text found in HTML page")
    text = _join_blocks(_html_blocks(doc.body))
    if not text:
        raise ValueError("no article text found in HTML page")
    meta = html_meta(html, doc)
    author, origin = meta.get("author", ("", ""))
    if author:
        meta["author"] = (_clean_author(author), origin)
    return text, meta


# ---------------------------------------------------------------- PDF


@dataclass
class _Line:
    """One output line of pypdf with where it starts on the page (None when pypdf gave no position)."""

    text: str
    x: float | None = None
    y: float | None = None
    size: float = 0.0


def _position(cm: Any, tm: Any, size: Any) -> tuple[float, float, float]:
    """Page x, y and font size of a text run; many producers set Tf 1 and scale with the matrices."""
    a, b, c, d, e, f = (float(value) for value in cm[:6])
    x, y = float(tm[4]), float(tm[5])
    scale = (abs(float(tm[0]) * float(tm[3]) - float(tm[1]) * float(tm[2])) * abs(a * d - b * c)) ** 0.5
    return x * a + y * c + e, x * b + y * d + f, float(size or 0) * scale


def _line_collector() -> tuple[list[_Line], Callable[..., None]]:
    """A pypdf text visitor that splits the extracted text into lines, remembering each line's start."""
    lines: list[_Line] = [_Line("")]

    def visit(text: str, cm: Any, tm: Any, _font: Any, size: Any) -> None:
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                lines.append(_Line(""))
            current = lines[-1]
            if piece.strip() and current.x is None and not current.text.strip():
                # Only the first piece of a run has a known position; later ones keep None.
                if index == 0:
                    try:
                        current.x, current.y, current.size = _position(cm, tm, size)
                    except (TypeError, ValueError, IndexError):
                        pass
            current.text += piece

    return lines, visit


def _is_break(prev: _Line, line: _Line, next_line: _Line | None, pitch: float) -> bool:
    """Whether a blank line belongs before `line`: wider spacing, a new size, a jump, or an indent."""
    if prev.x is None or prev.y is None or line.x is None or line.y is None:
        return False
    size = line.size or prev.size or 10.0
    drop = prev.y - line.y
    if drop < -0.5 * size or drop > 3 * max(size, prev.size, pitch):
        return True  # back up the page or far down it: a new column or a new block
    if drop < 0.5 * size:
        return False  # still the same visual line (a split run, a raised footnote mark)
    if prev.size and line.size and abs(prev.size - line.size) > 0.15 * max(prev.size, line.size):
        return True
    if drop > 1.3 * pitch:
        return True
    if line.x - prev.x >= 0.8 * size:
        return True  # first-line indent after a full-width line
    if next_line is not None and next_line.x is not None and next_line.y is not None:
        follows = 0 < line.y - next_line.y <= 1.3 * pitch
        if follows and line.x - next_line.x >= 0.8 * size:
            return True  # this line is indented relative to the one that continues it
    return False


def _page_blocks(lines: list[_Line]) -> str:
    """Keep pypdf's lines, adding blank lines where the layout shows a paragraph or block boundary."""
    lines = [_Line(line.text.strip(), line.x, line.y, line.size) for line in lines if line.text.strip()]
    if not lines:
        return ""
    drops = [
        a.y - b.y
        for a, b in zip(lines, lines[1:], strict=False)
        if a.y is not None and b.y is not None and 0 < a.y - b.y <= 3 * max(a.size, b.size, 1.0)
    ]
    pitch = statistics.median(drops) if drops else 0.0
    out = [lines[0].text]
    for index in range(1, len(lines)):
        next_line = lines[index + 1] if index + 1 < len(lines) else None
        if pitch and _is_break(lines[index - 1], lines[index], next_line, pitch):
            out.append("")
        out.append(lines[index].text)
    return "\n".join(out)


def _pdf_page_text(page: Any) -> str:
    """Text of one page; falls back to pypdf's plain output if the visitor's lines disagree with it."""
    lines, visit = _line_collector()
    plain = page.extract_text(visitor_text=visit) or ""
    if "".join("".join(line.text for line in lines).split()) != "".join(plain.split()):
        return "\n".join(line.strip() for line in plain.splitlines() if line.strip())
    return _page_blocks(lines)


# Values PDF producers write when the author left the field empty.
_PLACEHOLDERS = {
    "untitled",
    "(untitled)",
    "anonymous",
    "(anonymous)",
    "unknown",
    "(unspecified)",
    "unspecified",
}


def _pdf_meta(reader: Any) -> Meta:
    """Title and author from the PDF info dictionary, skipping producer placeholders (never its dates)."""
    try:
        info = reader.metadata
    except Exception:  # a broken info dictionary should not cost the text
        return {}
    if info is None:
        return {}
    meta: Meta = {}
    for key, field in (("title", "/Title"), ("author", "/Author")):
        try:
            value = _squash(str(info.get(field) or ""))
        except Exception:
            continue
        if value and value.lower() not in _PLACEHOLDERS:
            meta[key] = (value, f"pdf:info {field}")
    return meta


def _open_pdf(path: Path) -> Any:
    """Open and, if needed, decrypt with the empty password, explaining anything that stops reading."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    data = _read_bytes(path)
    if b"%PDF-" not in data[:1024]:  # the header may follow up to 1 KB of junk
        raise ValueError("not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValueError("PDF is encrypted and needs a password to open")
    except ValueError:
        raise
    except DependencyError:
        raise ValueError("PDF is encrypted with AES; install the 'cryptography' package to read it") from None
    except FileNotDecryptedError:
        raise ValueError("PDF is encrypted and needs a password to open") from None
    except Exception as err:  # corrupt files raise anything
        raise ValueError(f"not a readable PDF ({_short(err)})") from None
    return reader


def _read_pdf(path: Path) -> tuple[str, Meta]:
    """Text layer of every page, pages separated by a blank line; scanned PDFs are refused."""
    from pypdf.errors import DependencyError, FileNotDecryptedError

    reader = _open_pdf(path)
    try:
        pages = [_pdf_page_text(page) for page in reader.pages]
    except DependencyError:
        raise ValueError("PDF is encrypted with AES; install the 'cryptography' package to read it") from None
    except FileNotDecryptedError:
        raise ValueError("PDF is encrypted and needs a password to open") from None
    except Exception as err:  # a broken content stream anywhere fails the file
        raise ValueError(f"cannot extract PDF text ({_short(err)})") from None
    text = _join_blocks(pages)
    if not text:
        raise ValueError("PDF has no text layer (scanned image?); OCR it first")
    return text, _pdf_meta(reader)


# ---------------------------------------------------------------- DOCX

# Left by python-docx's bundled template in every document whose properties were never set.
_DOCX_TEMPLATE_AUTHOR = "python-docx"


def _docx_blocks(document: Any) -> list[str]:
    """Body paragraphs and tables in document order; each paragraph (heading or not) is one block."""
    from docx.table import Table

    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = ("  ".join(_squash(cell.text) for cell in row.cells) for row in item.rows)
            blocks.append("\n".join(row for row in rows if row.strip()))
        else:
            lines = (line.strip() for line in item.text.splitlines())
            blocks.append("\n".join(line for line in lines if line))
    return blocks


def _docx_meta(document: Any) -> Meta:
    """Title and author from the core properties, without python-docx template values (never `created`)."""
    props = document.core_properties
    meta: Meta = {"title": (_squash(props.title or ""), "docx:core title")}
    author = _squash(props.author or "")
    if author and author != _DOCX_TEMPLATE_AUTHOR:
        meta["author"] = (author, "docx:core author")
    return meta


def _read_docx(path: Path) -> tuple[str, Meta]:
    """Non-empty paragraphs of a Word document, headings kept as their own blocks."""
    import docx

    data = _read_bytes(path)
    try:
        document = docx.Document(io.BytesIO(data))
        text = _join_blocks(_docx_blocks(document))
        meta = _docx_meta(document)
    except Exception as err:  # zip, XML and OPC errors all mean an unusable file
        if not data.startswith(b"PK"):
            raise ValueError("not a .docx file (not a ZIP package)") from None
        raise ValueError(f"not a readable .docx file ({_short(err)})") from None
    if not text:
        raise ValueError("document has no text")
    return text, meta


_READERS: dict[str, Callable[[Path], tuple[str, Meta]]] = {
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}

SUFFIXES: frozenset[str] = frozenset(_READERS)
