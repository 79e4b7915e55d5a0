"""GB/T 2260 region codes for report agencies, offline and year-aware (cnloc).

cnloc matches place names left to right against the division list of the given year and returns
nothing for names it cannot place (fictional places, 平潭综合实验区-style management areas, national
ministries) rather than guessing. The agency name is tried first, then the site's region text
followed by the agency name (for agencies named without their city, e.g. 区数据局 on a city portal).
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import sqlite3
import subprocess
import sys
import warnings
from collections import OrderedDict
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Iterable, Optional

FIELDS = ("province", "city", "county", "region_code")


def _clean(v) -> Optional[str]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip()
    if s.endswith(".0"):
        s = s[:-2]
    return s or None


_CACHE: dict = {"path": None, "store": None}


def use_cache(path: Optional[str | Path]) -> None:
    """Remember answers in an SQLite file (`regions.sqlite` next to the parse cache; a `regions.json` path
    means the `.sqlite` beside it, and a JSON file an older build left there is read into it once): a
    build whose names were all placed before does not load cnloc at all (its import and automata cost
    seconds in every build process). Keyed by cnloc's version, so an upgrade places every name again.
    None: a private temporary database (deleted when closed). Either way only the LRU_SIZE answers used
    last are held in memory (issue 9: one answer per report was kept for the whole build)."""
    if _CACHE["store"] is not None:
        _CACHE["store"].close()
    _CACHE.update(path=Path(path) if path else None, store=None)


def _cnloc_version() -> str:
    try:
        from importlib.metadata import version

        return version("cnloc")
    except Exception:  # noqa: BLE001
        return "none"


LRU_SIZE = 4_096  # answers held in memory (the rest are read back from the store)


class AnswerStore:
    """The region answers by query key, on disk (SQLite), with a bounded LRU of recent answers in memory."""

    def __init__(self, path: Optional[Path], lru_size: Optional[int] = None):
        self.path = path
        self.lru: "OrderedDict[str, str]" = OrderedDict()
        self.lru_size = LRU_SIZE if lru_size is None else lru_size
        self.conn = self._open()

    def _open(self) -> sqlite3.Connection:
        if self.path is None:
            conn = sqlite3.connect("")  # SQLite's private temporary database: on disk beyond its small cache
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=60)
        conn.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, place TEXT) WITHOUT ROWID")
        conn.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
        version = _cnloc_version()
        got = conn.execute("SELECT v FROM meta WHERE k = 'cnloc'").fetchone()
        if got is None or got[0] != version:
            conn.execute("DELETE FROM answers")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('cnloc', ?)", (version,))
        if self.path is not None:
            self._migrate(conn, self.path.with_suffix(".json"), version)
        conn.commit()
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection, old: Path, version: str) -> None:
        """The JSON file of earlier builds: its answers (of this cnloc version) copied in, then removed."""
        if not old.exists():
            return
        try:
            stored = json.loads(old.read_text("utf-8"))
            if stored.get("cnloc") == version:
                conn.executemany("INSERT OR IGNORE INTO answers VALUES (?, ?)",
                                 ((k, json.dumps(v, ensure_ascii=False)) for k, v in stored.get("places", {}).items()))
        except (OSError, ValueError, AttributeError):
            pass
        old.unlink(missing_ok=True)

    def get_many(self, keys) -> dict[str, str]:
        """{key: answer (JSON text)} for the keys known (memory first, then the file)."""
        got, ask = {}, []
        for k in keys:
            v = self.lru.get(k)
            if v is None:
                ask.append(k)
            else:
                self.lru.move_to_end(k)
                got[k] = v
        for start in range(0, len(ask), 500):
            part = ask[start:start + 500]
            got.update(self.conn.execute(
                f"SELECT key, place FROM answers WHERE key IN ({','.join('?' * len(part))})", part))
        for k in ask:
            if k in got:
                self._remember(k, got[k])
        return got

    def put_many(self, pairs: list[tuple[str, str]]) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO answers VALUES (?, ?)", pairs)
        self.conn.commit()
        for k, v in pairs:
            self._remember(k, v)

    def _remember(self, k: str, v: str) -> None:
        self.lru[k] = v
        self.lru.move_to_end(k)
        while len(self.lru) > self.lru_size:
            self.lru.popitem(last=False)

    def __len__(self) -> int:
        return self.conn.execute("SELECT count(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        self.conn.close()


def _store() -> AnswerStore:
    if _CACHE["store"] is None:
        path = _CACHE["path"]
        if path is not None and path.suffix == ".json":
            path = path.with_suffix(".sqlite")
        _CACHE["store"] = AnswerStore(path)
    return _CACHE["store"]


def save_cache() -> None:
    """Answers are written to the store as they are found (committed per lookup). The build calls this
    after its last lookup: a file store is closed (the next lookup opens it again), so the steps after it
    (downloads, inspect) do not run beside its connection (measured: ~50-100 MB more in the downloads step
    with it open); a temporary store stays open (closing it would drop its answers)."""
    store = _CACHE["store"]
    if store is None:
        return
    try:
        store.conn.commit()
        if store.path is not None:
            store.close()
            _CACHE["store"] = None
    except sqlite3.Error:
        pass


def _key(a: str, y: int, r: Optional[str]) -> str:
    return json.dumps([a, max(1980, min(2024, int(y))), r], ensure_ascii=False)


CHUNK = 5_000  # queries looked up (in the store, then with cnloc) at a time


def lookup(queries: list[tuple[str, int, Optional[str]]]) -> list[dict]:
    """For each (agency, report year, site region text) return {province, city, county, region_code}
    (the most specific code found), with None where the name cannot be placed."""
    if not queries:
        return []
    out: list[dict] = []
    with _one_child_if(len(queries) > CHUNK):
        for start in range(0, len(queries), CHUNK):
            out.extend(_lookup_chunk(queries[start:start + CHUNK], True))
    return out


def warm(queries: Iterable[tuple[str, int, Optional[str]]]) -> None:
    """Place every query not placed before (as `lookup` would) without returning the answers: for a caller
    that asks for all its names up front, so that one cnloc child answers them (queries may be a generator;
    they are read CHUNK at a time)."""
    it = iter(queries)
    with _one_child_if(True):
        while True:
            part = list(islice(it, CHUNK))
            if not part:
                return
            _lookup_chunk(part, False)


@contextmanager
def _one_child_if(many: bool):
    """A session (one cnloc child) for a call that may ask in several chunks, started only if a chunk has
    names not placed before."""
    if not many or _SESSION.get("child") is not None:
        yield
        return
    _SESSION["lazy"] = True
    try:
        yield
    finally:
        _SESSION.pop("lazy", None)
        child = _SESSION.pop("child", None)
        if child is not None:
            child.stdin.close()
            child.wait()


def _lookup_chunk(queries: list, answer: bool) -> list[dict]:
    store = _store()
    keys = [_key(*q) for q in queries]
    known = store.get_many(dict.fromkeys(keys))
    first: dict[str, int] = {}  # each key not placed before, asked once (its first query)
    for i, k in enumerate(keys):
        if k not in known and k not in first:
            first[k] = i
    missing = list(first.values())
    if missing:
        new = [(keys[i], json.dumps(place, ensure_ascii=False)) for i, place in
               zip(missing, _lookup([queries[i] for i in missing]))]
        store.put_many(new)
        known.update(new)
    return [json.loads(known[k]) for k in keys] if answer else []


def _lookup(queries: list[tuple[str, int, Optional[str]]]) -> list[dict]:
    """cnloc runs in a child process: its division tables, automata and pandas frames take 0.2-0.4 GB
    that glibc does not give back, and the build process would carry them through its write path,
    finish and downloads (issue 9: the build's peak memory)."""
    if not _cnloc_available():  # the pinned dependency is missing: leave the columns empty
        return [{k: None for k in FIELDS} for _ in queries]
    line = json.dumps(queries, ensure_ascii=False) + "\n"
    if _SESSION.get("lazy") and _SESSION.get("child") is None:  # lookup/warm of many chunks: one child
        _SESSION["child"] = subprocess.Popen(_CHILD_ARGS, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                             encoding="utf-8", env=_child_env())
    child = _SESSION.get("child")
    if child is not None:  # a session (`session()`): the child started once answers every call
        child.stdin.write(line)
        child.stdin.flush()
        answer = child.stdout.readline()
        if not answer:
            raise RuntimeError(f"the region lookup (cnloc) failed (exit {child.wait()})")
        return json.loads(answer)
    proc = subprocess.run(_CHILD_ARGS, input=line, capture_output=True, text=True, encoding="utf-8", env=_child_env())
    if proc.returncode != 0:
        raise RuntimeError(f"the region lookup (cnloc) failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


_CHILD_ARGS = [sys.executable, "-m", "normalize.regions"]
_SESSION: dict = {}


def _child_env() -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parents[1])] + [p for p in [os.environ.get("PYTHONPATH")] if p]))


@contextmanager
def session():
    """One lookup child for every call in the block, instead of one per call that asks new names (its
    start, loading cnloc, costs ~1.3 s). For callers that write in many batches
    (benchmarks/scale_corpus.py); the build asks twice in all and keeps no child alive, so its 0.5 GB is
    not carried through the write and finish."""
    if _SESSION.get("child") is not None or not _cnloc_available():
        yield
        return
    child = subprocess.Popen(_CHILD_ARGS, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             encoding="utf-8", env=_child_env())
    _SESSION["child"] = child
    try:
        yield
    finally:
        _SESSION.pop("child", None)
        child.stdin.close()
        child.wait()


def _cnloc_available() -> bool:
    if "cnloc" in sys.modules:
        return sys.modules["cnloc"] is not None
    return importlib.util.find_spec("cnloc") is not None


def _lookup_here(queries: list[tuple[str, int, Optional[str]]]) -> list[dict]:
    import cnloc

    years = [max(1980, min(2024, int(y))) for _, y, _ in queries]
    first = _run(cnloc, [a for a, _, _ in queries], years)
    out = []
    retry = [i for i, r in enumerate(first) if r["region_code"] is None and queries[i][2]]
    second = _run(cnloc, [f"{queries[i][2]}{queries[i][0]}" for i in retry], [years[i] for i in retry]) if retry else []
    by_index = dict(zip(retry, second))
    for i, r in enumerate(first):
        out.append(by_index.get(i, r) if r["region_code"] is None else r)
    return out


def _run(cnloc, names: list[str], years: list[int]) -> list[dict]:
    if not names:
        return []
    with warnings.catch_warnings():  # cnloc uses pandas APIs that pandas 4 deprecates
        warnings.simplefilter("ignore")
        df = cnloc.getlocation(names, year=years, drop=["address"], max_workers=1)
    out = []
    for row in df.to_dict("records"):
        codes = [_clean(row.get(f"{lvl}_adcode")) for lvl in ("county", "city", "province")]
        out.append({
            "province": _clean(row.get("province_name")), "city": _clean(row.get("city_name")),
            "county": _clean(row.get("county_name")),
            "region_code": next((c for c in codes if c), None),
        })
    return out


CHILD_CHUNK = 5_000  # names cnloc places in one call of the child


def _main() -> None:
    """The child process of `_lookup`: queries (a JSON line) on stdin, answers (a JSON line) on stdout,
    until stdin closes."""
    out, sys.stdout = sys.stdout, sys.stderr  # whatever cnloc prints does not mix with the answer
    for line in sys.stdin:  # one JSON list of queries a line, one JSON list of answers a line
        queries = [tuple(q) for q in json.loads(line)]
        # a chunk at a time: cnloc's frames for one call grow with its names (~80,000 at 100,000
        # documents), and each name's answer does not depend on the others asked with it
        places = [p for i in range(0, len(queries), CHILD_CHUNK) for p in _lookup_here(queries[i:i + CHILD_CHUNK])]
        out.write(json.dumps(places, ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    _main()
