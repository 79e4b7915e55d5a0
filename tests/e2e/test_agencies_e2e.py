"""End to end (demo portal over real HTTP → crawl → build): agencies as entities.

The portal's ground truth says which reports exist (one entry per (agency, year)); a report copied to
another site under another spelling is a `mirrors` URL of its entry (`mirror_titles` keeps the spelling).
"""
import sqlite3

import pytest

from normalize.agency_names import CHROME, clean_name


@pytest.fixture(scope="module")
def db(built_demo):
    conn = sqlite3.connect(built_demo["db"])
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def test_one_report_per_agency_and_year(db, built_demo):
    want = {(r["agency"], r["year"]) for r in built_demo["expected"]["reports"]}
    rows = db.execute("select agency_id, agency, year from reports").fetchall()
    assert len(rows) == len(want) == len({(r["agency_id"], r["year"]) for r in rows})
    assert {(r["agency"], r["year"]) for r in rows} == want


def test_same_report_on_two_sites_under_two_spellings_is_one_report_with_two_documents(db, built_demo):
    copies = [r for r in built_demo["expected"]["reports"] if r.get("mirror_titles")]
    assert copies, "the demo portal hosts a report on two sites under two spellings"
    for r in copies:
        (rep,) = db.execute("select * from reports where agency = ? and year = ?", (r["agency"], r["year"])).fetchall()
        docs = db.execute("select url, site_id, report_role from documents where report_id = ?", (rep["id"],)).fetchall()
        assert {d["url"] for d in docs} == {r["url"], *r["mirrors"]} and len(docs) == 2
        assert {d["report_role"] for d in docs} == {"page", "copy"} and len({d["site_id"] for d in docs}) == 2
        spellings = {a["alias"] for a in db.execute(
            "select alias from agency_aliases where agency_id = ? and source != 'site'", (rep["agency_id"],))}
        printed = {t.split(str(r["year"]))[0] for t in [r["title"], *r["mirror_titles"].values()]}
        assert printed <= spellings and len(printed) == 2


def test_no_agency_is_page_chrome_and_regions_are_whole(db):
    names = [r[0] for r in db.execute("select agency from reports union select name from agencies")]
    assert names and all(clean_name(n) == n and n not in CHROME for n in names)
    places = ("省", "市", "县", "区", "旗", "州", "盟", "乡", "镇", "街道")
    cut = [(n, r) for n, r in db.execute("select name, region from agencies where region is not null")
           if n.startswith(r) and not r.endswith(places)]  # a region from the name is whole place names
    assert cut == []


def test_pages_the_crawler_rejected_are_never_reports(db, built_demo):
    negatives = {n["url"] for n in built_demo["expected"]["negatives"]}
    in_docs = {r[0] for r in db.execute("select url from documents")}
    assert negatives & in_docs == set()
    rejected = {r["url"]: r for r in db.execute("select * from rejected_pages")}
    fetched_negatives = [n for n in built_demo["expected"]["negatives"] if n["site_id"] == "ptgwh"]
    assert fetched_negatives and all(rejected[n["url"]]["verdict"] == "negative" for n in fetched_negatives)
    assert not db.execute("select 1 from reports where agency like '%事业单位%'").fetchall()


def test_one_agencys_series_across_all_years(db):
    (aid,) = db.execute("select agency_id from agencies where name = '青屿市人民政府'").fetchone()
    series = db.execute("select year, template, requests_new, source from indicators_wide "
                        "where agency_id = ? order by year", (aid,)).fetchall()
    years = [r["year"] for r in series]
    assert years == sorted(set(years)) and len(years) == 18
    assert all(r["source"] == "cells" for r in series if r["template"] in ("2019", "2021") and r["requests_new"] is not None)
    panel = db.execute("select year, value from panel where agency_id = ? and tbl = 't3' and row_code = 'new_received' "
                       "and col_code = 'total' order by year", (aid,)).fetchall()
    wide = {r["year"]: r["requests_new"] for r in series}
    assert panel and all(wide[p["year"]] == p["value"] for p in panel)
