"""Decode the bytes of a corpus file whatever encoding Chinese newsrooms saved it in.

Order, most certain first: byte-order marks; UTF-16 recognised from where its NUL bytes fall; strict
UTF-8; strict GB18030 only when the result reads as Chinese (GB18030 accepts almost any byte pairs,
so an unchecked decode would turn UTF-16 or binary data into nonsense); BOM-less UTF-16 of pure
Chinese (no NULs at all) when it reads as Chinese; charset-normalizer as a last resort.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
CJK_TEXT_RE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2014\u2026]")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
PLAIN_RE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2000-\u206f\s!-~\u00b7\u00d7\u2160-\u217f]")
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)
# Share of characters that must be common Chinese text (ideographs, CJK punctuation, ASCII).
PLAUSIBLE = 0.97
MIN_CJK = 0.2
# Share of ideographs that must be everyday characters for a guessed decoding to be believed.
COMMON_SHARE = 0.8
SUSPECT_RE = re.compile(r"[\ufffd\ufeff\ue000-\uf8ff]")


def _strict(data: bytes, encoding: str) -> str | None:
    """Decode or return None; never replaces bytes silently."""
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_common_hanzi(ch: str) -> bool:
    """True for the 3,755 everyday characters (GB2312 level 1), which make up almost all news text."""
    try:
        return 0xB0 <= ch.encode("gb2312")[0] <= 0xD7
    except UnicodeEncodeError:
        return False


def _plausible(text: str) -> bool:
    """No control, replacement, stray BOM or private-use characters, and the ideographs mostly common.

    A wrong decoder still yields *some* characters; it gives itself away with rare ideographs.
    """
    if CONTROL_RE.search(text) or SUSPECT_RE.search(text.lstrip("\ufeff")):
        return False
    hanzi = [ch for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"]
    return not hanzi or sum(map(_is_common_hanzi, hanzi)) / len(hanzi) >= COMMON_SHARE


def _reads_as_chinese(text: str) -> bool:
    """True when nearly every character is ordinary Chinese-text material and a fair share is CJK."""
    visible = [ch for ch in text if not ch.isspace()]
    if not visible or not _plausible(text):
        return False
    plain = sum(1 for ch in visible if PLAIN_RE.match(ch))
    cjk = sum(1 for ch in visible if CJK_TEXT_RE.match(ch))
    return plain / len(visible) >= PLAUSIBLE and cjk / len(visible) >= MIN_CJK


def _utf16_by_nuls(data: bytes) -> str | None:
    """UTF-16 text has its NULs (the high bytes of ASCII) at odd offsets in LE, even offsets in BE."""
    odd = data[1::2].count(0)
    even = data[0::2].count(0)
    if len(data) % 2 or max(odd, even) < 2 * max(min(odd, even), 1):
        return None
    return "utf-16-le" if odd > even else "utf-16-be"


def _check(text: str | None) -> str | None:
    """Reject decodes that carry control characters (the sign of binary data)."""
    if text is None or CONTROL_RE.search(text):
        return None
    return text


def _finish(text: str, encoding: str) -> tuple[str, str]:
    """Refuse an all-blank result, otherwise return the text and the encoding name."""
    if not text.replace("\ufeff", "").strip():  # any Unicode space (U+2000 included) counts as blank
        raise ValueError("empty file")
    return text, encoding


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode file bytes to text; ValueError('binary file' / 'empty file' / 'undecodable …') otherwise."""
    if not data.strip():
        raise ValueError("empty file")
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            text = _check(_strict(data[len(bom) :] if codec != "utf-8-sig" else data, codec))
            if text is None:
                raise ValueError(f"undecodable: invalid {name} after its byte-order mark")
            return _finish(text.lstrip("\ufeff"), name)
    if b"\x00" in data:
        found = _utf16_with_nuls(data)
        if found is None:
            raise ValueError("binary file")
        return _finish(*found)
    return _decode_without_nuls(data)


def _plain_share(text: str) -> float:
    """Share of visible characters that are ordinary text: ASCII, CJK punctuation, everyday hanzi."""
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return 1.0
    good = sum(1 for ch in visible if PLAIN_RE.match(ch) and (not CJK_RE.match(ch) or _is_common_hanzi(ch)))
    return good / len(visible)


def _utf16_with_nuls(data: bytes) -> tuple[str, str] | None:
    """Decode NUL-bearing data as UTF-16, trying the byte order the NUL positions suggest first.

    Both orders are scored, because characters like U+3000 (the ideographic space used to indent
    Chinese paragraphs) put their NUL on the "wrong" side and would fool the position count alone.
    """
    guess = _utf16_by_nuls(data)
    if len(data) % 2:
        return None
    order = sorted(("utf-16-le", "utf-16-be"), key=lambda codec: codec != guess)
    scored = []
    for rank, codec in enumerate(order):
        text = _check(_strict(data, codec))
        if text is not None and not SUSPECT_RE.search(text):
            scored.append((_plain_share(text), -rank, text, codec))
    if not scored:
        return None
    share, _, text, codec = max(scored)
    return (text, codec) if share >= PLAUSIBLE or (guess == codec and share >= 0.8) else None


def _decode_without_nuls(data: bytes) -> tuple[str, str]:
    """The NUL-free cases: UTF-8, GB18030, pure-Chinese UTF-16, then charset-normalizer."""
    text = _check(_strict(data, "utf-8"))
    if text is not None:
        return _finish(text, "utf-8")
    text = _strict(data, "gb18030")
    if text is not None and _reads_as_chinese(text):
        return _finish(text, "gb18030")
    for codec in ("utf-16-le", "utf-16-be"):
        text = _strict(data, codec) if len(data) % 2 == 0 else None
        if text is not None and _reads_as_chinese(text):
            return _finish(text, codec)
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        text = _strict(data, best.encoding)
        if text is not None and text.strip() and _plausible(text):
            return _finish(text, best.encoding)
    if CONTROL_RE.search(data.decode("latin-1")):
        raise ValueError("binary file")
    raise ValueError("undecodable: not UTF-8, GB18030 or UTF-16, and no other encoding fits")
