"""The researchers' pages, served by Datasette (register_routes) with Datasette's own templates:
one report laid out as printed, one agency across years, two reports side by side, search, the
archived original, the bulk downloads."""
from __future__ import annotations

import json
import os
import re
import urllib.parse
from pathlib import Path
from typing import Optional

from datasette.utils.asgi import NotFound, Response, asgi_send_file

from . import downloads, layout, search
from .labels import build_labels

SHA256 = re.compile(r"^[0-9a-f]{64}$")
PER_PAGE = 20
CONTENT_TYPES = {
    "pdf": "application/pdf", "html": "text/html", "text": "text/plain",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword", "wps": "application/vnd.ms-works", "image": "application/octet-stream",
}


class FileResponse:
    """A file sent in 1 MiB chunks (Datasette's AsgiFileDownload sends 4 KiB: slow for a bulk download)."""

    def __init__(self, path: Path, content_type: str, filename: Optional[str] = None, headers: Optional[dict] = None):
        self.path, self.content_type, self.filename, self.headers = path, content_type, filename, headers or {}

    async def asgi_send(self, send):
        await asgi_send_file(send, self.path, filename=self.filename, content_type=self.content_type,
                             chunk_size=1 << 20, headers=dict(self.headers))


def database(datasette):
    return datasette.get_database()


def archive_root(db) -> Path:
    """The raw archive of the served database: OGI_ARCHIVE, else `archive/` beside the database file."""
    env = os.environ.get("OGI_ARCHIVE")
    return Path(env) if env else Path(db.path).resolve().parent / "archive"


def downloads_root(db) -> Path:
    return Path(db.path).resolve().parent / "downloads"


async def _dicts(db, sql, params=None) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params or {})).rows]


_labels_cache: dict[str, dict] = {}


async def labels(db) -> dict:
    key = f"{db.path}:{db.hash}"
    if key not in _labels_cache:
        cb = await _dicts(db, "select * from codebook") if await db.table_exists("codebook") else []
        rules = await _dicts(db, "select * from rules") if await db.table_exists("rules") else []
        _labels_cache.clear()
        _labels_cache[key] = build_labels(cb, rules)
    return _labels_cache[key]


def _checks(rows: list[dict]) -> list[dict]:
    for c in rows:
        try:
            c["cells"] = json.loads(c.get("cells") or "[]")
        except ValueError:
            c["cells"] = []
    return rows


async def report_context(db, rid: str) -> Optional[dict]:
    rows = await _dicts(db, "select * from reports where id = :id", {"id": rid})
    if not rows:
        return None
    report = rows[0]
    docs = await _dicts(db, "select * from documents where report_id = :id order by is_primary desc, role desc, first_seen",
                        {"id": rid})
    cells = await _dicts(db, "select tbl, row_code, col_code, value, raw, unit, remark, page from cells where report_id = :id",
                         {"id": rid})
    checks = _checks(await _dicts(db, "select c.*, r.name_zh as rule_zh, r.formula from checks c "
                                      "left join rules r on r.id = c.rule where c.report_id = :id order by c.id", {"id": rid}))
    codebook = await _dicts(db, "select * from codebook")
    sections = await _dicts(db, "select ordinal, code, name_zh, text from sections where report_id = :id order by ordinal",
                            {"id": rid})
    if report.get("agency_id"):  # issue 7: the same agency under other spellings
        years = await _dicts(db, "select id, year, template, checks_failed from reports where agency_id = :a order by year, id",
                             {"a": report["agency_id"]})
        agency_url = "/agency?agency_id=" + urllib.parse.quote(report["agency_id"])
    else:
        years = await _dicts(db, "select id, year, template, checks_failed from reports where agency = :a order by year, id",
                             {"a": report["agency"]})
        agency_url = "/agency?agency=" + urllib.parse.quote(report["agency"])
    issues = await _dicts(db, "select level, rule, message, url from issues where report_id = :id and level != 'info'",
                          {"id": rid})
    site = (await _dicts(db, "select * from sites where id = :s", {"s": report["site_id"]}) or [None])[0]
    tables = layout.draw_report_tables(codebook, cells, checks, report["template"], report["t3_rows"])
    for s in sections:
        s["prose"], s["table_text"] = _split(s["text"])
    prev = next((y for y in years if y["year"] == (report["year"] or 0) - 1), None)
    primary = next((d for d in docs if d["is_primary"]), None)
    return {
        "report": report, "documents": docs, "primary": primary, "tables": tables, "sections": sections,
        "problems": [c for c in checks if c["status"] in ("fail", "warn")],
        "check_counts": _count(checks), "years": years, "previous": prev, "issues": issues, "site": site,
        "agency_url": agency_url,
        "labels": await labels(db),
    }


def _split(text):
    from normalize.site_tables import split_prose_and_tables
    return split_prose_and_tables(text)


def _count(checks: list[dict]) -> dict:
    out: dict[str, int] = {}
    for c in checks:
        out[c["status"]] = out.get(c["status"], 0) + 1
    return out


def _rid(request) -> str:
    return urllib.parse.unquote(request.url_vars["report_id"])


async def report_page(request, datasette):
    db = database(datasette)
    ctx = await report_context(db, _rid(request))
    if ctx is None:
        raise NotFound("没有这份报告 — no such report")
    ctx["database"] = db.name
    return Response.html(await datasette.render_template("ogi_report.html", ctx, request=request))


# -- compare ---------------------------------------------------------------------------------------
INDICATOR_SQL = """
select c.report_id, c.tbl, c.row_code, c.col_code, c.value, c.raw, r.template
from cells c join reports r on r.id = c.report_id where c.report_id in ({ids})
"""


def _label_index(codebook: list[dict]) -> dict:
    """(tbl, kind, code) -> [(template, label, ordinal)…] in code-book order."""
    idx: dict[tuple, list] = {}
    for e in sorted(codebook, key=lambda e: e["ordinal"]):
        idx.setdefault((e["tbl"], e["kind"], e["code"]), []).append((e["template"], e["label_zh"], e["ordinal"]))
    return idx


def _label(idx: dict, key: tuple, template: Optional[str]) -> tuple[Optional[str], int]:
    """The label of the report's own template first (规范性文件 in 2019, 行政规范性文件 in 2021)."""
    entries = idx.get(key) or []
    for tpl, label, order in entries:
        if tpl in ("both", template):
            return label, order
    return (entries[0][1], entries[0][2]) if entries else (None, 10_000)


async def indicators(db, report_ids: list[str]) -> list[dict]:
    """One row per indicator (table, row, column) printed by any of the reports, values by report."""
    if not report_ids:
        return []
    params = {f"r{i}": r for i, r in enumerate(report_ids)}
    rows = await _dicts(db, INDICATOR_SQL.format(ids=", ".join(f":{k}" for k in params)), params)
    idx = _label_index(await _dicts(db, "select * from codebook"))
    out: dict[tuple, dict] = {}
    for r in rows:
        key = (r["tbl"], r["row_code"], r["col_code"])
        if key not in out:
            row_zh, ro = _label(idx, (r["tbl"], "row", r["row_code"]), r["template"])
            col_zh, co = _label(idx, (r["tbl"], "column", r["col_code"]), r["template"])
            out[key] = {"ref": ".".join(key), "tbl": r["tbl"], "row_zh": row_zh or r["row_code"],
                        "col_zh": col_zh or r["col_code"], "order": (r["tbl"], ro, co), "values": {}}
        out[key]["values"][r["report_id"]] = {"value": r["value"], "raw": r["raw"]}
    return sorted(out.values(), key=lambda i: i["order"])


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def changes(ind: dict, report_ids: list[str]) -> list[Optional[float]]:
    """Change against the previous report in the list (None where either value is not a number)."""
    out, prev = [], None
    for rid in report_ids:
        cur = _num((ind["values"].get(rid) or {}).get("value"))
        out.append(None if cur is None or prev is None else round(cur - prev, 4))
        prev = cur
    return out


def headline_measures() -> list[dict]:
    import csv

    from normalize import build
    path = Path(build.__file__).with_name("headline_measures.csv")
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


async def headline(db, report_ids: list[str]) -> list[dict]:
    """Rows of `indicators_wide` (issue 7) for these reports, one per measure, when the build filled it."""
    if not report_ids or not await db.table_exists("indicators_wide"):
        return []
    params = {f"r{i}": r for i, r in enumerate(report_ids)}
    rows = {r["report_id"]: r for r in await _dicts(
        db, f"select * from indicators_wide where report_id in ({', '.join(':' + k for k in params)})", params)}
    if not rows:
        return []
    out = []
    for m in headline_measures():
        if not any(m["measure"] in r for r in rows.values()):
            continue
        ind = {"measure": m["measure"], "label_zh": m["label_zh"], "unit": m["unit"],
               "values": {rid: {"value": rows.get(rid, {}).get(m["measure"]), "raw": rows.get(rid, {}).get(m["measure"])}
                          for rid in report_ids}}
        ind["changes"] = changes(ind, report_ids)
        out.append(ind)
    return out


async def agency_page(request, datasette):
    """One agency across years: by its stable id (issue 7's agencies) or, for databases without it, by name."""
    db = database(datasette)
    agency_id = (request.args.get("agency_id") or "").strip()
    agency = (request.args.get("agency") or "").strip()
    if agency_id and "agency_id" in await db.table_columns("reports"):
        where, params = "agency_id = :a", {"a": agency_id}
        named = await _dicts(db, "select name from agencies where agency_id = :a", params) \
            if await db.table_exists("agencies") else []
        agency = named[0]["name"] if named else agency_id
    else:
        where, params = "agency = :a", {"a": agency}
    reports = await _dicts(db, f"select id, year, template, checks_failed, title, agency from reports where {where} "
                               "order by year, id", params)
    if not reports:
        raise NotFound("没有这个机关的报告 — no reports of this agency")
    ids = [r["id"] for r in reports]
    inds = await indicators(db, ids)
    for ind in inds:
        ind["changes"] = changes(ind, ids)
    failing = {r["report_id"]: r["n"] for r in await _dicts(
        db, f"select report_id, count(*) as n from checks where status = 'fail' and report_id in "
            f"(select id from reports where {where}) group by report_id", params)}
    ctx = {"agency": agency, "agency_id": agency_id, "reports": reports, "indicators": inds, "failing": failing,
           "headline": await headline(db, ids), "database": db.name, "labels": await labels(db)}
    return Response.html(await datasette.render_template("ogi_agency.html", ctx, request=request))


async def compare_page(request, datasette):
    db = database(datasette)
    a = (request.args.get("a") or "").strip()
    b = (request.args.get("b_id") or request.args.get("b") or "").strip()
    reps = {r["id"]: r for r in await _dicts(db, "select * from reports where id in (:a, :b)", {"a": a, "b": b})}
    if a not in reps:
        raise NotFound("没有这份报告 — no such report: a")
    choices = await _dicts(db, "select id, agency, year from reports where agency = :ag and id != :a order by year desc",
                           {"ag": reps[a]["agency"], "a": a})
    ctx = {"a": reps[a], "b": reps.get(b), "choices": choices, "indicators": [], "database": db.name,
           "labels": await labels(db)}
    if b in reps:
        inds = await indicators(db, [a, b])
        for ind in inds:
            ind["changes"] = changes(ind, [a, b])
            va = (ind["values"].get(a) or {}).get("raw")
            vb = (ind["values"].get(b) or {}).get("raw")
            ind["differs"] = va != vb
        ctx["indicators"] = inds
    return Response.html(await datasette.render_template("ogi_compare.html", ctx, request=request))


# -- search ----------------------------------------------------------------------------------------
async def search_page(request, datasette):
    db = database(datasette)
    args = {k: (request.args.get(k) or "").strip() for k in ("q", "kind", "year", "level", "province")}
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    ctx = {"args": args, "page": page, "per_page": PER_PAGE, "hits": [], "total": 0, "reports": 0,
           "database": db.name, "labels": await labels(db)}
    # the filters' choices from the build's small sums table when there is one (reports: 100,000 rows)
    src = "dashboard_cube" if await db.table_exists("dashboard_cube") else "reports"
    ctx["years"] = [r["year"] for r in await _dicts(db, f"select distinct year from {src} where year is not null order by year desc")]
    ctx["levels"] = [r["level"] for r in await _dicts(db, f"select distinct level from {src} where level is not null order by level")]
    ctx["provinces"] = [r["province"] for r in await _dicts(db, f"select distinct province from {src} where province is not null and province != '' order by province")]
    if args["q"]:
        offset = (page - 1) * PER_PAGE
        params = dict(args, limit=PER_PAGE + 1, offset=offset, upto=offset + PER_PAGE + 1)
        few = False
        if any(args.get(k) for k in search.FILTERS):  # filters that leave few reports: read those first
            sql, fparams = search.filtered_reports_sql(args)
            few = (await _dicts(db, sql, fparams))[0]["n"] <= search.FILTER_FIRST_MAX_REPORTS
        if few:  # every hit's id at once: the exact count and the page from one pass
            found = await _dicts(db, search.filter_first_sql(args), args)
            ctx["capped"] = False
            ctx["total"], ctx["reports"] = len(found), len({f["report_id"] for f in found})
            ids = [f["id"] for f in found[offset:offset + PER_PAGE + 1]]
            by_id = {h["id"]: h for h in await _dicts(db, search.rows_by_id_sql(len(ids)),
                                                      {f"id{i}": v for i, v in enumerate(ids)})} if ids else {}
            hits = [by_id[i] for i in ids if i in by_id]
        else:
            count = (await _dicts(db, search.search_sql(count=True), args))[0]
            ctx["capped"] = count["n"] > search.COUNT_CAP  # more hits than were counted
            ctx["total"] = min(count["n"], search.COUNT_CAP)
            ctx["reports"] = count["reports"]
            hits = await _dicts(db, search.search_sql(), params)
        more = len(hits) > PER_PAGE
        hits = hits[:PER_PAGE]
        for h in hits:
            h["before"], h["hit"], h["after"] = search.excerpt(h["text"], args["q"])
        ctx["hits"] = hits
        ctx["pages"] = None if ctx["capped"] else (ctx["total"] + PER_PAGE - 1) // PER_PAGE
        base = {k: v for k, v in args.items() if v}
        ctx["prev_url"] = "/search?" + urllib.parse.urlencode(dict(base, page=page - 1)) if page > 1 else None
        ctx["next_url"] = "/search?" + urllib.parse.urlencode(dict(base, page=page + 1)) if more else None
    return Response.html(await datasette.render_template("ogi_search.html", ctx, request=request))


# -- files -----------------------------------------------------------------------------------------
async def archived_document(request, datasette):
    """The archived original by sha256. The request only selects a row of `documents`; the file name
    comes from that row (a 64-hex sha256), never from the request path."""
    sha = request.url_vars["sha256"]
    if not SHA256.match(sha):
        raise NotFound("not a sha256")
    db = database(datasette)
    rows = await _dicts(db, "select sha256, format from documents where sha256 = :s limit 1", {"s": sha})
    if not rows or not SHA256.match(rows[0]["sha256"] or ""):
        raise NotFound("no archived document with this sha256")
    stored = rows[0]["sha256"]
    root = archive_root(db)
    path = root / "blobs" / stored[:2] / stored
    if not path.is_file():
        raise NotFound("the archive does not hold this document on this server")
    fmt = rows[0]["format"] or "bin"
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=31536000, immutable",
               # archived portal pages are foreign content: no script, no form, no plugin runs here
               "Content-Security-Policy": "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"}
    return FileResponse(path, CONTENT_TYPES.get(fmt, "application/octet-stream"),
                        filename=f"{stored}.{fmt}" if fmt not in ("html", "text", "pdf") else None, headers=headers)


async def download(request, datasette):
    name = request.url_vars["name"]
    db = database(datasette)
    if not await db.table_exists("downloads"):
        raise NotFound("this database has no downloads")
    rows = await _dicts(db, "select file, format from downloads where name = :n", {"n": name})
    if not rows:
        raise NotFound("no such download")
    root = downloads_root(db)
    path = (root / rows[0]["file"]).resolve()
    if path.parent != root or not path.is_file():
        raise NotFound("the download file is missing on this server")
    ctype = "text/csv; charset=utf-8" if rows[0]["format"] == "csv" else "application/vnd.apache.parquet"
    if downloads.is_manifest(path.name):  # a download made of parts (normalize/export_parts.py)
        return downloads.PartsResponse(*downloads.part_paths(root, path), ctype, filename=name,
                                       headers={"Cache-Control": "public, max-age=3600"})
    return FileResponse(path, ctype, filename=name, headers={"Cache-Control": "public, max-age=3600"})


async def downloads_list(db) -> list[dict]:
    if not await db.table_exists("downloads"):
        return []
    return await _dicts(db, "select * from downloads order by name")
