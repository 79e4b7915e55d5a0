"""Files the build writes next to the database: bulk downloads of the panel and Datasette's inspect file.

Downloads go to `<db dir>/downloads/` under content-derived names (`panel-<sha12>.csv`), so a new build
never overwrites a file the published database still lists; the `downloads` table records name,
file, rows, bytes and sha256, and the site serves a file only by looking its name up there.
CSV is UTF-8 with a BOM (Chinese Excel reads it without mojibake); Parquet keeps the types.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
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
            return (_fast_panel_sql(conn) if name == "panel" else None) or f"select * from [{name}]", what
    return FALLBACK_PANEL_SQL, "every printed number of tables 2–4 with its report (agency, year, level, region)"


# The panel view looks up 4 code-book labels per cell, each with a template-specific then a general
# correlated sub-query, and asks per cell whether its report has a hard check (≈ 12 µs a row at 100,000
# reports, 14 M rows; ≈ 7 µs as below). The export runs the view's own SELECT with those expressions answered from two
# temporary tables computed once by the very same expressions (labels per code × template, reports
# with a hard check): the same rows in the same order (the FROM clause, hence the plan, is unchanged).
_VIEW_HEAD = re.compile(r"^\s*CREATE\s+VIEW\s+\S+\s+AS\s+", re.I)
_LABEL = re.compile(r"COALESCE\(\(SELECT (label_zh|label_en) FROM codebook WHERE tbl=c\.tbl AND kind='(row|column)' "
                    r"AND code=c\.(row_code|col_code)\s+AND template IN \(r\.template, 'both'\) LIMIT 1\),\s*"
                    r"\(SELECT \1 FROM codebook WHERE tbl=c\.tbl AND kind='\2' AND code=c\.\3 LIMIT 1\)\)")
_LABEL_FAST = r"(SELECT \1 FROM temp._panel_labels WHERE tbl=c.tbl AND kind='\2' AND code=c.\3 AND template IS r.template)"
_HARD = "EXISTS (SELECT 1 FROM checks k WHERE k.report_id = r.id AND k.level = 'hard')"
_HARD_FAST = "EXISTS (SELECT 1 FROM temp._panel_hard h WHERE h.id = r.id)"
_PANEL_TEMP = """
DROP TABLE IF EXISTS temp._panel_labels;
DROP TABLE IF EXISTS temp._panel_hard;
CREATE TEMP TABLE _panel_labels AS
  SELECT c.tbl, c.kind, c.code, r.template,
    COALESCE((SELECT label_zh FROM codebook WHERE tbl=c.tbl AND kind=c.kind AND code=c.code
       AND template IN (r.template, 'both') LIMIT 1),
      (SELECT label_zh FROM codebook WHERE tbl=c.tbl AND kind=c.kind AND code=c.code LIMIT 1)) AS label_zh,
    COALESCE((SELECT label_en FROM codebook WHERE tbl=c.tbl AND kind=c.kind AND code=c.code
       AND template IN (r.template, 'both') LIMIT 1),
      (SELECT label_en FROM codebook WHERE tbl=c.tbl AND kind=c.kind AND code=c.code LIMIT 1)) AS label_en
  FROM (SELECT DISTINCT tbl, kind, code FROM codebook) c, (SELECT DISTINCT template FROM reports) r;
CREATE UNIQUE INDEX temp._panel_labels_key ON _panel_labels (tbl, kind, code, template);
CREATE TEMP TABLE _panel_hard (id PRIMARY KEY);
INSERT INTO _panel_hard SELECT r.id FROM reports r
  WHERE EXISTS (SELECT 1 FROM checks k WHERE k.report_id = r.id AND k.level = 'hard');
"""


def _fast_panel_sql(conn) -> Optional[str]:
    """The panel view's SELECT with its code-book and hard-check look-ups answered from temporary tables
    (made here on `conn`), or None when the view is not the one these rewrites know (then it is read as is)."""
    row = conn.execute("select sql from sqlite_master where type = 'view' and name = 'panel'").fetchone()
    if not row or not _VIEW_HEAD.match(row[0] or ""):
        return None
    select, labels = _LABEL.subn(_LABEL_FAST, _VIEW_HEAD.sub("", row[0], count=1))
    if labels != 4 or _HARD not in select or "codebook WHERE" in select:
        return None
    try:
        conn.executescript(_PANEL_TEMP)
    except sqlite3.Error:
        return None
    return select.replace(_HARD, _HARD_FAST)


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


BATCH_ROWS = 50_000  # rows fetched, written to CSV and typed for Parquet at a time
ROW_GROUP_ROWS = 1 << 20  # Parquet row group size (pyarrow's default for a whole table)


def _arrow_column(values: list):
    """The column as pyarrow infers it; text mixed with numbers stays text (str of each value)."""
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _unified_type(types: set):
    """The type pyarrow would infer for the whole column from the types of its batches."""
    import pyarrow as pa

    kinds = {t for t in types if not pa.types.is_null(t)}
    if not kinds:
        return pa.string()  # all blank: keep a type
    if len(kinds) == 1:
        return next(iter(kinds))
    if kinds <= {pa.int64(), pa.float64()}:
        return pa.float64()
    return None  # text mixed with numbers: str of each value


def _cast_column(arr, target):
    import pyarrow as pa

    if target is None:
        if pa.types.is_string(arr.type):
            return arr
        return pa.array([None if v is None else str(v) for v in arr.to_pylist()], type=pa.string())
    return arr if arr.type == target else arr.cast(target)


def write_csv_and_parquet(cursor, csv_path: Path, parquet_path: Path) -> int:
    """One pass over the query, BATCH_ROWS rows at a time (memory does not grow with the panel: at
    100,000 reports it has ~14 M rows). CSV rows are written as they come; each batch's Parquet columns
    are typed as pyarrow infers them and spilled to an Arrow IPC file, then cast to the type pyarrow
    would infer for the whole column (int64 with float64 → float64; text with numbers → text) and
    written to Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = [d[0] for d in cursor.description]
    spill = parquet_path.with_name(parquet_path.name + ".arrows")
    seen: list[set] = [set() for _ in names]
    ipc = pa.ipc.IpcWriteOptions(compression="lz4")  # the spill is read once: fast compression
    n = 0
    writer = writer_schema = None
    try:
        with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
            buf = io.StringIO(newline="")  # a batch is encoded and written at once, not row by row
            w = csv.writer(buf)
            w.writerow(names)
            while True:
                rows = cursor.fetchmany(BATCH_ROWS)
                if not rows:
                    break
                w.writerows(rows)  # None is written as ""
                fh.write(buf.getvalue())
                buf.seek(0)
                buf.truncate()
                n += len(rows)
                cols = [_arrow_column(list(c)) for c in zip(*rows)]
                for s, c in zip(seen, cols):
                    s.add(c.type)
                batch = pa.RecordBatch.from_arrays(cols, names=names)
                if writer is None or writer_schema != batch.schema:  # a new spill file per schema
                    if writer is not None:
                        writer.close()
                    writer, writer_schema = pa.ipc.new_stream(str(spill) + f".{n}", batch.schema, options=ipc), batch.schema
                writer.write_batch(batch)
            fh.write(buf.getvalue())  # the header when there were no rows
        if writer is not None:
            writer.close()
            writer = None
        targets = [_unified_type(s) for s in seen]
        schema = pa.schema([pa.field(nm, t if t is not None else pa.string()) for nm, t in zip(names, targets)])
        parts = sorted(spill.parent.glob(spill.name + ".*"), key=lambda p: int(p.suffix[1:]))
        with pq.ParquetWriter(parquet_path, schema, compression="zstd") as out:
            pending: list = []
            size = 0
            for part in parts:
                with pa.OSFile(str(part), "rb") as src:
                    for batch in pa.ipc.open_stream(src):
                        pending.append(pa.Table.from_arrays(
                            [_cast_column(batch.column(i), t) for i, t in enumerate(targets)], schema=schema))
                        size += batch.num_rows
                        if size >= ROW_GROUP_ROWS:
                            out.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
                            pending, size = [], 0
            if pending or n == 0:
                out.write_table(pa.concat_tables(pending) if pending else schema.empty_table(),
                                row_group_size=ROW_GROUP_ROWS)
    finally:
        if writer is not None:
            writer.close()
        for part in spill.parent.glob(spill.name + ".*"):
            part.unlink()
    return n


def write_downloads(db_file: Path, out_dir: Path, keep: set[str] = frozenset()) -> list[dict]:
    """Write the bulk downloads of the database at `db_file` into `out_dir`; returns `downloads` rows.
    Files of earlier builds are removed unless named in `keep` (what the published database lists)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_file)
    try:
        sql, what = panel_sql(conn)
        tmp = {fmt: out_dir / f".panel.{fmt}.tmp-{os.getpid()}" for fmt in ("csv", "parquet")}
        n = write_csv_and_parquet(conn.execute(sql), tmp["csv"], tmp["parquet"])
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

