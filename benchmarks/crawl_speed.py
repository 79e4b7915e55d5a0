"""Crawl the whole local portal and print the figures the crawler is judged by.

    .venv/bin/python benchmarks/crawl_speed.py [--scenario default] [--polite]

Prints reports found / expected, negatives rejected / present, requests per report found, and the
crawl time with delays off (and, with --polite, at default politeness: about 6 minutes).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler import registry as reg  # noqa: E402
from ogi.portal import expected, registry_rows, start_portal  # noqa: E402


def crawl_once(scenario: str, polite: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        reg.dump(registry_rows(scenario), tmp / "sources.yaml")
        with start_portal(port=0, scenario=scenario) as portal:
            args = [sys.executable, "-m", "ogi.cli", "crawl", "--registry", str(tmp / "sources.yaml"),
                    "--proxy", portal.url, "--archive", str(tmp / "archive")]
            if not polite:
                args.append("--no-delay")
            t0 = time.monotonic()
            subprocess.run(args, cwd=REPO, check=True, capture_output=True)
            seconds = time.monotonic() - t0
        run = next((tmp / "archive" / "runs").iterdir())
        summary = json.loads((run / "summary.json").read_text("utf-8"))
        items = [json.loads(l) for l in (run / "items.jsonl").read_text("utf-8").splitlines() if l.strip()]
    return {"seconds": seconds, "summary": summary, "items": items}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--polite", action="store_true", help="also crawl at default politeness (slow)")
    args = ap.parse_args()
    truth = expected(args.scenario)
    want = {(r["agency"], r["year"]) for r in truth["reports"]}
    negatives = {n["url"] for n in truth["negatives"]}
    modes = [False, True] if args.polite else [False]
    print(f"scenario {args.scenario}: {len(want)} expected reports, {len(negatives)} negatives in the lists")
    print(f"{'mode':<14}{'found/expected':>16}{'negatives taken':>17}{'requests':>10}{'req/report':>12}{'seconds':>10}")
    for polite in modes:
        r = crawl_once(args.scenario, polite)
        reports = [i for i in r["items"] if i["type"] == "report"]
        got = {(i.get("agency"), i.get("year")) for i in reports}
        taken = sum(1 for i in reports if i["url"] in negatives)
        requests = r["summary"]["totals"]["requests"]
        found = len(want & got)
        print(f"{'polite' if polite else 'delays off':<14}{f'{found}/{len(want)}':>16}{taken:>17}{requests:>10}"
              f"{requests / max(found, 1):>12.2f}{r['seconds']:>10.1f}")
    rejected = sum(1 for i in r["items"] if i["type"] == "negative")
    print(f"negatives rejected by title: {rejected} (present in lists: {len(negatives)})")


if __name__ == "__main__":
    main()
