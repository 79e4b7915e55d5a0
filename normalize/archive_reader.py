"""Read the raw archive the crawler writes (see data/README.md for the layout).

This module knows only the on-disk format; it never imports the crawler and never touches the network.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional


@dataclass(slots=True)
class Fetch:
    """One sidecar. `slots`: the build keeps one per document of the corpus while it parses (issue 9)."""
    sha256: str
    url: str
    final_url: str
    status: int
    kind: str
    site: Optional[str]
    fetched_at: str
    last_seen_at: str
    referrer: Optional[str]
    headers: dict
    meta: dict = field(default_factory=dict)
    run_ids: list = field(default_factory=list)
    size: int = 0

    @property
    def role(self) -> str:
        return self.meta.get("role") or self.kind


def _names(d: Path, dirs: bool) -> list[str]:
    try:
        with os.scandir(d) as it:
            return sorted(e.name for e in it if not e.name.startswith(".") and (not dirs or e.is_dir()))
    except OSError:
        return []


def _sidecar_paths(base: Path) -> Iterator[Path]:
    """`sorted(base.glob("*/*/*.json"))`, one directory at a time (a list of every sidecar's path was
    ~0.4 KB per document of the corpus, issue 9): the same paths in the same order."""
    for a in _names(base, True):
        for b in _names(base / a, True):
            for name in _names(base / a / b, False):
                if name.endswith(".json"):
                    yield base / a / b / name


class ArchiveReader:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def blob_path(self, sha: str) -> Path:
        return self.root / "blobs" / sha[:2] / sha

    def read_blob(self, sha: str) -> bytes:
        return self.blob_path(sha).read_bytes()

    def fetches(self) -> Iterator[Fetch]:
        base = self.root / "fetches"
        if not base.exists():
            return
        for path in _sidecar_paths(base):
            try:
                rec = json.loads(path.read_text("utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            yield Fetch(
                sha256=rec["sha256"], url=rec["url"], final_url=rec.get("final_url") or rec["url"],
                status=int(rec.get("status") or 0), kind=rec.get("kind") or "page", site=rec.get("site"),
                fetched_at=rec.get("fetched_at") or "", last_seen_at=rec.get("last_seen_at") or "",
                referrer=rec.get("referrer"), headers=rec.get("headers") or {}, meta=rec.get("meta") or {},
                run_ids=rec.get("run_ids") or [], size=int(rec.get("size") or 0),
            )

    def runs(self) -> list[dict]:
        out = []
        base = self.root / "runs"
        if not base.exists():
            return out
        for path in sorted(base.glob("*/summary.json")):
            try:
                out.append(json.loads(path.read_text("utf-8")))
            except (OSError, json.JSONDecodeError):
                continue
        return out

    def manifest(self, run_id: str) -> Iterator[dict]:
        path = self.root / "runs" / run_id / "manifest.jsonl"
        if not path.exists():
            return
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        continue
