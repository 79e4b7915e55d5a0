"""图片版 reports: a report page whose body is a run of <img>, its archived images read as ONE document.

`image_sequences(reader, fetches, pages)` finds, for every archived report page, its archived image
attachments (sniffed from the bytes) and orders them as the page shows them (the order of <img src>
in the page's HTML, resolved against its URL; images the page does not show come last, by URL).
The build then gives the page's parse job the list of image blobs: when the page itself has no usable
text (needs_ocr), `read_page_images` OCRs the images in that order as the pages of one document (a
table continued on the next image is one table) and merges the result into the page's Document, which
keeps its own metadata (title, publication date). The image attachments of such a page are not OCR'd a
second time: they get an info issue 'ocr_with_page'. The cache key of the page covers the image blobs,
so a rebuild does not OCR again, and a changed image re-reads the page.
"""
from __future__ import annotations

import re
from typing import Optional
from urllib.parse import urljoin

from .archive_reader import ArchiveReader, Fetch

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


def image_sequences(reader: ArchiveReader, fetches: list[Fetch], pages: dict[str, Fetch]) -> dict[str, list[Fetch]]:
    """{report page url: its image attachments in page order} for pages that have any."""
    by_parent: dict[str, list[Fetch]] = {}
    for f in fetches:
        if f.role == "attachment" and f.meta.get("parent_url") in pages and _is_image(reader, f):
            by_parent.setdefault(f.meta["parent_url"], []).append(f)
    out = {}
    for parent_url, images in by_parent.items():
        page = pages[parent_url]
        try:
            html = reader.read_blob(page.sha256)
        except OSError:
            html = b""
        order: dict[str, int] = {}
        for m in _IMG.finditer(html):
            src = m.group(1).decode("utf-8", "replace")
            order.setdefault(urljoin(page.final_url or page.url, src), len(order))
        seen = set()
        ordered = []
        for f in sorted(images, key=lambda f: (order.get(f.url, order.get(f.final_url, 10**6)), f.url)):
            if f.sha256 not in seen:  # the same image linked twice is one page
                seen.add(f.sha256)
                ordered.append(f)
        out[page.url] = ordered[:MAX_IMAGES]
        if page.final_url and page.final_url != page.url:
            out[page.final_url] = out[page.url]
    return out


def read_page_images(doc, blobs: list[bytes]):
    """The page's Document with its images OCR'd in order (only when the page has no usable text)."""
    from .extract import ocr
    from .extract.ocr_hook import merge

    if not doc.needs_ocr or not blobs or not ocr.enabled():
        return doc
    got = ocr.ocr_images(blobs)
    return merge(doc, got, None)


def in_sequence_note(page_url: str) -> dict:
    return {"level": "info", "rule": "ocr_with_page",
            "message": f"this image was read by OCR with its page {page_url}, as one document"}


def sequence_key(page_sha: str, images: Optional[list[Fetch]]) -> str:
    return page_sha if not images else page_sha + ":" + ",".join(f.sha256 for f in images)
