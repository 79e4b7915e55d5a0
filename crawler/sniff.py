"""The real type of a downloaded file from its first bytes (the extension and Content-Type lie)."""
from __future__ import annotations

import zipfile
import io

MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tif"),
    (b"MM\x00*", "tif"),
    (b"{\\rtf", "rtf"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf", "7z"),
)


def sniff(data: bytes, name_hint: str = "") -> str:
    if not data:
        return "empty"
    for magic, kind in MAGIC:
        if data.startswith(magic):
            if kind == "ole":
                return _ole_kind(data, name_hint)
            return kind
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "zip"
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.lower().startswith("doc_0/") or n.upper() == "OFD.XML" for n in names):
            return "ofd"
        return "zip"
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<body")) or b"<html" in head:
        return "html"
    if head.startswith(b"<?xml"):
        return "xml"
    if head[:1] in (b"{", b"["):
        return "json"
    return "text"


def _ole_kind(data: bytes, name_hint: str) -> str:
    head = data[:65536]
    if b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in head or b"Workbook" in head:
        return "xls"
    if b"W\x00P\x00S" in head or b"WPS Office" in head or b"Kingsoft" in head:
        return "wps"
    if name_hint.lower().endswith(".wps"):
        return "wps"
    return "doc"
