"""On-disk cache of document parse results, so that a nightly build only parses what is new.

A result is keyed by the parser version (a hash of every source file of `normalize/` and the code
book), the document's sha256 and the hints it was parsed with. Any change to the parser invalidates
every entry: a parser fix is still applied to the whole archive by the next build.
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

    def put(self, key: str, entry: dict) -> None:
        if self.root is None:
            return
        path = self._path(key)
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
