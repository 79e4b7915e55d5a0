"""Versioned schema of the published database, applied as numbered migrations with sqlite-utils.

Each migration runs once; `_migrations` records what was applied. Add a new migration at the end
of MIGRATIONS (never edit an applied one): `ogi build` on an existing database applies the rest.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import sqlite_utils


REPORT_OVERVIEW_SQL = """
        CREATE VIEW report_overview AS
          SELECT r.id, r.agency, r.year, r.template, r.published, r.site_id,
            (SELECT value FROM cells WHERE report_id=r.id AND tbl='t3' AND row_code='new_received' AND col_code='total') AS new_requests,
            (SELECT value FROM cells WHERE report_id=r.id AND tbl='t3' AND row_code='granted' AND col_code='total') AS granted,
            (SELECT value FROM cells WHERE report_id=r.id AND tbl='t4' AND row_code='review' AND col_code='total') AS reconsiderations,
            (SELECT value FROM cells WHERE report_id=r.id AND tbl='t4' AND row_code='suit_direct' AND col_code='total') AS lawsuits_direct,
            r.checks_failed, r.source_url
          FROM reports r;
"""


INDICATORS_SQL = """
        CREATE TABLE indicators (
          id INTEGER PRIMARY KEY, report_id TEXT REFERENCES reports(id), document_id TEXT REFERENCES documents(id),
          document_sha256 TEXT, code TEXT, value NUMERIC, unit TEXT, period TEXT, raw TEXT, sentence TEXT,
          "where" TEXT, family TEXT, is_primary INTEGER, conflict TEXT, ordinal INTEGER);
        CREATE INDEX idx_indicators_report_id ON indicators (report_id);
        CREATE INDEX idx_indicators_code ON indicators (code, period);
        CREATE TABLE codebook_pre2019 (
          code TEXT PRIMARY KEY, label_zh TEXT, label_en TEXT, unit TEXT, grp TEXT, note TEXT, ordinal INTEGER);
        CREATE TABLE indicator_mapping (
          measure TEXT, pre2019_code TEXT, layout TEXT, tbl TEXT, row_code TEXT, col_code TEXT, relation TEXT,
          note TEXT, ordinal INTEGER);
        CREATE VIEW indicator_series AS
          SELECT r.id AS report_id, r.agency, r.year, r.template, m.measure, i.value, i.unit, 'indicators' AS source,
                 i.raw
          FROM reports r
          JOIN indicators i ON i.report_id = r.id AND i.is_primary = 1 AND i.period = 'year'
          JOIN (SELECT DISTINCT measure, pre2019_code FROM indicator_mapping) m ON m.pre2019_code = i.code
          UNION ALL
          SELECT r.id, r.agency, r.year, r.template, m.measure,
                 CASE WHEN COUNT(c.value) = (SELECT COUNT(*) FROM indicator_mapping x
                                             WHERE x.measure = m.measure AND x.layout = m.layout)
                      THEN SUM(c.value) END,
                 MAX(c.unit), 'cells', GROUP_CONCAT(c.raw, ' + ')
          FROM reports r
          JOIN indicator_mapping m ON m.layout = r.template AND m.tbl IS NOT NULL
          JOIN cells c ON c.report_id = r.id AND c.tbl = m.tbl AND c.row_code = m.row_code AND c.col_code = m.col_code
          GROUP BY r.id, m.measure;
"""


def m001_core(db: sqlite_utils.Database) -> None:
    db["sites"].create({
        "id": str, "name": str, "agency": str, "level": str, "region": str, "family": str,
        "entry_urls": str, "enabled": int, "disabled_reason": str, "expected_min_reports": int,
        "last_run_status": str, "last_run_reports": int,
    }, pk="id")
    db["crawl_runs"].create({
        "run_id": str, "started_at": str, "finished_at": str, "sites": int, "reports": int,
        "report_pages": int, "attachments": int, "negatives": int, "requests": int,
        "request_failures": int, "errors": str, "blocked_hosts": str,
    }, pk="run_id")
    db["reports"].create({
        "id": str, "agency": str, "year": int, "title": str, "source_url": str, "published": str,
        "template": str, "t3_rows": str, "level": str, "region": str, "site_id": str,
        "primary_document": str, "documents": int, "cells": int, "checks_failed": int,
        "checks_not_assessable": int, "needs_ocr": int, "first_seen": str, "last_seen": str, "status": str,
    }, pk="id", foreign_keys=[("site_id", "sites", "id")])
    db["documents"].create({
        "id": str, "sha256": str, "url": str, "final_url": str, "site_id": str, "role": str,
        "parent_url": str, "format": str, "size": int, "text_sha256": str, "title": str,
        "report_id": str, "is_primary": int, "duplicate_of": str, "parse_status": str,
        "template": str, "cells": int, "pages": int, "first_seen": str, "last_seen": str, "http_status": int,
    }, pk="id", foreign_keys=[("site_id", "sites", "id"), ("report_id", "reports", "id")])
    db["sections"].create({
        "id": int, "report_id": str, "document_id": str, "ordinal": int, "code": str, "name_zh": str, "text": str,
    }, pk="id", foreign_keys=[("report_id", "reports", "id"), ("document_id", "documents", "id")])
    db["cells"].create({
        "id": int, "report_id": str, "document_id": str, "tbl": str, "row_code": str, "col_code": str,
        "value": float, "raw": str, "unit": str, "remark": str, "page": int, "table_index": int,
        "grid_row": int, "grid_col": int,
    }, pk="id", foreign_keys=[("report_id", "reports", "id"), ("document_id", "documents", "id")])
    db["checks"].create({
        "id": int, "report_id": str, "document_id": str, "rule": str, "level": str, "status": str,
        "scope": str, "expected": str, "found": str, "message": str,
    }, pk="id", foreign_keys=[("report_id", "reports", "id"), ("document_id", "documents", "id")])
    db["issues"].create({
        "id": int, "document_id": str, "report_id": str, "url": str, "level": str, "rule": str, "message": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id"), ("report_id", "reports", "id")])
    db["codebook"].create({
        "tbl": str, "kind": str, "code": str, "template": str, "label_zh": str, "label_en": str,
        "grp": str, "unit": str, "ordinal": int,
    }, pk=("tbl", "kind", "code", "template"))
    for table, cols in {
        "reports": [["agency", "year"], ["year"], ["template"], ["site_id"]],
        "documents": [["report_id"], ["sha256"], ["site_id"]],
        "sections": [["report_id"], ["code"]],
        "cells": [["report_id"], ["tbl", "row_code", "col_code"]],
        "checks": [["report_id"], ["status"], ["rule"]],
        "issues": [["document_id"], ["rule"]],
    }.items():
        for c in cols:
            db[table].create_index(c, if_not_exists=True)


def m002_search_and_views(db: sqlite_utils.Database) -> None:
    # Chinese full-text search: trigram FTS5 for queries of 3+ characters; the `search` canned query
    # falls back to LIKE for 1–2 character queries (trigram cannot index those).
    db.executescript(
        """
        CREATE VIRTUAL TABLE sections_fts USING fts5(text, content='sections', content_rowid='id', tokenize='trigram');
        CREATE VIEW t3_wide AS
          SELECT c.report_id, r.agency, r.year, c.row_code,
            MAX(CASE WHEN c.col_code='natural_person' THEN c.value END) AS natural_person,
            MAX(CASE WHEN c.col_code='commercial' THEN c.value END) AS commercial,
            MAX(CASE WHEN c.col_code='research' THEN c.value END) AS research,
            MAX(CASE WHEN c.col_code='social_welfare' THEN c.value END) AS social_welfare,
            MAX(CASE WHEN c.col_code='legal_services' THEN c.value END) AS legal_services,
            MAX(CASE WHEN c.col_code='other_org' THEN c.value END) AS other_org,
            MAX(CASE WHEN c.col_code='total' THEN c.value END) AS total,
            MIN(cb.ordinal) AS row_order
          FROM cells c JOIN reports r ON r.id = c.report_id
          LEFT JOIN codebook cb ON cb.tbl='t3' AND cb.kind='row' AND cb.code=c.row_code
          WHERE c.tbl='t3'
          GROUP BY c.report_id, c.row_code
          ORDER BY c.report_id, row_order;
        """
        + REPORT_OVERVIEW_SQL
    )


def m003_numeric_values_and_labelled_t3(db: sqlite_utils.Database) -> None:
    # Counts are integers and money is decimal: NUMERIC affinity keeps 2 as 2 (REAL showed "2.0").
    # The wide table 3 view gains the printed Chinese row label from the code book.
    db.executescript(
        """
        DROP VIEW IF EXISTS t3_wide;
        DROP VIEW IF EXISTS report_overview;
        CREATE TABLE cells_new (
          id INTEGER PRIMARY KEY, report_id TEXT REFERENCES reports(id), document_id TEXT REFERENCES documents(id),
          tbl TEXT, row_code TEXT, col_code TEXT, value NUMERIC, raw TEXT, unit TEXT, remark TEXT, page INTEGER,
          table_index INTEGER, grid_row INTEGER, grid_col INTEGER);
        INSERT INTO cells_new SELECT id, report_id, document_id, tbl, row_code, col_code, value, raw, unit, remark,
          page, table_index, grid_row, grid_col FROM cells;
        DROP TABLE cells;
        ALTER TABLE cells_new RENAME TO cells;
        CREATE INDEX idx_cells_report_id ON cells (report_id);
        CREATE INDEX idx_cells_tbl_row_code_col_code ON cells (tbl, row_code, col_code);
        CREATE VIEW t3_wide AS
          SELECT c.report_id, r.agency, r.year, c.row_code,
            (SELECT label_zh FROM codebook WHERE tbl='t3' AND kind='row' AND code=c.row_code LIMIT 1) AS label_zh,
            MAX(CASE WHEN c.col_code='natural_person' THEN c.value END) AS natural_person,
            MAX(CASE WHEN c.col_code='commercial' THEN c.value END) AS commercial,
            MAX(CASE WHEN c.col_code='research' THEN c.value END) AS research,
            MAX(CASE WHEN c.col_code='social_welfare' THEN c.value END) AS social_welfare,
            MAX(CASE WHEN c.col_code='legal_services' THEN c.value END) AS legal_services,
            MAX(CASE WHEN c.col_code='other_org' THEN c.value END) AS other_org,
            MAX(CASE WHEN c.col_code='total' THEN c.value END) AS total,
            (SELECT MIN(ordinal) FROM codebook WHERE tbl='t3' AND kind='row' AND code=c.row_code) AS row_order
          FROM cells c JOIN reports r ON r.id = c.report_id
          WHERE c.tbl='t3'
          GROUP BY c.report_id, c.row_code
          ORDER BY c.report_id, row_order;
        """
        + REPORT_OVERVIEW_SQL
    )


def m004_region_codes(db: sqlite_utils.Database) -> None:
    # GB/T 2260 division of the agency (year-aware, from normalize.regions)
    for col in ("province", "city", "county", "region_code"):
        db["reports"].add_column(col, str)
    db["reports"].create_index(["region_code"], if_not_exists=True)


def m_pre2019_indicators(db: sqlite_utils.Database) -> None:
    # issue 12: statistics of pre-2019 reports as coded indicators (normalize/indicators), the pre-2019 code
    # book, the mapping onto 2019/2021 cells, and one series per report and measure across all layouts;
    # the panel (005) also lists the primary pre-2019 statements, as tbl 'pre2019', row = code, col = period
    db.executescript(INDICATORS_SQL)
    if "panel" in db.view_names():
        db.executescript("DROP VIEW panel;\n" + PANEL_SQL.rstrip().rstrip(";") + PANEL_PRE2019_UNION)


PANEL_PRE2019_UNION = """
          UNION ALL
          SELECT r.agency_id, a.name AS agency, r.year, a.level, a.kind, r.scope, r.province, r.region_code,
            r.template, 'pre2019' AS tbl, i.code AS row_code, i.period AS col_code,
            cb.label_zh, cb.label_en,
            CASE i.period WHEN 'cumulative' THEN '历年累计' ELSE '本年度' END AS col_label_zh,
            CASE i.period WHEN 'cumulative' THEN 'cumulative' ELSE 'report year' END AS col_label_en,
            i.value, i.unit, i.raw,
            CASE WHEN r.checks_failed > 0 THEN 'fail' WHEN r.checks_not_assessable > 0 THEN 'not_assessable'
                 WHEN EXISTS (SELECT 1 FROM checks k WHERE k.report_id = r.id AND k.level = 'hard') THEN 'pass'
                 ELSE 'none' END AS check_status,
            i.document_id, NULL AS page, r.source_url, r.id AS report_id, r.status AS report_status
          FROM indicators i JOIN reports r ON r.id = i.report_id LEFT JOIN agencies a ON a.agency_id = r.agency_id
          LEFT JOIN codebook_pre2019 cb ON cb.code = i.code
          WHERE i.is_primary = 1;
"""


# measures of `indicators_wide` as created by 005 (normalize/headline_measures.csv defines them; a test
# keeps the two equal; a new measure needs a new migration)
HEADLINE_MEASURES_005 = ("requests_new", "requests_carried_over", "replies_granted", "replies_partial", "replies_total",
                         "carried_forward", "admin_review", "admin_review_corrected", "admin_litigation", "fee_amount")

PANEL_SQL = """
        CREATE VIEW panel AS
          SELECT r.agency_id, a.name AS agency, r.year, a.level, a.kind, r.scope, r.province, r.region_code,
            r.template, c.tbl, c.row_code, c.col_code,
            COALESCE((SELECT label_zh FROM codebook WHERE tbl=c.tbl AND kind='row' AND code=c.row_code
               AND template IN (r.template, 'both') LIMIT 1),
              (SELECT label_zh FROM codebook WHERE tbl=c.tbl AND kind='row' AND code=c.row_code LIMIT 1)) AS label_zh,
            COALESCE((SELECT label_en FROM codebook WHERE tbl=c.tbl AND kind='row' AND code=c.row_code
               AND template IN (r.template, 'both') LIMIT 1),
              (SELECT label_en FROM codebook WHERE tbl=c.tbl AND kind='row' AND code=c.row_code LIMIT 1)) AS label_en,
            COALESCE((SELECT label_zh FROM codebook WHERE tbl=c.tbl AND kind='column' AND code=c.col_code
               AND template IN (r.template, 'both') LIMIT 1),
              (SELECT label_zh FROM codebook WHERE tbl=c.tbl AND kind='column' AND code=c.col_code LIMIT 1)) AS col_label_zh,
            COALESCE((SELECT label_en FROM codebook WHERE tbl=c.tbl AND kind='column' AND code=c.col_code
               AND template IN (r.template, 'both') LIMIT 1),
              (SELECT label_en FROM codebook WHERE tbl=c.tbl AND kind='column' AND code=c.col_code LIMIT 1)) AS col_label_en,
            c.value, c.unit, c.raw,
            CASE WHEN r.checks_failed > 0 THEN 'fail' WHEN r.checks_not_assessable > 0 THEN 'not_assessable'
                 WHEN EXISTS (SELECT 1 FROM checks k WHERE k.report_id = r.id AND k.level = 'hard') THEN 'pass'
                 ELSE 'none' END AS check_status,
            c.document_id, c.page, r.source_url, r.id AS report_id, r.status AS report_status
          FROM cells c JOIN reports r ON r.id = c.report_id LEFT JOIN agencies a ON a.agency_id = r.agency_id;
"""


def m005_agencies_panel(db: sqlite_utils.Database) -> None:
    # agencies as entities (issue 7): stable agency ids, every alias seen, report identity = (agency_id, year),
    # document roles within a report, crawler-rejected pages kept as evidence, the panel and headline measures
    db["agencies"].create({
        "agency_id": str, "name": str, "kind": str, "level": str, "scope": str, "parent_id": str,
        "province": str, "city": str, "county": str, "region_code": str, "region": str,
        "reports": int, "first_year": int, "last_year": int, "aliases": int,
    }, pk="agency_id")
    db["agency_aliases"].create({
        "id": int, "agency_id": str, "alias": str, "key": str, "source": str, "rule": str,
        "document_id": str, "site_id": str, "url": str,
    }, pk="id", foreign_keys=[("agency_id", "agencies", "agency_id")])
    for col in ("agency_id", "scope", "agency_as_printed"):
        db["reports"].add_column(col, str)
    for col in ("report_role", "superseded_by"):
        db["documents"].add_column(col, str)
    db["rejected_pages"].create({
        "id": int, "url": str, "sha256": str, "site_id": str, "verdict": str, "reason": str, "title": str,
        "http_status": int, "first_seen": str, "last_seen": str,
    }, pk="id")
    measures = "".join(f", {m} NUMERIC" for m in HEADLINE_MEASURES_005)  # counts stay integers (see 003)
    db.execute(f"""CREATE TABLE indicators_wide (report_id TEXT PRIMARY KEY REFERENCES reports(id),
        agency_id TEXT REFERENCES agencies(agency_id), agency TEXT, year INTEGER, template TEXT, scope TEXT
        {measures}, source TEXT)""")
    for table, cols in {"agency_aliases": [["agency_id"], ["key"]], "reports": [["agency_id", "year"]],
                        "indicators_wide": [["agency_id", "year"]], "rejected_pages": [["site_id"]]}.items():
        for c in cols:
            db[table].create_index(c, if_not_exists=True)
    db.executescript(PANEL_SQL)
def m006_researchers_site(db: sqlite_utils.Database) -> None:
    # issue 8: rules explained, checks pointing at their cells, search built with sqlite-utils (prose
    # and table text apart), materialised t3_wide, bulk downloads; filled by normalize.site_tables
    db["rules"].create({"id": str, "level": str, "name_zh": str, "name_en": str, "formula": str,
                        "description_zh": str, "description_en": str}, pk="id")
    for col, typ in (("message_zh", str), ("cells", str), ("page", int)):
        db["checks"].add_column(col, typ)
    db["checks"].add_foreign_key("rule", "rules", "id")
    db["reports"].add_column("label", str)
    db.execute("DROP TABLE IF EXISTS sections_fts")
    db["sections"].enable_fts(["text"], tokenize="trigram")
    db["passages"].create({"id": int, "section_id": int, "report_id": str, "code": str, "name_zh": str,
                           "kind": str, "text": str, "grams": str}, pk="id",
                          foreign_keys=[("section_id", "sections", "id"), ("report_id", "reports", "id")])
    db["passages"].create_index(["report_id"])
    db["passages"].enable_fts(["text"], tokenize="trigram")
    db.execute("CREATE VIRTUAL TABLE passages_grams USING fts5(grams, content='passages', content_rowid='id', "
               "tokenize='unicode61 remove_diacritics 0')")
    db.execute("DROP VIEW IF EXISTS t3_wide")
    db.execute("CREATE TABLE t3_wide (report_id TEXT REFERENCES reports(id), agency TEXT, year INTEGER, "
               "row_code TEXT, label_zh TEXT, natural_person NUMERIC, commercial NUMERIC, research NUMERIC, "
               "social_welfare NUMERIC, legal_services NUMERIC, other_org NUMERIC, total NUMERIC, row_order INTEGER)")
    db["t3_wide"].create_index(["report_id"])
    db["downloads"].create({"name": str, "file": str, "format": str, "rows": int, "bytes": int, "sha256": str,
                            "description": str}, pk="name")


def m_ocr_evidence(db: sqlite_utils.Database) -> None:
    # cells read by OCR keep the recognition score and the box they were read from (issue 13: trust)
    db["cells"].add_column("ocr_conf", float)
    db["cells"].add_column("ocr_box", str)


# indexes the served pages need (issue 9), measured on a 100,000-report corpus (benchmarks/scale_corpus.py)
SERVING_INDEXES = {
    # a report's cells by table, row and column: report_overview's subqueries, a report's tables and
    # the cells of one report (the old (report_id) index is its prefix and goes)
    "cells": [["report_id", "tbl", "row_code", "col_code"]],
    "sections": [["report_id", "ordinal"]],
    "checks": [["report_id", "level", "status"], ["level", "status"]],
    # facet counts read an index instead of the table
    "reports": [["level"], ["province"], ["status"], ["scope"], ["year", "agency"]],
    "documents": [["format"], ["role"], ["parse_status"]],
    "issues": [["report_id"], ["level"]],
    "indicators_wide": [["year"], ["template"], ["scope"], ["source"]],
}


def m009_serving_indexes(db: sqlite_utils.Database) -> None:
    # issue 9: indexes that match the views and pages (report_id first); ANALYZE runs at the end of
    # every build (normalize.build.finish_database)
    for table, cols in SERVING_INDEXES.items():
        if table not in db.table_names():
            continue
        have = set(db[table].columns_dict)
        for c in cols:
            if set(c) <= have:
                db[table].create_index(c, if_not_exists=True)
    db.execute("DROP INDEX IF EXISTS idx_cells_report_id")
    # the failed_checks query walks failing reports newest first and stops at the page's rows
    db.execute("CREATE INDEX IF NOT EXISTS idx_reports_failing ON reports (year DESC, agency) WHERE checks_failed > 0")


# sums per report that the dashboard reads (normalize.site_tables.fill_report_totals defines them)
REPORT_TOTALS_010 = ("new_received", "granted", "partially_granted", "denied", "unavailable", "not_processed",
                     "other_outcome", "share_granted", "share_total", "review", "suit_direct", "suit_after_review")


def m010_serving_tables(db: sqlite_utils.Database) -> None:
    # issue 9: tables the dashboard and the requests_by_year query read instead of summing every cell on
    # each request; filled by normalize.site_tables (per report: report_totals; whole corpus: the cubes)
    sums = ", ".join(f"{c} NUMERIC" for c in REPORT_TOTALS_010)
    db.execute(f"""CREATE TABLE report_totals (report_id TEXT PRIMARY KEY REFERENCES reports(id),
        {sums}, new_received_n INTEGER, share_reports INTEGER)""")
    keys = "year INTEGER, level TEXT, province TEXT, template TEXT"
    db.execute(f"""CREATE TABLE dashboard_cube ({keys}, reports INTEGER, failing_reports INTEGER,
        new_received_n INTEGER, share_reports INTEGER, {sums})""")
    db.execute(f"CREATE TABLE dashboard_rule_cube ({keys}, rule TEXT, n INTEGER)")
    db.execute("CREATE INDEX idx_dashboard_cube_year ON dashboard_cube (year)")
    db.execute("CREATE INDEX idx_dashboard_rule_cube_year ON dashboard_rule_cube (year)")
    # facets of checks?status=fail (the rule facet walked all checks by rule), pre2019_conflicts
    db.execute("CREATE INDEX IF NOT EXISTS idx_checks_status_rule ON checks (status, rule)")
    # the default facets of a page filtered by year count from an index, not from every row of the year
    for table, facets in (("reports", ("template", "level", "province", "status", "scope")),
                          ("indicators_wide", ("template", "scope", "source"))):
        for col in facets:
            db.execute(f"CREATE INDEX IF NOT EXISTS idx_{table}_year_{col} ON {table} (year, {col})")
    if "indicators" in db.table_names():
        db.execute("CREATE INDEX IF NOT EXISTS idx_indicators_conflict ON indicators (report_id) WHERE conflict IS NOT NULL")


def m011_build_state(db: sqlite_utils.Database) -> None:
    # issue 9, incremental build (normalize/incremental.py): each agency's signature and the build's
    # global state, so the next build rewrites only what changed; documents found by report
    db.execute("CREATE TABLE _build_state (agency_id TEXT PRIMARY KEY, signature TEXT NOT NULL)")
    db.execute("CREATE TABLE _build_info (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_documents_report_id ON documents (report_id)")


def m012_facet_counts(db: sqlite_utils.Database) -> None:
    # issue 9 (serving): the default facets of the unfiltered table pages, counted at build time by
    # normalize.site_tables.fill_facet_counts; `value` has no type, so it keeps each value's own type
    db.execute("CREATE TABLE facet_counts (tbl TEXT NOT NULL, col TEXT NOT NULL, value, n INTEGER NOT NULL)")
    db.execute("CREATE INDEX idx_facet_counts ON facet_counts (tbl, col)")
    # the level facet of checks?status=fail read every failing check's row (28,000 at 100,000 reports:
    # past the 100 ms facet limit, so the page waited for it and then left it out); (status) alone is a
    # prefix of this index and of (status, rule)
    db.execute("DROP INDEX IF EXISTS idx_checks_status")
    db.execute("CREATE INDEX IF NOT EXISTS idx_checks_status_level ON checks (status, level)")


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_core", m001_core),
    ("002_search_and_views", m002_search_and_views),
    ("003_numeric_values_and_labelled_t3", m003_numeric_values_and_labelled_t3),
    ("004_region_codes", m004_region_codes),
    ("005_agencies_panel", m005_agencies_panel),
    ("006_researchers_site", m006_researchers_site),
    ("007_pre2019_indicators", m_pre2019_indicators),
    ("008_ocr_evidence", m_ocr_evidence),
    ("009_serving_indexes", m009_serving_indexes),
    ("010_serving_tables", m010_serving_tables),
    ("011_build_state", m011_build_state),
    ("012_facet_counts", m012_facet_counts),
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations in order; returns the names applied now."""
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"version": int, "name": str, "applied_at": str}, pk="version")
    done = {r["version"]: r["name"] for r in db["_migrations"].rows}
    applied = []
    for version, (name, fn) in enumerate(MIGRATIONS, start=1):
        if version in done:
            if done[version] != name:  # made by code whose migrations were ordered differently
                raise ValueError(f"migration {version} of this database is {done[version]!r}, this code's is "
                                 f"{name!r}: the file was made with another schema; build it again (ogi build --full)")
            continue
        with db.conn:
            fn(db)
            db["_migrations"].insert({"version": version, "name": name,
                                      "applied_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        applied.append(name)
    return applied


def schema_version(db: sqlite_utils.Database) -> int:
    if "_migrations" not in db.table_names():
        return 0
    return max((r["version"] for r in db["_migrations"].rows), default=0)
