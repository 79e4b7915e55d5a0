"""Decoding legacy portal pages: GBK and GB2312 are decoded as gb18030 (a superset), a registry row may
override the encoding, and decoded text is checked for mojibake."""
from __future__ import annotations

import codecs
import re

ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "gb_2312-80": "gb18030"}
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def canonical(name: str | None) -> str | None:
    if not name:
        return None
    n = name.strip().lower()
    return ALIASES.get(n, n)


def known_codec(name: str | None) -> bool:
    try:
        codecs.lookup(name or "")
        return True
    except LookupError:
        return False


def sniff_html_encoding(body: bytes, header_charset: str | None = None) -> str:
    if body.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    m = META_CHARSET.search(body[:4096])
    for cand in (canonical(header_charset), canonical(m.group(1).decode("ascii", "ignore")) if m else None):
        if cand and cand not in ("iso-8859-1", "latin-1") and known_codec(cand):
            return cand  # an unknown charset name is ignored: the bytes decide
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def mojibake_score(text: str) -> float:
    """Share of characters typical of wrongly decoded CJK (latin-1 soup, replacement chars)."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ch == "\ufffd" or "\u00c0" <= ch <= "\u00ff")
    return bad / len(text)
