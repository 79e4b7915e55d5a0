"""End to end: every spider against the local fixture portal over real HTTP (PORTALS.md §8.4).

The portal runs in this process (a background thread on a free 127.0.0.1 port); the crawl runs in a
subprocess (``ogi crawl --proxy <portal> --no-delay``), because the Twisted reactor cannot be restarted
in-process. The run's ``items.jsonl``, ``manifest.jsonl`` and ``summary.json`` are compared with the
portal's ground truth ``expected(scenario)``:

- recall: every expected report (on a reachable host) is found, under its URL or one of its mirrors;
- precision: no expected negative is taken as a report, and every report found is expected (or is a
  report the manifest lists as ``lost`` — a fault made it unreachable in the manifest's eyes);
- hostile hosts: each is reported once with the expected kind and hit at most twice;
- faults: every fault target was requested and its outcome recorded; the crawl survived them.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

import ogi.portal as ogi_portal
from crawler import registry as reg

REPO = Path(__file__).resolve().parents[2]
OGI = REPO / ".venv" / "bin" / "ogi"
SCENARIOS = [s for s in ("default", "hostile") if s in getattr(ogi_portal, "SCENARIOS", {"default": None})]
# the hostile scenario's slow page sleeps past the download timeout; keep both small so the test is fast
SLOW_SECONDS = 4.0
# only the scenario with a slow fault shortens the download timeout (a busy CI machine must not time
# out ordinary pages of the fault-free scenario)
CRAWL_SETTINGS = {"hostile": {"DOWNLOAD_TIMEOUT": 2.5}}
# what the run manifest must show for a request that met each fault
FAULT_EVENTS = {
    "slow": {"download_error", "request_failed", "response"},
    "flaky": {"response"},
    "truncated": {"download_error", "request_failed"},
    "reset": {"download_error", "request_failed"},
    "empty": {"bad_page"},
    "soft_404": {"bad_page"},
    "redirect_loop": {"redirect_loop"},
    "gzip_lie": {"download_error", "request_failed", "response"},
}


def _strip(url: str) -> str:
    return url.split("#")[0]


def _page(url: str) -> str:
    """A column page and its directory URL are the same page (``…/szf/`` = ``…/szf/index.html``)."""
    url = _strip(url).split("?")[0]
    for tail in ("index.html", "index.htm", "index.shtml"):
        if url.endswith("/" + tail):
            return url[: -len(tail)]
    return url


@pytest.fixture(scope="module", params=SCENARIOS)
def crawl(request, tmp_path_factory):
    scenario = request.param
    tmp = tmp_path_factory.mktemp(f"crawl-{scenario}")
    registry = tmp / "sources.yaml"
    reg.dump(ogi_portal.registry_rows(scenario), registry)
    archive = tmp / "archive"
    env = {**os.environ, "COLUMNS": "200", "OGI_SCRAPY_SETTINGS": json.dumps(CRAWL_SETTINGS.get(scenario, {}))}
    with ogi_portal.start_portal(port=0, scenario=scenario, slow_seconds=SLOW_SECONDS) as portal:
        started = time.monotonic()
        proc = subprocess.run([str(OGI), "crawl", "--registry", str(registry), "--proxy", portal.url, "--no-delay",
                               "--archive", str(archive)], capture_output=True, text=True, timeout=180, cwd=REPO,
                              env=env)
        seconds = time.monotonic() - started
    assert proc.returncode == 0, f"ogi crawl failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    (run,) = list((archive / "runs").iterdir())
    items = [json.loads(line) for line in (run / "items.jsonl").read_text("utf-8").splitlines() if line.strip()]
    manifest = [json.loads(line) for line in (run / "manifest.jsonl").read_text("utf-8").splitlines() if line.strip()]
    return {
        "scenario": scenario, "expected": ogi_portal.expected(scenario), "items": items, "manifest": manifest,
        "summary": json.loads((run / "summary.json").read_text("utf-8")), "seconds": seconds,
    }


def reports(c):
    return [i for i in c["items"] if i["type"] == "report"]


def test_every_expected_report_is_found(crawl):
    found = {_strip(r["url"]) for r in reports(crawl)}
    found_keys = {(r["agency"], r["year"]) for r in reports(crawl)}
    missing = []
    for r in crawl["expected"]["reports"]:
        urls = {_strip(u) for u in [r["url"], *r.get("mirrors", [])]}
        if not urls & found and (r["agency"], r["year"]) not in found_keys:
            missing.append((r["url"], r["title"]))
    assert missing == [], f"{len(missing)} expected reports not found: {missing[:10]}"


def test_found_reports_have_the_expected_year_and_agency(crawl):
    by_url = {}
    for r in crawl["expected"]["reports"]:
        for u in [r["url"], *r.get("mirrors", [])]:
            by_url[_strip(u)] = r
    wrong = [(f["url"], (f["agency"], f["year"]), (by_url[_strip(f["url"])]["agency"], by_url[_strip(f["url"])]["year"]))
             for f in reports(crawl) if _strip(f["url"]) in by_url
             and f["year"] != by_url[_strip(f["url"])]["year"]]
    assert wrong == []
    with_agency = [f for f in reports(crawl) if _strip(f["url"]) in by_url]
    same_agency = [f for f in with_agency if f["agency"] == by_url[_strip(f["url"])]["agency"]]
    assert len(same_agency) >= 0.95 * len(with_agency)


def test_no_negative_is_taken_and_nothing_unexpected(crawl):
    exp = crawl["expected"]
    negative_urls = {_strip(n["url"]) for n in exp["negatives"]}
    taken = [r["url"] for r in reports(crawl) if _strip(r["url"]) in negative_urls]
    assert taken == []
    known = set()
    for r in exp["reports"] + exp.get("lost", []):
        known |= {_strip(u) for u in [r["url"], *r.get("mirrors", [])]}
    unexpected = [(r["url"], r["title"]) for r in reports(crawl) if _strip(r["url"]) not in known]
    assert unexpected == []
    rejected = {_strip(i["url"]) for i in crawl["items"] if i["type"] == "negative"}
    listed_negatives = [n for n in exp["negatives"] if n.get("listed_in")]
    # negatives listed next to reports are recognised (those only in non-年报 categories are never seen)
    assert len(rejected & negative_urls) >= 0.8 * len(listed_negatives)


def test_hostile_hosts_reported_once_and_hit_at_most_twice(crawl):
    summary = crawl["summary"]
    blocked = {b["host"]: b["kind"] for b in summary["blocked_hosts"]}
    for hs in crawl["expected"]["host_status"]:
        host, want = hs["host"], hs["expected"]
        if want.startswith("blocked:") or want == "unreachable":
            assert blocked.get(host) == want, (host, want, blocked.get(host))
            assert summary["host_requests"].get(host, 0) <= 2, (host, summary["host_requests"].get(host))
        elif want == "robots_disallowed":
            assert host in summary["robots_disallowed"], host
            assert host not in blocked
        else:
            assert host not in blocked, (host, blocked.get(host))
    events = [e for e in crawl["manifest"] if e["event"] == "host_blocked"]
    assert len(events) == len({e["host"] for e in events})  # reported once per host


def test_every_fault_was_met_recorded_and_survived(crawl):
    faults = crawl["expected"].get("faults", [])
    if not faults:  # a portal without faults must give a clean run: no request failed (blocks aside)
        from urllib.parse import urlsplit

        ok_hosts = {h["host"] for h in crawl["expected"]["host_status"] if h["expected"] == "ok"}
        failed = [e for e in crawl["manifest"] if e["event"] in ("download_error", "request_failed")
                  and urlsplit(e["url"]).hostname in ok_hosts]
        assert failed == []
        return
    by_url: dict[str, set] = {}
    for e in crawl["manifest"]:
        by_url.setdefault(_page(e["url"]), set()).add(e["event"])
    found = {_strip(r["url"]) for r in reports(crawl)}
    covered = set()  # fault targets whose report was found under another of its URLs (gkmlpt vs 集约化)
    for r in crawl["expected"]["reports"] + crawl["expected"].get("lost", []):
        urls = {_strip(u) for u in [r["url"], *r.get("mirrors", [])]}
        if urls & found:
            covered |= urls
    unmet, unrecorded = [], []
    for f in faults:
        events = by_url.get(_page(f["url"]))
        if not events and _strip(f["url"]) not in covered:
            unmet.append(f)
        elif events and not events & FAULT_EVENTS.get(f["kind"], {"response"}):
            unrecorded.append((f, sorted(events)))
    assert unmet == [], f"fault targets never requested: {unmet}"
    assert unrecorded == [], f"fault outcomes not recorded: {unrecorded}"
    assert crawl["summary"]["totals"]["reports"] > 0  # and the crawl went on
