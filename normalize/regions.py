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
import subprocess
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

FIELDS = ("province", "city", "county", "region_code")


def _clean(v) -> Optional[str]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip()
    if s.endswith(".0"):
        s = s[:-2]
    return s or None


_CACHE: dict = {"path": None, "data": None, "dirty": False}


def use_cache(path: Optional[str | Path]) -> None:
    """Remember answers in a JSON file (next to the parse cache): a build whose names were all placed
    before does not load cnloc at all (its import and automata cost seconds in every build process).
    Keyed by cnloc's version, so an upgrade places every name again."""
    _CACHE.update(path=Path(path) if path else None, data=None, dirty=False)


def _cnloc_version() -> str:
    try:
        from importlib.metadata import version

        return version("cnloc")
    except Exception:  # noqa: BLE001
        return "none"


def _cache_data() -> dict:
    """The answers known so far: read from the cache file, or kept in memory for the build (each
    lookup process loads cnloc's tables and automata anew, so a build asks for every name once)."""
    if _CACHE["path"] is None:
        if _CACHE["data"] is None:
            _CACHE["data"] = {}
        return _CACHE["data"]
    if _CACHE["data"] is None:
        data = {}
        try:
            stored = json.loads(_CACHE["path"].read_text("utf-8"))
            if stored.get("cnloc") == _cnloc_version():
                data = stored.get("places", {})
        except (OSError, ValueError):
            pass
        _CACHE["data"] = {k: _shared(v) for k, v in data.items()}
    return _CACHE["data"]


_SHARED: dict = {}


def _shared(place: dict) -> dict:
    """One dict for equal answers: the answers are kept for every report of a build (issue 9) and most are
    the same few places (lookup returns copies)."""
    if type(place) is not dict:
        return place
    try:
        return _SHARED.setdefault(tuple(place.items()), place)
    except TypeError:  # an unhashable value: kept as it is
        return place


def save_cache() -> None:
    """Write the remembered answers (atomically) if anything was added."""
    path, data = _CACHE["path"], _CACHE["data"]
    if path is None or data is None or not _CACHE["dirty"]:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"cnloc": _cnloc_version(), "places": data}, ensure_ascii=False), "utf-8")
        os.replace(tmp, path)
        _CACHE["dirty"] = False
    except OSError:
        pass


def lookup(queries: list[tuple[str, int, Optional[str]]]) -> list[dict]:
    """For each (agency, report year, site region text) return {province, city, county, region_code}
    (the most specific code found), with None where the name cannot be placed."""
    if not queries:
        return []
    cache = _cache_data()
    keys = [json.dumps([a, max(1980, min(2024, int(y))), r], ensure_ascii=False) for a, y, r in queries]
    missing = sorted({i for i, k in enumerate(keys) if k not in cache})
    if missing:
        for i, place in zip(missing, _lookup([queries[i] for i in missing])):
            cache[keys[i]] = _shared(place)
        _CACHE["dirty"] = True
    return [dict(cache[k]) for k in keys]


def _lookup(queries: list[tuple[str, int, Optional[str]]]) -> list[dict]:
    """cnloc runs in a child process: its division tables, automata and pandas frames take 0.2-0.4 GB
    that glibc does not give back, and the build process would carry them through its write path,
    finish and downloads (issue 9: the build's peak memory)."""
    if not _cnloc_available():  # the pinned dependency is missing: leave the columns empty
        return [{k: None for k in FIELDS} for _ in queries]
    line = json.dumps(queries, ensure_ascii=False) + "\n"
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
