"""A crawl run shared by any number of worker processes through Redis (scrapy-redis).

    coordinator (``ogi crawl --redis URL``, ``ogi nightly --redis URL``)
        writes the run's config and registry rows to Redis, seeds every family's start requests into
        the shared queue (crawler/redis_queue.py) and dupefilter, announces the run in ``ogi:runs``,
        optionally starts local workers, waits until the run is finished, merges the workers' manifests,
        items and counters into one run (``runs/<run_id>/manifest.jsonl``, ``items.jsonl``,
        ``summary.json``, fingerprints) and deletes every Redis key of the run.
    worker (``ogi worker --redis URL``, on this or other machines)
        runs every family's spider in one CrawlerProcess on the shared scheduler; writes fetched bytes
        into the shared archive (content-addressed writes are safe to race) and its manifest, items and
        counters under ``runs/<run_id>/workers/<worker_id>/``; exits when the run has had no queued and
        no in-flight request for ``idle`` seconds.

Run-scoped state: every key starts with ``ogi:run:<run_id>:`` (queue, dupefilter, owners, in-flight,
politeness, blocked hosts, workers) and is deleted when the run closes, so the next run is never
filtered by this run's fingerprints. A worker refreshes ``<prefix>:alive:<id>`` (TTL ``worker_ttl``);
a worker whose key expired is dead: any other worker (or the coordinator) puts its in-flight requests
back into the queue and its sites are claimed by the next worker that asks.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Optional

from .archive import Archive, Manifest, _atomic_write, utcnow

RUNS_KEY = "ogi:runs"
# seconds; the environment can shorten them (tests: OGI_WORKER_IDLE=1 OGI_WORKER_TTL=2)
DEFAULT_IDLE = float(os.environ.get("OGI_WORKER_IDLE", 5.0))
DEFAULT_WORKER_TTL = float(os.environ.get("OGI_WORKER_TTL", 30.0))


def prefix(run_id: str) -> str:
    return f"ogi:run:{run_id}"


class RedisUnavailable(RuntimeError):
    pass


def connect(url: str):
    import redis

    try:
        server = redis.Redis.from_url(url)
        server.ping()
    except (redis.RedisError, ValueError) as exc:
        raise RedisUnavailable(f"cannot use Redis at {url}: {exc}") from exc
    return server


def _s(x) -> str:
    return x.decode() if isinstance(x, bytes) else x


# -- run state in Redis ---------------------------------------------------------------------------
def read_config(server, run_id: str) -> Optional[dict]:
    raw = server.get(f"{prefix(run_id)}:config")
    return json.loads(raw) if raw else None


def spiders_of(sources: list[dict]) -> dict:
    """spider class -> its enabled rows; families without a module of their own share the generic
    spider (as in crawler/run.py), so they share one crawler and one queue."""
    from .spiders import spider_for

    out: dict = {}
    enabled = [s for s in sources if s.get("enabled", True)]
    for family in sorted({s["family"] for s in enabled}):
        cls = spider_for(family)
        if cls is not None:
            out.setdefault(cls, []).extend(s for s in enabled if s["family"] == family)
    return out


def spider_names(config: dict) -> list[str]:
    return sorted({cls.name for cls in spiders_of(config["sources"])})


def workers(server, run_id: str) -> dict[str, set]:
    p = prefix(run_id)
    return {k: {_s(w) for w in server.smembers(f"{p}:{k}")} for k in ("workers", "exited", "lost")}


def reap(server, run_id: str, names: list[str], me: Optional[str] = None) -> int:
    """Requeue the in-flight requests of every worker whose heartbeat expired. Returns how many."""
    from .redis_queue import REQUEUE

    p = prefix(run_id)
    script = server.register_script(REQUEUE)
    w = workers(server, run_id)
    moved = 0
    for wid in w["workers"] - w["exited"] - {me}:
        if server.exists(f"{p}:alive:{wid}"):
            continue
        n = sum(int(script(args=[f"{p}:{name}", wid])) for name in names)
        if n or wid not in w["lost"]:
            server.sadd(f"{p}:lost", wid)
        moved += n
    return moved


def status(server, run_id: str, names: Optional[list[str]] = None) -> dict:
    p = prefix(run_id)
    names = names if names is not None else spider_names(read_config(server, run_id) or {"sources": []})
    w = workers(server, run_id)
    out = {"queued": 0, "inflight": 0, "per_spider": {}}
    for name in names:
        q = int(server.get(f"{p}:{name}:n") or 0)
        f = sum(server.hlen(f"{p}:{name}:inflight:{wid}") for wid in w["workers"])
        out["per_spider"][name] = {"queued": q, "inflight": f}
        out["queued"] += q
        out["inflight"] += f
    out["alive"] = sorted(wid for wid in w["workers"] if server.exists(f"{p}:alive:{wid}"))
    out["workers"] = sorted(w["workers"])
    out["lost"] = sorted(w["lost"])
    return out


def delete_run(server, run_id: str) -> int:
    keys = list(server.scan_iter(match=f"{prefix(run_id)}:*", count=1000))
    for i in range(0, len(keys), 500):
        server.delete(*keys[i:i + 500])
    server.srem(RUNS_KEY, run_id)
    return len(keys)


# -- coordinator --------------------------------------------------------------------------------
def seed(server, run_id: str, sources: list[dict], archive_dir: str) -> dict[str, int]:
    """Push every enabled family's start requests into the run's queue (through the dupefilter)."""
    from scrapy.settings import Settings

    from . import runctx
    from scrapy_redis.dupefilter import RFPDupeFilter

    from .redis_queue import SiteQueue

    p = prefix(run_id)
    counts = {}
    for cls, rows in spiders_of(sources).items():
        spider = cls(sources=rows)
        # (serialising a request looks the callback up among the spider's members, `ctx` included)
        spider.settings = Settings({"OGI_REDIS_PREFIX": p, "OGI_WORKER_ID": "seeder", "OGI_RUN_ID": run_id,
                                    "OGI_ARCHIVE_DIR": str(archive_dir)})
        queue = SiteQueue(server, spider, f"{p}:{cls.name}")
        dupefilter = RFPDupeFilter(server, key=f"{p}:{cls.name}:dupefilter")
        n = 0
        for src in spider.sources:
            for url in src["entry_urls"]:
                request = spider.entry_request(src, url)
                fingerprint = "" if request.dont_filter else dupefilter.request_fingerprint(request)
                n += queue.push(request, dupefilter.key, fingerprint)
        counts[cls.name] = n
    ctx = runctx.pop(run_id)
    if ctx is not None:
        ctx.manifest.close()
    return counts


def start_run(server, run_id: str, sources: list[dict], archive_dir: str, *, proxy=None, no_delay=False,
              log_level="WARNING", overrides=None, incremental=False, idle=DEFAULT_IDLE,
              worker_ttl=DEFAULT_WORKER_TTL, expected_workers: int = 1) -> dict:
    p = prefix(run_id)
    if server.exists(f"{p}:config"):
        raise RuntimeError(f"run {run_id} already exists in Redis")
    server.set(f"{p}:expected_workers", max(1, expected_workers))
    config = {"run_id": run_id, "sources": sources, "archive": str(archive_dir), "proxy": proxy,
              "no_delay": no_delay, "log_level": log_level, "overrides": overrides or {},
              "incremental": incremental, "idle": idle, "worker_ttl": worker_ttl, "started_at": utcnow()}
    server.set(f"{p}:config", json.dumps(config, ensure_ascii=False))
    config["seeded"] = seed(server, run_id, sources, archive_dir)
    server.sadd(RUNS_KEY, run_id)  # announced only once seeded: a worker never sees a half-seeded run
    return config


def finished(st: dict) -> bool:
    return st["queued"] == 0 and st["inflight"] == 0 and not st["alive"]


def worker_command(redis_url: str, run_id: str, archive_dir: str, log_level: str = "WARNING") -> list[str]:
    return [sys.executable, "-m", "ogi.cli", "worker", "--redis", redis_url, "--run", run_id,
            "--archive", str(archive_dir), "--log-level", log_level]


def crawl(sources: list[dict], archive_dir: str, redis_url: str, *, workers_to_start: int = 1,
          run_id: Optional[str] = None, proxy=None, no_delay=False, log_level="WARNING", overrides=None,
          incremental=False, idle=DEFAULT_IDLE, worker_ttl=DEFAULT_WORKER_TTL,
          on_status: Optional[Callable[[dict], None]] = None, poll: float = 0.5, expected_workers: int = 1) -> dict:
    """Coordinate one distributed run; returns the merged run summary (also in summary.json).
    ``workers_to_start`` local worker processes are started (0: wait for workers started elsewhere);
    when every worker is gone before the run is finished (all killed), one more local worker is
    started unless ``workers_to_start`` is 0."""
    from .run import new_run_id

    server = connect(redis_url)
    run_id = run_id or new_run_id()
    started = utcnow()
    archive = Archive(archive_dir)
    run_dir = archive.run_dir(run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "sources.json").write_text(json.dumps(sources, ensure_ascii=False, indent=1), "utf-8")
    config = start_run(server, run_id, sources, archive_dir, proxy=proxy, no_delay=no_delay, log_level=log_level,
                       overrides=overrides, incremental=incremental, idle=idle, worker_ttl=worker_ttl,
                       expected_workers=workers_to_start or expected_workers)
    names = spider_names(config)
    procs: list[subprocess.Popen] = []
    try:
        for _ in range(workers_to_start):
            procs.append(subprocess.Popen(worker_command(redis_url, run_id, archive_dir, log_level)))
        _until_finished(server, run_id, names, procs, workers_to_start, redis_url, archive_dir, log_level,
                        poll, on_status)
        fell_back = _fallback_phase(server, run_id, config, run_dir, archive_dir)
        if fell_back:
            # the generic spider reads the sites a family spider found nothing on (as crawler/run.py does
            # in one process); the coordinator starts local workers for it (at least one)
            names = spider_names(config)
            for _ in range(max(1, workers_to_start)):
                procs.append(subprocess.Popen(worker_command(redis_url, run_id, archive_dir, log_level)))
            _until_finished(server, run_id, names, procs, max(1, workers_to_start), redis_url, archive_dir,
                            log_level, poll, on_status)
        blocked = _blocked(server, run_id)
        w = workers(server, run_id)
        # lost: died without exiting (their requests were requeued); a worker only thought dead for a
        # while (a missed heartbeat) had its requests requeued too, but exited normally
        summary = merge_run(archive, run_id, sources, started, blocked=blocked, worker_ids=sorted(w["workers"]),
                            lost=sorted(w["workers"] - w["exited"]), incremental=incremental)
        summary["distributed"]["requeued_from"] = sorted(w["lost"])
        for row in summary["sites"]:
            if row["site"] in fell_back:
                row["fallback"] = "generic"
        archive.write_summary(run_id, summary)
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.terminate()
                pr.wait(10)
        delete_run(server, run_id)
    return summary


def _until_finished(server, run_id: str, names: list[str], procs: list, workers_to_start: int, redis_url: str,
                    archive_dir, log_level: str, poll: float, on_status) -> None:
    """Wait until the run's queues are empty, nothing is in flight and every worker has exited; restart
    a local worker when all died with work left (unless the workers are remote: workers_to_start 0)."""
    seen_worker = False
    while True:
        time.sleep(poll)
        reap(server, run_id, names)
        st = status(server, run_id, names)
        seen_worker = seen_worker or bool(st["workers"])
        if on_status:
            on_status(st)
        running = [pr for pr in procs if pr.poll() is None]
        if seen_worker and finished(st) and not running:
            return
        if workers_to_start and not running and not st["alive"] and (st["queued"] or st["inflight"]):
            procs.append(subprocess.Popen(worker_command(redis_url, run_id, archive_dir, log_level)))


def _fallback_phase(server, run_id: str, config: dict, run_dir: Path, archive_dir) -> set[str]:
    """After the family spiders: seed the generic spider with the sites that gave no report (rule of
    ``crawler.run.fallback_rows``), update the run's config so that new workers run it; returns the ids."""
    from .run import fallback_rows
    from .spiders import spider_for
    from .spiders.generic import GenericSpider

    reports: dict[str, int] = defaultdict(int)
    disallowed: set[str] = set()
    for wdir in sorted((run_dir / "workers").glob("*")) if (run_dir / "workers").exists() else []:
        for item in _jsonl(wdir / "items.jsonl"):
            if item.get("type") == "report" and item.get("site"):
                reports[item["site"]] += 1
        state_path = wdir / "state.json"
        if state_path.exists():
            disallowed |= set(json.loads(state_path.read_text("utf-8")).get("robots_disallowed") or {})
    blocked = [b.get("host") for b in _blocked(server, run_id).values() if isinstance(b, dict)]
    family_rows = [r for r in config["sources"] if r.get("enabled", True) and spider_for(r["family"]) not in (None, GenericSpider)]
    retry = fallback_rows(family_rows, reports, blocked, disallowed)
    if not retry:
        return set()
    ids = {r["id"] for r in retry}
    config["sources"] = [r for r in config["sources"] if r["id"] not in ids] + retry
    server.set(f"{prefix(run_id)}:config", json.dumps(config, ensure_ascii=False))
    seed(server, run_id, retry, archive_dir)
    return ids


def _blocked(server, run_id: str) -> dict:
    from .redis_politeness import SharedBlockedHosts

    return SharedBlockedHosts(server, prefix(run_id)).all()


# -- merging the workers' files into one run ------------------------------------------------------
def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            # a worker killed in the middle of a line: the cut line is kept visible, not dropped
            out.append({"event": "worker_truncated_line", "file": str(path), "line": n, "text": line[:300]})
    return out


def merge_run(archive: Archive, run_id: str, sources: list[dict], started: str, *, blocked: dict,
              worker_ids: list[str], lost: list[str], incremental: bool) -> dict:
    from .incremental import update_fingerprints
    from .run import summarise
    from .spiders import spider_for

    run_dir = archive.run_dir(run_id)
    manifest, items, seen = [], [], set()
    ns = SimpleNamespace(run_id=run_id, reports=defaultdict(list), attachments=defaultdict(int),
                         negatives=defaultdict(list), errors=[], still_listed=defaultdict(int),
                         blocked_hosts=blocked, robots_disallowed=defaultdict(list), host_requests=defaultdict(int),
                         listed=defaultdict(set))
    truncated = []
    for wdir in sorted((run_dir / "workers").glob("*")) if (run_dir / "workers").exists() else []:
        lines = _jsonl(wdir / "manifest.jsonl")
        for e in lines:
            e.setdefault("worker", wdir.name)
        manifest.extend(lines)
        for item in _jsonl(wdir / "items.jsonl"):
            if item.get("event") == "worker_truncated_line":
                truncated.append(item)
                continue
            key = (item.get("type"), item.get("site"), item.get("url"))
            if key in seen:
                continue
            seen.add(key)
            items.append(item)
        state_path = wdir / "state.json"
        state = json.loads(state_path.read_text("utf-8")) if state_path.exists() else None
        if state is None:  # a worker that died before its first state write: its failures are in its manifest
            state = {"errors": [e for e in lines if e.get("event") == "request_failed"]}
        for e in state.get("errors", []):
            if e not in ns.errors:
                ns.errors.append(e)
        for k, v in state.get("still_listed", {}).items():
            ns.still_listed[k] += v
        for k, v in state.get("host_requests", {}).items():
            ns.host_requests[k] += v
        for k, v in state.get("robots_disallowed", {}).items():
            ns.robots_disallowed[k].extend(u for u in v if u not in ns.robots_disallowed[k])
        for k, v in state.get("listed", {}).items():
            ns.listed[k].update(tuple(x) for x in v)
    manifest.sort(key=lambda e: e.get("at") or "")
    manifest.extend(truncated)
    for item in items:
        t = item.get("type")
        if t == "report":
            ns.reports[item["site"]].append(item)
        elif t == "attachment":
            ns.attachments[item["site"]] += 1
        elif t == "negative":
            ns.negatives[item["site"]].append(item)
    _atomic_write(run_dir / "manifest.jsonl",
                  "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in manifest).encode("utf-8"))
    _atomic_write(run_dir / "items.jsonl",
                  "".join(json.dumps(i, ensure_ascii=False, sort_keys=True) + "\n" for i in items).encode("utf-8"))
    enabled = [s for s in sources if s.get("enabled", True)]
    unsupported = [s for s in enabled if spider_for(s["family"]) is None]
    summary = summarise(ns, sources, unsupported, started)
    summary["incremental"] = incremental
    summary["distributed"] = {"workers": worker_ids, "lost_workers": lost,
                              "fingerprints_advanced": not lost}
    if not lost:  # a dead worker's last listings may be missing from its counters: do not advance
        fingerprints = update_fingerprints(archive, run_id, summary["sites"], ns.listed)
        for row in summary["sites"]:
            fp = fingerprints.get(row["site"])
            if fp:
                row.update(listing_entries=fp["entries"], fingerprint=fp["fingerprint"],
                           fingerprint_changed=fp["changed"], fingerprint_advanced=fp["advanced"])
    archive.write_summary(run_id, summary)
    return summary


# -- worker ---------------------------------------------------------------------------------------
def wait_for_run(server, wait: float, wid: str) -> Optional[str]:
    """The newest announced run; while there is none, the worker shows as ``ogi:waiting:<id>``."""
    deadline = time.monotonic() + wait
    try:
        while True:
            runs = sorted(_s(r) for r in server.smembers(RUNS_KEY))
            if runs:
                return runs[-1]
            if time.monotonic() >= deadline:
                return None
            server.set(f"ogi:waiting:{wid}", 1, px=5000)
            time.sleep(0.2)
    finally:
        server.delete(f"ogi:waiting:{wid}")


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def dump_state(ctx, path: Path) -> None:
    state = {"errors": list(ctx.errors), "still_listed": dict(ctx.still_listed),
             "host_requests": dict(ctx.host_requests),
             "robots_disallowed": {k: list(v) for k, v in ctx.robots_disallowed.items()},
             "listed": {k: sorted(list(x) for x in v) for k, v in ctx.listed.items()}, "at": utcnow()}
    _atomic_write(path, json.dumps(state, ensure_ascii=False).encode("utf-8"))


def _worker_spider(cls):
    """The family's spider without start requests: the coordinator seeded them."""

    async def start(self):
        return
        yield  # pragma: no cover

    return type(cls.__name__, (cls,), {"start": start, "__module__": cls.__module__})


class Heartbeat(threading.Thread):
    """Refreshes the worker's alive key from a thread of its own, so a reactor busy parsing a large
    page is not taken for a dead worker."""

    def __init__(self, server, key: str, ttl_ms: int):
        super().__init__(daemon=True, name="ogi-heartbeat")
        self.server, self.key, self.ttl_ms = server, key, ttl_ms
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(max(self.ttl_ms / 4000.0, 0.1)):
            try:
                self.server.set(self.key, 1, px=self.ttl_ms)
            except Exception:  # Redis away for a moment: try again on the next beat
                pass


def run_worker(redis_url: str, *, run_id: Optional[str] = None, archive_dir: Optional[str] = None,
               wid: Optional[str] = None, wait: float = 60.0, log_level: Optional[str] = None) -> dict:
    """Work one run until it is finished. Returns {run_id, worker, …}; run_id None when no run came."""
    from scrapy.crawler import CrawlerProcess

    from . import runctx
    from .redis_politeness import SharedBlockedHosts
    from .run import build_settings

    server = connect(redis_url)
    wid = wid or worker_id()
    run_id = run_id or wait_for_run(server, wait, wid)
    config = read_config(server, run_id) if run_id else None
    if not config:
        return {"run_id": None, "worker": None}
    p = prefix(run_id)
    ttl_ms = int(float(config.get("worker_ttl", DEFAULT_WORKER_TTL)) * 1000)
    server.set(f"{p}:alive:{wid}", 1, px=ttl_ms)
    server.sadd(f"{p}:workers", wid)
    heartbeat = Heartbeat(server, f"{p}:alive:{wid}", ttl_ms)
    heartbeat.start()
    archive_dir = str(archive_dir or config["archive"])
    ctx = runctx.get(run_id, archive_dir)
    ctx.manifest.close()
    ctx.manifest = Manifest(ctx.archive, f"{run_id}/workers/{wid}")
    wdir = ctx.manifest.path.parent
    if config.get("incremental"):
        ctx.start_incremental()
        # other workers may have archived this run's first fetches already: those are not "before the run"
        ctx.previous = {u: r for u, r in ctx.previous.items() if r.get("run_ids") != [run_id]}
    ctx.blocked_hosts = SharedBlockedHosts(server, p)
    settings = build_settings(run_id, archive_dir, proxy=config.get("proxy"), no_delay=config.get("no_delay", False),
                              log_level=log_level or config.get("log_level", "WARNING"),
                              overrides=config.get("overrides"))
    apply_worker_settings(settings, redis_url, p, wid, config)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False)
    process = CrawlerProcess(settings)
    for cls, rows in spiders_of(config["sources"]).items():
        process.crawl(_worker_spider(cls), sources=rows)
    try:
        if process.crawlers:
            process.start()
    finally:
        heartbeat.stop.set()
        dump_state(ctx, wdir / "state.json")
        ctx.manifest.close()
        server.sadd(f"{p}:exited", wid)
        server.delete(f"{p}:alive:{wid}")
        runctx.pop(run_id)
    return {"run_id": run_id, "worker": wid, "dir": str(wdir)}


def apply_worker_settings(settings, redis_url: str, p: str, wid: str, config: dict) -> None:
    """Scrapy settings of a worker: the scrapy-redis scheduler on the run's keys, per-worker files,
    politeness enforced in Redis for all workers together (the local delay and AutoThrottle are off,
    the global delay is what DOWNLOAD_DELAY was)."""
    settings.set("REDIS_URL", redis_url)
    settings.set("OGI_REDIS_PREFIX", p)
    settings.set("OGI_WORKER_ID", wid)
    settings.set("OGI_IDLE_SECONDS", float(config.get("idle", DEFAULT_IDLE)))
    settings.set("OGI_WORKER_TTL", float(config.get("worker_ttl", DEFAULT_WORKER_TTL)))
    settings.set("SCHEDULER", "crawler.redis_queue.RunScheduler")
    settings.set("SCHEDULER_QUEUE_CLASS", "crawler.redis_queue.SiteQueue")
    settings.set("SCHEDULER_QUEUE_KEY", p + ":%(spider)s")
    settings.set("SCHEDULER_DUPEFILTER_KEY", p + ":%(spider)s:dupefilter")
    settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter")
    settings.set("SCHEDULER_PERSIST", True)
    settings.set("OGI_GLOBAL_DELAY", settings.getfloat("DOWNLOAD_DELAY"))
    settings.set("OGI_GLOBAL_RANDOMIZE_DELAY", settings.getbool("RANDOMIZE_DOWNLOAD_DELAY"))
    settings.set("OGI_GLOBAL_PER_HOST", settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
    settings.set("DOWNLOAD_DELAY", 0)
    settings.set("RANDOMIZE_DOWNLOAD_DELAY", False)
    settings.set("AUTOTHROTTLE_ENABLED", False)
    mw = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    mw["crawler.redis_politeness.GlobalPolitenessMiddleware"] = 990
    settings.set("DOWNLOADER_MIDDLEWARES", mw)
    settings.set("ITEM_PIPELINES", {"crawler.worker_ext.WorkerPipeline": 300})
    ext = dict(settings.getdict("EXTENSIONS"))
    ext["crawler.worker_ext.WorkerExtension"] = 500
    settings.set("EXTENSIONS", ext)
