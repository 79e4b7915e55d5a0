"""The in-memory document collection as it was before the parse step streamed into the spill file (issue 9,
branch issue-9o): `collect_documents` (was normalize/build.py) and `image_sequences` (was
normalize/image_pages.py), kept as a reference, so tests can show that normalize/collect.py decides the same
documents, latest pages, parents and image sequences. Not used by the build."""
from __future__ import annotations

from typing import Optional

from normalize.archive_reader import ArchiveReader, Fetch
from normalize.build import _compact_fetch
from normalize.identity import is_rejected
from normalize.image_pages import MAX_IMAGES, _is_image, page_order


def collect_documents(reader: ArchiveReader, legacy: Optional[dict] = None) -> tuple[list[Fetch], dict[str, Fetch]]:
    """Report pages and attachments fetched with status 200; latest sidecar per (url, sha256)."""
    docs: list[Fetch] = []
    pages: dict[str, Fetch] = {}
    for f in reader.fetches():
        if f.status != 200 or f.role not in ("report_page", "attachment"):
            continue
        if is_rejected(f.meta, f.url, legacy):  # the crawler's verdict (negative, noise): rejected_pages only
            continue
        docs.append(_compact_fetch(f))
        if f.role == "report_page":
            for u in {f.url, f.final_url}:
                if u not in pages or pages[u].last_seen_at < f.last_seen_at:
                    pages[u] = f
    for f in docs:  # an attachment's parent URL: the page's own string
        parent = pages.get(f.meta.get("parent_url")) if f.role == "attachment" else None
        if parent is not None:
            f.meta["parent_url"] = parent.url if parent.url == f.meta["parent_url"] else parent.final_url
    return docs, pages


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
        out[page.url] = page_order(html, page, images)[:MAX_IMAGES]
        if page.final_url and page.final_url != page.url:
            out[page.final_url] = out[page.url]
    return out
