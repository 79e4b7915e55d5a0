"""Scans of real reports, made deterministically (test and benchmark material for OCR).

From a text PDF of a bundled report (tests/render_formats.py renders the golden reports; LibreOffice
makes the PDF from the DOCX), every page is rasterised with pypdfium2 at `dpi`, rotated by a small
angle (under 1°, alternating sign per page), given Gaussian noise and saved as JPEG (quality 70), the
way a scanner or a phone photo of a printed report comes out. The pages are packed as

- an image-only PDF (`scan_pdf`: each page one JPEG image, no text layer), and
- a JPG sequence (`scan_jpgs`), as 图片版 web pages serve them.

Everything is seeded: the same PDF and settings give the same bytes.
"""
from __future__ import annotations

import io
from typing import Optional

import numpy as np


def page_images(pdf_bytes: bytes, dpi: int, *, pages: Optional[list[int]] = None, angle: float = 0.6,
                noise: float = 8.0, quality: int = 70, seed: int = 13) -> list[bytes]:
    """JPEG bytes of each (1-based) page: rasterised, rotated ±angle°, noisy, JPEG-compressed."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(pdf_bytes)
    out = []
    try:
        for n in pages or range(1, len(pdf) + 1):
            page = pdf[n - 1]
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            a = angle if n % 2 else -angle
            img = img.rotate(a, resample=Image.BICUBIC, expand=False, fillcolor=255)
            rng = np.random.default_rng(seed * 1000 + n * 7 + dpi)
            arr = np.asarray(img, dtype=np.float32) + rng.normal(0.0, noise, (img.height, img.width))
            img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality, optimize=False, progressive=False)
            out.append(buf.getvalue())
    finally:
        pdf.close()
    return out


def scan_pdf(jpegs: list[bytes], dpi: int) -> bytes:
    """An image-only PDF: one JPEG per page, no text layer (Pillow writes the JPEG data as is)."""
    from PIL import Image

    frames = [Image.open(io.BytesIO(j)) for j in jpegs]
    buf = io.BytesIO()
    frames[0].save(buf, "PDF", resolution=float(dpi), save_all=True, append_images=frames[1:])
    return buf.getvalue()


def scan_jpgs(pdf_bytes: bytes, dpi: int, **kw) -> list[bytes]:
    return page_images(pdf_bytes, dpi, **kw)
