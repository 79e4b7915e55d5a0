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
from typing import Callable, Iterator, Mapping, Optional, Sequence

from .parse_cache import ParseCache


class Spill:
    """Full results by document id in a temporary SQLite file (`open` creates it; a build opens it at its
    start, so a killed build leaves a file named after its pid that `ogi.cleanup` removes)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn: Optional[sqlite3.Connection] = None
        self.count = 0

    @classmethod
    def temporary(cls) -> "Spill":
        """A spill in a private temporary SQLite file that goes when it is removed (or the process ends):
        for plans made outside a build (`write_reports` with full results in a list)."""
        spill = cls(Path("."))
        spill.path = None
        spill._conn = _connect("")
        return spill

    def open(self) -> "Spill":
        self._db()
        return self

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            if self.path.exists():
                self.path.unlink()
            self._conn = _connect(str(self.path))
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
        if self.path is None:  # a temporary file: gone with its connection
            return
        for p in (self.path, self.path.with_name(self.path.name + "-journal")):
            if p.exists():
                p.unlink()


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA temp_store=FILE")
    conn.execute("CREATE TABLE results (id TEXT PRIMARY KEY, data BLOB)")
    # docs: each document's light summary (DocStore) and its crawl item key (build.item_key)
    conn.execute("CREATE TABLE docs (i INTEGER PRIMARY KEY, item TEXT, data BLOB)")
    conn.execute("CREATE INDEX docs_item ON docs (item, i)")
    return conn


class DocStore:
    """The light summaries (normalize/build.py `ParsedDoc`) of a build's documents by index, 0 … n-1 in
    input order (issue 9): pickled into the `docs` table of the build's spill file, so that the build
    holds in memory only what it needs to group crawl items and resolve agencies over the corpus, and
    reads documents back a crawl item or a report at a time. Without a spill (`write_reports` with full
    results already in memory) the documents stay in a list and are returned as they are.

    A document read from the spill is a new object: what a reader changes on it is lost unless `put`
    back (the plan does so for what it decides over a crawl item; report roles are recomputed on reading)."""

    def __init__(self, spill: Optional[Spill] = None, pack: Callable = None, unpack: Callable = None):
        """pack / unpack: a document to and from what is pickled (plain values pickle fastest)."""
        self.spill = spill
        self.pack, self.unpack = pack or (lambda d: d), unpack or (lambda d: d)
        self._list: Optional[list] = [] if spill is None else None
        self.n = 0

    @classmethod
    def of(cls, docs: list) -> "DocStore":
        store = cls()
        store._list = list(docs)
        store.n = len(store._list)
        return store

    def put(self, i: int, doc, item: Optional[str] = None) -> None:
        """item: the document's crawl item key (kept in the spill's `docs.item`; a later put without one
        keeps it)."""
        if self._list is not None:
            if i >= len(self._list):
                self._list.extend([None] * (i + 1 - len(self._list)))
            self._list[i] = doc
        else:
            self.spill._db().execute(
                "INSERT INTO docs (i, item, data) VALUES (?, ?, ?) ON CONFLICT (i) DO UPDATE SET "
                "data = excluded.data, item = coalesce(excluded.item, docs.item)",
                (i, item, pickle.dumps(self.pack(doc), protocol=pickle.HIGHEST_PROTOCOL)))
        self.n = max(self.n, i + 1)

    def item_keys(self) -> "ItemKeys":
        """Each document's crawl item key, in index order, read from the spill (see ItemKeys)."""
        return ItemKeys(self.spill, self.n)

    def get_many(self, idx: list[int]) -> list:
        """The documents at these indexes, in that order."""
        if self._list is not None:
            return [self._list[i] for i in idx]
        conn = self.spill._db()
        if len(idx) == 1:
            row = conn.execute("SELECT data FROM docs WHERE i = ?", (idx[0],)).fetchone()
            return [self.unpack(pickle.loads(row[0]))]
        got: dict[int, bytes] = {}
        for start in range(0, len(idx), 500):
            part = idx[start:start + 500]
            got.update(conn.execute(f"SELECT i, data FROM docs WHERE i IN ({','.join('?' * len(part))})", part))
        return [self.unpack(pickle.loads(got[i])) for i in idx]

    def __iter__(self) -> Iterator:
        """Every document, in index order."""
        if self._list is not None:
            yield from self._list
            return
        for start in range(0, self.n, 2_000):
            rows = self.spill._db().execute("SELECT data FROM docs WHERE i >= ? AND i < ? ORDER BY i",
                                            (start, start + 2_000)).fetchall()
            for (data,) in rows:
                yield self.unpack(pickle.loads(data))

    def __len__(self) -> int:
        return self.n

    def clear(self) -> None:
        if self._list is not None:  # (the spill's rows go with its file at the end of the build)
            self._list.clear()
        self.n = 0


class ItemKeys(Sequence):
    """The crawl item key of documents 0 … n-1, read from the spill's `docs.item` column a batch at a time
    (what `_parse_all` returned as a list of n strings). Iterating reads the keys in index order; `[i]`
    reads one (a batch around it is kept). Grouping documents by item can be done in SQL instead:
    `SELECT item, group_concat(i) FROM docs GROUP BY item` (index `docs_item (item, i)`)."""

    BATCH = 5_000

    def __init__(self, spill: Spill, n: int):
        self.spill, self.n = spill, n
        self._start, self._keys = 0, []

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.n))]
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(i)
        if not self._start <= i < self._start + len(self._keys):
            self._start, self._keys = i, self._read(i)
        return self._keys[i - self._start]

    def _read(self, start: int) -> list:
        rows = self.spill._db().execute("SELECT i, item FROM docs WHERE i >= ? AND i < ? ORDER BY i",
                                        (start, start + self.BATCH)).fetchall()
        keys = [None] * min(self.BATCH, self.n - start)
        for i, item in rows:
            keys[i - start] = item
        return keys

    def __iter__(self) -> Iterator:
        for start in range(0, self.n, self.BATCH):
            yield from self._read(start)


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
