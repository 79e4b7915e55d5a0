"""Format extractors: bytes of any archived document → one `normalize.document.Document`.

Public API
    sniff(data) -> str                      the real type from the bytes (see sniff.py)
    extract_bytes(data, name=None, *, limits=DEFAULT_LIMITS, encoding=None, original_format=None) -> Document
    extract_path(path, *, limits=DEFAULT_LIMITS, **kw) -> Document
    convert_office_batch(items, *, cache_dir=None, timeout=None) -> list[bytes | None]
    Limits, DEFAULT_LIMITS

`extract_bytes` never raises on bad input: a document that cannot be read gives a Document with no
blocks and an error-level DocIssue (rule codes below); problems that leave something usable are
warnings. Rules:
    errors    empty_file, too_large, read_failed, truncated_pdf, encrypted_pdf, corrupt_pdf, zip_bomb,
              corrupt_docx, corrupt_xlsx, corrupt_mhtml, encrypted_office, converter_missing,
              conversion_failed, no_text, unknown_format, timeout, memory_limit, extraction_failed,
              extractor_missing (textdump.py absent)
    warnings  extension_mismatch, unsupported_format (xls, ofd, other zip), needs_ocr, partly_scanned,
              garbled_text, truncated_pdf (pages readable), too_many_pages, tables_skipped,
              tables_unavailable, table_too_large, encoding_mismatch, decode_errors, corrupt_image,
              numbering_unreadable, embedded_objects

Dispatch by sniffed type: html → html.py, mhtml → html.py (its HTML part), docx → docx.py,
pdf → pdf.py; PDF, HTML, MHTML, DOCX and XLSX are read in a forked child with memory and time limits
(limits.run_isolated), doc/wps/rtf → LibreOffice (office.py) then docx.py, xlsx → xlsx.py, image →
images.py, text → transcript.read_transcript (Markdown/plain transcripts) or textdump.read_textdump
(Word text dumps). Scanned PDFs (pages without a usable text layer) and images are then read by OCR
(ocr_hook.py).

DOC/WPS in bulk: call `convert_office_batch` for many documents at once, then
`extract_bytes(docx_bytes, original_format='doc')` on each result; `Document.format` is then 'doc'
and meta['converted_by'] = 'libreoffice'.
"""
from __future__ import annotations

import os
from typing import Optional

from ..document import DocIssue, Document, ExtractError
from .limits import DEFAULT_LIMITS, Limits, run_isolated
from .office import convert_office_batch, find_soffice
from .sniff import extension_mismatch, is_encrypted_ooxml, sniff

__all__ = ["sniff", "extract_bytes", "extract_path", "convert_office_batch", "Limits", "DEFAULT_LIMITS",
           "find_soffice", "decode_text"]

_UNSUPPORTED = {
    "xls": "Excel 97-2003 workbook (.xls) is not read; convert it to .xlsx to extract its tables",
    "ofd": "OFD (China's fixed-layout format) is not read yet; find a PDF or DOC version of this report",
    "zip": "a zip archive that is not a Word or Excel document; unpack it and extract its members",
}


def _error(fmt: str, rule: str, message: str, issues: Optional[list] = None) -> Document:
    return Document(format=fmt, issues=list(issues or []) + [DocIssue(rule, message)])


def decode_text(data: bytes, encoding: Optional[str] = None) -> tuple[str, list[DocIssue]]:
    """Plain text: BOM (UTF-8/16/32) first, then the hint, then UTF-8, then GB18030 (see html.decode_bytes)."""
    for bom, enc in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), []
    from .html import decode_bytes

    text, _enc, issues = decode_bytes(data, encoding)
    return text, issues


def extract_bytes(data: bytes, name: Optional[str] = None, *, limits: Limits = DEFAULT_LIMITS,
                  encoding: Optional[str] = None, original_format: Optional[str] = None) -> Document:
    """Extract any document. Never raises on bad input (see module doc).

    name: the file name or URL (only used to warn when its extension disagrees with the bytes).
    encoding: a decoding hint for HTML/text (per-site override); wins over the page's declaration.
    original_format: set when `data` is the DOCX that `convert_office_batch` made from a DOC/WPS/RTF;
      the returned Document then reports that format.
    """
    fmt = "unknown"
    try:
        if data is None:
            data = b""
        if not isinstance(data, bytes):
            data = bytes(data)
        if len(data) > limits.max_bytes:
            fmt = sniff(data[:65536]) if data else "unknown"
            return _error(fmt, "too_large", f"{len(data)} bytes is over the {limits.max_bytes}-byte limit")
        fmt = sniff(data)
        if fmt == "empty":
            return _error("empty", "empty_file", "the file is empty" if not data else "the file holds only whitespace")
        pre: list[DocIssue] = []
        mismatch = extension_mismatch(name, fmt)
        if mismatch and not original_format:
            pre.append(DocIssue("extension_mismatch", mismatch + f"; read as {fmt}", "warning"))
        doc = _dispatch(data, fmt, limits, encoding)
        if fmt in ("pdf", "image") and (doc.needs_ocr or any(i.rule == "partly_scanned" for i in doc.issues)):
            from .ocr_hook import apply_ocr

            doc = apply_ocr(doc, data, fmt, limits)
        doc.issues[:0] = pre
        if original_format:
            doc.meta["converted_by"] = "libreoffice"
            doc.meta["converted_format"] = doc.format
            doc.format = original_format
        return doc
    except ExtractError as e:
        return _error(fmt, e.rule, e.message)
    except MemoryError:
        return _error(fmt, "memory_limit", "out of memory while extracting")
    except RecursionError:
        return _error(fmt, "extraction_failed", "document nesting too deep")
    except Exception as e:  # noqa: BLE001 - never raise on bad input
        return _error(fmt, "extraction_failed", f"{type(e).__name__}: {e}"[:500])


_PRELOADED: set[str] = set()


def _preload(fmt: str) -> None:
    """Import an isolated extractor and its libraries in the parent, once: a forked child inherits them.
    (Imported in the child, they would be imported again for every document: ~70 ms per PDF.)"""
    if fmt in _PRELOADED:
        return
    _PRELOADED.add(fmt)
    try:
        if fmt == "pdf":
            from .pdf import preload

            preload()
        elif fmt in ("html", "mhtml"):
            from . import html  # noqa: F401
        elif fmt == "docx":
            from . import docx  # noqa: F401
        elif fmt == "xlsx":
            from . import xlsx  # noqa: F401
    except ImportError:
        pass  # the child reports it


def _dispatch(data: bytes, fmt: str, limits: Limits, encoding: Optional[str]) -> Document:
    if fmt in limits.isolate_formats:
        _preload(fmt)
        try:
            return run_isolated(_dispatch_direct, (data, fmt, limits, encoding), timeout=limits.timeout,
                                max_memory_mb=limits.max_memory_mb, reuse=True)
        except ExtractError as e:
            return _error(fmt, e.rule, e.message)
    return _dispatch_direct(data, fmt, limits, encoding)


def _dispatch_direct(data: bytes, fmt: str, limits: Limits, encoding: Optional[str]) -> Document:
    if fmt == "html":
        from .html import extract_html

        return extract_html(data, encoding=encoding, limits=limits)
    if fmt == "mhtml":
        from .html import extract_mhtml

        return extract_mhtml(data, encoding=encoding, limits=limits)
    if fmt == "docx":
        from .docx import extract_docx

        return extract_docx(data, limits=limits)
    if fmt == "pdf":
        from .pdf import extract_pdf

        return extract_pdf(data, limits=limits)
    if fmt in ("doc", "wps", "rtf"):
        return _extract_office(data, fmt, limits)
    if fmt == "xlsx":
        from .xlsx import extract_xlsx

        return extract_xlsx(data, limits=limits)
    if fmt == "image":
        from .images import extract_image

        return extract_image(data)
    if fmt == "text":
        text, issues = decode_text(data, encoding)
        from .transcript import looks_like_transcript, read_transcript
        from .textdump import read_textdump

        doc = read_transcript(text) if looks_like_transcript(text) else read_textdump(text)
        doc.format = "text"
        doc.issues[:0] = issues
        return doc
    if fmt in _UNSUPPORTED:
        return Document(format=fmt, issues=[DocIssue("unsupported_format", _UNSUPPORTED[fmt], "warning")])
    if fmt == "unknown" and data.startswith(b"\xd0\xcf\x11\xe0") and is_encrypted_ooxml(data):
        return _error("unknown", "encrypted_office", "password-protected Office document (EncryptedPackage)")
    return _error(fmt, "unknown_format", "the bytes are not a known document format")


def _extract_office(data: bytes, fmt: str, limits: Limits) -> Document:
    try:
        [docx] = convert_office_batch([data], cache_dir=limits.cache_dir, timeout=limits.convert_timeout + 60)
    except ExtractError as e:
        return _error(fmt, e.rule, e.message)
    if docx is None:
        return _error(fmt, "conversion_failed", f"LibreOffice could not convert this {fmt.upper()} document to DOCX")
    from .docx import extract_docx

    doc = extract_docx(docx, limits=limits)
    doc.meta["converted_by"] = "libreoffice"
    doc.meta["converted_format"] = "docx"
    doc.format = fmt
    return doc


def extract_path(path, *, limits: Limits = DEFAULT_LIMITS, **kw) -> Document:
    """Read a file and extract it. A file over the size limit is not read at all."""
    p = os.fspath(path)
    try:
        size = os.path.getsize(p)
        with open(p, "rb") as fh:
            if size > limits.max_bytes:
                head = fh.read(65536)
                return _error(sniff(head) if head else "unknown", "too_large",
                              f"{size} bytes is over the {limits.max_bytes}-byte limit")
            data = fh.read(limits.max_bytes + 1)
    except OSError as e:
        return _error("unknown", "read_failed", f"cannot read {p}: {e}")
    return extract_bytes(data, kw.pop("name", os.path.basename(p)), limits=limits, **kw)
