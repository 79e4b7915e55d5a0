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
import hashlib
import json
import os
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import sqlite_utils

from . import exports, identity, site_tables
from .agencies import REFERENCE_YEAR, agency_ids, load_operator_file, resolve
from .archive_reader import ArchiveReader, Fetch
from .identity import is_rejected
from .parse_cache import ParseCache, cache_key
from . import regions
from .regions import lookup
from .indicators import db as indicators_db
from .schema import migrate
from .sections import SECTION_LABELS as SECTION_NAMES

OFFICE = {"doc", "wps"}
Progress = Callable[[str, int, int], None]


@dataclass
class ParsedDoc:
    fetch: Fetch
    id: str
    format: str
    result: dict
    text_sha256: Optional[str]
    pages: Optional[int]
    issues: list[dict] = field(default_factory=list)
    report_id: Optional[str] = None


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


def collect_documents(reader: ArchiveReader, legacy: Optional[dict] = None) -> tuple[list[Fetch], dict[str, Fetch]]:
    """Report pages and attachments fetched with status 200; latest sidecar per (url, sha256)."""
    docs: list[Fetch] = []
    pages: dict[str, Fetch] = {}
    for f in reader.fetches():
        if f.status != 200 or f.role not in ("report_page", "attachment"):
            continue
        if is_rejected(f.meta, f.url, legacy):  # the crawler's verdict (negative, noise): rejected_pages only
            continue
        docs.append(f)
        if f.role == "report_page":
            for u in {f.url, f.final_url}:
                if u not in pages or pages[u].last_seen_at < f.last_seen_at:
                    pages[u] = f
    return docs, pages


def build(archive_dir: str | Path, db_path: str | Path, *, progress: Optional[Progress] = None,
          convert_cache: Optional[str | Path] = None, parse_cache: Optional[str | Path] = None,
          aliases: Optional[str | Path] = None) -> dict:
    """Build `db_path` from the archive; returns counts. Atomic: readers see the old or the new file."""
    reader = ArchiveReader(archive_dir)
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.tmp-{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    say = progress or (lambda step, i, n: None)
    try:
        db = open_database(tmp)

        runs = reader.runs()
        sites = _load_sites(reader, runs)
        db["sites"].insert_all([{k: v for k, v in s.items() if k != "encoding"} for s in sites.values()],
                               pk="id", replace=True)
        db["crawl_runs"].insert_all([_run_row(r) for r in runs], pk="run_id", replace=True)

        legacy = identity.legacy_verdicts(reader.root)
        fetches, pages = collect_documents(reader, legacy)
        cache = ParseCache(parse_cache)
        parsed = _parse_all(reader, fetches, pages, sites, say, convert_cache, cache)
        regions.use_cache(Path(parse_cache) / "regions.json" if parse_cache else None)
        counts = _write_reports(db, parsed, sites, runs, say, load_operator_file(aliases))
        regions.save_cache()
        rejected = identity.rejected_rows((f for f in reader.fetches() if f.status == 200 and f.role in (
            "report_page", "attachment") and is_rejected(f.meta, f.url, legacy)), legacy)
        _insert_rows(db, "rejected_pages", rejected)
        counts["rejected_pages"] = len(rejected)
        finish_database(db)
        db["downloads"].insert_all(exports.write_downloads(tmp, exports.downloads_dir(db_path),
                                                           keep=exports.published_files(db_path)))
        db.conn.execute("PRAGMA journal_mode=DELETE")
        vacuum_if_needed(db)
        db.close()
        exports.write_inspect(tmp, db_path)
        os.replace(tmp, db_path)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise
    counts.update({"sites": len(sites), "runs": len(runs), "from_cache": cache.hits, "db": str(db_path)})
    return counts


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


# A build's own connection: a larger page cache and temporary b-trees (index sorts, FTS merges) in memory.
BUILD_PRAGMAS = ("PRAGMA cache_size=-262144", "PRAGMA temp_store=MEMORY")
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
    for _name, sql in db.execute("SELECT name, sql FROM temp.deferred_indexes ORDER BY name").fetchall():
        db.conn.execute(sql)
    db.conn.execute("DROP TABLE temp.deferred_indexes")
    db.conn.commit()


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


def finish_database(db: sqlite_utils.Database) -> None:
    """After the last rows: the headline measures (indicators_wide), the site's tables (rules, explained
    checks, search passages, t3_wide: normalize/site_tables.py), the search index and the planner's
    statistics (ANALYZE: the server's queries pick their indexes from them)."""
    db.conn.commit()
    _create_deferred_indexes(db)
    from .indicators_wide import fill_indicators_wide

    fill_indicators_wide(db)
    db.conn.commit()
    site_tables.finish(db)
    db.conn.execute("INSERT INTO sections_fts(sections_fts) VALUES('rebuild')")
    db.conn.commit()
    db.conn.execute("ANALYZE")
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


def _parse_all(reader: ArchiveReader, fetches: list[Fetch], pages: dict[str, Fetch], sites: dict[str, dict],
               say: Progress, convert_cache, cache: ParseCache) -> list[ParsedDoc]:
    from .document import ExtractError
    from .extract import convert_office_batch, sniff

    from .image_pages import image_sequences, sequence_key

    # 图片版 pages: their images are read with the page as one document (image_pages.py)
    sequences = image_sequences(reader, fetches, pages)
    in_sequence = {(img.url, img.sha256): page_url for page_url, imgs in sequences.items() for img in imgs}
    # What the cache already holds is not parsed again (nightly builds parse only what is new).
    jobs = []
    for f in fetches:
        parent = pages.get(f.meta.get("parent_url")) if f.role == "attachment" else None
        hints = _hints(f, parent, sites.get(f.site or ""))
        images = sequences.get(f.url) if f.role == "report_page" else None
        key = cache_key(sequence_key(f.sha256, images), hints)
        jobs.append((f, hints, key, cache.get(key)))

    # DOC/WPS still to parse go through LibreOffice in one batch (its start-up dominates).
    kinds: dict[str, str] = {}
    for f, _, _, cached in jobs:
        if cached is None and f.sha256 not in kinds:
            try:
                kinds[f.sha256] = sniff(reader.read_blob(f.sha256))
            except OSError:
                pass
    office = sorted(sha for sha, kind in kinds.items() if kind in OFFICE)
    converted: dict[str, Optional[bytes]] = {}
    converter_error: Optional[dict] = None
    timed_out: set[str] = set()
    if office:
        say("convert", 0, len(office))
        try:
            why: dict[int, str] = {}
            outs = convert_office_batch([reader.read_blob(s) for s in office], cache_dir=convert_cache, failures=why)
            timed_out = {office[i] for i, reason in why.items() if reason == "timeout"}
        except ExtractError as exc:  # LibreOffice missing: every DOC/WPS gets an issue row, the build goes on
            outs = [None] * len(office)
            converter_error = {"level": "error", "rule": exc.rule, "message": exc.message}
        converted = dict(zip(office, outs))
        say("convert", len(office), len(office))

    todo = [(i, f, hints) for i, (f, hints, key, cached) in enumerate(jobs) if cached is None]
    args = [(str(reader.root), f.sha256, f.url, hints, kinds.get(f.sha256),
             converted.get(f.sha256) if kinds.get(f.sha256) in OFFICE else None,
             _conversion_timeout(kinds.get(f.sha256)) if f.sha256 in timed_out else converter_error,
             [i.sha256 for i in sequences.get(f.url) or []] if f.role == "report_page" else None,
             in_sequence.get((f.url, f.sha256)))
            for _, f, hints in todo]
    fresh: dict[int, tuple] = {}
    done = len(jobs) - len(todo)
    say("parse", done, len(jobs))
    for (i, _, _), res in zip(todo, _map(_parse_job, args, workers=_workers(len(todo)))):
        fresh[i] = res
        done += 1
        say("parse", done, len(jobs))

    out: list[ParsedDoc] = []
    for i, (f, hints, key, cached) in enumerate(jobs):
        if cached is None:
            real_fmt, result, pages_n, text_sha, issues = fresh[i]
            if not issues:  # failed conversions, missing blobs and crashes are tried again by the next build
                cache.put(key, {"format": real_fmt, "result": result, "text_sha256": text_sha, "pages": pages_n,
                                "issues": issues})
        else:
            real_fmt, result, pages_n, text_sha, issues = (cached["format"], cached["result"], cached["pages"],
                                                            cached["text_sha256"], cached["issues"])
        out.append(ParsedDoc(f, document_id(f), real_fmt, result, text_sha, pages_n, issues))
    return out


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


def _write_reports(db: sqlite_utils.Database, parsed: list[ParsedDoc], sites: dict[str, dict], runs: list[dict],
                   say: Progress, operator: Optional[dict] = None) -> dict:
    """Write the rows of parsed documents. Callable once per batch, as long as a batch holds whole
    crawl items and whole agencies (cross-year checks compare an agency's reports within the batch)."""
    # A crawl item is a report page with its attachments. The item's identity comes from its best
    # document (most cells, then most sections): a page that only says 详见附件 and titles the
    # report with an abbreviated agency belongs to the report its attachment identifies.
    # Its agency is resolved over the whole corpus (normalize/agencies.py): report identity is
    # (agency_id, year) across sites, columns, spellings and formats.
    items: dict[str, list[ParsedDoc]] = {}
    for p in parsed:
        key = p.fetch.meta.get("parent_url") if p.fetch.role == "attachment" else p.fetch.url
        items.setdefault(key or p.fetch.url, []).append(p)
    sightings = []
    for key, docs in items.items():
        ranked = sorted(docs, key=lambda p: (len(p.result.get("cells") or []), len(p.result.get("sections") or {}),
                                              p.fetch.role == "report_page"), reverse=True)
        _page_defers_to_attachment(docs)
        best = next((p for p in ranked if _identity(p)[0]), None)
        year = next((y for _, y in map(_identity, ranked) if y), None)
        if best is not None and year:
            page = next((d for d in docs if d.fetch.role == "report_page"), best)
            sightings.append(identity.sighting(key, docs, best, int(year), sites.get(page.fetch.site or "")))
        else:
            for p in docs:
                p.issues.append({"level": "error", "rule": "no_report_identity",
                                 "message": f"agency ({best.result.get('agency') if best else '?'}) or report year "
                                            f"({year or '?'}) not found"})
    res = resolve(sightings, operator=operator, registry=list(sites.values()))
    say("agencies", 0, len(res.agencies))
    keys = sorted(res.agencies)
    bases = {k: re.split(r"[#@!]", k)[0] for k in keys}
    ids = agency_ids(res.agencies, lambda names: [p["region_code"] for p in lookup([(n, REFERENCE_YEAR, None) for n in names])])
    say("agencies", len(res.agencies), len(res.agencies))
    groups: dict[str, list[ParsedDoc]] = {}
    agency_of_report: dict[str, str] = {}
    item_of: dict[str, str] = {}
    sighting_of: dict[str, object] = {}
    for sg in sightings:
        key = res.key_of[sg.item]
        rid = f"{ids[key]}-{sg.year}"
        agency_of_report[rid] = key
        sighting_of.setdefault(rid, []).append(sg)
        for p in items[sg.item]:
            p.report_id = rid
            item_of[p.id] = sg.item
        groups.setdefault(rid, []).extend(items[sg.item])
    merge_issues = [dict(i, report_id=items[i["item"]][0].report_id) for i in res.issues]
    # The latest run that saw a site's whole listing decides which of its reports are still listed: a
    # run whose site was blocked, failed or had failed requests saw only part of it (or nothing), and
    # must not turn the rest into take-downs.
    latest_run_by_site: dict[str, str] = {}
    for run in runs:
        for row in run.get("sites", []):
            if row.get("status") == "ok" and not row.get("errors"):
                latest_run_by_site[row["site"]] = run["run_id"]

    report_rows, doc_rows, issue_rows = [], [], []
    # the bulk rows go to the database as they are made (a corpus's cells are millions of dicts)
    section_rows, cell_rows, check_rows = _Sink(db, "sections"), _Sink(db, "cells"), _Sink(db, "checks")
    indicator_rows: list[dict] = []
    for n, (rid, docs) in enumerate(sorted(groups.items())):
        say("reports", n, len(groups))
        primary, doc_roles = identity.roles(docs, item_of)
        for d in docs:
            d.result["_report_role"], d.result["_superseded_by"] = doc_roles[d.id]
        agency = res.agencies[agency_of_report[rid]]
        # re-stamped copies: the primary is the original of its text, else the first fetched (then smallest id)
        seen_text: dict[str, str] = {}
        for p in sorted(docs, key=lambda p: (p is not primary, p.fetch.fetched_at, p.id)):
            if p.text_sha256 and p.text_sha256 in seen_text and seen_text[p.text_sha256] != p.id:
                p.result["_duplicate_of"] = seen_text[p.text_sha256]
            elif p.text_sha256:
                seen_text[p.text_sha256] = p.id
        r = primary.result
        year = int(rid.rsplit("-", 1)[1])
        page = next((d for d in docs if d.fetch.role == "report_page" and doc_roles[d.id][0] == "page"),
                    next((d for d in docs if d.fetch.role == "report_page"), primary))
        site_id = primary.fetch.site
        latest = latest_run_by_site.get(site_id or "")
        seen_now = latest is None or any(latest in d.fetch.run_ids for d in docs)
        checks = r.get("checks") or []
        report_indicators, checks = indicators_db.for_report(rid, docs, primary, checks)  # issue 12
        report_rows.append({
            "id": rid, "agency": agency.name, "year": year, "agency_id": ids[agency.key], "scope": agency.scope,
            "agency_as_printed": next((sg.printed or sg.name for sg in sighting_of[rid] if sg.item == item_of[primary.id]),
                                      sighting_of[rid][0].printed or sighting_of[rid][0].name),
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
            "first_seen": min(d.fetch.fetched_at for d in docs), "last_seen": max(d.fetch.last_seen_at for d in docs),
            "status": "current" if seen_now else "removed",
        })
        for i, (code, text) in enumerate((r.get("sections") or {}).items()):
            section_rows.append({"report_id": rid, "document_id": primary.id, "ordinal": i, "code": code,
                                 "name_zh": SECTION_NAMES.get(code), "text": text})
        ocr_of = {(e.get("table"), e.get("row"), e.get("col")): e for e in (r.get("ocr") or {}).get("cells") or []}
        for c in r.get("cells") or []:
            ev = ocr_of.get((c.get("table"), c.get("row"), c.get("col"))) or {}
            cell_rows.append({"report_id": rid, "document_id": primary.id, "tbl": c.get("table"),
                              "row_code": c.get("row"), "col_code": c.get("col"), "value": c.get("value"),
                              "raw": c.get("raw"), "unit": c.get("unit"), "remark": c.get("remark"),
                              "page": c.get("page"), "table_index": c.get("table_index"),
                              "grid_row": c.get("grid_row"), "grid_col": c.get("grid_col"),
                              "ocr_conf": ev.get("conf"),
                              "ocr_box": json.dumps(ev["box"]) if ev.get("box") is not None else None})
        indicator_rows += report_indicators
        for c in checks:
            check_rows.append({"report_id": rid, "document_id": primary.id, "rule": c.get("rule"),
                               "level": c.get("level"), "status": c.get("status"), "scope": _s(c.get("scope")),
                               "expected": _s(c.get("expected")), "found": _s(c.get("found")),
                               "message": c.get("message")})

    # soft cross-year checks 6–8 between consecutive reports of the same agency
    from .checks import cross_year_checks

    primaries = {row["id"]: next(p for p in groups[row["id"]] if p.id == row["primary_document"]) for row in report_rows}
    by_agency: dict[str, list[ParsedDoc]] = {}
    for row in report_rows:
        by_agency.setdefault(row["agency_id"], []).append(primaries[row["id"]])
    for agency_id, docs in by_agency.items():
        if len(docs) < 2:
            continue
        results = [dict(d.result, year=int(d.report_id.rsplit("-", 1)[1])) for d in docs]
        for c in cross_year_checks(results):
            rid = f"{agency_id}-{c['year']}"
            check_rows.append({"report_id": rid, "document_id": primaries[rid].id if rid in primaries else None,
                               "rule": c.get("rule"), "level": c.get("level", "soft"), "status": c.get("status"),
                               "scope": _s(c.get("scope")), "expected": _s(c.get("expected")),
                               "found": _s(c.get("found")), "message": c.get("message")})

    primary_of = {row["id"]: row["primary_document"] for row in report_rows}
    for iss in merge_issues:
        doc = items[iss["item"]][0]
        issue_rows.append({"document_id": doc.id, "report_id": iss["report_id"], "url": doc.fetch.url,
                           "level": iss["level"], "rule": iss["rule"], "message": iss["message"]})
    for p in parsed:
        r = p.result
        for iss in (r.get("issues") or []) + p.issues:
            issue_rows.append({"document_id": p.id, "report_id": p.report_id, "url": p.fetch.url,
                               "level": iss.get("level", "error"), "rule": iss.get("rule"),
                               "message": iss.get("message")})
        is_primary = primary_of.get(p.report_id) == p.id
        doc_rows.append({
            "id": p.id, "sha256": p.fetch.sha256, "url": p.fetch.url, "final_url": p.fetch.final_url,
            "site_id": p.fetch.site, "role": p.fetch.role, "parent_url": p.fetch.meta.get("parent_url"),
            "format": p.format, "size": p.fetch.size, "text_sha256": p.text_sha256,
            "title": r.get("title") or p.fetch.meta.get("title") or p.fetch.meta.get("name"),
            "report_id": p.report_id, "is_primary": int(is_primary), "duplicate_of": r.get("_duplicate_of"),
            "parse_status": _status(p), "template": r.get("template"), "cells": len(r.get("cells") or []),
            "pages": p.pages, "first_seen": p.fetch.fetched_at, "last_seen": p.fetch.last_seen_at,
            "http_status": p.fetch.status, "report_role": r.get("_report_role"), "superseded_by": r.get("_superseded_by"),
        })
    say("regions", 0, len(report_rows))
    places = lookup([(row["agency"], row["year"], (sites.get(row["site_id"] or "") or {}).get("region"))
                     for row in report_rows])
    for row, place in zip(report_rows, places):
        row.update(place)
        if not row["province"]:  # cnloc cannot place the name: the registry row of the site knows the region
            row["province"] = identity.province_of_region((sites.get(row["site_id"] or "") or {}).get("region"))
    agency_places = dict(zip(keys, lookup([(bases[k], REFERENCE_YEAR, next(
        (sites[i].get("region") for i in res.agencies[k].site_ids if i in sites), None)) for k in keys])))
    agency_rows, alias_rows = identity.agency_rows(res, ids, agency_places, report_rows, identity.province_of_region)
    say("regions", len(report_rows), len(report_rows))
    _insert_rows(db, "agencies", agency_rows, replace=True)
    _insert_rows(db, "agency_aliases", alias_rows)
    _insert_rows(db, "reports", report_rows, replace=True)
    _insert_rows(db, "documents", doc_rows, replace=True)
    for sink in (section_rows, cell_rows, check_rows):
        sink.flush()
    _insert_rows(db, "indicators", indicator_rows)
    _insert_rows(db, "issues", issue_rows)
    say("reports", len(groups), len(groups))
    return {"documents": len(doc_rows), "reports": len(report_rows), "agencies": len(agency_rows), "cells": len(cell_rows),
            "checks": len(check_rows), "issues": len(issue_rows), "sections": len(section_rows),
            "indicators": len(indicator_rows)}


_PLAIN = (str, int, float, type(None), bytes)


def _insert_rows(db: sqlite_utils.Database, table: str, rows: list[dict], *, replace: bool = False) -> None:
    """INSERT (OR REPLACE) rows with one executemany: sqlite-utils' insert_all re-derives the query and
    converts every value in Python (two thirds of the write time at 100,000 reports). Values are converted
    as sqlite-utils does (Decimal → float, dict/list → JSON) where they are not plain."""
    if not rows:
        return
    from sqlite_utils.db import jsonify_if_needed

    cols: dict[str, None] = {}
    for r in rows:
        if len(r) != len(cols) or any(k not in cols for k in r):
            cols.update(dict.fromkeys(r))
    names = list(cols)
    sql = (f"INSERT {'OR REPLACE ' if replace else ''}INTO [{table}] ({', '.join(f'[{c}]' for c in names)}) "
           f"VALUES ({', '.join('?' for _ in names)})")
    db.conn.executemany(sql, ([v if type(v) in _PLAIN else jsonify_if_needed(v) for v in map(r.get, names)]
                              for r in rows))


class _Sink:
    """Rows of one table, inserted every `limit` rows; len() is the number of rows appended."""

    def __init__(self, db: sqlite_utils.Database, table: str, limit: int = 50_000):
        self.db, self.table, self.limit = db, table, limit
        self.rows: list[dict] = []
        self.count = 0

    def append(self, row: dict) -> None:
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= self.limit:
            self.flush()

    def flush(self) -> None:
        _insert_rows(self.db, self.table, self.rows)
        self.rows = []

    def __len__(self) -> int:
        return self.count


def write_reports(db: sqlite_utils.Database, parsed: list[ParsedDoc], sites: dict[str, dict], runs: list[dict],
                  say: Progress, operator: Optional[dict] = None) -> dict:
    """The build's write path for callers outside the build (benchmarks/scale_corpus.py)."""
    return _write_reports(db, parsed, sites, runs, say, operator)


DEFERRED_RULES = {"no_text", "unknown_template", "missing_sections", "no_tables"}


def _page_defers_to_attachment(docs: list[ParsedDoc]) -> None:
    """A page that only says 详见附件 is not an error when an attachment of it holds the report."""
    if not any(d.fetch.role == "attachment" and (d.result.get("cells") or d.result.get("sections")) for d in docs):
        return
    for d in docs:
        if d.fetch.role != "report_page" or d.result.get("cells"):
            continue
        for iss in d.result.get("issues") or []:
            if iss.get("rule") in DEFERRED_RULES:
                iss["level"] = "info"
                iss["message"] = f"{iss.get('message')} (the report is in an attachment of this page)"


def _s(v) -> Optional[str]:
    if v is None or isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


def _status(p: ParsedDoc) -> str:
    issues = (p.result.get("issues") or []) + p.issues
    if any(i.get("rule") == "needs_ocr" for i in issues) or p.result.get("needs_ocr"):
        return "needs_ocr"
    if any(i.get("level") == "error" for i in issues):
        return "error"
    return "ok"
