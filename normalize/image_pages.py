"""图片版 reports: a report page whose body is a run of <img>, its archived images read as ONE document.

normalize/collect.py (over the build's spill file; tests/normalize/reference_collect.py holds the
in-memory version it replaced) finds, for every archived report page, its archived image
attachments (sniffed from the bytes) and orders them as the page shows them (the order of <img src>
in the page's HTML, resolved against its URL; images the page does not show come last, by URL).
The build then gives the page's parse job the list of image blobs: when the page itself has no usable
text (needs_ocr), `read_page_images` OCRs the images in that order as the pages of one document (a
table continued on the next image is one table) and merges the result into the page's Document, which
keeps its own metadata (title, publication date). A textual page with no table but with images in its
body (the statistical tables posted as pictures) gets the tables OCR finds in its images, placed after
its text. The image attachments of such a page are not OCR'd a
second time: they get an info issue 'ocr_with_page'. The cache key of the page covers the image blobs,
so a rebuild does not OCR again, and a changed image re-reads the page.
"""
from __future__ import annotations

import re
from typing import Optional
from urllib.parse import urljoin

from .archive_reader import ArchiveReader, Fetch
from .document import Paragraph, Table

_IMG = re.compile(rb"""<img\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.I)
MAX_IMAGES = 60


def _is_image(reader: ArchiveReader, f: Fetch) -> bool:
    from .extract import sniff

    try:
        with open(reader.blob_path(f.sha256), "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return sniff(head) == "image"


def page_order(html: bytes, page: Fetch, images: list[Fetch]) -> list[Fetch]:
    """The images in the order the page's HTML shows them (<img src> resolved against its URL), the
    others after them by URL."""
    order: dict[str, int] = {}
    for m in _IMG.finditer(html):
        src = m.group(1).decode("utf-8", "replace")
        order.setdefault(urljoin(page.final_url or page.url, src), len(order))
    return sorted(images, key=lambda f: (order.get(f.url, order.get(f.final_url, 10**6)), f.url))


def read_page_images(doc, blobs: list[bytes]):
    """The page's Document with its images OCR'd in order: an image-only page (needs_ocr) becomes the
    images' text and tables; a textual page without any table whose body shows images (tables posted as
    pictures) gets the tables OCR finds in them, after its own text (its paragraphs stay the page's)."""
    from .extract import ocr
    from .extract.ocr_hook import merge

    tables_as_images = not doc.needs_ocr and not doc.tables and bool(doc.meta.get("images")) and doc.blocks
    if not blobs or not ocr.enabled() or not (doc.needs_ocr or tables_as_images):
        return doc
    got = ocr.ocr_images(blobs)
    if tables_as_images:
        placed = place_tables(doc.blocks, got.blocks)
        got.blocks = [b for b in got.blocks if isinstance(b, Table)]
        if not got.blocks:
            return doc
        return merge(doc, got, None, placed)
    return merge(doc, got, None)


def _key(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text or "")


def place_tables(page_blocks: list, ocr_blocks: list) -> list:
    """The page's blocks with the OCR'd tables inserted where the images showed them: after the page
    paragraph that matches the OCR'd paragraph just before each table (a section heading printed in the
    image too); a table with no such anchor goes after the previous one, or at the end."""
    from difflib import SequenceMatcher

    out = list(page_blocks)
    keys = [(_key(b.text) if isinstance(b, Paragraph) else None) for b in out]
    at = None  # index in `out` after which the next table goes
    prev_text = None
    for b in ocr_blocks:
        if isinstance(b, Paragraph):
            prev_text = _key(b.text)
            continue
        if not isinstance(b, Table):
            continue
        if prev_text:
            best, score = None, 0.0
            for i, k in enumerate(keys):
                if k and (at is None or i > at) and len(k) <= 80:
                    r = SequenceMatcher(None, k, prev_text).ratio()
                    if r > score:
                        best, score = i, r
            if best is not None and score >= 0.8:
                at = best
        prev_text = None
        pos = len(out) if at is None else at + 1
        out.insert(pos, b)
        keys.insert(pos, None)
        at = pos
    return out


def in_sequence_note(page_url: str) -> dict:
    return {"level": "info", "rule": "ocr_with_page",
            "message": f"this image was read by OCR with its page {page_url}, as one document"}


def sequence_key(page_sha: str, images: Optional[list[Fetch]]) -> str:
    return page_sha if not images else page_sha + ":" + ",".join(f.sha256 for f in images)
