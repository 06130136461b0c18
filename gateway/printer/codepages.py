"""Character code tables: ESC t pages, ESC R international sets, Kanji mode, UTF-8.

Single-byte pages decode through a 256-character table with
`codecs.charmap_decode` (C speed). Tables come from Python's codecs where the
capabilities database names one (`python_encode`), or from the database's own
`data` rows (pages Python has no codec for).
"""

from __future__ import annotations

import codecs
import difflib
import re
import unicodedata
from functools import cache, lru_cache

from gateway.printer.profiles import _capabilities, encoding_info

FALLBACK = "CP437"

# ESC R n: the 12 positions an international character set replaces.
_INTL_POS = (0x23, 0x24, 0x40, 0x5B, 0x5C, 0x5D, 0x5E, 0x60, 0x7B, 0x7C, 0x7D, 0x7E)
_INTL = {
    0: "#$@[\\]^`{|}~",  # USA
    1: "#$à°ç§^`éùè¨",  # France
    2: "#$§ÄÖÜ^`äöüß",  # Germany
    3: "£$@[\\]^`{|}~",  # UK
    4: "#$@ÆØÅ^`æøå~",  # Denmark I
    5: "#¤ÉÄÖÅÜéäöåü",  # Sweden
    6: "#$@°\\é^ùàòèì",  # Italy
    7: "₧$@¡Ñ¿^`¨ñ}~",  # Spain I
    8: "#$@[¥]^`{|}~",  # Japan
    9: "#¤ÉÆØÅÜéæøåü",  # Norway
    10: "#$ÉÆØÅÜéæøåü",  # Denmark II
    11: "#$á¡Ñ¿é`íñóú",  # Spain II
    12: "#$á¡Ñ¿éüíñóú",  # Latin America
    13: "#$@[₩]^`{|}~",  # Korea
    14: "#$ŽŠĐĆČžšđćč",  # Slovenia / Croatia
    15: "#¥@[\\]^`{|}~",  # China
    16: "#$@[\\]^`{|}~",  # Vietnam
    17: "#$@[\\]^`{|}~",  # Arabia
}

# pages the database lists under a multi-byte codec but that printers use as single-byte tables
_SINGLE_BYTE_ALIAS = {"CP932": "KATAKANA"}
# positions Python's codec leaves undefined that printers fill: IBM added the euro to CP857 at
# 0xD5 (as CP858 did to CP850); Epson's PC857 and receipt-printer-encoder's cp857 print it there
_FILLED = {"CP857": {0xD5: "€"}}


def _table_from_codec(codec: str) -> str | None:
    try:
        codecs.lookup(codec)
    except LookupError:
        return None
    chars = []
    for i in range(256):
        try:
            ch = bytes([i]).decode(codec)
        except UnicodeDecodeError:
            ch = "\ufffd"
        chars.append(ch if len(ch) == 1 else "\ufffd")
    return "".join(chars)


@cache
def page_table(name: str) -> tuple[str, bool]:
    """(256-character decoding table, known) for a code page name from the capabilities DB."""
    name = _SINGLE_BYTE_ALIAS.get(name, name)
    info = encoding_info(name)
    table = None
    if "data" in info:
        upper = "".join(info["data"])
        if len(upper) == 128:
            table = "".join(chr(i) for i in range(128)) + upper
    if table is None and info.get("python_encode"):
        table = _table_from_codec(info["python_encode"])
    if table is None and name.upper().startswith("ISO_8859"):
        table = _table_from_codec(name.replace("_", ""))
    if table is None and name == "RK1048":
        table = _table_from_codec("kz1048")
    if table is None:
        return page_table(FALLBACK)[0], False
    for pos, ch in _FILLED.get(name, {}).items():
        if table[pos] == "\ufffd":
            table = table[:pos] + ch + table[pos + 1:]
    return table, True


@cache
def intl_table(base: str, intl: int) -> str:
    """A page table with the ESC R international replacements applied."""
    table, _ = page_table(base)
    chars = _INTL.get(intl)
    if not chars or intl == 0:
        return table
    lst = list(table)
    for pos, ch in zip(_INTL_POS, chars, strict=True):
        lst[pos] = ch
    return "".join(lst)


@lru_cache(maxsize=512)  # pieces such as "\xa4 A" after an ESC t come back on every receipt
def decode_single(raw: bytes, table: str) -> str:
    text = codecs.charmap_decode(raw, "replace", table)[0]
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


@lru_cache(maxsize=512)
def decode_utf8(raw: bytes) -> str | None:
    """The text if `raw` is valid UTF-8 with at least one multi-byte character, else None."""
    if raw.isascii():
        return None
    text = raw.decode("utf-8", "replace")  # no exception to raise on the common non-UTF-8 line
    # each invalid sequence became a U+FFFD; a real one is the three bytes EF BF BD in the input
    if "\ufffd" in text and text.count("\ufffd") != raw.count(b"\xef\xbf\xbd"):
        return None
    return unicodedata.normalize("NFC", text)


def decode_multibyte(raw: bytes, codec: str) -> str:
    return unicodedata.normalize("NFC", raw.decode(codec, errors="replace"))


# ---- the technician's own ESC t numbering ([printer] code_pages, decode --code-page) ----------

def _squash(name: str) -> str:
    key = re.sub(r"[\s_\-]", "", name.upper())
    return "CP" + key[7:] if key.startswith("WINDOWS") else key  # Windows-1252 is CP1252


@cache
def known_pages() -> dict[str, str]:
    """Squashed name -> the capabilities DB's name, for every page the decoder has a table for."""
    return {_squash(n): n for n in _capabilities()["encodings"] if page_table(n)[1]}


def page_name(name: str) -> str:
    """The decoder's name for a code page the technician wrote (`cp858`, `ISO-8859-1`,
    `Windows-1253` ...); ValueError naming the close ones when the decoder has no such table."""
    known = known_pages()
    found = known.get(_squash(name)) if isinstance(name, str) else None
    if found is None and isinstance(name, str):
        try:  # Python's aliases: latin1, latin-9, cp-1252 ...
            found = known.get(_squash(codecs.lookup(name).name))
        except LookupError:
            pass
    if found is None:
        names = sorted(set(known.values()))
        close = difflib.get_close_matches(str(name).upper(), names, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise ValueError(f"{name!r} is not a code page the decoder knows.{hint} Known: {', '.join(names)}")
    return found


def page_number(n) -> int:
    """An ESC t number 0-255, given as an int or its digits; ValueError otherwise."""
    if isinstance(n, str) and re.fullmatch(r"\s*\d+\s*", n):
        n = int(n)
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 255:
        raise ValueError(f"code page number {n!r} is not a whole number from 0 to 255 (the n of ESC t n)")
    return n


def code_page_table(pages) -> dict[int, str]:
    """{number: encoding} checked: ESC t numbers 0-255 to code pages the decoder knows."""
    if not isinstance(pages, dict):
        raise ValueError(f"must be a table of ESC t numbers to code pages, e.g. {{ 2 = \"CP858\" }}, not {pages!r}")
    return {page_number(n): page_name(enc) for n, enc in pages.items()}


def code_page_arg(text: str) -> tuple[int, str]:
    """`2=CP858` (decode --code-page) -> (2, "CP858"); ValueError with the reason."""
    n, sep, enc = text.partition("=")
    if not sep:
        raise ValueError(f"{text!r} is not N=PAGE (e.g. 2=CP858: ESC t 2 selects CP858 on this printer)")
    return page_number(n), page_name(enc.strip())
