"""Which text encoding a table is in: UTF-8 (with or without BOM), GB18030/GBK, or another.

Chinese public data comes in UTF-8 and in the GB family (GB2312 ⊂ GBK ⊂ GB18030). A file that
is not UTF-8 and that chardet takes for Chinese is decoded as GB18030, the superset, so a rare
character outside GBK never breaks the decoding; :func:`charset_label` still says "GBK" when
every byte seen is GBK. Everything else follows Frictionless's own rule (chardet, then UTF-8
when chardet is unsure and the bytes decode).
"""

from __future__ import annotations

import codecs

import chardet

CHINESE = frozenset({"gb2312", "gbk", "gb18030", "hz", "hz-gb-2312"})
CONFIDENCE = 0.5  # Frictionless's DEFAULT_ENCODING_CONFIDENCE


def detect_encoding(buffer: bytes) -> str:
    """The Python codec to read ``buffer`` (the first bytes of a file) with."""
    if buffer.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if buffer.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if decodes(buffer, "utf-8"):
        return "utf-8"
    guess = chardet.detect(buffer)
    name = (guess.get("encoding") or "").lower()
    if (name in CHINESE or guess.get("language") == "zh") and decodes(buffer, "gb18030"):
        return "gb18030"
    if not name:
        return "utf-8"
    encoding = codecs.lookup(name).name
    if (guess.get("confidence") or 0) < CONFIDENCE and decodes(buffer, "utf-8"):
        return "utf-8"
    return encoding


def decodes(buffer: bytes, encoding: str) -> bool:
    """Whether ``buffer`` decodes, allowing a character cut off at its end."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(buffer, final=False)
    except UnicodeDecodeError:
        return False
    return True


def charset_label(buffer: bytes, encoding: str) -> str:
    """A name people know for the encoding: "UTF-8", "UTF-8 (BOM)", "GBK", "GB18030"…"""
    if encoding == "utf-8-sig":
        return "UTF-8 (BOM)"
    if encoding == "gb18030":
        return "GBK" if decodes(buffer, "gbk") else "GB18030"
    return encoding.upper()
