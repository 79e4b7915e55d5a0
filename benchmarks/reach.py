"""Print the reach figures of the crawler (issue 14): registry coverage, discovery on the local web,
the generic spider on unknown layouts and on the known families, requests per report, crawl time.

    .venv/bin/python benchmarks/reach.py            # delays off (about a minute)
    .venv/bin/python benchmarks/reach.py --polite   # also the web crawl at default politeness (minutes)

Recall is counted per expected report (found under its URL, a mirror URL, or its (agency, year));
precision is the share of reports found that the portal's ground truth lists (reports or lost).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler import registry as reg  # noqa: E402
from crawler.spiders import FAMILY_MODULES  # noqa: E402
from ogi.portal import expected, registry_rows, start_portal  # noqa: E402


def ogi(*args) -> float:
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "ogi.cli", *args], cwd=REPO, check=True, capture_output=True)
    return time.monotonic() - t0


def last_run(archive: Path) -> dict:
    run = sorted((archive / "runs").glob("*/summary.json"), key=lambda p: p.stat().st_mtime)[-1].parent
    items = [json.loads(x) for x in (run / "items.jsonl").read_text("utf-8").splitlines() if x.strip()]
    return {"summary": json.loads((run / "summary.json").read_text("utf-8")), "items": items}


def score(items: list[dict], truth: dict, sites: set[str]) -> dict:
    want = [r for r in truth["reports"] if r["site_id"] in sites]
    reports = [i for i in items if i["type"] == "report"]
    urls = {i["url"] for i in reports}
    keys = {(i.get("agency"), i.get("year")) for i in reports}
    found = sum(1 for r in want if ({r["url"], *r.get("mirrors", [])} & urls) or (r["agency"], r["year"]) in keys)
    known = {u for r in truth["reports"] + truth.get("lost", []) for u in [r["url"], *r.get("mirrors", [])]}
    negatives = {n["url"] for n in truth["negatives"]}
    return {"found": found, "expected": len(want), "recall": found / max(len(want), 1),
            "precision": sum(1 for u in urls if u in known) / max(len(urls), 1),
            "negatives_taken": sum(1 for u in urls if u in negatives)}


def crawl(rows: list[dict], scenario: str, polite: bool = False) -> tuple[dict, float]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        reg.dump(rows, tmp / "sources.yaml")
        with start_portal(port=0, scenario=scenario) as portal:
            args = ["crawl", "--registry", str(tmp / "sources.yaml"), "--proxy", portal.url, "--archive", str(tmp / "a")]
            seconds = ogi(*(args if polite else args + ["--no-delay"]))
        return last_run(tmp / "a"), seconds


def line(label: str, s: dict, requests: int | None = None, seconds: float | None = None) -> str:
    out = (f"{label:<44} recall {s['found']:>3}/{s['expected']:<3} = {s['recall']:.3f}   precision {s['precision']:.3f}"
           f"   negatives taken {s['negatives_taken']}")
    if requests is not None:
        out += f"   requests/report {requests / max(s['found'], 1):.2f}"
    if seconds is not None:
        out += f"   {seconds:.1f} s"
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--polite", action="store_true", help="also crawl the web at default politeness (slow)")
    args = ap.parse_args()

    rows = reg.load_rows()
    enabled = [r for r in rows if r.get("enabled", True)]
    by_module = sum(1 for r in enabled if r["family"] in FAMILY_MODULES and r["family"] != "generic")
    print(f"registry crawler/sources.yaml: {len(enabled)}/{len(rows)} rows enabled "
          f"({by_module} read by a family module, {len(enabled) - by_module} by the generic spider)")

    truth = expected("web")
    web = truth["web"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        reg.dump([r for r in registry_rows("web") if r["id"] == "xiling"], tmp / "start.yaml")
        with start_portal(port=0, scenario="web") as portal:
            seconds = ogi("discover", "--registry", str(tmp / "start.yaml"), "--site", "xiling", "--proxy", portal.url,
                          "--no-delay", "--out", str(tmp / "c.yaml"), "--trial-archive", str(tmp / "trial"))
        cands = yaml.safe_load((tmp / "c.yaml").read_text("utf-8"))
        trial = last_run(tmp / "trial")
    found_sites = {c["discovery"]["host"] for c in cands["candidates"] + cands["rejected"]}
    want_sites = {w["host"] for w in web}
    found_cols = {u for c in cands["candidates"] for u in c["entry_urls"]}
    want_cols = {u for w in web for u in w["columns"]}
    fam_ok = sum(1 for c in cands["candidates"] for w in web if w["host"] == c["discovery"]["host"]
                 and c["family"] == (w["layout"] if w["generic_only"] else w["family"]))
    print(f"discovery from the province (web scenario, {seconds:.1f} s with its trial crawl):")
    print(f"  sites    recall {len(found_sites & want_sites)}/{len(want_sites)}   precision "
          f"{len(found_sites & want_sites)}/{len(found_sites)}")
    print(f"  年报 columns recall {len(found_cols & want_cols)}/{len(want_cols)}   precision "
          f"{len(found_cols & want_cols)}/{len(found_cols)}   families fingerprinted right {fam_ok}/{len(cands['candidates'])}")
    print(f"  candidates {len(cands['candidates'])} (trial found reports), rejected {len(cands['rejected'])}")
    sites = {c["id"]: c["discovery"]["host"] for c in cands["candidates"]}
    host_site = {w["host"]: w["site_id"] for w in web}
    items = [dict(i, site=host_site.get(sites.get(i["site"]), i["site"])) for i in trial["items"]]
    print(line("  crawl of the discovered registry", score(items, truth, set(host_site.values())),
               trial["summary"]["totals"]["requests"]))

    generic_sites = {w["site_id"] for w in web if w["generic_only"]}
    rows_g = [dict(r, family="generic") for r in registry_rows("web") if r["id"] in generic_sites]
    run, seconds = crawl(rows_g, "web")
    print(line(f"generic spider, unknown layouts ({len(rows_g)} sites)", score(run["items"], truth, generic_sites),
               run["summary"]["totals"]["requests"], seconds))

    demo = expected("demo")
    rows_k = registry_rows("demo")
    for fam in sorted({r["family"] for r in rows_k}):
        fam_rows = [r for r in rows_k if r["family"] == fam]
        ids = {r["id"] for r in fam_rows}
        run_f, sec_f = crawl(fam_rows, "demo")
        run_g, sec_g = crawl([dict(r, family="generic") for r in fam_rows], "demo")
        print(line(f"{fam:<18} family spider", score(run_f["items"], demo, ids), run_f["summary"]["totals"]["requests"], sec_f))
        print(line(f"{fam:<18} generic spider (fallback)", score(run_g["items"], demo, ids),
                   run_g["summary"]["totals"]["requests"], sec_g))

    web_rows = registry_rows("web")
    all_sites = {r["id"] for r in web_rows}
    modes = [False, True] if args.polite else [False]
    for polite in modes:
        run, seconds = crawl(web_rows, "web", polite=polite)
        print(line(f"web scenario, every site ({'default politeness' if polite else 'delays off'})",
                   score(run["items"], truth, all_sites), run["summary"]["totals"]["requests"], seconds))


if __name__ == "__main__":
    main()
