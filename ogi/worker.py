"""`ogi worker` and the coordinator side of `ogi crawl --redis` / `ogi nightly --redis` (the
distributed crawl itself is crawler/distributed.py; operating it: docs/OPERATIONS.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import click


def run_distributed_crawl(rows: list[dict], archive: Path, *, redis: str, workers: int = 1, proxy=None,
                          no_delay=False, log_level="WARNING", overrides=None, incremental=False,
                          idle: float | None = None, worker_ttl: float | None = None) -> dict:
    """Coordinate one run on Redis with `workers` local worker processes; prints progress and the summary."""
    from crawler import distributed

    from .cli import _print_summary, console

    last = {}

    def on_status(st):
        line = (f"queued {st['queued']} · in flight {st['inflight']} · workers alive {len(st['alive'])}"
                + (f" · lost {len(st['lost'])}" if st["lost"] else ""))
        if line != last.get("line"):
            last["line"] = line
            console.print(f"[bold]crawl[/] (redis) {line}")

    try:
        summary = distributed.crawl(rows, str(archive), redis, workers_to_start=workers, proxy=proxy,
                                    no_delay=no_delay, log_level=log_level, overrides=overrides,
                                    incremental=incremental,
                                    idle=distributed.DEFAULT_IDLE if idle is None else idle,
                                    worker_ttl=distributed.DEFAULT_WORKER_TTL if worker_ttl is None else worker_ttl,
                                    on_status=on_status)
    except distributed.RedisUnavailable as exc:
        raise click.ClickException(str(exc))
    _print_summary(summary)
    lost = summary.get("distributed", {}).get("lost_workers")
    if lost:
        console.print(f"[yellow]workers lost during the run[/] (their in-flight requests were requeued): {', '.join(lost)}")
    return summary


@click.command()
@click.option("--redis", "redis_url", required=True, help="Redis URL of the run, e.g. redis://:PASSWORD@host:6379/0.")
@click.option("--run", "run_id", help="Run id to work (default: the newest announced run).")
@click.option("--archive", type=click.Path(file_okay=False),
              help="Archive to write into (default: the coordinator's archive path; it must be the same shared directory).")
@click.option("--wait", default=60.0, show_default=True, help="Seconds to wait for a run to be announced.")
@click.option("--log-level", default=None, help="Scrapy log level (default: the run's).")
def worker(redis_url, run_id, archive, wait, log_level):
    """Work a distributed crawl run: take requests from the shared Redis queue until the run is finished."""
    from crawler.distributed import RedisUnavailable, run_worker

    try:
        result = run_worker(redis_url, run_id=run_id, archive_dir=archive, wait=wait, log_level=log_level)
    except RedisUnavailable as exc:
        raise click.ClickException(str(exc))
    if result["run_id"] is None:
        click.echo(f"ogi worker: no run announced on {redis_url} within {wait:g} s", err=True)
        sys.exit(3)
    click.echo(f"ogi worker {result['worker']}: run {result['run_id']} finished ({result['dir']})", err=True)
