"""Images (scanned report pages served as png/jpeg/gif/bmp/tiff/webp) → an empty Document marked
needs_ocr=True with a warning 'needs_ocr'. OCR itself is out of scope. The image header is read for
meta['image'] (kind, width, height, frames) without decoding pixels, so hostile images cost nothing."""
from __future__ import annotations

import io

from ..document import DocIssue, Document
from .sniff import image_kind


def extract_image(data: bytes) -> Document:
    doc = Document(format="image", needs_ocr=True)
    info = {"kind": image_kind(data[:64]) or "unknown"}
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:  # lazy: reads the header only
            info["width"], info["height"] = im.size
            info["frames"] = getattr(im, "n_frames", 1)
    except Exception as e:  # noqa: BLE001
        doc.issues.append(DocIssue("corrupt_image", f"image header cannot be read: {type(e).__name__}", "warning"))
    doc.meta["image"] = info
    doc.issues.append(DocIssue("needs_ocr", "the document is an image; its text needs OCR", "warning"))
    return doc
