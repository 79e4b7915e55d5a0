"""Where a build keeps full parse results while it holds only light summaries in memory (issue 9).

A result the parse cache holds is read back from the cache by its key; any other result (one with
build issues, which the cache does not keep so that the next build tries again, or every result when
the build runs without a cache) is spilled to a temporary SQLite file next to the database being
built, removed when the build ends. `load` returns the full result for the build's write batches.
"""
from __future__ import annotations

import pickle
import sqlite3
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterator, Mapping, Optional

from .parse_cache import ParseCache


class Spill:
    """Full results by document id in a temporary SQLite file (`open` creates it; a build opens it at its
    start, so a killed build leaves a file named after its pid that `ogi.cleanup` removes)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn: Optional[sqlite3.Connection] = None
        self.count = 0

    def open(self) -> "Spill":
        self._db()
        return self

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            if self.path.exists():
                self.path.unlink()
            self._conn = sqlite3.connect(self.path)
            self._conn.execute("PRAGMA journal_mode=OFF")
            self._conn.execute("PRAGMA synchronous=OFF")
            self._conn.execute("CREATE TABLE results (id TEXT PRIMARY KEY, data BLOB)")
        return self._conn

    def put(self, doc_id: str, result: dict) -> None:
        self._db().execute("INSERT OR REPLACE INTO results VALUES (?, ?)",
                           (doc_id, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)))
        self.count += 1

    def get(self, doc_id: str) -> Optional[dict]:
        if self._conn is None:
            return None
        row = self._conn.execute("SELECT data FROM results WHERE id = ?", (doc_id,)).fetchone()
        return pickle.loads(row[0]) if row else None

    def remove(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        for p in (self.path, self.path.with_name(self.path.name + "-journal")):
            if p.exists():
                p.unlink()


class ResultStore:
    """Full results of the build's documents: from the parse cache (by key) or the spill (by id)."""

    def __init__(self, cache: ParseCache, spill: Spill):
        self.cache, self.spill = cache, spill

    def load(self, doc_id: str, key: Optional[str]) -> dict:
        got = self.spill.get(doc_id)
        if got is None and key is not None:
            entry = self.cache.get(key)
            got = entry["result"] if entry else None
        if got is None:
            raise LookupError(f"the full parse result of document {doc_id} is neither spilled nor cached "
                              f"(was the parse cache changed during the build?)")
        return got


class LazyCells(Mapping):
    """A document's printed cells {(table, row, col): value}, loaded when first read (the agency
    contradiction checks need them for a few sightings only). A small shared LRU keeps recent ones."""

    _recent: "OrderedDict[str, dict]" = OrderedDict()
    KEEP = 64

    def __init__(self, doc_id: str, load: Callable[[], dict], shared: bool = True):
        self.doc_id, self._load = doc_id, load
        self._own: Optional[dict] = None if shared else {}  # shared=False: kept by this mapping, not the LRU

    def _data(self) -> dict:
        if self._own is not None:
            if not self._own:
                self._own.update(self._cells())
            return self._own
        got = self._recent.get(self.doc_id)
        if got is None:
            got = self._cells()
            self._recent[self.doc_id] = got
            if len(self._recent) > self.KEEP:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(self.doc_id)
        return got

    def _cells(self) -> dict:
        return {(c.get("table"), c.get("row"), c.get("col")): c.get("value")
                for c in self._load().get("cells") or [] if c.get("value") is not None}

    def __getitem__(self, k):
        return self._data()[k]

    def __iter__(self) -> Iterator:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())
