"""End to end: demo portal over real HTTP → Scrapy crawl (subprocess) → archive → build → Datasette."""
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pipeline(built_demo):
    return built_demo


def test_every_bundled_report_present_with_year_and_agency(pipeline):
    conn = sqlite3.connect(pipeline["db"])
    got = {(a, y) for a, y in conn.execute("select agency, year from reports")}
    want = {(r["agency"], r["year"]) for r in pipeline["expected"]["reports"]}
    assert want - got == set(), f"missing reports: {sorted(want - got)}"
    # the bundled real documents specifically: the five seeds (2020) and the Pingtan 2023 report
    years = dict(conn.execute("select agency, year from reports where agency like '%平潭综合实验区行政审批局%'"))
    assert years == {"平潭综合实验区行政审批局": 2023}
    assert conn.execute("select count(*) from reports where year = 2020 and id in "
                        "(select report_id from documents where format = 'text')").fetchone()[0] == 5


def test_second_crawl_adds_no_duplicate_documents(pipeline):
    first, second = pipeline["first"], pipeline["second"]
    assert second["documents"] == first["documents"]
    assert second["reports"] == first["reports"]
    assert second["crawl_runs"] == first["crawl_runs"] + 1
    conn = sqlite3.connect(pipeline["db"])
    assert conn.execute("select count(*) - count(distinct url || sha256) from documents").fetchone()[0] == 0


def test_archive_blobs_are_content_addressed(pipeline):
    import hashlib

    blobs = [p for p in (pipeline["archive"] / "blobs").rglob("*") if p.is_file()]
    assert blobs
    for p in blobs[:50]:
        assert hashlib.sha256(p.read_bytes()).hexdigest() == p.name


def test_datasette_serves_tables_and_canned_queries(pipeline):
    from datasette.app import Datasette

    metadata = json.loads((REPO / "metadata.json").read_text("utf-8"))
    ds = Datasette([str(pipeline["db"])], metadata=metadata, immutables=[])

    async def go():
        out = {}
        for table in ("sites", "documents", "reports", "sections", "cells", "checks", "issues", "crawl_runs",
                      "agencies", "agency_aliases", "indicators_wide", "rejected_pages"):
            r = await ds.client.get(f"/ogi/{table}.json?_shape=array&_size=max")
            assert r.status_code == 200, (table, r.text[:500])
            out[table] = r.json()
        for q, params in {"search": "q=复议", "failed_checks": "", "requests_by_year": "",
                          "table3": "report_id=x", "agency_series": "agency_id=x",
                          "panel_cell_series": "agency_id=x&tbl=t3&row_code=new_received&col_code=total"}.items():
            r = await ds.client.get(f"/ogi/{q}.json?_shape=array&{params}")
            assert r.status_code == 200, (q, r.text[:500])
        # Chinese search works for 1-, 2- and 3+-character queries (trigram FTS alone misses 1–2)
        from urllib.parse import quote

        for word in ("诉", "复议", "信息处理费"):
            r = await ds.client.get(f"/ogi/search.json?_shape=array&q={quote(word)}")
            hits = r.json()
            assert hits and all(word in h["context"] or word in h["section"] for h in hits[:20]), word
        r = await ds.client.get("/ogi/failed_checks.json?_shape=array")
        assert {row["rule"] for row in r.json()} <= {"1", "2", "3", "4", "5"}
        r = await ds.client.get("/ogi/reports")
        assert r.status_code == 200 and "年度报告" in r.text
        return out

    data = asyncio.run(go())
    want = {(r["agency"], r["year"]) for r in pipeline["expected"]["reports"]}
    assert {(r["agency"], r["year"]) for r in data["reports"]} >= want


def test_reports_that_contradict_themselves_are_flagged(pipeline):
    """The portal prints a few inconsistent totals, as real reports do: exactly those fail identities,
    and a blank 法人 block makes identities not assessable instead of failing."""
    conn = sqlite3.connect(pipeline["db"])
    failed = {f"{r[0]}-{r[1]}" for r in conn.execute("select agency, year from reports where checks_failed > 0")}
    values = {(r["agency"], r["year"]): r.get("values") or {} for r in pipeline["expected"]["reports"]}
    misprinted = {f"{a}-{y}" for (a, y), v in values.items() if v.get("misprint") in ("zero_total", "total_off")}
    assert misprinted and misprinted <= failed
    assert failed - misprinted == set(), f"reports failing identities they do not break: {failed - misprinted}"
    blank = {f"{a}-{y}" for (a, y), v in values.items() if v.get("misprint") == "blank_legal_person"}
    for key in blank:
        (rid,) = conn.execute("select id from reports where agency || '-' || year = ?", (key,)).fetchone()
        row = conn.execute("select checks_failed, checks_not_assessable from reports where id = ?", (rid,)).fetchone()
        assert row is not None and row[0] == 0 and row[1] > 0, (rid, row)
        assert conn.execute("select count(*) from cells where report_id = ? and col_code = 'commercial' "
                            "and value is null", (rid,)).fetchone()[0] > 0  # blank stays NULL, not 0
