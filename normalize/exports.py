"""Files the build writes next to the database: bulk downloads of the panel and Datasette's inspect file.

Downloads go to `<db dir>/downloads/` under content-derived names (`panel-<sha12>.csv`), so a new build
never overwrites a file the published database still lists; the `downloads` table records name,
file, rows, bytes and sha256, and the site serves a file only by looking its name up there.
CSV is UTF-8 with a BOM (Chinese Excel reads it without mojibake); Parquet keeps the types.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Optional

# The panel researchers download: the agency × year panel of issue 7 where the database has it,
# else every printed number with its report's identity (long form).
PANEL_SOURCES = {
    "panel": "the long panel of issue 7: every published table cell with its agency id, year, level, place and labels",
    "indicators_wide": "headline measures, one row per report (issue 7)",
}
FALLBACK_PANEL_SQL = """
select r.id as report_id, r.agency, r.year, r.level, r.province, r.city, r.county, r.region_code, r.template,
  c.tbl, c.row_code, c.col_code, c.value, c.raw, c.unit, c.page
from cells c join reports r on r.id = c.report_id
order by r.agency, r.year, c.tbl, c.id
"""


def panel_sql(conn) -> tuple[str, str]:
    names = {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    for name, what in PANEL_SOURCES.items():
        if name in names:
            return f"select * from [{name}]", what
    return FALLBACK_PANEL_SQL, "every printed number of tables 2–4 with its report (agency, year, level, region)"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _place(tmp: Path, out_dir: Path, stem: str, ext: str) -> tuple[Path, str]:
    sha = _sha256(tmp)
    final = out_dir / f"{stem}-{sha[:12]}.{ext}"
    os.replace(tmp, final)
    return final, sha


def _kind(v) -> str:
    return "null" if v is None else "int" if isinstance(v, int) else "float" if isinstance(v, float) else "text"


def _arrow_type(kinds: set):
    """The Parquet type of a column from the kinds of its values: numbers keep their type (int and
    float together: double), text or a mix with text: string, all blank: string."""
    import pyarrow as pa

    kinds = kinds - {"null"}
    if kinds == {"int"}:
        return pa.int64()
    if kinds and kinds <= {"int", "float"}:
        return pa.float64()
    return pa.string()


def _arrow_batch(names: list[str], types: list, rows: list[tuple]):
    import pyarrow as pa

    cols = list(zip(*rows)) if rows else [[] for _ in names]
    arrays = []
    for values, t in zip(cols, types):
        if pa.types.is_string(t):
            values = [None if v is None else v if isinstance(v, str) else str(v) for v in values]
        arrays.append(pa.array(values, type=t))
    return pa.Table.from_arrays(arrays, names=names)


PARQUET_ROWS = 50_000  # rows of one Parquet row group: what is in memory at once


def write_csv_and_parquet(conn, sql: str, csv_path: Path, parquet_path: Path) -> int:
    """One pass over the query, in memory bounded by `PARQUET_ROWS` (issue 9): CSV rows are written as
    they come, each column's value kinds are noted, and the rows are spooled (pickled, next to the
    output) for Parquet, which is written afterwards in row groups with the column types those kinds give."""
    import pickle

    import pyarrow as pa
    import pyarrow.parquet as pq

    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    kinds: list[set] = [set() for _ in names]
    open_cols = list(range(len(names)))  # columns not yet known to be text
    spool = parquet_path.with_name(f".{parquet_path.stem}.rows.tmp-{os.getpid()}")
    n = 0
    try:
        with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh, open(spool, "wb") as sp:
            w = csv.writer(fh)
            w.writerow(names)
            while True:
                rows = cursor.fetchmany(PARQUET_ROWS)
                if not rows:
                    break
                w.writerows(["" if v is None else v for v in row] for row in rows)
                for i in open_cols:
                    kinds[i].update(_kind(row[i]) for row in rows)
                open_cols = [i for i in open_cols if "text" not in kinds[i]]
                pickle.dump(rows, sp, protocol=pickle.HIGHEST_PROTOCOL)
                n += len(rows)
        types = [_arrow_type(k) for k in kinds]
        with open(spool, "rb") as sp, pq.ParquetWriter(parquet_path, pa.schema(list(zip(names, types))),
                                                       compression="zstd") as writer:
            while True:
                try:
                    rows = pickle.load(sp)
                except EOFError:
                    break
                writer.write_table(_arrow_batch(names, types, rows))
    finally:
        if spool.exists():
            spool.unlink()
    return n


def write_downloads(db_file: Path, out_dir: Path, keep: set[str] = frozenset()) -> list[dict]:
    """Write the bulk downloads of the database at `db_file` into `out_dir`; returns `downloads` rows.
    Files of earlier builds are removed unless named in `keep` (what the published database lists)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_file)
    try:
        sql, what = panel_sql(conn)
        tmp = {fmt: out_dir / f".panel.{fmt}.tmp-{os.getpid()}" for fmt in ("csv", "parquet")}
        n = write_csv_and_parquet(conn, sql, tmp["csv"], tmp["parquet"])
    finally:
        conn.close()
    rows = []
    for fmt in ("csv", "parquet"):
        final, sha = _place(tmp[fmt], out_dir, "panel", fmt)
        rows.append({"name": f"panel.{fmt}", "file": final.name, "format": fmt, "rows": n,
                     "bytes": final.stat().st_size, "sha256": sha,
                     "description": f"Panel: {what}" + (" — UTF-8 with BOM for Excel" if fmt == "csv" else "")})
    current = {r["file"] for r in rows} | set(keep)
    for f in out_dir.iterdir():
        if f.is_file() and f.name.startswith("panel-") and f.name not in current:
            f.unlink()
    return rows


def published_files(db_path: Path) -> set[str]:
    """Download files the currently published database lists (kept until the next build replaces it)."""
    if not db_path.exists():
        return set()
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            return {r[0] for r in conn.execute("select file from downloads")}
        finally:
            conn.close()
    except sqlite3.Error:
        return set()


def downloads_dir(db_path: Path) -> Path:
    return Path(db_path).parent / "downloads"


def inspect_path(db_path: Path) -> Path:
    return Path(db_path).with_suffix(".inspect.json")


def write_inspect(db_file: Path, final_path: Path) -> Path:
    """Datasette's --inspect-file for the immutable database: table counts, size and hash, so the
    served file is never counted on a request."""
    conn = sqlite3.connect(db_file)
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
        counts = {}
        for t in tables:
            try:
                counts[t] = {"count": conn.execute(f"select count(*) from [{t}]").fetchone()[0]}
            except sqlite3.Error:  # virtual tables whose module is unavailable
                continue
    finally:
        conn.close()
    final_path = Path(final_path)
    data = {final_path.stem: {"hash": _sha256(Path(db_file)), "size": Path(db_file).stat().st_size,
                              "file": str(final_path), "tables": counts}}
    target = inspect_path(final_path)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, target)
    return target


def read_inspect(db_path: Path) -> Optional[Path]:
    p = inspect_path(db_path)
    return p if p.exists() else None

