"""`ogi discover` and the review side of `ogi sources` (crawler/discover.py does the work).

    ogi discover --site <registry id> [--proxy URL] [--no-delay] [--out data/discover/candidates.yaml]
    ogi sources --candidates data/discover/candidates.yaml      # review: sites, columns, evidence, trial
    ogi sources --accept data/discover/candidates.yaml [--ids a,b] [--registry crawler/sources.yaml]
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "data" / "discover" / "candidates.yaml"
console = Console(stderr=True)


@click.command()
@click.option("--registry", type=click.Path(exists=True, dir_okay=False), help="Registry YAML (default: crawler/sources.yaml).")
@click.option("--site", "sites", multiple=True, required=True, help="Start from this registry row (a province or city portal; repeatable).")
@click.option("--depth", default=2, show_default=True, help="Levels of subordinate sites (province → city → county is 2).")
@click.option("--out", type=click.Path(dir_okay=False), default=str(OUT), show_default=True, help="Candidates file to write.")
@click.option("--trial-archive", type=click.Path(file_okay=False), help="Archive of the trial crawl (default: next to --out).")
@click.option("--proxy", help="Send every request through this HTTP proxy (e.g. the demo portal).")
@click.option("--no-delay", is_flag=True, help="Turn off per-host delays and AutoThrottle (local portals only).")
@click.option("--log-level", default="WARNING", show_default=True)
def discover(registry, sites, depth, out, trial_archive, proxy, no_delay, log_level):
    """Walk a portal's government-site navigation for subordinate sites and their 年报 columns,
    fingerprint their CMS family, trial-crawl them and write candidate registry rows with evidence."""
    from crawler import discover as disc
    from crawler import registry as reg

    rows = [r for r in reg.load_rows(registry) if r["id"] in sites]
    if not rows:
        raise click.ClickException(f"no registry row with id {', '.join(sites)}")
    out = Path(out)
    trial_archive = Path(trial_archive or out.parent / "trial-archive")
    with console.status("discover: walking the navigation…"):
        found = disc.discover(rows, str(trial_archive), proxy=proxy, no_delay=no_delay, max_depth=depth,
                              log_level=log_level)
    crawlable = [c for c in found if c["entry_urls"]]
    console.print(f"discover: {len(found)} sites, {len(crawlable)} with a 年报 column; trial crawl…")
    summary, items = {}, []
    if crawlable:
        with tempfile.TemporaryDirectory() as tmp:
            trial_reg = Path(tmp) / "candidates.yaml"
            reg.dump(crawlable, trial_reg)
            args = [sys.executable, "-m", "ogi.cli", "crawl", "--registry", str(trial_reg), "--archive", str(trial_archive),
                    "--log-level", log_level]
            if proxy:
                args += ["--proxy", proxy]
            if no_delay:
                args.append("--no-delay")
            subprocess.run(args, cwd=REPO, check=False)
        runs = sorted((trial_archive / "runs").glob("*/summary.json"), key=lambda p: p.stat().st_mtime)
        if runs:
            summary = json.loads(runs[-1].read_text("utf-8"))
            items = disc._jsonl(runs[-1].parent / "items.jsonl")
    accepted, rejected = disc.judge(found, summary, items)
    disc.dump_candidates(out, accepted, rejected, [r["id"] for r in rows])
    show(accepted, rejected)
    console.print(f"wrote {out}: {len(accepted)} candidates (trial found reports), {len(rejected)} rejected; "
                  f"review with `ogi sources --candidates {out}`, add with `ogi sources --accept {out}`")


def show(accepted, rejected) -> None:
    t = Table(title=f"discovered: {len(accepted)} candidates, {len(rejected)} rejected")
    for col in ("id", "agency", "level", "family", "columns", "found via", "trial", "verdict"):
        t.add_column(col, overflow="fold")
    for c, verdict in [(c, "candidate") for c in accepted] + [(c, c.get("rejected", "")) for c in rejected]:
        d = c.get("discovery") or {}
        via = d.get("via") or {}
        trial = d.get("trial") or {}
        t.add_row(c["id"], c.get("agency") or "", c.get("level") or "", c["family"], "\n".join(c["entry_urls"]),
                  f"{via.get('link_set', 'start')}: {via.get('link_text', '')}" if via else "start",
                  str(trial.get("reports", "-")), verdict)
    Console().print(t)


def review(registry, candidates_path, accept_path, ids) -> None:
    from crawler import discover as disc
    from crawler import registry as reg

    if candidates_path:
        data = disc.load_candidates(candidates_path)
        show(data["candidates"], data["rejected"])
    if accept_path:
        data = disc.load_candidates(accept_path)
        path = Path(registry) if registry else reg.DEFAULT_REGISTRY
        rows = reg.load_rows(path)
        merged, notes = disc.accept(data["candidates"], rows, set(ids.split(",")) if ids else None)
        problems = reg.validate(merged)
        if problems:
            raise click.ClickException("registry problems:\n  " + "\n  ".join(problems))
        reg.dump(merged, path)
        for n in notes:
            console.print(n)
        console.print(f"registry {path}: {len(merged) - len(rows)} rows added ({len(merged)} in all)")
