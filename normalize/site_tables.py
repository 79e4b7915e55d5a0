"""Tables the researchers' site reads, derived at build time from the core tables.

* `rules`: what each check means (Chinese and English, formula), from `normalize/rules.csv`;
  `checks.rule` references it. Each check row also gets `message_zh`, the cells it reads (`cells`,
  as `t3.granted.total` references) and the page they were printed on.
* `reports.label`: agency and year, so that `_labels` and foreign-key links keep the year.
* `passages`: each section's text split into prose and table text (table rows are the lines that
  hold a tab), indexed apart so that hits in flattened table headers do not drown the prose.
  `passages_fts` (trigram, made by sqlite-utils) serves `sqlite-utils search` and 3+-character
  queries; `passages_grams` (one token per character) serves queries of any length as a phrase of
  single characters (see `ogi/site/search.py`).
* `t3_wide` is materialised: as a GROUP BY view it cost ~2 s per page for facet suggestions.
* Serving tables (issue 9, migration `serving_tables`): the dashboard and `requests_by_year` read
  build-time tables instead of summing 15 M cells on each request.

  - `report_totals`: per report, the table 3/4 sums the dashboard charts read (total column).
    Filled by `fill_report_totals(db, report_ids)`: it deletes and rewrites the rows of those reports
    only, so an incremental build refreshes it per report.
  - `dashboard_cube`, `dashboard_rule_cube`: sums by (year, level, province, template) of
    `report_totals` + `reports` and of the failing/warning checks. Filled by `fill_dashboard_cube(db)`
    and `fill_dashboard_rule_cube(db)`: each deletes and rewrites its whole table from per-report
    tables (≈ 1 s at 100,000 reports), so a build re-runs them after any report changed.

  - `facet_counts` (migration `facet_counts`): for each table and column of `FACETED` (the metadata's
    default facets), every value and its row count; the unfiltered table pages show their facets from it
    (ogi/site/facet_counts.py). Filled by `fill_facet_counts(db)` (≈ 1 s at 100,000 reports).

  `PER_REPORT_TABLES` and `CORPUS_AGGREGATES` list these functions: an incremental build calls every
  `PER_REPORT_TABLES` function for the changed reports, then every `CORPUS_AGGREGATES` function
  (`refresh_aggregates(db)`): `finish(db, report_ids=...)` does both, after refreshing the older
  derived rows (checks' cells/page/message, passages, t3_wide, labels) of those reports only.

Pure functions compute rows; `finish(db)` writes them.
"""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from . import codebook

RULES_CSV = Path(__file__).with_name("rules.csv")
TABLE_LINE = "\t"


def rule_rows() -> list[dict]:
    with open(RULES_CSV, encoding="utf-8") as fh:
        return [dict(r) for r in csv.DictReader(fh)]


# -- checks: cells, page, Chinese message ----------------------------------------------------------
def _template(template: Optional[str]) -> str:
    return template if template in ("2019", "2021") else "2019"


def check_cells(rule: str, scope: Optional[str], found, template: Optional[str], t3_rows: Optional[str]) -> list[str]:
    """The cells a check reads, as 'table.row.col' references (pure; from the identities in checks.py)."""
    tpl = _template(template)
    rows3 = _template(t3_rows or template)
    t3 = lambda rows, cols: [f"t3.{r}.{c}" for r in rows for c in cols]  # noqa: E731
    if not scope:
        return []
    if rule == "1":
        return t3(["new_received", "carried_over", "total_processed", "carried_forward"], [scope])
    if rule == "2":
        from .checks import t3_part_rows
        return t3(t3_part_rows(rows3) + ["total_processed"], [scope])
    if rule == "3":
        return t3([scope], codebook.column_codes("t3", rows3))
    if rule == "4":
        return [f"t4.{scope}.{c}" for c in codebook.column_codes("t4", tpl)]
    if rule == "5":
        items = found
        if isinstance(found, str):
            try:
                items = json.loads(found)
            except ValueError:
                items = []
        return [f"{scope}.{i.split('=', 1)[0]}" for i in items or [] if isinstance(i, str) and "=" in i]
    if rule == "6":
        return [f"t3.carried_over.{scope}"]
    if rule == "7":
        return [f"t2.{scope}.prev_items"]
    if rule == "8":
        return [f"t2.{scope}.{c}" for c in ("in_force", "issued", "repealed")]
    if rule == "9":
        return [s for s in scope.split("+") if s.count(".") == 2]
    return []


def scope_label(rule: str, scope: Optional[str], template: Optional[str]) -> str:
    tpl = _template(template)
    if not scope:
        return ""
    if rule in ("1", "2", "6"):
        return codebook.label("t3", "column", scope, tpl)
    if rule == "3":
        return codebook.label("t3", "row", scope, tpl)
    if rule == "4":
        return codebook.label("t4", "row", scope, tpl)
    if rule in ("7", "8"):
        return codebook.label("t2", "row", scope, tpl)
    if rule == "5":
        return {"t2": "表二", "t3": "表三", "t4": "表四"}.get(scope, scope)
    if rule == "9":
        return "、".join(codebook.label(t, "row", r, tpl) for t, r, _ in (s.split(".") for s in scope.split("+") if s.count(".") == 2))
    if rule == "10":
        return "第六部分"
    return scope


STATUS_ZH = {"pass": "通过", "fail": "未通过", "warn": "提示", "not_assessable": "无法校验"}


def message_zh(rule: dict, status: str, scope_text: str, expected, found) -> str:
    head = f"{rule['name_zh']}（{scope_text}）" if scope_text else rule["name_zh"]
    if status in ("fail", "warn"):
        return f"{head}：{rule['formula']}；应为 {expected}，实为 {found}"
    if status == "not_assessable":
        return f"{head}：无法校验（参与计算的单元格空白或无法识别，空白不按0计）"
    return f"{head}：通过"


# -- search passages --------------------------------------------------------------------------------
def split_prose_and_tables(text: str) -> tuple[str, str]:
    """(prose, table text) of a section: table rows are the tab-joined lines of a table block."""
    prose, table = [], []
    for line in (text or "").splitlines():
        if TABLE_LINE in line:
            table.append(_collapse_merged(line))
        else:
            prose.append(line)
    return "\n".join(prose).strip(), "\n".join(table).strip()


@lru_cache(maxsize=1 << 16)  # table rows repeat across reports (headers, blank rows); bounded memory
def _collapse_merged(line: str) -> str:
    """A merged label cell repeats in every grid position it covers: keep it once per run (equal
    numbers side by side are different cells and stay)."""
    cells = line.split(TABLE_LINE)
    return TABLE_LINE.join(c for i, c in enumerate(cells)
                           if i == 0 or c != cells[i - 1] or not any(ch.isalpha() for ch in c))


def grams(text: str) -> str:
    """One token per character (whitespace dropped): FTS5's unicode61 tokenizer then indexes every
    character, and a query of any length becomes a phrase of its characters."""
    return " ".join("".join((text or "").split()))  # str.split() drops exactly the str.isspace() characters


TABLE_PASSAGE_OFFSET = 1_000_000_000  # prose passages keep the section id; table passages are offset


def passage_rows(sections: Iterable[dict]) -> list[dict]:
    out = []
    for s in sections:
        prose, table = split_prose_and_tables(s["text"])
        for kind, text, pid in (("prose", prose, s["id"]), ("table", table, s["id"] + TABLE_PASSAGE_OFFSET)):
            if text:
                out.append({"id": pid, "section_id": s["id"], "report_id": s["report_id"], "code": s["code"],
                            "name_zh": s["name_zh"], "kind": kind, "text": text, "grams": grams(text)})
    return out


T3_WIDE_SELECT = """
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
  ORDER BY c.report_id, row_order
"""


# -- serving tables (issue 9) ---------------------------------------------------------------------
_T3 = "c.tbl = 't3' and c.row_code"
_T4 = "c.tbl = 't4' and c.row_code"
REPORT_TOTALS_SQL = f"""
insert into report_totals (report_id, new_received, new_received_n, granted, partially_granted, denied, unavailable,
  not_processed, other_outcome, review, suit_direct, suit_after_review, share_granted, share_total, share_reports)
select r.id,
  sum(case when {_T3} = 'new_received' then c.value end),
  count(case when {_T3} = 'new_received' then 1 end),
  sum(case when {_T3} = 'granted' then c.value end),
  sum(case when {_T3} = 'partially_granted' then c.value end),
  sum(case when {_T3} like 'denied%' then c.value end),
  sum(case when {_T3} like 'unavailable%' then c.value end),
  sum(case when {_T3} like 'not_processed%' then c.value end),
  sum(case when {_T3} like 'other%' then c.value end),
  sum(case when {_T4} = 'review' then c.value end),
  sum(case when {_T4} = 'suit_direct' then c.value end),
  sum(case when {_T4} not in ('review', 'suit_direct') then c.value end),
  s.granted, s.total, coalesce(s.n, 0)
from reports r
left join cells c on c.report_id = r.id and c.tbl in ('t3', 't4') and c.col_code = 'total' and c.value is not null
left join (
  select g.report_id, sum(g.value) as granted, sum(t.value) as total, count(*) as n
  from cells g join cells t on t.report_id = g.report_id and t.tbl = 't3' and t.row_code = 'total_processed'
    and t.col_code = 'total'
  where g.report_id in ({{marks}}) and g.tbl = 't3' and g.row_code = 'granted' and g.col_code = 'total'
    and g.value is not null and t.value > 0
  group by g.report_id) s on s.report_id = r.id
where r.id in ({{marks}})
group by r.id
"""
# sums per (year, level, province, template): what every dashboard chart and filter reads
CUBE_KEYS = "r.year, r.level, r.province, r.template"
CUBE_SUMS = ("new_received_n", "share_reports", "new_received", "granted", "partially_granted", "denied",
             "unavailable", "not_processed", "other_outcome", "share_granted", "share_total", "review", "suit_direct",
             "suit_after_review")


def fill_report_totals(db, report_ids, chunk: int = 2_000) -> None:
    """Rewrite `report_totals` for these reports (sums of their printed total-column cells, NULL when none
    is printed: blank is not zero)."""
    ids = list(report_ids)
    for i in range(0, len(ids), chunk):
        part = ids[i:i + chunk]
        marks = ",".join("?" * len(part))
        db.conn.execute(f"delete from report_totals where report_id in ({marks})", part)
        db.conn.execute(REPORT_TOTALS_SQL.format(marks=marks), part + part)


def fill_dashboard_cube(db) -> None:
    sums = ", ".join(f"sum(t.{c})" for c in CUBE_SUMS)
    db.conn.execute("delete from dashboard_cube")
    db.conn.execute(f"insert into dashboard_cube (year, level, province, template, reports, failing_reports, "
                    f"{', '.join(CUBE_SUMS)}) select {CUBE_KEYS}, count(*), sum(r.checks_failed > 0), {sums} "
                    f"from reports r left join report_totals t on t.report_id = r.id group by {CUBE_KEYS}")


def fill_dashboard_rule_cube(db) -> None:
    db.conn.execute("delete from dashboard_rule_cube")
    db.conn.execute(f"insert into dashboard_rule_cube (year, level, province, template, rule, n) "
                    f"select {CUBE_KEYS}, k.rule, count(*) from checks k join reports r on r.id = k.report_id "
                    f"where k.status in ('fail', 'warn') group by {CUBE_KEYS}, k.rule")


# the default facets of the table pages (ogi/metadata_source.py takes them from here): their counts over
# the whole table are made once per build, for the unfiltered pages (ogi/site/facet_counts.py)
FACETED = {
    "reports": ("year", "template", "level", "province", "status", "scope"),
    "checks": ("status", "rule", "level"),
    "issues": ("rule", "level"),
    "documents": ("format", "role", "parse_status"),
    "agencies": ("kind", "level", "scope", "province"),
    "indicators_wide": ("year", "template", "scope", "source"),
}


def fill_facet_counts(db) -> None:
    """`facet_counts`: for each table and column of FACETED, every non-null value and its row count (the
    GROUP BY of Datasette's facet query without its ORDER BY / LIMIT, which are applied when served)."""
    names = set(db.table_names())
    if "facet_counts" not in names:
        return  # a database from before migration facet_counts
    db.conn.execute("delete from facet_counts")
    for tbl, cols in FACETED.items():
        if tbl not in names:
            continue
        have = {c.name for c in db[tbl].columns}
        for col in cols:
            if col in have:
                db.conn.execute(f"insert into facet_counts (tbl, col, value, n) select ?, ?, [{col}], count(*) "
                                f"from [{tbl}] where [{col}] is not null group by [{col}]", (tbl, col))


PER_REPORT_TABLES = {"report_totals": fill_report_totals}
CORPUS_AGGREGATES = {"dashboard_cube": fill_dashboard_cube, "dashboard_rule_cube": fill_dashboard_rule_cube,
                     "facet_counts": fill_facet_counts}


def refresh_aggregates(db) -> None:
    for fill in CORPUS_AGGREGATES.values():
        fill(db)


def fill_serving_tables(db) -> None:
    """Every serving table from scratch (a full build)."""
    if "report_totals" not in db.table_names():
        return  # a database from before migration serving_tables
    fill_report_totals(db, [r[0] for r in db.execute("select id from reports order by id")])
    refresh_aggregates(db)


def finish(db, chunk: int = 2_000, report_ids: Optional[list[str]] = None) -> dict:
    """Fill the derived tables of a freshly written database (called by normalize.build); with
    `report_ids`, only the rows of those reports (an incremental build deleted their old rows: every
    table with a `report_id` column is per report, normalize/incremental.py). The search indexes over
    `passages` are rebuilt or updated by the caller.

    Reports are taken `chunk` at a time (their cells' pages, checks and sections), so memory does not
    grow with the corpus (issue 9: every cell's page in one dict was gigabytes at 100,000 reports).
    The rows are those of `_check_update`, `passage_rows` and `T3_WIDE_SELECT`; the pure parts are
    memoised (`_CheckExplainer`), rows go in with plain `executemany`, and t3_wide is filled a chunk of
    reports at a time in report id order (issue 9, finish speed: 3.9 M checks at 100,000 reports;
    tests/e2e/test_finish_equal.py keeps the output equal to the definitions)."""
    rules = {r["id"]: r for r in rule_rows()}
    db["rules"].insert_all(rules.values(), pk="id", replace=True)
    explain = _CheckExplainer(rules)
    conn = db.conn

    # a full build takes the reports as they were written (rowid order): a chunk's cells, checks and
    # sections lie together in the file, so the chunk reads and updates pages the cache holds
    ids = [r[0] for r in db.execute("select id from reports order by rowid")] if report_ids is None else sorted(report_ids)
    for i in range(0, len(ids), chunk):
        part = ids[i:i + chunk]
        marks = ",".join("?" * len(part))
        reports = {r["id"]: r for r in db.query(f"select id, template, t3_rows from reports where id in ({marks})", part)}
        # the same dict as {(rid, f"{tbl}.{row}.{col}"): page} (str(None) is 'None'; the last cell of a key
        # wins), for the reports that have a cell with a page (the others' checks have no page)
        paged = [r[0] for r in conn.execute(
            f"select distinct report_id from cells where report_id in ({marks}) and page is not null", part)]
        pages = {}
        for j in range(0, len(paged), 500):
            some = paged[j:j + 500]
            pages.update(((rid, ref), page) for rid, ref, page in conn.execute(
                f"select report_id, coalesce(tbl, 'None') || '.' || coalesce(row_code, 'None') || '.' || "
                f"coalesce(col_code, 'None'), page from cells where report_id in ({','.join('?' * len(some))})", some))
        conn.executemany(CHECK_UPDATE, [explain(c, reports, pages) for c in conn.execute(
            f"select id, report_id, rule, status, scope, expected, found from checks where report_id in ({marks})", part)])
        _insert_passages(conn, conn.execute(
            f"select id, report_id, code, name_zh, text from sections where report_id in ({marks})", part))
    # t3_wide in report id order (its rows' order): the statement for consecutive chunks of ids
    ids = [r[0] for r in db.execute("select id from reports order by id")] if report_ids is None else sorted(report_ids)
    for i in range(0, len(ids), chunk):
        part = ids[i:i + chunk]
        marks = ",".join("?" * len(part))
        if report_ids is not None:
            db.execute(f"update reports set label = agency || ' ' || year || '年度' where id in ({marks})", part)
        conn.execute("INSERT INTO t3_wide " + T3_WIDE_SELECT.replace(
            "WHERE c.tbl='t3'", f"WHERE c.tbl='t3' AND c.report_id IN ({marks})"), part)
    if report_ids is None:
        # checks of no report (cross-year checks whose other report is missing keep report_id of theirs)
        conn.executemany(CHECK_UPDATE, [explain(c, {}, {}) for c in conn.execute(
            "select id, report_id, rule, status, scope, expected, found from checks "
            "where report_id is null or report_id not in (select id from reports)")])
        _insert_passages(conn, conn.execute("select id, report_id, code, name_zh, text from sections "
                                            "where report_id is null or report_id not in (select id from reports)"))
        db.execute("update reports set label = agency || ' ' || year || '年度'")
        fill_serving_tables(db)
    elif "report_totals" in db.table_names():  # per-report serving tables, then the whole-corpus sums
        for fill in PER_REPORT_TABLES.values():
            fill(db, ids)
        refresh_aggregates(db)
    db.conn.commit()
    return {"rules": len(rules), "passages": db["passages"].count}


CHECK_UPDATE = "update checks set cells = ?, page = ?, message_zh = ? where id = ?"
PASSAGE_COLUMNS = ("id", "section_id", "report_id", "code", "name_zh", "kind", "text", "grams")
PASSAGE_INSERT = f"insert into passages ({', '.join(PASSAGE_COLUMNS)}) values ({', '.join('?' * len(PASSAGE_COLUMNS))})"


def _insert_passages(conn, section_rows) -> None:
    """`passage_rows` of (id, report_id, code, name_zh, text) rows, inserted as they come."""
    keys = ("id", "report_id", "code", "name_zh", "text")
    sections = (dict(zip(keys, r)) for r in section_rows)
    conn.executemany(PASSAGE_INSERT, (tuple(p[k] for k in PASSAGE_COLUMNS) for p in passage_rows(sections)))


def _check_update(c: dict, reports: dict, pages: dict, rules: dict) -> tuple:
    """(cells, page, message_zh, id) of a check: the definition `_CheckExplainer` memoises."""
    rep = reports.get(c["report_id"]) or {}
    refs = check_cells(c["rule"], c["scope"], c["found"], rep.get("template"), rep.get("t3_rows"))
    on_pages = sorted({p for p in (pages.get((c["report_id"], ref)) for ref in refs) if p is not None})
    rule = rules.get(c["rule"])
    msg = message_zh(rule, c["status"], scope_label(c["rule"], c["scope"], rep.get("template")),
                     c["expected"], c["found"]) if rule else None
    return (json.dumps(refs), on_pages[0] if on_pages else None, msg, c["id"])


class _CheckExplainer:
    """`_check_update` of a checks row tuple (id, report_id, rule, status, scope, expected, found), with
    what repeats memoised: the cells a check reads depend on (rule, scope, template, t3_rows) only (and
    `found` for rule 5), its scope label on (rule, scope, template), a passing message on those and the
    status. The memos are cleared when they reach `limit` entries (bounded memory)."""

    def __init__(self, rules: dict, limit: int = 1 << 16):
        self.rules, self.limit = rules, limit
        self.refs: dict = {}
        self.labels: dict = {}
        self.messages: dict = {}

    def __call__(self, row: tuple, reports: dict, pages: dict) -> tuple:
        cid, rid, rule_id, status, scope, expected, found = row
        rep = reports.get(rid)
        template, t3_rows = (rep["template"], rep["t3_rows"]) if rep else (None, None)
        key = (rule_id, scope, template, t3_rows, found if rule_id == "5" else None)
        memo = self.refs.get(key)
        if memo is None:
            refs = check_cells(rule_id, scope, found, template, t3_rows)
            memo = (json.dumps(refs), refs)
            self._put(self.refs, key, memo)
        page = None
        if pages:
            for ref in memo[1]:
                p = pages.get((rid, ref))
                if p is not None and (page is None or p < page):
                    page = p
        rule = self.rules.get(rule_id)
        msg = None
        if rule:
            lkey = (rule_id, scope, template)
            label = self.labels.get(lkey)
            if label is None:
                label = scope_label(rule_id, scope, template)
                self._put(self.labels, lkey, label)
            if status in ("fail", "warn"):
                msg = message_zh(rule, status, label, expected, found)
            else:  # expected and found are not in the message
                mkey = (lkey, status)
                msg = self.messages.get(mkey)
                if msg is None:
                    msg = message_zh(rule, status, label, expected, found)
                    self._put(self.messages, mkey, msg)
        return (memo[0], page, msg, cid)

    def _put(self, memo: dict, key, value) -> None:
        if len(memo) >= self.limit:
            memo.clear()
        memo[key] = value
