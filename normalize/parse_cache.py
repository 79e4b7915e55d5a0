"""On-disk cache of document parse results, so that a nightly build only parses what is new.

A result is keyed by the parser version (a hash of every source file of `normalize/` and the code
book), the document's sha256 and the hints it was parsed with. Any change to the parser invalidates
every entry: a parser fix is still applied to the whole archive by the next build.

Next to each entry a light summary (`<key>.light.json`: the entry without its cells, sections, checks
and indicators, with their counts) lets a build plan the whole corpus without loading every result
(issue 9: the build keeps only light summaries in memory and loads full results a batch at a time).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Optional

PACKAGE = Path(__file__).resolve().parent
HEAVY = ("cells", "sections", "checks", "indicators", "ocr")  # what a light summary leaves out


def light_result(result: dict) -> dict:
    """A parse result without its bulk (cells, sections, checks, indicators, OCR evidence), with the
    counts the build's identity rules read (`n_cells`, `n_sections`) and `_light` set."""
    out = {k: v for k, v in result.items() if k not in HEAVY}
    out["n_cells"] = len(result.get("cells") or [])
    out["n_sections"] = len(result.get("sections") or {})
    out["_light"] = True
    return out


def light_entry(entry: dict) -> dict:
    return dict(entry, result=light_result(entry.get("result") or {}))


@lru_cache(maxsize=1)
def parser_version() -> str:
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".csv") and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(PACKAGE)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_key(sha256: str, hints: dict) -> str:
    blob = json.dumps({"v": parser_version(), "sha": sha256, "hints": hints}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ParseCache:
    def __init__(self, root: Optional[os.PathLike | str]):
        self.root = Path(root) if root else None
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Optional[dict]:
        if self.root is None:
            return None
        try:
            entry = json.loads(self._path(key).read_text("utf-8"))
        except (OSError, json.JSONDecodeError):
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def has(self, key: str) -> bool:
        return self.root is not None and self._path(key).exists()

    def get_light(self, key: str) -> Optional[dict]:
        """The entry's light summary (written by `put`; made from the full entry for older caches)."""
        if self.root is None:
            return None
        try:
            entry = json.loads(self._path(key).with_suffix(".light.json").read_text("utf-8"))
        except (OSError, json.JSONDecodeError):
            full = self.get(key)
            if full is None:
                return None
            self.hits -= 1  # counted below
            entry = light_entry(full)
            self._write(self._path(key).with_suffix(".light.json"), entry)
        self.hits += 1
        return entry

    def put(self, key: str, entry: dict) -> None:
        if self.root is None:
            return
        self._write(self._path(key), entry)
        self._write(self._path(key).with_suffix(".light.json"), light_entry(entry))

    def _write(self, path: Path, entry: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{os.getpid()}-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
