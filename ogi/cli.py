"""`ogi`: crawl portals, build the database, serve it, or run the whole demo.

    ogi crawl   fetch reports from the portals in the registry into the raw archive
    ogi build   build data/ogi.db from the archive alone
    ogi nightly the scheduled run: locked incremental crawl, build, atomic publish, summary
    ogi serve   serve data/ogi.db with Datasette
    ogi demo    start the bundled demo portal, crawl it, build, serve
    ogi parse   parse documents and print their tables (or --json)
    ogi sources list and validate the registry; review and accept discovered candidates
    ogi discover walk a portal's navigation for subordinate sites and their 年报 columns, trial-crawl them
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
ARCHIVE = DATA / "archive"
DB = DATA / "ogi.db"
console = Console(stderr=True)


class _Main(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # an unreadable registry: one line, exit 1, no traceback (its module, and pydantic, are not
            # imported for commands that never read the registry: 0.25 s of `ogi parse`)
            schema = sys.modules.get("crawler.registry_schema")
            if schema is not None and isinstance(exc, schema.RegistryError):
                raise click.ClickException(str(exc)) from None
            raise


@click.group(cls=_Main)
@click.version_option("0.1.0", prog_name="ogi")
def main():
    """ogi-reports: the open corpus of China's government information disclosure annual reports."""


# -- crawl ---------------------------------------------------------------------------------------
def _select(rows: list[dict], sites: tuple[str, ...], families: tuple[str, ...]) -> list[dict]:
    if sites:
        rows = [r for r in rows if r["id"] in sites]
    if families:
        rows = [r for r in rows if r["family"] in families]
    return rows


def run_crawl(rows: list[dict], archive: Path, *, proxy=None, no_delay=False, log_level="WARNING",
              overrides=None, incremental=False) -> dict:
    from crawler.run import crawl

    counts = {"responses": 0, "reports": 0, "attachments": 0, "negatives": 0}
    with Progress(SpinnerColumn(), TextColumn("[bold]crawl[/] {task.description}"), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        task = progress.add_task("starting…", total=None)

        def on_event(kind, data):
            if kind == "response":
                counts["responses"] += 1
            elif kind == "item":
                key = {"report": "reports", "attachment": "attachments", "negative": "negatives"}.get(data.get("type"))
                if key:
                    counts[key] += 1
            progress.update(task, description=(
                f"{counts['responses']} responses · {counts['reports']} report pages · "
                f"{counts['attachments']} attachments · {counts['negatives']} negatives rejected"))

        summary = crawl(rows, str(archive), proxy=proxy, no_delay=no_delay, log_level=log_level,
                        on_event=on_event, overrides=overrides, incremental=incremental)
    _print_summary(summary)
    return summary


def _print_summary(summary: dict) -> None:
    t = Table(title=f"crawl run {summary['run_id']}")
    for col in ("site", "family", "status", "reports", "pages", "attachments", "negatives", "errors"):
        t.add_column(col)
    for s in summary["sites"]:
        style = {"ok": "green", "error": "red", "blocked": "yellow"}.get(s["status"], "")
        t.add_row(s["site"], s["family"], f"[{style}]{s['status']}[/]" if style else s["status"], str(s["reports"]),
                  str(s["report_pages"]), str(s["attachments"]), str(s["negatives"]), str(s["errors"]))
    console.print(t)
    for e in summary["errors"]:
        console.print(f"[red]error[/] {e['site']}: {e['error']}")
    for b in summary["blocked_hosts"]:
        if b["kind"] == "unreachable":
            status = f"HTTP {b['first_status']}" if b.get("first_status") else "no HTTP answer: DNS or connection failed"
            console.print(f"[yellow]unreachable[/] {b['host']} ({status})")
        else:
            console.print(f"[yellow]blocked[/] {b['host']}: {b['kind']} (HTTP {b['first_status']}), left alone for this run")


@main.command()
@click.option("--registry", type=click.Path(exists=True, dir_okay=False), help="Registry YAML (default: crawler/sources.yaml).")
@click.option("--site", "sites", multiple=True, help="Only this site id (repeatable).")
@click.option("--family", "families", multiple=True, help="Only sites of this CMS family (repeatable).")
@click.option("--archive", type=click.Path(file_okay=False), default=str(ARCHIVE), show_default=True)
@click.option("--proxy", help="Send every request through this HTTP proxy (e.g. the demo portal).")
@click.option("--no-delay", is_flag=True, help="Turn off per-host delays and AutoThrottle (local portals only).")
@click.option("--log-level", default="WARNING", show_default=True)
@click.option("--fail-on-error", is_flag=True, help="Exit with status 2 when the run summary has errors.")
@click.option("--redis", "redis_url", help="Distributed run: seed this Redis and let `ogi worker`s crawl (docs/OPERATIONS.md).")
@click.option("--workers", default=1, show_default=True, help="With --redis: local worker processes to start (0: only coordinate).")
def crawl(registry, sites, families, archive, proxy, no_delay, log_level, fail_on_error, redis_url, workers):
    """Crawl the portals of the registry into the raw archive."""
    from crawler import registry as reg

    rows = reg.load_rows(registry)
    problems = reg.validate(rows)
    if problems:
        raise click.ClickException("registry problems:\n  " + "\n  ".join(problems))
    rows = _select(rows, sites, families)
    if not rows:
        raise click.ClickException("no registry rows selected")
    if redis_url:
        from .worker import run_distributed_crawl
        summary = run_distributed_crawl(rows, Path(archive), redis=redis_url, workers=workers, proxy=proxy,
                                        no_delay=no_delay, log_level=log_level)
    else:
        summary = run_crawl(rows, Path(archive), proxy=proxy, no_delay=no_delay, log_level=log_level)
    if fail_on_error and summary["errors"]:
        sys.exit(2)


# -- build ---------------------------------------------------------------------------------------
def run_build(archive: Path, db: Path, *, use_cache: bool = True, full: bool = False) -> dict:
    """Build with the caches next to the database: DOC/WPS conversions and parse results (keyed by
    content, hints and parser version, so a parser change re-parses everything). Incremental unless
    `full` or something global changed (normalize/incremental.py): the published database is updated
    in a copy, only the agencies whose documents changed are rewritten."""
    from normalize.build import build

    with Progress(SpinnerColumn(), TextColumn("[bold]build[/] {task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
        tasks = {}

        def say(step, i, n):
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=n)
            progress.update(tasks[step], completed=i, total=n)

        counts = build(archive, db, progress=say, convert_cache=db.parent / "convert-cache",
                       parse_cache=db.parent / "parse-cache" if use_cache else None, full=full)
    console.print(f"[green]built[/] {db}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if k != "db"))
    return counts


@main.command()
@click.option("--archive", type=click.Path(file_okay=False), default=str(ARCHIVE), show_default=True)
@click.option("--db", type=click.Path(dir_okay=False), default=str(DB), show_default=True)
@click.option("--no-cache", is_flag=True, help="Parse every document again, ignoring the parse cache.")
@click.option("--full", is_flag=True, help="Write the whole database anew (default: update a copy of the "
                                           "published one where only some agencies changed).")
def build(archive, db, no_cache, full):
    """Build the SQLite database from the raw archive alone (atomic replace)."""
    if not Path(archive).exists():
        raise click.ClickException(f"no archive at {archive}: run `ogi crawl` first")
    run_build(Path(archive), Path(db), use_cache=not no_cache, full=full or no_cache)


# -- nightly -------------------------------------------------------------------------------------
@main.command()
@click.option("--registry", type=click.Path(exists=True, dir_okay=False), help="Registry YAML (default: crawler/sources.yaml).")
@click.option("--archive", type=click.Path(file_okay=False), default=str(ARCHIVE), show_default=True)
@click.option("--db", type=click.Path(dir_okay=False), default=str(DB), show_default=True)
@click.option("--full", is_flag=True, help="Re-fetch every page and attachment (weekly: finds revisions at the same URL).")
@click.option("--proxy", help="Send every request through this HTTP proxy (e.g. the demo portal).")
@click.option("--no-delay", is_flag=True, help="Turn off per-host delays and AutoThrottle (local portals only).")
@click.option("--log-level", default="WARNING", show_default=True)
@click.option("--redis", "redis_url", help="Crawl as a distributed run on this Redis (see `ogi crawl --redis`).")
@click.option("--workers", default=1, show_default=True, help="With --redis: local worker processes to start.")
def nightly(registry, archive, db, full, proxy, no_delay, log_level, redis_url, workers):
    """The scheduled run: crawl incrementally, rebuild, publish atomically, summarise.

    Holds an exclusive lock (nightly.lock next to the archive; a second run exits at once with status 75).
    Exit status: 0 ok; 2 published, but the run has errors; 1 the build failed and nothing was published.
    See docs/OPERATIONS.md."""
    from crawler import registry as reg

    from . import nightly as nb

    archive, db = Path(archive), Path(db)
    rows = reg.load_rows(registry)
    problems = reg.validate(rows)
    if problems:
        raise click.ClickException("registry problems:\n  " + "\n  ".join(problems))
    if not any(r.get("enabled", True) for r in rows):
        raise click.ClickException("no enabled registry rows")
    try:
        with nb.run_lock(nb.lock_path_for(archive)) as killed:
            summary = nb.run(rows, archive, db, full=full, killed=killed,
                             crawl=lambda rows, archive, **kw: _crawl_for(redis_url, workers)(rows, archive, **kw),
                             build=lambda a, d: run_build(a, d, full=full), proxy=proxy, no_delay=no_delay, log_level=log_level)
    except nb.Locked as exc:
        click.echo(f"ogi nightly: {exc}; not starting a second run", err=True)
        sys.exit(nb.EXIT_LOCKED)
    click.echo(nb.format_summary(summary))
    sys.exit(summary["exit_code"])


def _crawl_for(redis_url, workers):
    if not redis_url:
        return run_crawl
    from .worker import run_distributed_crawl
    return lambda rows, archive, **kw: run_distributed_crawl(rows, archive, redis=redis_url, workers=workers, **kw)


# -- serve ---------------------------------------------------------------------------------------
@main.command()
@click.option("--db", type=click.Path(dir_okay=False), default=str(DB), show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True)
@click.option("--template-dir", type=click.Path(exists=True, file_okay=False),
              help="Datasette template directory, looked up before the site's own templates.")
@click.option("--plugins-dir", type=click.Path(exists=True, file_okay=False), help="Datasette plugins directory.")
@click.option("--setting", "settings", multiple=True, type=(str, str),
              help="Datasette setting NAME VALUE (repeatable; overrides the defaults of ogi serve).")
def serve(db, host, port, template_dir, plugins_dir, settings):
    """Serve the database with Datasette; a republished build is picked up automatically."""
    from .serve import serve as _serve

    if not Path(db).exists():
        raise click.ClickException(f"{db} does not exist: run `ogi build` first")
    extra = (("--template-dir", template_dir) if template_dir else ()) + \
        (("--plugins-dir", plugins_dir) if plugins_dir else ()) + \
        tuple(a for name, value in settings for a in ("--setting", name, value))
    sys.exit(_serve(Path(db), host=host, port=port, extra=extra,
                    on_ready=lambda url: console.print(f"[bold green]Datasette is serving {url}[/] (Ctrl-C stops)")))


# -- demo ----------------------------------------------------------------------------------------
@main.command()
@click.option("--scenario", default="demo", show_default=True, help="Demo portal scenario.")
@click.option("--portal-port", default=0, help="Port of the demo portal (default: a free port).")
@click.option("--port", default=8001, show_default=True, help="Datasette port.")
@click.option("--polite", is_flag=True, help="Keep the default per-host delays (slower).")
@click.option("--no-serve", is_flag=True, help="Stop after building the database.")
def demo(scenario, portal_port, port, polite, no_serve):
    """Start the demo portal, crawl it, build data/ogi.db and serve it."""
    from crawler import registry as reg
    from ogi.portal import registry_rows, start_portal

    t0 = time.time()
    console.rule("[bold]1/4 demo portal")
    portal = start_portal(port=portal_port, scenario=scenario)
    try:
        console.print(f"demo portal ({scenario}) listening on {portal.url} as an HTTP proxy")
        rows = registry_rows(scenario)
        DATA.mkdir(exist_ok=True)
        reg_path = DATA / f"{scenario}-sources.yaml"
        reg.dump(rows, reg_path)
        console.print(f"registry for the demo: {reg_path} ({len(rows)} sites)")
        console.rule("[bold]2/4 crawl")
        run_crawl(rows, ARCHIVE, proxy=portal.url, no_delay=not polite)
    finally:
        portal.stop()
    console.rule("[bold]3/4 build")
    counts = run_build(ARCHIVE, DB)
    console.print(f"demo pipeline took {time.time() - t0:.1f} s")
    if no_serve:
        return
    console.rule("[bold]4/4 serve")
    from .serve import serve as _serve

    sys.exit(_serve(DB, port=port, on_ready=lambda url: console.print(
        f"[bold green]Datasette is serving {url}[/] — {counts['reports']} reports, {counts['documents']} documents"
        " (Ctrl-C stops)")))


# -- parse ---------------------------------------------------------------------------------------
@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (cells, checks, issues, pre-2019 "
              "indicators); with several files, one line per file: {\"path\": …, \"result\": {…}}.")
def parse(paths, as_json):
    """Parse documents (HTML, PDF, DOCX, DOC/WPS, text dump) and print their tables 2–4.

    Several files are read in one process, their isolated extractions in one warm child (as a build does)."""
    from normalize.extract.limits import warm_children
    from normalize.parse import parse_path

    with warm_children():
        for k, path in enumerate(paths):
            result = parse_path(path)
            if len(paths) == 1:
                _print_parsed(result, as_json)
            elif as_json:
                click.echo(json.dumps({"path": path, "result": result}, ensure_ascii=False))
            else:
                click.echo(("\n" if k else "") + f"==> {path} <==")
                _print_parsed(result, as_json)


def _print_parsed(result: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    from normalize.render import render_tables

    click.echo(render_tables(result))
    from normalize.indicators.render import render_indicators  # issue 12: pre-2019 statistics

    if result.get("indicators"):
        click.echo("\n" + render_indicators(result))
    issues = [i for i in result.get("issues") or [] if i.get("level") in ("error", "warning")]
    if issues:
        click.echo("\nissues:")
        for i in issues:
            click.echo(f"  {i.get('level')}: {i.get('rule')}: {i.get('message')}")
    failed = [c for c in result.get("checks") or [] if c.get("level") == "hard" and c.get("status") == "fail"]
    if failed:
        click.echo("\nfailed identities (the report contradicts itself):")
        for c in failed:
            click.echo(f"  rule {c.get('rule')} {c.get('scope')}: expected {c.get('expected')}, printed {c.get('found')}")


# -- sources -------------------------------------------------------------------------------------
@main.command()
@click.option("--registry", type=click.Path(exists=True, dir_okay=False))
@click.option("--all", "show_all", is_flag=True, help="Also list disabled rows.")
@click.option("--candidates", type=click.Path(exists=True, dir_okay=False),
              help="List the candidates of an `ogi discover` run (with their evidence) instead.")
@click.option("--accept", type=click.Path(exists=True, dir_okay=False),
              help="Add the candidates of this `ogi discover` file to the registry (each needs a trial report).")
@click.option("--ids", help="With --accept: only these candidate ids (comma-separated).")
def sources(registry, show_all, candidates, accept, ids):
    """List and validate the portal registry; review (--candidates) and accept (--accept) discovered sites."""
    from crawler import registry as reg

    if candidates or accept:
        from ogi.discover_cli import review
        review(registry, candidates, accept, ids)
        return
    rows = reg.load_rows(registry)
    problems = reg.validate(rows)
    if problems:  # malformed rows cannot be tabulated: say what is wrong, one line each
        for p in problems:
            console.print(f"[red]invalid[/] {p}", soft_wrap=True)
        sys.exit(1)
    t = Table(title=f"registry: {len(rows)} sites, {sum(1 for r in rows if r.get('enabled', True))} enabled")
    for col in ("id", "agency", "level", "family", "enabled", "entry url / reason"):
        t.add_column(col, overflow="fold")
    for r in rows:
        if not show_all and not r.get("enabled", True):
            continue
        t.add_row(r["id"], r.get("agency") or "", r.get("level") or "", r["family"],
                  "yes" if r.get("enabled", True) else "no",
                  r["entry_urls"][0] if r.get("enabled", True) else (r.get("disabled_reason") or ""))
    Console().print(t)
    if problems:
        for p in problems:
            console.print(f"[red]invalid[/] {p}")
        sys.exit(1)
    console.print("[green]registry is valid[/]")


from ogi.discover_cli import discover  # noqa: E402  (registers `ogi discover`)

main.add_command(discover)

from .worker import worker as _worker  # noqa: E402  (ogi worker: crawler/distributed.py)

main.add_command(_worker)


if __name__ == "__main__":
    main()
