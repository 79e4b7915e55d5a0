"""The panel download as ordered, content-named parts, so a nightly build rewrites only what changed.

At 100,000 reports the panel is ~14 M rows, 5 GB of CSV. A nightly run changes a few dozen agencies.
The panel is therefore written as **parts**: consecutive ranges of agencies (in `agency_id` order),
each part's rows in a fixed order that does not depend on how the database was written (an
incremental build appends rewritten reports at the end of its tables):

    agency_id, then the agency's reports by (year, id), then per report the view's rows for that
    report (`… WHERE report_id = ?`: its cells by (tbl, row_code, col_code, write order), then its
    pre-2019 statements).

Part boundaries are content-defined: a part ends after an agency whose id hashes to 0 mod
`PART_AGENCIES`, so a new or vanished agency changes only its own part. Each part has a **key**: a hash
of the export format, the schema, the build's global state (`_build_info`: parser version, code books,
migrations, …) and, per agency, the incremental build's agency signature (`_build_state`, everything
that decides the agency's rows) with the id and status of each of its reports (`status` is updated in
place every night). A part whose key is listed by the published generation's manifest is reused (the
same file: parts are content-named and never overwritten); any other part is written. Without
signatures (a database not made by `normalize.build`) parts have no key and are always written.

Each part is two files in `downloads/`: `panel-part-<sha12>.csv` (rows only: no BOM, no header) and
`panel-part-<sha12>.parquet` (the same rows typed: read back to assemble the one Parquet download).
The manifest `panel-<sha12>.csv.parts.json` (sha12 of the whole download) lists the BOM + header and
the parts in order with rows, bytes and sha256; the site streams head + parts as one `panel.csv`
whose bytes, sha256 and size are those a full build writes. `panel-<sha12>.parquet` is one file,
assembled from the parts' typed files by C++ code (no Python per row) in row groups of whole parts.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import pyarrow as pa
import pyarrow.parquet as pq

from . import export_format

EXPORT_FORMAT = "panel-parts-1"  # bump when what a part holds or how it is written changes
PART_AGENCIES = 4  # expected agencies per part (~6,000 rows, ~2 MB of CSV: a nightly rewrites ~3 % at 100 k)
BATCH_ROWS = 50_000  # rows converted at a time
ROW_GROUP_ROWS = 1 << 17  # Parquet row groups: whole parts up to this many rows (bounded memory)
MANIFEST_SUFFIX = ".parts.json"
TIMES: dict[str, float] = {}  # seconds by step of the last export (benchmarks/export_speed.py prints them)


def _took(step: str, since: float) -> float:
    now = time.perf_counter()
    TIMES[step] = TIMES.get(step, 0.0) + now - since
    return now


@dataclass
class Part:
    agencies: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    key: Optional[str] = None


def boundary(agency_id: str) -> bool:
    """A part ends after this agency. $OGI_PANEL_PART_AGENCIES overrides PART_AGENCIES (tests: the build
    exports in a spawned process, which sees the environment but not a patched module)."""
    every = int(os.environ.get("OGI_PANEL_PART_AGENCIES") or PART_AGENCIES)
    return int(hashlib.sha256(agency_id.encode("utf-8")).hexdigest()[:8], 16) % every == 0


def plan_parts(conn: sqlite3.Connection, schema: pa.Schema) -> list[Part]:
    """The panel's parts: agencies in id order, cut after boundary agencies; each with its key."""
    names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    signatures = dict(conn.execute("select agency_id, signature from _build_state")) if "_build_state" in names else {}
    state = sorted(conn.execute("select key, value from _build_info")) if "_build_info" in names else []
    head = [EXPORT_FORMAT, [[f.name, str(f.type)] for f in schema], state]
    TIMES.clear()
    t0 = time.perf_counter()
    parts: list[Part] = []
    part, keyed, current, statuses = Part(), [], None, []

    def close_agency():
        if current is not None and statuses:
            sig = signatures.get(current) if current else None
            keyed.append(None if sig is None else [current, sig, statuses])

    def close_part():
        if part.reports:
            part.key = None if not keyed or any(k is None for k in keyed) or not state else hashlib.sha256(
                json.dumps(head + keyed, ensure_ascii=False).encode("utf-8")).hexdigest()
            parts.append(part)

    for aid, rid, status in conn.execute(
            "select coalesce(agency_id, ''), id, status from reports order by 1, year, id"):
        if aid != current:
            close_agency()
            if current is not None and (boundary(current) or not current):  # (the no-agency group stands alone)
                close_part()
                part, keyed = Part(), []
            current, statuses = aid, []
        if not part.agencies or part.agencies[-1] != aid:
            part.agencies.append(aid)
        part.reports.append(rid)
        statuses.append([rid, status])
        if not aid and boundary(rid):  # reports of no agency: cut by report, so no part grows with the corpus
            close_agency()
            close_part()
            part, keyed, statuses = Part(), [], []
    close_agency()
    close_part()
    _took("plan parts", t0)
    return parts


class ReportQuery:
    """Any panel view read a report at a time: `select * from (…) where report_id = ?`."""

    def __init__(self, conn: sqlite3.Connection, report_sql: str):
        self.conn, self.sql = conn, report_sql

    def batches(self, report_ids: list[str], schema: pa.Schema, batch_rows: int):
        rows: list[tuple] = []
        for rid in report_ids:
            rows.extend(self.conn.execute(self.sql, (rid,)).fetchall())
            if len(rows) >= batch_rows:
                yield (*export_format.batch(rows, schema), len(rows))
                rows = []
        if rows:
            yield (*export_format.batch(rows, schema), len(rows))


def published_parts(out_dir: Path, files: set[str]) -> dict[str, dict]:
    """{key: part entry} of the manifests among `files` whose files are still on disk."""
    out: dict[str, dict] = {}
    for name in files:
        if not name.endswith(MANIFEST_SUFFIX):
            continue
        try:
            manifest = json.loads((out_dir / name).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        for p in manifest.get("parts", []):
            if p.get("key") and all((out_dir / p[k]).is_file() for k in ("csv", "typed")) \
                    and (out_dir / p["csv"]).stat().st_size == p["bytes"]:
                out[p["key"]] = p
    return out


def referenced(out_dir: Path, files: set[str]) -> set[str]:
    """The files and, for manifests, every file they list."""
    out = set(files)
    for name in files:
        if name.endswith(MANIFEST_SUFFIX):
            try:
                manifest = json.loads((out_dir / name).read_text("utf-8"))
            except (OSError, ValueError):
                continue
            out |= {p[k] for p in manifest.get("parts", []) for k in ("csv", "typed")}
    return out


def _sha256_file(path: Path, also=None) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            if also is not None:
                also.update(chunk)
    return h.hexdigest()


def _place(tmp: Path, out_dir: Path, stem: str, ext: str, sha: str) -> str:
    name = f"{stem}-{sha[:12]}.{ext}"
    os.replace(tmp, out_dir / name)
    return name


class _ParquetAssembler:
    """One Parquet file from whole parts' tables, a row group per ROW_GROUP_ROWS rows of whole parts."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.writer = pq.ParquetWriter(path, schema, compression="zstd")
        self.schema, self.pending, self.rows = schema, [], 0

    def add(self, table: pa.Table) -> None:
        self.pending.append(table)
        self.rows += table.num_rows
        if self.rows >= ROW_GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            table = pa.concat_tables(self.pending).combine_chunks()
            self.writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self.pending, self.rows = [], 0

    def close(self, empty: bool) -> None:
        self.flush()
        if empty:
            self.writer.write_table(self.schema.empty_table())
        self.writer.close()


def write_part(source, part: Part, schema: pa.Schema, out_dir: Path, whole) -> tuple[dict, pa.Table]:
    """Write one part's CSV and Arrow files; returns its manifest entry and its table."""
    tmp_csv = out_dir / f".panel-part.csv.tmp-{os.getpid()}"
    tmp_arrow = out_dir / f".panel-part.parquet.tmp-{os.getpid()}"
    sha, n, batches = hashlib.sha256(), 0, []
    try:
        with open(tmp_csv, "wb") as fh:
            t = time.perf_counter()
            for rb, text, rows in source.batches(part.reports, schema, BATCH_ROWS):
                t = _took("rows: SQL, typed columns, CSV text", t)
                fh.write(text)
                sha.update(text)
                whole.update(text)
                t = _took("CSV write + sha256", t)
                batches.append(rb)
                n += rows
        t = time.perf_counter()
        table = pa.Table.from_batches(batches, schema=schema)
        pq.write_table(table, tmp_arrow, compression="zstd", write_statistics=False)
        _took("typed part write (Parquet)", t)
        csv_sha = sha.hexdigest()
        entry = {"key": part.key, "rows": n, "bytes": tmp_csv.stat().st_size, "sha256": csv_sha,
                 "agencies": [part.agencies[0], part.agencies[-1]],
                 "csv": _place(tmp_csv, out_dir, "panel-part", "csv", csv_sha),
                 "typed": _place(tmp_arrow, out_dir, "panel-part", "parquet", _sha256_file(tmp_arrow))}
        return entry, table
    finally:
        for p in (tmp_csv, tmp_arrow):
            if p.exists():
                p.unlink()


def _reuse(out_dir: Path, entry: dict, schema: pa.Schema) -> Optional[tuple[bytes, pa.Table]]:
    """A published part's CSV bytes and typed table, or None when a file no longer matches its entry."""
    try:
        data = (out_dir / entry["csv"]).read_bytes()  # one part: a few MB
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            return None
        return data, read_part_table(out_dir, entry, schema)
    except (OSError, pa.ArrowException):
        return None


def read_part_table(out_dir: Path, entry: dict, schema: pa.Schema) -> pa.Table:
    # ParquetFile.read, one thread: parts are small; read_table's dataset layer and the thread pool cost
    # more than the read on 2 busy cores (measured: 1.4 s against 2.3–3.3 s for 461 parts)
    table = pq.ParquetFile(out_dir / entry["typed"]).read(use_threads=False)
    if not table.schema.equals(schema):
        raise pa.ArrowInvalid("a part's typed file has another schema")
    return table


def write_panel(source, parts: list[Part], schema: pa.Schema, out_dir: Path,
                reusable: dict[str, dict], parquet_tmp: Path) -> tuple[dict, dict]:
    """All parts (reused or written) and the assembled Parquet at `parquet_tmp`; returns the CSV
    manifest and counts {"parts", "written", "reused"}."""
    head = export_format.header(schema.names)
    whole = hashlib.sha256(head)
    assembler = _ParquetAssembler(parquet_tmp, schema)
    entries, written = [], 0
    try:
        for part in parts:
            old = reusable.get(part.key) if part.key else None
            if old is not None:
                t = time.perf_counter()
                reused = _reuse(out_dir, old, schema)
                _took("reused parts (sha256, read)", t)
                if reused is None:  # damaged on disk: written again
                    old = None
                else:
                    whole.update(reused[0])
                    entry, table = dict(old), reused[1]
            if old is None:
                entry, table = write_part(source, part, schema, out_dir, whole)
                written += 1
            entries.append(entry)
            t = time.perf_counter()
            assembler.add(table)
            _took("Parquet", t)
            del table
        total_rows = sum(e["rows"] for e in entries)
        t = time.perf_counter()
        assembler.close(empty=total_rows == 0)
        _took("Parquet", t)
    except BaseException:
        assembler.writer.close()
        raise
    manifest = {"format": EXPORT_FORMAT, "rows": total_rows, "bytes": len(head) + sum(e["bytes"] for e in entries),
                "sha256": whole.hexdigest(), "head": head.decode("utf-8"),
                "schema": [[f.name, str(f.type)] for f in schema], "parts": entries}
    return manifest, {"parts": len(entries), "written": written, "reused": len(entries) - written}


def write_manifest(out_dir: Path, manifest: dict) -> str:
    name = f"panel-{manifest['sha256'][:12]}.csv{MANIFEST_SUFFIX}"
    tmp = out_dir / f".{name}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=0), "utf-8")
    os.replace(tmp, out_dir / name)
    return name


def read_manifest(path: Path) -> dict:
    return json.loads(Path(path).read_text("utf-8"))
