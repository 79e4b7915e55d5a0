"""A bulk download made of parts (normalize/export_parts.py), sent as one file.

The `downloads` row of `panel.csv` names a manifest (`panel-<sha12>.csv.parts.json`) that lists the BOM +
header and the content-named part files in order. The response is the header followed by every part:
the bytes a full build writes, with the manifest's size as Content-Length (its sha256 is on the page).
Every part file is checked before the first byte is sent, so a missing part is a 404. Parts are opened one
at a time; a build removes a part only when neither the new database nor the one it replaces lists it, so
a download would have to last across two builds to lose a part (it would then end short of its
Content-Length, which clients report as an incomplete download).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Optional

import aiofiles
from datasette.utils.asgi import NotFound, asgi_start

MANIFEST_SUFFIX = ".parts.json"  # normalize.export_parts.MANIFEST_SUFFIX (the site does not import normalize)
PART_NAME = re.compile(r"^panel-part-[0-9a-f]{12}\.csv$")
CHUNK = 1 << 20


def is_manifest(file: str) -> bool:
    return file.endswith(MANIFEST_SUFFIX)


def part_paths(root: Path, manifest_path: Path) -> tuple[bytes, list[Path], int]:
    """(head bytes, part paths, total bytes) of a manifest; NotFound when anything is missing."""
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        raise NotFound("the download's manifest is missing on this server") from None
    paths = []
    for p in manifest.get("parts", []):
        if not PART_NAME.match(p.get("csv", "")):
            raise NotFound("the download's manifest names an unexpected file")
        path = (root / p["csv"]).resolve()
        if path.parent != root or not path.is_file():
            raise NotFound("a part of the download is missing on this server")
        paths.append(path)
    head = manifest.get("head", "").encode("utf-8")
    return head, paths, int(manifest["bytes"])


class PartsResponse:
    """head + parts, in 1 MiB chunks, as one attachment."""

    def __init__(self, head: bytes, paths: list[Path], size: int, content_type: str,
                 filename: Optional[str] = None, headers: Optional[dict] = None):
        self.head, self.paths, self.size = head, paths, size
        self.content_type, self.filename, self.headers = content_type, filename, dict(headers or {})

    async def asgi_send(self, send):
        headers = dict(self.headers)
        if self.filename:
            headers["content-disposition"] = f'attachment; filename="{self.filename}"'
        headers["content-length"] = str(self.size)
        await asgi_start(send, 200, headers, self.content_type)
        await send({"type": "http.response.body", "body": self.head, "more_body": True})
        for p in self.paths:  # one open file at a time (a panel has ~1,000 parts at 100 k reports)
            async with aiofiles.open(str(p), mode="rb") as f:
                while chunk := await f.read(CHUNK):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
