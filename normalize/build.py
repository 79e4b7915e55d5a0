"""Build the published SQLite database from the raw archive alone.

The database is a build product: written to a temporary file next to the target and moved into
place with an atomic rename, so a server never sees a half-built file. Every archived report page
and attachment becomes a `documents` row; a document that cannot be read keeps its row and gets an
`issues` row. Report identity is (agency_id, report year) (normalize/agencies.py resolves agency
names over the corpus); the primary document is chosen by the rule in normalize/identity.py. Pages the
crawler rejected (sidecar verdict negative or noise) are listed in `rejected_pages`, never in reports.
"""
from __future__ import annotations

import csv
import dataclasses
import gc
import hashlib
import json
import math
import os
import re
import sys
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import groupby, repeat, tee
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterator, Mapping, NamedTuple, Optional

import sqlite_utils

from . import exports, heap, identity, site_tables
from . import agencies as agencies_mod
from .agencies import REFERENCE_YEAR, agency_ids, load_operator_file
from .archive_reader import ArchiveReader, Fetch
from .parse_cache import ParseCache, cache_key, light_result
from .collect import collect
from .result_store import DocStore, ItemKeys, LazyCells, ResultStore, Spill
from . import regions
from .regions import lookup
from .indicators import db as indicators_db
from .schema import migrate
from .sections import SECTION_LABELS as SECTION_NAMES

OFFICE = {"doc", "wps"}
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class ParsedDoc:
    fetch: Fetch
    id: str
    format: str
    result: dict
    text_sha256: Optional[str]
    pages: Optional[int]
    issues: list[dict] = field(default_factory=list)
    report_id: Optional[str] = None
    key: Optional[str] = None  # parse-cache key (content, hints, parser version)


_FETCH_FIELDS = tuple(f.name for f in dataclasses.fields(Fetch))


def _doc_tuple(p: ParsedDoc) -> tuple:
    """A ParsedDoc as plain tuples, as the DocStore pickles it (half the bytes and load time of the
    dataclasses' own state)."""
    f = p.fetch
    return (tuple(map(f.__getattribute__, _FETCH_FIELDS)), p.id, p.format, p.result, p.text_sha256, p.pages,
            p.issues, p.report_id, p.key)


def _doc_from_tuple(t: tuple) -> ParsedDoc:
    return ParsedDoc(Fetch(*t[0]), *t[1:])


def document_id(fetch: Fetch) -> str:
    return hashlib.sha1(f"{fetch.url}\n{fetch.sha256}".encode()).hexdigest()[:16]


def _codebook_rows() -> list[dict]:
    rows = []
    with open(Path(__file__).with_name("codebook.csv"), encoding="utf-8") as fh:
        for i, r in enumerate(csv.DictReader(fh)):
            rows.append({"tbl": r["table"], "kind": r["kind"], "code": r["code"], "template": r["template"],
                         "label_zh": r["label_zh"], "label_en": r["label_en"], "grp": r["group"],
                         "unit": r["unit"] or None, "ordinal": i})
    return rows


def _hints(fetch: Fetch, parent: Optional[Fetch], site: Optional[dict]) -> dict:
    src = parent.meta if parent is not None else fetch.meta
    return {k: v for k, v in {
        "title": src.get("title"), "listed_title": src.get("listed_title"), "published": src.get("published"),
        "agency": src.get("agency"), "publisher": src.get("publisher"), "channel": src.get("channel"),
        "year": src.get("year"),
        "site_agency": (site or {}).get("agency"), "site_level": (site or {}).get("level"),
        "site_region": (site or {}).get("region"), "url": fetch.url, "encoding": (site or {}).get("encoding"),
    }.items() if v}


def _parse_one(data: bytes, url: str, hints: dict, *, converted: Optional[bytes], fmt_hint: Optional[str],
               images: Optional[list] = None) -> tuple[dict, str, Optional[int], Optional[str]]:
    from .extract import extract_bytes, sniff
    from .extract.limits import limits_from_env
    from .parse import parse_document

    fmt = fmt_hint or sniff(data)
    limits = limits_from_env()
    if converted is not None:
        doc = extract_bytes(converted, url, original_format=fmt, limits=limits)
    else:
        doc = extract_bytes(data, url, encoding=hints.get("encoding"), limits=limits)
    if images:
        from .image_pages import read_page_images

        doc = read_page_images(doc, images)
    result = parse_document(doc, hints)
    text = doc.text()
    norm = re.sub(r"\s+", "", text)
    text_sha = hashlib.sha256(norm.encode("utf-8")).hexdigest() if norm else None
    return result, doc.format or fmt, doc.pages, text_sha


_NO_HEADERS: dict = {}
_RUN_IDS: dict = {}  # one tuple for the documents seen by the same crawl runs


def _compact_fetch(f: Fetch) -> Fetch:
    """The sidecar as the build keeps it for every document while it parses (issue 9): only the meta keys
    the build reads (incremental.META_KEYS), no HTTP headers or referrer (no row reads them), and the
    strings many documents share (site, times, run ids, keys, a final URL equal to the URL) shared."""
    from .incremental import META_KEYS

    pool: dict = {}  # a title printed twice (title, listed_title) kept once; short values (roles, verdicts,
    f.meta = {sys.intern(k): (sys.intern(v) if len(v) <= 24 else pool.setdefault(v, v)) if type(v) is str else v
              for k, v in f.meta.items() if k in META_KEYS}  # agencies, dates) shared by every document
    f.headers, f.referrer = _NO_HEADERS, None
    if f.final_url == f.url:
        f.final_url = f.url
    f.site = sys.intern(f.site) if type(f.site) is str else f.site
    f.kind, f.fetched_at, f.last_seen_at = sys.intern(f.kind), sys.intern(f.fetched_at), sys.intern(f.last_seen_at)
    runs = tuple(f.run_ids)
    f.run_ids = _RUN_IDS.setdefault(runs, runs)
    return f


def item_key(f: Fetch) -> str:
    """The crawl item of a document: its report page's URL (an attachment's parent page)."""
    return (f.meta.get("parent_url") if f.role == "attachment" else f.url) or f.url


def build(archive_dir: str | Path, db_path: str | Path, *, progress: Optional[Progress] = None,
          convert_cache: Optional[str | Path] = None, parse_cache: Optional[str | Path] = None,
          aliases: Optional[str | Path] = None, full: bool = True) -> dict:
    """Build `db_path` from the archive; returns counts. Atomic: readers see the old or the new file.

    Memory: only a light summary per document is kept; full parse results stay in the parse cache or
    a temporary spill file and are read a batch of whole agencies at a time (issue 9).
    full=False: when the published database was built by the same code, schema and operator file,
    update a copy of it, rewriting only the agencies whose inputs changed (normalize/incremental.py);
    counts["mode"] / counts["full_because"] say what happened."""
    from . import incremental

    reader = ArchiveReader(archive_dir)
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.tmp-{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    spill = Spill(db_path.with_name(f".{db_path.name}.results.tmp-{os.getpid()}"))  # ogi/cleanup.py knows the name
    say = progress or (lambda step, i, n: None)
    LazyCells._recent.clear()
    try:
        spill.open()
        runs = reader.runs()
        sites = _load_sites(reader, runs)
        legacy = identity.LegacyVerdicts(reader.root)
        rejected_fetches: list[Fetch] = []  # the documents go to the spill (normalize/collect.py), one pass
        n_docs = collect(reader, spill, legacy, rejected=rejected_fetches.append)
        rejected = identity.rejected_rows(rejected_fetches, legacy)
        del legacy, rejected_fetches  # a URL's verdict from the run items: read by collect and rejected_rows only
        cache = ParseCache(parse_cache)
        store = ResultStore(cache, spill)
        parsed = DocStore(spill, _doc_tuple, _doc_from_tuple)  # the documents' light summaries, on disk (issue 9)
        item_keys = _parse_all(reader, n_docs, sites, say, convert_cache, cache, spill, parsed)
        from_cache = cache.hits  # the writer reads full results back from the cache: not counted
        heap.trim()
        regions.use_cache(Path(parse_cache) / "regions.sqlite" if parse_cache else None)
        operator = load_operator_file(aliases)
        state = incremental.global_state(operator)
        why_full = "requested" if full else incremental.why_full(db_path, state)
        load = lambda p: store.load(p.id, p.key)  # noqa: E731  (p: a ParsedDoc or a DocRef)
        if why_full is None:
            counts = _update_copy(db_path, tmp, parsed, sites, runs, say, operator, load, state, rejected, item_keys)
            release(parsed)
        else:
            db = open_database(tmp)
            _write_run_tables(db, sites, runs, rejected)
            counts = _write_reports(db, parsed, sites, runs, say, operator, load=load, state=state, item_keys=item_keys)
            counts.update({"mode": "full", "full_because": why_full})
            release(parsed)  # the rows are written: finish and downloads start from a small heap
            say("finish", 0, 1)
            finish_database(db)
            db.close()
            heap.trim()
        regions.save_cache()
        counts["rejected_pages"] = len(rejected)
        say("downloads", 0, 1)
        db = sqlite_utils.Database(tmp)
        db["downloads"].delete_where()
        parts: dict = {}  # an incremental build reuses the published panel parts of unchanged agencies
        db["downloads"].insert_all(exports.write_downloads_apart(tmp, exports.downloads_dir(db_path),
                                                                 keep=exports.published_files(db_path),
                                                                 reuse=counts["mode"] == "incremental",
                                                                 stats=parts))
        counts["download_parts"] = parts
        db.conn.commit()
        db.conn.execute("PRAGMA journal_mode=DELETE")
        vacuum_if_needed(db)  # a file written once, or a copy with a few agencies rewritten, has few free pages
        db.close()
        say("inspect", 0, 1)
        exports.write_inspect(tmp, db_path)
        say("inspect", 1, 1)
        os.replace(tmp, db_path)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise
    finally:
        spill.remove()
    counts.update({"sites": len(sites), "runs": len(runs), "from_cache": from_cache, "db": str(db_path)})
    return counts


def release(parsed) -> None:
    """Drop the light summaries of every document (the only per-document data the build keeps after its
    write path) and give their pages back to the system, so the steps after the write (finish, downloads)
    do not carry memory that grows with the corpus."""
    parsed.clear()
    LazyCells._recent.clear()
    gc.collect()
    heap.trim()


def _write_run_tables(db: sqlite_utils.Database, sites: dict[str, dict], runs: list[dict], rejected: list[dict]) -> None:
    """The small whole-archive tables: sites, crawl runs, rejected pages (rewritten by every build)."""
    for table in ("sites", "crawl_runs", "rejected_pages"):
        db[table].delete_where()
    db["sites"].insert_all([{k: v for k, v in s.items() if k != "encoding"} for s in sites.values()],
                           pk="id", replace=True)
    db["crawl_runs"].insert_all([_run_row(r) for r in runs], pk="run_id", replace=True)
    _insert_rows(db, "rejected_pages", rejected)


def _update_copy(db_path: Path, tmp: Path, parsed: "DocStore", sites: dict[str, dict], runs: list[dict],
                 say: Progress, operator: Optional[dict], load: Loader, state: dict, rejected: list[dict],
                 item_keys: Optional[list[str]] = None) -> dict:
    """The incremental build: a copy of the published database with the rows of changed agencies
    rewritten, the whole-corpus tables rewritten and the nightly columns updated in place."""
    plan = plan_reports(parsed, sites, runs, say, operator, load, item_keys)
    try:
        return _update_with_plan(db_path, tmp, plan, sites, runs, say, load, state, rejected)
    finally:
        plan.close()


def _update_with_plan(db_path: Path, tmp: Path, plan: "Plan", sites: dict[str, dict], runs: list[dict],
                      say: Progress, load: Loader, state: dict, rejected: list[dict]) -> dict:
    from . import incremental

    signatures = incremental.agency_signatures(plan, sites)
    say("copy", 0, 1)
    incremental.copy_database(db_path, tmp)
    db = sqlite_utils.Database(tmp)
    db.conn.execute("PRAGMA journal_mode=OFF")
    db.conn.execute("PRAGMA synchronous=OFF")
    old = incremental.stored_signatures(db)
    changed = {a for a, sig in signatures.items() if old.get(a) != sig}
    gone = set(old) - set(signatures)
    report_ids = incremental.report_ids_of(db, changed | gone) | plan.reports_of(changed)
    say("incremental", 0, len(report_ids))
    incremental.delete_reports(db, report_ids)
    _write_run_tables(db, sites, runs, rejected)
    counts = write_plan(db, plan, sites, say, load, agencies=changed)
    for table in ("agencies", "agency_aliases"):
        db[table].delete_where()
    n_agencies = _insert_agency_tables(db, plan, sites)
    say("nightly columns", 0, 1)
    updated = incremental.update_nightly_columns(db, plan)
    new_ids = sorted(rid for rid in report_ids if plan.has_report(rid))
    say("finish", 0, 1)
    finish_database(db, report_ids=new_ids)
    incremental.store_state(db, signatures, state)
    db.conn.commit()
    db.close()
    say("incremental", len(report_ids), len(report_ids))
    return {"mode": "incremental", "full_because": None, "reports": plan.n_reports(),
            "documents": len(plan.docs), "agencies": n_agencies, "agencies_rewritten": len(changed),
            "agencies_removed": len(gone), "reports_rewritten": len(new_ids),
            "reports_removed": len(report_ids) - len(new_ids), "nightly_columns_updated": updated,
            "cells_written": counts["cells"], "documents_written": counts["documents"]}


def open_database(path: Path) -> sqlite_utils.Database:
    """A new database file being built: fast pragmas (the file is renamed into place only when done),
    the schema and the code book."""
    db = sqlite_utils.Database(path)
    db.conn.execute("PRAGMA journal_mode=OFF")
    db.conn.execute("PRAGMA synchronous=OFF")
    for pragma in BUILD_PRAGMAS:
        db.conn.execute(pragma)
    migrate(db)
    db["codebook"].insert_all(_codebook_rows())
    indicators_db.write_static(db)
    _defer_indexes(db)
    return db


# A build's own connection: a larger page cache. (temp_store=FILE is asked for, but pysqlite3-binary is
# compiled with SQLITE_TEMP_STORE=3, "always in memory", which ignores the pragma: its sorts never spill to
# a file. The big ones, the deferred index sorts, are therefore made on another connection: SORT_PRAGMAS.)
BUILD_PRAGMAS = ("PRAGMA cache_size=-262144", "PRAGMA temp_store=FILE")
# The connection that makes the deferred indexes (issue 9, flat build memory): the standard library's
# sqlite3, whose SQLite honours temp_store=FILE. Its sorter keeps one run of at most cache_size bytes in
# memory and merges the sorted runs from temporary files, so an index over 13 million cells costs about
# 2 x 64 MB, not every key of the table in RAM (≈ 0.8 GB at 100,000 reports through pysqlite3).
SORT_PRAGMAS = ("PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", "PRAGMA temp_store=FILE",
                "PRAGMA cache_size=-65536")
# Tables written in bulk by write_reports: their secondary indexes are made once, after the last row
# (one sort instead of millions of random b-tree inserts), at the start of finish_database.
BULK_TABLES = ("cells", "checks", "sections", "indicators", "issues")


def _defer_indexes(db: sqlite_utils.Database) -> None:
    marks = ",".join("?" * len(BULK_TABLES))
    rows = db.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                      f"AND tbl_name IN ({marks})", BULK_TABLES).fetchall()
    db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS deferred_indexes (name TEXT PRIMARY KEY, sql TEXT)")
    for name, sql in rows:
        if sql.lstrip().upper().startswith("CREATE UNIQUE"):  # a constraint: checked while rows go in
            continue
        db.conn.execute("INSERT OR REPLACE INTO temp.deferred_indexes VALUES (?, ?)", (name, sql))
        db.conn.execute(f"DROP INDEX [{name}]")
    db.conn.commit()


def _create_deferred_indexes(db: sqlite_utils.Database) -> None:
    if not db.execute("SELECT 1 FROM temp.sqlite_master WHERE name = 'deferred_indexes'").fetchone():
        return
    statements = [sql for _name, sql in db.execute("SELECT name, sql FROM temp.deferred_indexes ORDER BY name")]
    db.conn.commit()
    # the write path filled this connection's page cache (256 MB): give it back while another connection
    # sorts, rather than hold both (the finish steps read what they need into it again)
    db.conn.execute("PRAGMA shrink_memory")
    heap.trim()
    run_sorting(db, statements)
    db.conn.execute("DROP TABLE temp.deferred_indexes")
    db.conn.commit()


def run_sorting(db: sqlite_utils.Database, statements: list[str]) -> None:
    """Run statements that sort a whole table (CREATE INDEX) on the database file of `db` through the
    standard library's sqlite3 with SORT_PRAGMAS, so their sorts spill to temporary files (see
    SORT_PRAGMAS); `db` must have no transaction open. A database without a file (in memory) runs them on
    its own connection."""
    import sqlite3

    path = next((file for _seq, name, file in db.execute("PRAGMA database_list") if name == "main"), "")
    if not path:
        for sql in statements:
            db.conn.execute(sql)
        return
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in SORT_PRAGMAS:
            conn.execute(pragma)
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()


def vacuum_if_needed(db: sqlite_utils.Database, free_share: float = 0.02) -> bool:
    """VACUUM when more than `free_share` of the file's pages are free (rows or indexes were deleted):
    a file written once has next to none, and VACUUM would copy every page again (minutes at 100,000
    reports). Returns whether it ran."""
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    if free <= pages * free_share:
        return False
    db.conn.execute("VACUUM")
    return True


def finish_database(db: sqlite_utils.Database, report_ids: Optional[list[str]] = None) -> None:
    """After the last rows: the headline measures (indicators_wide), the site's tables (rules, explained
    checks, search passages, t3_wide: normalize/site_tables.py), the search index and the planner's
    statistics (ANALYZE: the server's queries pick their indexes from them).

    report_ids: an incremental build's rewritten reports — only their derived rows are made and
    indexed for search (normalize/incremental.py); the statistics of the copy are kept."""
    from . import incremental

    db.conn.commit()
    heap.trim()
    _create_deferred_indexes(db)
    from .indicators_wide import fill_indicators_wide

    db.conn.commit()
    fill_indicators_wide(db, report_ids=report_ids)
    db.conn.commit()
    site_tables.finish(db, report_ids=report_ids)
    if report_ids is None:
        db.conn.execute("INSERT INTO sections_fts(sections_fts) VALUES('rebuild')")
        db.conn.execute("INSERT INTO passages_fts(passages_fts) VALUES('rebuild')")
        db.conn.execute("INSERT INTO passages_grams(passages_grams) VALUES('rebuild')")
        db.conn.commit()
        db.conn.execute("ANALYZE")
    else:
        incremental.index_reports(db, report_ids)
    db.conn.commit()


def _load_sites(reader: ArchiveReader, runs: list[dict]) -> dict[str, dict]:
    sites: dict[str, dict] = {}
    for run in runs:  # oldest first: the latest run's registry row wins
        path = reader.root / "runs" / run["run_id"] / "sources.json"
        if path.exists():
            for s in json.loads(path.read_text("utf-8")):
                sites[s["id"]] = {
                    "id": s["id"], "name": s.get("name"), "agency": s.get("agency"), "level": s.get("level"),
                    "region": s.get("region"), "family": s.get("family"),
                    "entry_urls": json.dumps(s.get("entry_urls") or [], ensure_ascii=False),
                    "enabled": int(bool(s.get("enabled", True))), "disabled_reason": s.get("disabled_reason"),
                    "expected_min_reports": s.get("expected_min_reports", 1),
                    "encoding": s.get("encoding"),
                }
        for row in run.get("sites", []):
            if row["site"] in sites:
                sites[row["site"]]["last_run_status"] = row.get("status")
                sites[row["site"]]["last_run_reports"] = row.get("reports")
    return sites


def _run_row(run: dict) -> dict:
    t = run.get("totals", {})
    return {
        "run_id": run["run_id"], "started_at": run.get("started_at"), "finished_at": run.get("finished_at"),
        "sites": len(run.get("sites", [])), "reports": t.get("reports"), "report_pages": t.get("report_pages"),
        "attachments": t.get("attachments"), "negatives": t.get("negatives"), "requests": t.get("requests"),
        "request_failures": run.get("request_failures"),
        "errors": json.dumps(run.get("errors", []), ensure_ascii=False),
        "blocked_hosts": json.dumps(run.get("blocked_hosts", []), ensure_ascii=False),
    }


def _parse_all(reader: ArchiveReader, n_docs: int, sites: dict[str, dict], say: Progress, convert_cache,
               cache: ParseCache, spill: Spill, docs: DocStore) -> ItemKeys:
    """Every document collected into the spill (normalize/collect.py) parsed (or its light summary read from
    the cache), its light summary and crawl item key (`item_key`) put into `docs` at its input index;
    returns the item keys, read back from the spill (ItemKeys). Per-document data stays on disk: the
    documents are read a batch at a time, the documents to parse are listed in the spill's `jobs` table,
    the DOC/WPS conversions in `converted` (issue 9)."""
    from .collect import documents
    from .image_pages import sequence_key

    conn = spill._db()
    conn.execute("CREATE TABLE IF NOT EXISTS jobs (i INTEGER PRIMARY KEY)")
    conn.execute("CREATE TABLE IF NOT EXISTS kinds (sha TEXT PRIMARY KEY, kind TEXT)")
    conn.execute("CREATE TABLE IF NOT EXISTS converted (sha TEXT PRIMARY KEY, data BLOB, error TEXT)")
    # What the cache already holds is not parsed again (nightly builds parse only what is new). Light
    # summaries go to `docs` (on disk) as they are made, full results are in the parse cache or the spill
    # (normalize/result_store.py), read back a batch at a time.
    jobs: list[tuple] = []
    for d in documents(spill):
        f = d.fetch
        hints = _hints(f, d.parent, sites.get(f.site or ""))
        key = cache_key(sequence_key(f.sha256, d.images), hints)
        cached = cache.get_light(key)
        if cached is not None:
            docs.put(d.i, ParsedDoc(f, document_id(f), cached["format"], cached["result"], cached["text_sha256"],
                                    cached["pages"], list(cached["issues"] or []), key=key), item=item_key(f))
        else:
            jobs.append((d.i,))
            _sniff_kind(reader, conn, f.sha256)
            if len(jobs) >= 2_000:
                conn.executemany("INSERT INTO jobs VALUES (?)", jobs)
                jobs.clear()
    conn.executemany("INSERT INTO jobs VALUES (?)", jobs)
    n_jobs = conn.execute("SELECT count(*) FROM jobs").fetchone()[0]
    _convert_office(reader, conn, say, convert_cache)

    def job_args():
        for d in documents(spill, only="jobs"):
            f = d.fetch
            hints = _hints(f, d.parent, sites.get(f.site or ""))
            kind, conv, error = conn.execute(
                "SELECT k.kind, c.data, c.error FROM kinds k LEFT JOIN converted c ON c.sha = k.sha WHERE k.sha = ?",
                (f.sha256,)).fetchone() or (None, None, None)
            yield ((d.i, f, cache_key(sequence_key(f.sha256, d.images), hints)),
                   (str(reader.root), f.sha256, f.url, hints, kind, conv if kind in OFFICE else None,
                    json.loads(error) if error else None,
                    [i.sha256 for i in d.images or []] if f.role == "report_page" else None, d.with_page))

    done = n_docs - n_jobs
    say("parse", done, n_docs)
    meta, args = tee(job_args())  # the map reads its arguments a window ahead of the results: tee holds that
    results = _map(_parse_job, map(itemgetter(1), args), workers=_workers(n_jobs))
    for (i, f, key), res in zip(map(itemgetter(0), meta), results):
        real_fmt, result, pages_n, text_sha, issues = res
        doc_id = document_id(f)
        if not issues and cache.root is not None:  # failed conversions, missing blobs and crashes are tried again
            cache.put(key, {"format": real_fmt, "result": result, "text_sha256": text_sha, "pages": pages_n,
                            "issues": issues})
        else:
            spill.put(doc_id, result)
        docs.put(i, ParsedDoc(f, doc_id, real_fmt, light_result(result), text_sha, pages_n, list(issues), key=key),
                 item=item_key(f))
        done += 1
        say("parse", done, n_docs)
    docs.n = max(docs.n, n_docs)
    return docs.item_keys()


def _sniff_kind(reader: ArchiveReader, conn, sha: str) -> None:
    """The kind of a blob to parse (extract.sniff of its bytes), once per blob, into the spill's `kinds`
    (None when the blob cannot be read)."""
    from .extract import sniff

    if conn.execute("SELECT 1 FROM kinds WHERE sha = ?", (sha,)).fetchone() is None:
        try:
            kind = sniff(reader.read_blob(sha))
        except OSError:
            kind = None
        conn.execute("INSERT INTO kinds VALUES (?, ?)", (sha, kind))


OFFICE_BATCH = 500  # DOC/WPS converted in one LibreOffice run (its start-up dominates; the bytes are held)


def _convert_office(reader: ArchiveReader, conn, say: Progress, convert_cache) -> None:
    """DOC/WPS still to parse go through LibreOffice, OFFICE_BATCH at a time in blob order, into the spill's
    `converted` (the DOCX bytes, or the issue a failed conversion gets)."""
    from .document import ExtractError
    from .extract import convert_office_batch

    where = "kind IN (%s)" % ",".join("'%s'" % k for k in sorted(OFFICE))
    total = conn.execute(f"SELECT count(*) FROM kinds WHERE {where}").fetchone()[0]
    if not total:
        return
    say("convert", 0, total)
    last, done = "", 0
    while True:
        office = [s for (s,) in conn.execute(f"SELECT sha FROM kinds WHERE {where} AND sha > ? ORDER BY sha LIMIT ?",
                                             (last, OFFICE_BATCH))]
        if not office:
            break
        last = office[-1]
        kinds = dict(conn.execute(f"SELECT sha, kind FROM kinds WHERE sha IN ({','.join('?' * len(office))})", office))
        try:
            why: dict[int, str] = {}
            outs = convert_office_batch([reader.read_blob(s) for s in office], cache_dir=convert_cache, failures=why)
            errors = {i: _conversion_timeout(kinds[office[i]]) for i, reason in why.items() if reason == "timeout"}
        except ExtractError as exc:  # LibreOffice missing: every DOC/WPS gets an issue row, the build goes on
            outs = [None] * len(office)
            errors = dict.fromkeys(range(len(office)), {"level": "error", "rule": exc.rule, "message": exc.message})
        conn.executemany("INSERT OR REPLACE INTO converted VALUES (?, ?, ?)", [
            (sha, outs[i], json.dumps(errors[i], ensure_ascii=False) if i in errors else None)
            for i, sha in enumerate(office)])
        done += len(office)
        say("convert", done, total)
        del outs


PARALLEL_MIN_DOCUMENTS = 24  # below this, worker start-up costs more than it saves


def _workers(n_jobs: int) -> int:
    if n_jobs < PARALLEL_MIN_DOCUMENTS:
        return 1
    return max(1, min(os.cpu_count() or 1, int(os.environ.get("OGI_BUILD_WORKERS", "4"))))


def _map(fn, args: list[tuple], *, workers: int):
    """Results in input order; documents are parsed in worker processes when there are enough, and a
    worker that dies costs only the document it was reading (normalize/workers.py)."""
    from .workers import map_in_workers

    return map_in_workers(fn, args, workers=workers, on_lost=_lost_job)


def _lost_job(args: tuple, message: str) -> tuple:
    fmt = args[4]
    return fmt or "unknown", {"cells": [], "checks": [], "issues": []}, None, None, [{
        "level": "error", "rule": "worker_died", "message": f"the process parsing this document died ({message})"}]


def _conversion_timeout(fmt: Optional[str]) -> dict:
    return {"level": "error", "rule": "timeout",
            "message": f"LibreOffice did not finish converting this {(fmt or 'doc').upper()} file in time and was stopped"}


def _parse_job(root: str, sha: str, url: str, hints: dict, fmt: Optional[str], conv: Optional[bytes],
               converter_error: Optional[dict], images: Optional[list] = None,
               with_page: Optional[str] = None) -> tuple:
    """Parse one archived document: (format, result, pages, text_sha256, build issues). Never raises.
    images: the blobs of a report page's images, in page order (image_pages.py); with_page: the page an
    image is read with (it is not OCR'd on its own)."""
    empty = {"cells": [], "checks": [], "issues": []}
    if with_page:
        from .image_pages import in_sequence_note

        return "image", {"cells": [], "checks": [], "issues": [in_sequence_note(with_page)]}, None, None, []
    try:
        data = ArchiveReader(root).read_blob(sha)
        blobs = [ArchiveReader(root).read_blob(s) for s in images or []]
    except OSError as exc:
        return "missing", empty, None, None, [{"level": "error", "rule": "blob_missing", "message": str(exc)}]
    if fmt in OFFICE and conv is None:  # already tried in the batch: do not start LibreOffice again
        return fmt, empty, None, None, [dict(converter_error) if converter_error else {
            "level": "error", "rule": "conversion_failed",
            "message": f"LibreOffice could not convert this {fmt.upper()} file to DOCX"}]
    try:
        result, real_fmt, pages_n, text_sha = _parse_one(data, url, hints, converted=conv, fmt_hint=fmt,
                                                         images=blobs)
    except Exception as exc:  # a parser bug must not stop the build: the document gets an issue row
        return fmt or "unknown", empty, None, None, [{
            "level": "error", "rule": "parse_crashed", "message": f"{type(exc).__name__}: {exc}",
            "detail": traceback.format_exc(limit=3)}]
    return real_fmt, result, pages_n, text_sha, []


def _identity(p: ParsedDoc) -> tuple[Optional[str], Optional[int]]:
    r = p.result
    return r.get("agency"), r.get("year")


Loader = Callable[[ParsedDoc], dict]  # the full parse result of a document whose `result` is light


class DocRef(NamedTuple):
    """What a Loader reads of a document (its id and parse-cache key): kept instead of the document."""
    id: str
    key: Optional[str]


class Seen(NamedTuple):
    """What the writer and the build state keep of a sighting once agencies are resolved."""
    item: str
    name: str
    printed: Optional[str]
    source: str


PLAN_TABLES = """
CREATE TABLE IF NOT EXISTS item_docs (i INTEGER PRIMARY KEY, item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (n INTEGER PRIMARY KEY, item TEXT NOT NULL, docs TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unassigned (i INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS best_docs (n INTEGER PRIMARY KEY, best INTEGER NOT NULL);  -- a sighting's best document
CREATE TABLE IF NOT EXISTS agency_keys (key TEXT PRIMARY KEY, aid TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS merge_issues (seq INTEGER PRIMARY KEY, rid TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS report_sites (rid TEXT PRIMARY KEY, site TEXT);
"""


class Plan:
    """What the build writes, decided over the whole corpus (issue 9): crawl items, agency resolution, each
    report's crawl items. Everything per crawl item or per report is in tables of the spill file
    (`PLAN_TABLES`, agencies.TABLES: `items` with the indexes of each item's documents, `sightings` with
    each item's agency key, agency id and report id, `merge_issues`, `unassigned`) and answered by queries;
    in memory: one `Agency` per agency and its id. The documents stay in `docs` (on disk in a build): a
    report's documents, with the primary and roles of identity.roles, are read back when its batch is
    written (`documents`). Rows are written a batch of whole agencies at a time, loading full results for
    that batch only. `close()` removes a temporary spill the plan made for itself."""

    def __init__(self, docs: DocStore, spill: Spill, res, ids: dict, latest_run_by_site: dict, own_spill: bool):
        self.docs, self.spill, self.res, self.ids = docs, spill, res, ids
        self.latest_run_by_site = latest_run_by_site
        self._own_spill = own_spill

    @property
    def conn(self):
        return self.spill._db()

    def close(self) -> None:
        if self._own_spill:
            self.spill.remove()

    # -- reports ------------------------------------------------------------------------------------
    def n_reports(self) -> int:
        return self.conn.execute("SELECT count(DISTINCT rid) FROM sightings").fetchone()[0]

    def has_report(self, rid: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sightings WHERE rid = ? LIMIT 1", (rid,)).fetchone() is not None

    def report_ids(self) -> Iterator[str]:
        """Every report id, in order (read a page at a time)."""
        last = ""
        while rids := [r[0] for r in self.conn.execute(
                "SELECT DISTINCT rid FROM sightings WHERE rid > ? ORDER BY rid LIMIT 2000", (last,))]:
            yield from rids
            last = rids[-1]

    def report_items(self, rid: str) -> list[str]:
        """The crawl item keys of a report, in input order."""
        return [r[0] for r in self.conn.execute("SELECT item FROM sightings WHERE rid = ? ORDER BY n", (rid,))]

    def agency_key(self, rid: str) -> str:
        return self.conn.execute("SELECT key FROM sightings WHERE rid = ? LIMIT 1", (rid,)).fetchone()[0]

    def agency(self, rid: str):
        return self.res.agencies[self.agency_key(rid)]

    def sightings(self, rid: str) -> list[Seen]:
        """What the writer and the build state keep of a report's sightings, in input order."""
        return [Seen(*r) for r in self.conn.execute(
            "SELECT item, name, printed, source FROM sightings WHERE rid = ? ORDER BY n", (rid,))]

    def merge_issues(self, rid: str) -> list[dict]:
        """Issue rows of the agency resolution for this report."""
        return [json.loads(r[0]) for r in self.conn.execute("SELECT data FROM merge_issues WHERE rid = ? ORDER BY seq",
                                                            (rid,))]

    def _doc_indexes(self, rid: str) -> list[tuple[str, int]]:
        return [(item, int(i)) for item, docs in self.conn.execute(
            "SELECT i.item, i.docs FROM sightings s JOIN items i USING (n) WHERE s.rid = ? ORDER BY s.n", (rid,))
            for i in docs.split(",")]

    def n_documents(self, rid: str) -> int:
        return len(self._doc_indexes(rid))

    def reports_by_agency(self, agencies: Optional[set] = None) -> Iterator[tuple[str, list[tuple[str, int]]]]:
        """(agency id, [(report id, its number of documents), ...]) in agency id order, the reports in id order;
        only the agencies in `agencies` when given. Read a page of agencies at a time."""
        last = ""
        while True:
            rows = self.conn.execute(
                "SELECT s.aid, s.rid, sum(length(i.docs) - length(replace(i.docs, ',', '')) + 1) FROM sightings s "
                "JOIN items i USING (n) WHERE s.aid IN (SELECT DISTINCT aid FROM sightings WHERE aid > ? ORDER BY aid "
                "LIMIT 500) GROUP BY s.aid, s.rid ORDER BY s.aid, s.rid", (last,)).fetchall()
            if not rows:
                return
            for aid, group in groupby(rows, key=itemgetter(0)):
                if agencies is None or aid in agencies:
                    yield aid, [(rid, n) for _, rid, n in group]
            last = rows[-1][0]

    def reports_of(self, agencies: set) -> set[str]:
        out: set[str] = set()
        aids = sorted(agencies)
        for start in range(0, len(aids), 500):
            part = aids[start:start + 500]
            out |= {r[0] for r in self.conn.execute(
                f"SELECT DISTINCT rid FROM sightings WHERE aid IN ({','.join('?' * len(part))})", part)}
        return out

    def agency_years(self) -> dict[str, tuple[int, Optional[int], Optional[int]]]:
        """agency id -> (reports, first year, last year) of every report of the plan."""
        return {aid: (n, lo, hi) for aid, n, lo, hi in self.conn.execute(
            "SELECT aid, count(DISTINCT rid), min(year), max(year) FROM sightings GROUP BY aid")}

    def unassigned(self) -> Iterator[list[int]]:
        """Indexes of the documents of no report (no agency or year found), a chunk at a time."""
        last = -1
        while idx := [r[0] for r in self.conn.execute("SELECT i FROM unassigned WHERE i > ? ORDER BY i LIMIT 2000",
                                                       (last,))]:
            yield idx
            last = idx[-1]

    def items(self) -> dict[str, tuple[int, ...]]:
        """crawl item key -> indexes of its documents (for tests and small plans)."""
        return {item: tuple(map(int, docs.split(","))) for item, docs in
                self.conn.execute("SELECT item, docs FROM items ORDER BY n")}

    # -- documents ----------------------------------------------------------------------------------
    def documents(self, rid: str) -> tuple[list[ParsedDoc], ParsedDoc]:
        """(documents, primary) of a report: its crawl items' documents in input order, with report_id,
        roles (report_role, superseded_by) and duplicate_of set from them (identity.roles)."""
        pairs = self._doc_indexes(rid)
        docs = self.docs.get_many([i for _, i in pairs])
        item_of = {d.id: item for (item, _), d in zip(pairs, docs)}
        for d in docs:
            d.report_id = rid
        primary, doc_roles = identity.roles(docs, item_of)
        for d in docs:
            d.result["_report_role"], d.result["_superseded_by"] = doc_roles[d.id]
        # re-stamped copies: the primary is the original of its text, else the first fetched (then smallest id)
        seen_text: dict[str, str] = {}
        for p in sorted(docs, key=lambda p: (p is not primary, p.fetch.fetched_at, p.id)):
            if p.text_sha256 and p.text_sha256 in seen_text and seen_text[p.text_sha256] != p.id:
                p.result["_duplicate_of"] = seen_text[p.text_sha256]
            elif p.text_sha256:
                seen_text[p.text_sha256] = p.id
        self.conn.execute("INSERT OR REPLACE INTO report_sites VALUES (?, ?)", (rid, primary.fetch.site))
        return docs, primary

    def primary_site(self, rid: str) -> Optional[str]:
        """The site of a report's primary document (remembered by `documents`, else read)."""
        row = self.conn.execute("SELECT site FROM report_sites WHERE rid = ?", (rid,)).fetchone()
        return row[0] if row else self.documents(rid)[1].fetch.site

    def seen(self, rid: str, docs: Optional[tuple] = None) -> tuple[str, str]:
        """(last_seen, status) of a report: the columns that change every night (updated in place by
        an incremental build, normalize/incremental.py). docs: `documents(rid)` when already read."""
        docs, primary = docs or self.documents(rid)
        latest = self.latest_run_by_site.get(primary.fetch.site or "")
        seen_now = latest is None or any(latest in d.fetch.run_ids for d in docs)
        return max(d.fetch.last_seen_at for d in docs), "current" if seen_now else "removed"


def _fill_items(conn, docs: DocStore, item_keys) -> None:
    """`item_docs` (document index -> crawl item key) and `items` (crawl items numbered in order of their
    first document, with their documents' indexes)."""
    keys = item_keys if item_keys is not None else (item_key(p.fetch) for p in docs)
    conn.executemany("INSERT INTO item_docs VALUES (?, ?)", enumerate(keys))
    conn.execute("INSERT INTO items (item, docs) SELECT item, group_concat(i) FROM "
                 "(SELECT item, i FROM item_docs ORDER BY item, i) GROUP BY item ORDER BY min(i)")


def plan_reports(parsed, sites: dict[str, dict], runs: list[dict], say: Progress,
                 operator: Optional[dict] = None, load: Optional[Loader] = None,
                 item_keys: Optional[list[str]] = None) -> Plan:
    """Group crawl items, resolve agencies over every sighting, give each report its crawl items (pure apart
    from `load`, which reads a document's cells for the agency contradiction checks when its `result` is
    light). parsed: a DocStore, or a list of ParsedDoc; item_keys: each document's `item_key` when known.
    The plan's tables are in the DocStore's spill file (else in a temporary one the plan removes on
    `close()`); documents are read a crawl item at a time."""
    docs = parsed if isinstance(parsed, DocStore) else DocStore.of(parsed)
    own_spill = docs.spill is None
    spill = Spill.temporary() if own_spill else docs.spill
    conn = spill._db()
    conn.executescript(PLAN_TABLES)
    agencies_mod.create_tables(conn)
    _fill_items(conn, docs, item_keys)
    # A crawl item is a report page with its attachments. The item's identity comes from its best
    # document (most cells, then most sections): a page that only says 详见附件 and titles the
    # report with an abbreviated agency belongs to the report its attachment identifies.
    # Its agency is resolved over the whole corpus (normalize/agencies.py): report identity is
    # (agency_id, year) across sites, columns, spellings and formats.
    recent: "OrderedDict[int, LazyCells]" = OrderedDict()

    def cells_of(n: int) -> Mapping:
        """The printed cells of sighting n's best document (a lazy mapping: read when compared)."""
        got = recent.get(n)
        if got is None:
            (i,) = conn.execute("SELECT best FROM best_docs WHERE n = ?", (n,)).fetchone()
            best = docs.get_many([i])[0]
            if best.result.get("_light") and load:
                got = LazyCells(best.id, (lambda b=DocRef(best.id, best.key): load(b)))
            else:  # a full result: its cells mapping is made only if the contradiction checks read it
                got = LazyCells(best.id, (lambda b=best: b.result), shared=False)
            recent[n] = got
            if len(recent) > 64:
                recent.popitem(last=False)
        return got

    last = 0
    while chunk := conn.execute("SELECT n, item, docs FROM items WHERE n > ? ORDER BY n LIMIT 2000", (last,)).fetchall():
        sightings, best_rows, unassigned = [], [], []
        for n, key, idx_text in chunk:
            idx = [int(i) for i in idx_text.split(",")]
            group = docs.get_many(idx)
            ranked = sorted(group, key=lambda p: (*identity.counts(p.result), p.fetch.role == "report_page"), reverse=True)
            changed = _page_defers_to_attachment(group)
            best = next((p for p in ranked if _identity(p)[0]), None)
            year = next((y for _, y in map(_identity, ranked) if y), None)
            if best is not None and year:
                page = next((d for d in group if d.fetch.role == "report_page"), best)
                sightings.append((n, identity.sighting(key, group, best, int(year), sites.get(page.fetch.site or ""), {})))
                best_rows.append((n, next(i for i, p in zip(idx, group) if p is best)))
            else:
                for p in group:
                    p.issues.append({"level": "error", "rule": "no_report_identity",
                                     "message": f"agency ({best.result.get('agency') if best else '?'}) or report year "
                                                f"({year or '?'}) not found"})
                unassigned += idx
                changed = True
            if changed:  # what the plan decided over the item is kept with its documents
                for i, p in zip(idx, group):
                    docs.put(i, p)
        agencies_mod.add_sightings(conn, sightings)
        conn.executemany("INSERT INTO best_docs VALUES (?, ?)", best_rows)
        conn.executemany("INSERT INTO unassigned VALUES (?)", ((i,) for i in unassigned))
        last = chunk[-1][0]
    res = agencies_mod.resolve_stored(conn, cells_of, operator=operator, registry=list(sites.values()))
    LazyCells._recent.clear()
    say("agencies", 0, len(res.agencies))
    ids = agency_ids(res.agencies, lambda names: [p["region_code"] for p in lookup([(n, REFERENCE_YEAR, None) for n in names])])
    say("agencies", len(res.agencies), len(res.agencies))
    conn.executemany("INSERT INTO agency_keys VALUES (?, ?)", ids.items())
    conn.execute("UPDATE sightings SET aid = (SELECT aid FROM agency_keys k WHERE k.key = sightings.key)")
    conn.execute("UPDATE sightings SET rid = aid || '-' || year")
    conn.execute("CREATE INDEX IF NOT EXISTS sightings_rid ON sightings (rid, n)")
    conn.execute("CREATE INDEX IF NOT EXISTS sightings_aid ON sightings (aid, rid)")
    rows = []
    for n, _, level, rule, message in agencies_mod.stored_issues(conn):
        rid, idx_text = conn.execute("SELECT s.rid, i.docs FROM sightings s JOIN items i USING (n) WHERE n = ?",
                                     (n,)).fetchone()
        doc = docs.get_many([int(idx_text.split(",")[0])])[0]
        rows.append((rid, json.dumps({"document_id": doc.id, "report_id": rid, "url": doc.fetch.url, "level": level,
                                      "rule": rule, "message": message}, ensure_ascii=False)))
        if len(rows) >= 2000:
            conn.executemany("INSERT INTO merge_issues (rid, data) VALUES (?, ?)", rows)
            rows.clear()
    conn.executemany("INSERT INTO merge_issues (rid, data) VALUES (?, ?)", rows)
    conn.execute("CREATE INDEX IF NOT EXISTS merge_issues_rid ON merge_issues (rid, seq)")
    # The latest run that saw a site's whole listing decides which of its reports are still listed: a
    # run whose site was blocked, failed or had failed requests saw only part of it (or nothing), and
    # must not turn the rest into take-downs.
    latest_run_by_site: dict[str, str] = {}
    for run in runs:
        for row in run.get("sites", []):
            if row.get("status") == "ok" and not row.get("errors"):
                latest_run_by_site[row["site"]] = run["run_id"]
    return Plan(docs, spill, res, ids, latest_run_by_site, own_spill)


BATCH_DOCUMENTS = 2_000  # documents whose full results are in memory at once (whole agencies)


def agency_batches(plan: Plan, agency_ids_: Optional[set] = None,
                   limit: int = BATCH_DOCUMENTS) -> Iterator[list[str]]:
    """Report ids in batches of whole agencies (cross-year checks compare an agency's consecutive
    reports), about `limit` documents a batch; only the agencies in `agency_ids_` when given."""
    cur, n = [], 0
    for _, reports in plan.reports_by_agency(agency_ids_):
        cur += [rid for rid, _ in reports]
        n += sum(k for _, k in reports)
        if n >= limit:
            yield cur
            cur, n = [], 0
    if cur:
        yield cur


def _full(p: ParsedDoc, load: Optional[Loader]) -> ParsedDoc:
    """The document with its full result; what the plan set on the light one (roles, deferred issue
    levels, duplicate_of) wins."""
    if not p.result.get("_light") or load is None:
        return p
    result = dict(load(p))
    result.update({k: v for k, v in p.result.items() if k not in ("_light", "n_cells", "n_sections")})
    return dataclasses.replace(p, result=result, issues=p.issues)


class _Writer:
    """Writes the rows of a plan's reports, a batch at a time (bulk rows flushed as they are made)."""

    def __init__(self, db: sqlite_utils.Database, plan: Plan, sites: dict[str, dict], load: Optional[Loader]):
        self.db, self.plan, self.sites, self.load = db, plan, sites, load
        self.sections = _Sink(db, "sections", SECTION_COLUMNS)
        self.cells, self.checks = _Sink(db, "cells", CELL_COLUMNS), _Sink(db, "checks", CHECK_COLUMNS)
        self.counts = {"documents": 0, "reports": 0, "indicators": 0, "issues": 0}

    def batch(self, rids: list[str]) -> None:
        plan, sites = self.plan, self.sites
        ids = plan.ids
        report_rows, doc_rows, issue_rows, indicator_rows = [], [], [], []
        # soft cross-year checks 6–8 compare consecutive reports of one agency: a batch lists each agency's
        # reports together (agency_batches), so they are made when its last report is done and only that
        # agency's full results are held for them; their rows go in after the batch's other checks.
        cross: list[tuple] = []
        agency_id, primaries = None, []
        for rid in rids:
            light = plan.documents(rid)
            docs = [_full(p, self.load) for p in light[0]]
            primary = next(d for d in docs if d.id == light[1].id)
            agency = plan.agency(rid)
            if ids[agency.key] != agency_id:
                cross += _cross_year_rows(agency_id, primaries)
                agency_id, primaries = ids[agency.key], []
            primaries.append(primary)
            r = primary.result
            year = int(rid.rsplit("-", 1)[1])
            page = next((d for d in docs if d.fetch.role == "report_page" and d.result.get("_report_role") == "page"),
                        next((d for d in docs if d.fetch.role == "report_page"), primary))
            site_id = primary.fetch.site
            last_seen, status = plan.seen(rid, light)
            primary_item = item_key(primary.fetch)
            checks = r.get("checks") or []
            report_indicators, checks = indicators_db.for_report(rid, docs, primary, checks)  # issue 12
            sightings = plan.sightings(rid)
            report_rows.append({
                "id": rid, "agency": agency.name, "year": year, "agency_id": ids[agency.key], "scope": agency.scope,
                "agency_as_printed": next((sg.printed or sg.name for sg in sightings if sg.item == primary_item),
                                          sightings[0].printed or sightings[0].name),
                "title": page.result.get("title") or page.fetch.meta.get("title") or r.get("title"),
                "source_url": page.fetch.url,
                "published": r.get("published") or page.result.get("published"),
                "template": r.get("template"), "t3_rows": r.get("t3_rows"),
                "level": agency.level,
                "region": agency.region or (sites.get(site_id or "") or {}).get("region"),
                "site_id": site_id, "primary_document": primary.id, "documents": len(docs),
                "cells": len(r.get("cells") or []),
                "checks_failed": sum(1 for c in checks if c.get("level") == "hard" and c.get("status") == "fail"),
                "checks_not_assessable": sum(1 for c in checks if c.get("level") == "hard" and c.get("status") == "not_assessable"),
                "needs_ocr": int(bool(r.get("needs_ocr"))),
                "first_seen": min(d.fetch.fetched_at for d in docs), "last_seen": last_seen, "status": status,
            })
            self.sections.extend([(rid, primary.id, i, code, section_name(code), text)
                                  for i, (code, text) in enumerate((r.get("sections") or {}).items())])
            self.cells.extend(_cell_rows(rid, primary.id, r))
            indicator_rows += report_indicators
            self.checks.extend([_check_row(rid, primary.id, c) for c in checks])
            issue_rows += plan.merge_issues(rid)
            for p in docs:
                issue_rows += _issue_rows(p)
                doc_rows.append(_document_row(p, p.id == primary.id))

        cross += _cross_year_rows(agency_id, primaries)
        self.checks.extend(cross)
        places = lookup(_place_queries(plan, sites, rids))
        for row, place in zip(report_rows, places):
            row.update(place)
            if not row["province"]:  # cnloc cannot place the name: the registry row of the site knows the region
                row["province"] = identity.province_of_region((sites.get(row["site_id"] or "") or {}).get("region"))
        _insert_rows(self.db, "reports", report_rows, replace=True)
        _insert_rows(self.db, "documents", doc_rows, replace=True)
        _insert_rows(self.db, "indicators", indicator_rows)
        _insert_rows(self.db, "issues", issue_rows)
        self.counts["reports"] += len(report_rows)
        self.counts["documents"] += len(doc_rows)
        self.counts["indicators"] += len(indicator_rows)
        self.counts["issues"] += len(issue_rows)

    def unassigned(self) -> None:
        """Documents of no report (no agency or year found): their rows and issues, a chunk at a time."""
        for idx in self.plan.unassigned():
            docs = self.plan.docs.get_many(idx)
            issue_rows = [row for p in docs for row in _issue_rows(p)]
            _insert_rows(self.db, "documents", [_document_row(p, False) for p in docs], replace=True)
            _insert_rows(self.db, "issues", issue_rows)
            self.counts["documents"] += len(docs)
            self.counts["issues"] += len(issue_rows)

    def flush(self) -> dict:
        for sink in (self.sections, self.cells, self.checks):
            sink.flush()
        return dict(self.counts, cells=len(self.cells), checks=len(self.checks), sections=len(self.sections))


def _cross_year_rows(agency_id: Optional[str], primaries: list[ParsedDoc]) -> list[tuple]:
    """`checks` rows of the cross-year checks between an agency's reports (their primary documents, full)."""
    if len(primaries) < 2:
        return []
    from .checks import cross_year_checks

    results = [dict(d.result, year=int(d.report_id.rsplit("-", 1)[1])) for d in primaries]
    doc_of = {d.report_id: d.id for d in primaries}
    return [_check_row(f"{agency_id}-{c['year']}", doc_of.get(f"{agency_id}-{c['year']}"),
                       dict(c, level=c.get("level", "soft"))) for c in cross_year_checks(results)]


def _agency_place_queries(plan: Plan, sites: dict[str, dict]) -> list[tuple]:
    keys = sorted(plan.res.agencies)
    return [(re.split(r"[#@!]", k)[0], REFERENCE_YEAR, next(
        (sites[i].get("region") for i in plan.res.agencies[k].site_ids if i in sites), None)) for k in keys]


def agency_tables(plan: Plan, sites: dict[str, dict]) -> tuple[list[dict], Iterator[dict]]:
    """Rows of `agencies` (a list: one per agency) and `agency_aliases` (read from the plan's tables as they
    are inserted) of every report of the plan."""
    agency_places = dict(zip(sorted(plan.res.agencies), lookup(_agency_place_queries(plan, sites))))
    return identity.agency_rows(plan.res, plan.ids, agency_places, plan.agency_years(),
                                identity.province_of_region, plan.conn)


def _insert_agency_tables(db: sqlite_utils.Database, plan: Plan, sites: dict[str, dict]) -> int:
    """Write `agencies` and `agency_aliases`; returns the number of agencies."""
    agency_rows, alias_rows = agency_tables(plan, sites)
    _insert_rows(db, "agencies", agency_rows, replace=True)
    chunk: list[dict] = []
    for row in alias_rows:
        chunk.append(row)
        if len(chunk) >= 5_000:
            _insert_rows(db, "agency_aliases", chunk)
            chunk = []
    _insert_rows(db, "agency_aliases", chunk)
    return len(agency_rows)


CHECK_COLUMNS = ("report_id", "document_id", "rule", "level", "status", "scope", "expected", "found", "message")
CELL_COLUMNS = ("report_id", "document_id", "tbl", "row_code", "col_code", "value", "raw", "unit", "remark", "page",
                "table_index", "grid_row", "grid_col", "ocr_conf", "ocr_box")
CELL_KEYS = ("table", "row", "col", "value", "raw", "unit", "remark", "page", "table_index", "grid_row", "grid_col")
SECTION_COLUMNS = ("report_id", "document_id", "ordinal", "code", "name_zh", "text")
section_name = SECTION_NAMES.get


def _check_row(rid: Optional[str], document_id: Optional[str], c: dict) -> tuple:
    """A `checks` row, in CHECK_COLUMNS order."""
    g = c.get
    return (rid, document_id, g("rule"), g("level"), g("status"), _s(g("scope")), _s(g("expected")),
            _s(g("found")), g("message"))


def _cell_rows(rid: str, document_id: str, r: dict) -> list[tuple]:
    """The `cells` rows of a parse result, in CELL_COLUMNS order, with the OCR evidence of each cell."""
    cells = r.get("cells") or []
    head = (rid, document_id)
    evidence = (r.get("ocr") or {}).get("cells")
    if not evidence:
        tail = (None, None)
        return [head + tuple(map(c.get, CELL_KEYS)) + tail for c in cells]
    ocr_of = {(e.get("table"), e.get("row"), e.get("col")): e for e in evidence}
    rows = []
    for c in cells:
        ev = ocr_of.get((c.get("table"), c.get("row"), c.get("col"))) or {}
        rows.append(head + tuple(map(c.get, CELL_KEYS)) + (
            ev.get("conf"), json.dumps(ev["box"]) if ev.get("box") is not None else None))
    return rows


def _issue_rows(p: ParsedDoc) -> list[dict]:
    return [{"document_id": p.id, "report_id": p.report_id, "url": p.fetch.url,
             "level": iss.get("level", "error"), "rule": iss.get("rule"), "message": iss.get("message")}
            for iss in (p.result.get("issues") or []) + p.issues]


def _document_row(p: ParsedDoc, is_primary: bool) -> dict:
    r = p.result
    return {
        "id": p.id, "sha256": p.fetch.sha256, "url": p.fetch.url, "final_url": p.fetch.final_url,
        "site_id": p.fetch.site, "role": p.fetch.role, "parent_url": p.fetch.meta.get("parent_url"),
        "format": p.format, "size": p.fetch.size, "text_sha256": p.text_sha256,
        "title": r.get("title") or p.fetch.meta.get("title") or p.fetch.meta.get("name"),
        "report_id": p.report_id, "is_primary": int(is_primary), "duplicate_of": r.get("_duplicate_of"),
        "parse_status": _status(p), "template": r.get("template"), "cells": identity.counts(r)[0],
        "pages": p.pages, "first_seen": p.fetch.fetched_at, "last_seen": p.fetch.last_seen_at,
        "http_status": p.fetch.status, "report_role": r.get("_report_role"), "superseded_by": r.get("_superseded_by"),
    }


def _place_queries(plan: Plan, sites: dict[str, dict], rids: list[str]) -> list[tuple]:
    """(agency name, year, site region) of each report: what its region columns are looked up by."""
    out = []
    for rid in rids:
        site_id = plan.primary_site(rid)
        out.append((plan.agency(rid).name, int(rid.rsplit("-", 1)[1]), (sites.get(site_id or "") or {}).get("region")))
    return out


def write_plan(db: sqlite_utils.Database, plan: Plan, sites: dict[str, dict], say: Progress,
               load: Optional[Loader] = None, agencies: Optional[set] = None) -> dict:
    """Write the rows of the plan's reports (of `agencies` only when given) in batches of whole agencies,
    and the documents of no report; returns the counts."""
    w = _Writer(db, plan, sites, load)
    # every region answer the batches and the agency rows need, asked of one lookup process while the
    # build is small (normalize/regions.py remembers the answers; the batches ask again and find them)
    counted = [0]

    def queries():  # read a batch of agencies at a time by regions.warm: one lazy cnloc child for all
        for rids in agency_batches(plan, agencies, limit=20_000):
            counted[0] += len(rids)
            yield from _place_queries(plan, sites, rids)
        yield from _agency_place_queries(plan, sites)

    regions.warm(queries())
    total = counted[0]
    done = 0
    for rids in agency_batches(plan, agencies):
        say("reports", done, total)
        w.batch(rids)
        heap.trim()  # the batch's full results are gone: their pages go back to the system
        done += len(rids)
    w.unassigned()
    say("reports", total, total)
    return w.flush()


def _write_reports(db: sqlite_utils.Database, parsed, sites: dict[str, dict], runs: list[dict],
                   say: Progress, operator: Optional[dict] = None, load: Optional[Loader] = None,
                   state: Optional[dict] = None, item_keys: Optional[list[str]] = None) -> dict:
    """Write the rows of parsed documents (full results, or light ones with `load`). Callable once per
    batch, as long as a batch holds whole crawl items and whole agencies. `state`: the build's global
    state (normalize/incremental.py), stored with each agency's signature for the next incremental build."""
    from . import incremental

    plan = plan_reports(parsed, sites, runs, say, operator, load, item_keys)
    try:
        # signatures first: they read every report's documents, and the region look-up before the first
        # batch uses the primaries' sites they found (Plan.primary_site) instead of reading them all again
        signatures = incremental.agency_signatures(plan, sites) if state is not None else None
        counts = write_plan(db, plan, sites, say, load)
        if state is not None:
            incremental.store_state(db, signatures, state)
        counts["agencies"] = _insert_agency_tables(db, plan, sites)
    finally:
        plan.close()
    return counts


_PLAIN = (str, int, float, type(None), bytes)
_PLAIN_TYPES = frozenset(_PLAIN)


def _plain(row: tuple) -> tuple:
    """A row's values as sqlite-utils would bind them: plain values as they are, Decimal → float and
    dict/list → JSON (jsonify_if_needed) for the others (one C-level type test per row)."""
    if _PLAIN_TYPES.issuperset(map(type, row)):
        return row
    from sqlite_utils.db import jsonify_if_needed

    return tuple(v if type(v) in _PLAIN else jsonify_if_needed(v) for v in row)


def _insert_sql(table: str, names, replace: bool = False) -> str:
    return (f"INSERT {'OR REPLACE ' if replace else ''}INTO [{table}] ({', '.join(f'[{c}]' for c in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})")


class _Inserter:
    """executemany of rows (tuples in `columns` order) into one table, leaving NULLs unbound.

    Binding a None costs pysqlite3 about 2 µs (it looks for an adapter each time), eight times a
    number's cost: the cells alone bind four per row, 13 million rows at 100,000 reports. So each run of
    consecutive rows with the same value types is inserted by one statement that leaves the None
    columns out, which stores the same NULL (columns with a DEFAULT are always bound). Rows keep their
    order and so their rowids. The types of a row are read in C (no Python call per row); values that
    are not plain are converted as sqlite-utils does (_plain)."""

    def __init__(self, db: sqlite_utils.Database, table: str, columns, replace: bool = False):
        self.db, self.table, self.columns, self.replace = db, table, tuple(columns), replace
        defaults = {r[1] for r in db.conn.execute(f"PRAGMA table_info([{table}])") if r[4] is not None}
        self.always = tuple(c in defaults for c in self.columns)  # columns bound even when None
        self.plans: dict[tuple, tuple] = {}

    def _plan(self, types: tuple) -> tuple:
        plan = self.plans.get(types)
        if plan is None:
            keep = [i for i, (t, a) in enumerate(zip(types, self.always)) if t is not _NONE or a] or [0]
            pick = itemgetter(*keep) if len(keep) > 1 else (lambda r, k=keep[0]: (r[k],))
            if not _PLAIN_TYPES.issuperset(types):
                pick = (lambda r, p=pick: p(_plain(r)))
            plan = self.plans[types] = (_insert_sql(self.table, [self.columns[i] for i in keep], self.replace), pick)
        return plan

    def insert(self, rows) -> None:
        execute = self.db.conn.executemany
        types = map(tuple, map(map, repeat(type), rows))
        for key, run in groupby(zip(types, rows), key=_first):
            sql, pick = self._plan(key)
            execute(sql, map(pick, map(_second, run)))


_NONE = type(None)
_first, _second = itemgetter(0), itemgetter(1)


def _insert_rows(db: sqlite_utils.Database, table: str, rows: list[dict], *, replace: bool = False) -> None:
    """INSERT (OR REPLACE) dict rows with executemany (_Inserter): sqlite-utils' insert_all re-derives
    the query and converts every value in Python (two thirds of the write time at 100,000 reports).
    Values are converted as sqlite-utils does (Decimal → float, dict/list → JSON) where they are not plain."""
    if not rows:
        return
    cols: dict = {}
    for r in rows:  # every key of every row, in order of first appearance
        cols.update(r)
    names = list(cols)
    _Inserter(db, table, names, replace).insert([tuple(map(r.get, names)) for r in rows])


class _Sink:
    """Rows (tuples in `columns` order) of one table, inserted when `limit` rows are waiting; len() is the
    number of rows added."""

    def __init__(self, db: sqlite_utils.Database, table: str, columns: tuple, limit: int = 50_000):
        self.inserter, self.limit = _Inserter(db, table, columns), limit
        self.rows: list[tuple] = []
        self.count = 0

    def extend(self, rows: list[tuple]) -> None:
        self.rows += rows
        self.count += len(rows)
        while len(self.rows) >= self.limit:  # exactly `limit` rows a statement: the file's pages come out
            self.inserter.insert(self.rows[:self.limit])  # as they did when rows were added one by one
            del self.rows[:self.limit]

    def flush(self) -> None:
        if self.rows:
            self.inserter.insert(self.rows)
        self.rows = []

    def __len__(self) -> int:
        return self.count


def write_reports(db: sqlite_utils.Database, parsed: list[ParsedDoc], sites: dict[str, dict], runs: list[dict],
                  say: Progress, operator: Optional[dict] = None) -> dict:
    """The build's write path for callers outside the build (benchmarks/scale_corpus.py)."""
    return _write_reports(db, parsed, sites, runs, say, operator)


DEFERRED_RULES = {"no_text", "unknown_template", "missing_sections", "no_tables"}


def _page_defers_to_attachment(docs: list[ParsedDoc]) -> bool:
    """A page that only says 详见附件 is not an error when an attachment of it holds the report; True when
    an issue of `docs` was changed."""
    if not any(d.fetch.role == "attachment" and any(identity.counts(d.result)) for d in docs):
        return False
    changed = False
    for d in docs:
        if d.fetch.role != "report_page" or identity.counts(d.result)[0]:
            continue
        for iss in d.result.get("issues") or []:
            if iss.get("rule") in DEFERRED_RULES:
                iss["level"] = "info"
                iss["message"] = f"{iss.get('message')} (the report is in an attachment of this page)"
                changed = True
    return changed


_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(v, ensure_ascii=False), made once


def _s(v) -> Optional[str]:
    """A check's value as text: a string as it is, anything else as JSON (json.dumps, ensure_ascii=False)."""
    t = type(v)
    if v is None or t is str:
        return v
    if t is int:  # what the JSON encoder writes for an int (and a finite float), without its set-up per call
        return int.__repr__(v)
    if t is float and math.isfinite(v):
        return float.__repr__(v)
    if isinstance(v, str):
        return v
    return _to_json(v)


def _status(p: ParsedDoc) -> str:
    issues = (p.result.get("issues") or []) + p.issues
    if any(i.get("rule") == "needs_ocr" for i in issues) or p.result.get("needs_ocr"):
        return "needs_ocr"
    if any(i.get("level") == "error" for i in issues):
        return "error"
    return "ok"
