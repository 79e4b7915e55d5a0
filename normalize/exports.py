"""Files the build writes next to the database: bulk downloads of the panel and Datasette's inspect file.

Downloads go to `<db dir>/downloads/` under content-derived names (`panel-<sha12>.csv`), so a new build
never overwrites a file the published database still lists; the `downloads` table records name,
file, rows, bytes and sha256, and the site serves a file only by looking its name up there.
CSV is UTF-8 with a BOM (Chinese Excel reads it without mojibake); Parquet keeps the types.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Optional

from . import export_format, export_panel, export_parts

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


def _declared(conn, name: str) -> dict[str, str]:
    try:
        return {r[1]: r[2] for r in conn.execute(f"pragma table_info([{name}])")}
    except sqlite3.Error:
        return {}


def _write_single(conn, sql: str, declared: dict, csv_path: Path, parquet_path: Path) -> int:
    """The whole query as one CSV and one Parquet file (sources without the per-report panel)."""
    import pyarrow.parquet as pq

    names = [d[0] for d in conn.execute(f"select * from ({sql}) limit 0").description]
    schema = export_format.declared_schema(names, declared)
    while True:
        n = 0
        try:
            with open(csv_path, "wb") as fh, pq.ParquetWriter(parquet_path, schema, compression="zstd") as out:
                fh.write(export_format.header(names))
                cur = conn.execute(sql)
                while rows := cur.fetchmany(export_parts.BATCH_ROWS):
                    rb, text = export_format.batch(rows, schema)
                    fh.write(text)
                    out.write_batch(rb, row_group_size=export_parts.ROW_GROUP_ROWS)
                    n += len(rows)
                if n == 0:
                    out.write_table(schema.empty_table())
            return n
        except export_format.Widen as w:
            schema = export_format.widened(schema, w)


def write_downloads(db_file: Path, out_dir: Path, keep: set[str] = frozenset(), reuse: bool = True,
                    stats: Optional[dict] = None) -> list[dict]:
    """Write the bulk downloads of the database at `db_file` into `out_dir`; returns `downloads` rows.

    The panel is written as parts (normalize/export_parts.py); with `reuse`, parts whose key the
    published generation's manifest lists (the files named in `keep`) are taken as they are. Files of
    earlier builds are removed unless named in `keep` or listed by a manifest named there.
    `stats` (a dict) receives parts / written / reused counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    tmp_parquet = out_dir / f".panel.parquet.tmp-{pid}"
    conn = sqlite3.connect(db_file)
    try:
        source = export_panel.assembler(conn)  # the known panel view, assembled a report at a time
        sql, what = (None, PANEL_SOURCES["panel"]) if source else panel_sql(conn)
        if what == PANEL_SOURCES["panel"]:
            declared = _declared(conn, "panel")
            if source:
                names = list(export_panel.COLUMNS)
            else:  # another panel view: read through it a report at a time
                names = [d[0] for d in conn.execute(f"select * from ({sql}) limit 0").description]
                source = export_parts.ReportQuery(conn, f"select * from ({sql}) where report_id = ?")
            schema = export_format.declared_schema(names, declared)
            reusable = export_parts.published_parts(out_dir, set(keep)) if reuse else {}
            while True:
                try:
                    parts = export_parts.plan_parts(conn, schema)
                    manifest, counts = export_parts.write_panel(source, parts, schema, out_dir,
                                                                reusable, tmp_parquet)
                    break
                except export_format.Widen as w:  # a value that does not fit its declared type
                    schema = export_format.widened(schema, w)
            csv_row = {"file": export_parts.write_manifest(out_dir, manifest), "rows": manifest["rows"],
                       "bytes": manifest["bytes"], "sha256": manifest["sha256"]}
        else:
            tmp_csv = out_dir / f".panel.csv.tmp-{pid}"
            table = "indicators_wide" if what == PANEL_SOURCES["indicators_wide"] else ""
            n = _write_single(conn, sql, _declared(conn, table) if table else {}, tmp_csv, tmp_parquet)
            final, sha = _place(tmp_csv, out_dir, "panel", "csv")
            csv_row = {"file": final.name, "rows": n, "bytes": final.stat().st_size, "sha256": sha}
            counts = {"parts": 1, "written": 1, "reused": 0}
    except BaseException:
        for p in out_dir.glob(f".panel*.tmp-{pid}"):  # this export's unfinished files
            p.unlink()
        raise
    finally:
        conn.close()
    if stats is not None:
        stats.update(counts)
    final, sha = _place(tmp_parquet, out_dir, "panel", "parquet")
    rows = [{"name": "panel.csv", "format": "csv", **csv_row,
             "description": f"Panel: {what} — UTF-8 with BOM for Excel"},
            {"name": "panel.parquet", "file": final.name, "format": "parquet", "rows": csv_row["rows"],
             "bytes": final.stat().st_size, "sha256": sha, "description": f"Panel: {what}"}]
    remove_unreferenced(out_dir, {r["file"] for r in rows} | set(keep))
    return rows


def write_downloads_apart(db_file: Path, out_dir: Path, keep: set[str] = frozenset(), reuse: bool = True,
                          stats: Optional[dict] = None) -> list[dict]:
    """`write_downloads` in a fresh (spawned) process, for the build (issue 9): the export then peaks at its
    own size (about 260-330 MB, nearly the same at 10 k and 40 k documents) instead of on top of what a long
    build leaves in its heap, which grew with the corpus (the downloads step was the build's peak: 552 /
    636 / 695 MB at 10 k / 40 k / 100 k documents). Errors are raised here as the export raised them."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from .extract.limits import die_with_parent

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=die_with_parent) as pool:
        rows, counts = pool.submit(_downloads_job, str(db_file), str(out_dir), set(keep), reuse).result()
    if stats is not None:
        stats.update(counts)
    return rows


def _downloads_job(db_file: str, out_dir: str, keep: set[str], reuse: bool) -> tuple[list[dict], dict]:
    counts: dict = {}
    return write_downloads(Path(db_file), Path(out_dir), keep=keep, reuse=reuse, stats=counts), counts


def remove_unreferenced(out_dir: Path, files: set[str]) -> int:
    """Remove download files (panel-*) that neither `files` nor a manifest among them lists."""
    current = export_parts.referenced(out_dir, files)
    removed = 0
    for f in out_dir.iterdir():
        if f.is_file() and f.name.startswith("panel-") and f.name not in current:
            f.unlink()
            removed += 1
    return removed


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

