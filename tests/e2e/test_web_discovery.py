"""End to end over real HTTP on the portal's ``web`` scenario (a province portal linking cities and
departments, a city linking its counties, layouts only the generic spider reads, a JPaaS county):

- ``ogi discover --site xiling`` finds every site and 年报 column of the web (``expected("web")["web"]``),
  fingerprints each family, and rejects the department that has no 年报 column;
- its trial crawl — a full crawl of the discovered registry — finds every expected report and takes no
  negative; ``ogi sources --accept`` adds only trial-confirmed rows;
- the generic spider alone (the unknown layouts have no module), on those sites, finds every report;
- no request leaves the hosts of the registry (discovery only the hosts the link sets name).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import ogi.portal as ogi_portal
from crawler import registry as reg
from crawler.spiders import FAMILY_MODULES

REPO = Path(__file__).resolve().parents[2]
OGI = [sys.executable, "-m", "ogi.cli"]


def ogi(*args):
    proc = subprocess.run(OGI + list(args), cwd=REPO, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, f"ogi {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def last_run(archive: Path) -> dict:
    run = sorted((archive / "runs").glob("*/summary.json"), key=lambda p: p.stat().st_mtime)[-1].parent
    items = [json.loads(x) for x in (run / "items.jsonl").read_text("utf-8").splitlines() if x.strip()]
    return {"summary": json.loads((run / "summary.json").read_text("utf-8")), "items": items}


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    truth = ogi_portal.expected("web")
    rows = ogi_portal.registry_rows("web")
    start = tmp / "start.yaml"
    reg.dump([r for r in rows if r["id"] == "xiling"], start)
    with ogi_portal.start_portal(port=0, scenario="web") as portal:
        ogi("discover", "--registry", str(start), "--site", "xiling", "--proxy", portal.url, "--no-delay",
            "--out", str(tmp / "candidates.yaml"), "--trial-archive", str(tmp / "trial"))
        hits = portal.hits.snapshot()
    accepted = tmp / "accepted.yaml"
    accepted.write_bytes(start.read_bytes())
    accept_out = ogi("sources", "--accept", str(tmp / "candidates.yaml"), "--registry", str(accepted))
    return {"truth": truth, "candidates": yaml.safe_load((tmp / "candidates.yaml").read_text("utf-8")),
            "trial": last_run(tmp / "trial"), "hits": hits, "accepted": reg.load_rows(accepted),
            "accept_out": accept_out.stdout + accept_out.stderr}


def _found(items, expected_reports):
    got_urls = {i["url"] for i in items if i["type"] == "report"}
    got_keys = {(i["agency"], i["year"]) for i in items if i["type"] == "report"}
    missing = [r["title"] for r in expected_reports
               if not ({r["url"], *r.get("mirrors", [])} & got_urls) and (r["agency"], r["year"]) not in got_keys]
    return missing


def test_discovery_finds_every_site_and_annual_report_column(web):
    cands = web["candidates"]
    found = {c["discovery"]["host"]: c for c in cands["candidates"] + cands["rejected"]}
    want = {w["host"]: w for w in web["truth"]["web"]}
    assert set(found) == set(want)  # every site of the web, and nothing else (not gov.cn, not 人民网)
    for host, w in want.items():
        assert sorted(found[host]["entry_urls"]) == sorted(w["columns"]), host
        assert found[host]["level"] == w["level"], host
        assert found[host]["agency"] == w["agency"], host
        if w["linked_from"]:
            assert found[host]["discovery"]["via"]["link_set"] == w["linked_from"]["link_set"], host


def test_discovery_fingerprints_families_and_rejects_the_site_without_a_column(web):
    cands = web["candidates"]
    by_host = {c["discovery"]["host"]: c for c in cands["candidates"]}
    for w in web["truth"]["web"]:
        if not w["columns"]:
            assert w["host"] not in by_host
            continue
        c = by_host[w["host"]]
        assert c["family"] == (w["layout"] if w["generic_only"] else w["family"]), w["host"]
        assert c["discovery"]["columns"][0]["marker"], w["host"]  # the evidence names the marker
        assert c["discovery"]["trial"]["reports"] >= 1
    assert [r["rejected"] for r in cands["rejected"]] == ["no 年报 column found on the site"]


def test_full_crawl_of_the_discovered_registry_finds_every_report_and_no_negative(web):
    truth, items = web["truth"], web["trial"]["items"]
    assert _found(items, truth["reports"]) == []
    negatives = {n["url"] for n in truth["negatives"]}
    assert [i["url"] for i in items if i["type"] == "report" and i["url"] in negatives] == []
    known = {u for r in truth["reports"] for u in [r["url"], *r.get("mirrors", [])]}
    assert [i["url"] for i in items if i["type"] == "report" and i["url"] not in known] == []
    by_url = {r["url"]: r for r in truth["reports"]}
    reports = [i for i in items if i["type"] == "report" and i["url"] in by_url]
    assert all(i["year"] == by_url[i["url"]]["year"] for i in reports)
    assert sum(i["agency"] == by_url[i["url"]]["agency"] for i in reports) >= 0.95 * len(reports)
    assert web["trial"]["summary"]["errors"] == []


def test_generic_spider_alone_reads_every_unknown_layout(web):
    """The unknown layouts' candidate rows carry their layout label as family, which no module has: in the
    trial crawl the generic spider alone read them."""
    host_site = {w["host"]: w["site_id"] for w in web["truth"]["web"] if w["generic_only"]}
    assert len(host_site) >= 3
    cand = {c["id"]: host_site[c["discovery"]["host"]] for c in web["candidates"]["candidates"]
            if c["discovery"]["host"] in host_site}
    assert set(cand.values()) == set(host_site.values())
    assert not set(c["family"] for c in web["candidates"]["candidates"] if c["id"] in cand) & set(FAMILY_MODULES)
    items = [i for i in web["trial"]["items"] if i["site"] in cand]
    want = [r for r in web["truth"]["reports"] if r["site_id"] in set(cand.values())]
    assert _found(items, want) == []
    reports = [i for i in items if i["type"] == "report"]
    negatives = {n["url"] for n in web["truth"]["negatives"]}
    assert [i["url"] for i in reports if i["url"] in negatives] == []
    assert {i["url"] for i in reports} <= {r["url"] for r in want}
    assert {i["family"] for i in reports} == {"generic"}


def test_no_request_leaves_the_registry_hosts(web):
    web_hosts = {w["host"] for w in web["truth"]["web"]}
    assert set(web["hits"]) <= web_hosts  # the 其他网站 links (gov.cn, 人民网) were never requested
    cand_hosts = {c["discovery"]["host"] for c in web["candidates"]["candidates"]}
    assert set(web["trial"]["summary"]["host_requests"]) <= cand_hosts


def test_accept_adds_the_trial_confirmed_candidates_once(web):
    rows = web["accepted"]
    cands = web["candidates"]["candidates"]
    assert reg.validate(rows) == []
    # the province's own column was in the registry already; every other candidate is added once
    assert len(rows) == 1 + len(cands) - 1
    assert {u for r in rows for u in r["entry_urls"]} == {u for c in cands for u in c["entry_urls"]}
    assert "already in the registry" in web["accept_out"]


def test_a_family_module_that_finds_nothing_falls_back_to_the_generic_spider(tmp_path):
    """A row with the wrong family (a site that changed its CMS): the TRS spider finds nothing, the
    generic spider then reads the site in the same run."""
    rows = [dict(r, family="trs-wcm") for r in ogi_portal.registry_rows("web") if r["id"] == "mingxi"]
    reg.dump(rows, tmp_path / "sources.yaml")
    want = [r for r in ogi_portal.expected("web")["reports"] if r["site_id"] == "mingxi"]
    with ogi_portal.start_portal(port=0, scenario="web") as portal:
        ogi("crawl", "--registry", str(tmp_path / "sources.yaml"), "--proxy", portal.url, "--no-delay",
            "--archive", str(tmp_path / "archive"))
    run = last_run(tmp_path / "archive")
    (site,) = run["summary"]["sites"]
    assert (site["status"], site.get("fallback")) == ("ok", "generic")
    assert _found(run["items"], want) == []
