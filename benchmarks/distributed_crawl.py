"""Figures of the distributed crawl (crawler/distributed.py), printed, never asserted.

    .venv/bin/python benchmarks/distributed_crawl.py [--scenario default] [--workers 1 2 4]
                                                     [--no-delay] [--kill] [--memory-only] [--queued 100000]

1. Wall time of the whole local portal crawl with `ogi crawl --redis URL --workers N` for each N, at
   default politeness unless --no-delay, and of a plain `ogi crawl` for reference.
2. Requests lost or duplicated per run: documents (sha256, URL, status) of the plain crawl missing from
   the distributed archive, and URLs the run's merged manifest shows answered more than once. With
   --kill one more run with 3 workers in which one worker is SIGKILLed after 20 responses.
3. Redis memory per --queued requests (default 100 000) queued in a run (realistic detail-page
   requests with their listing context, pickled by scrapy-redis) and per as many dupefilter fingerprints.

A redis-server (Debian) is started on a free 127.0.0.1 port in a temporary directory and stopped.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler import registry as reg  # noqa: E402
from ogi.portal import registry_rows, start_portal  # noqa: E402
from ogi.serve import free_port  # noqa: E402

OGI = [sys.executable, "-m", "ogi.cli"]



class Redis:
    def __enter__(self):
        import redis

        self.dir = tempfile.mkdtemp(prefix="ogi-redis-")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                                      "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        self.client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def documents(archive: Path) -> set:
    out = set()
    for p in (archive / "fetches").glob("*/*/*.json"):
        r = json.loads(p.read_text("utf-8"))
        out.add((r["sha256"], r["url"], r["status"]))
    return out


def duplicated(archive: Path) -> int:
    run = next(p for p in (archive / "runs").iterdir() if p.is_dir())
    seen, dup = set(), 0
    for line in (run / "manifest.jsonl").read_text("utf-8").splitlines():
        e = json.loads(line)
        if e.get("event") in ("response", "download_error") and not e["url"].endswith("/robots.txt"):
            key = (e["url"], e.get("retry_times", 0) if e.get("event") == "download_error" else None)
            dup += key in seen
            seen.add(key)
    return dup


def crawl(registry: Path, portal_url: str, archive: Path, *, polite: bool, redis_url: str | None = None,
          workers: int = 1, kill_after: int = 0) -> float:
    args = OGI + ["crawl", "--registry", str(registry), "--proxy", portal_url, "--archive", str(archive)]
    if not polite:
        args.append("--no-delay")
    env = {**os.environ, "OGI_WORKER_TTL": "10"}
    t0 = time.monotonic()
    if redis_url is None:
        subprocess.run(args, cwd=REPO, check=True, capture_output=True, env=env)
        return time.monotonic() - t0
    if not kill_after:
        subprocess.run(args + ["--redis", redis_url, "--workers", str(workers)], cwd=REPO, check=True,
                       capture_output=True, env=env)
        return time.monotonic() - t0
    coord = subprocess.Popen(args + ["--redis", redis_url, "--workers", "0"], cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = [subprocess.Popen(OGI + ["worker", "--redis", redis_url], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    killed = False
    while coord.poll() is None:
        if not killed:
            for p in procs:
                d = next(iter(archive.glob(f"runs/*/workers/*-{p.pid}-*")), None)
                if d and (d / "manifest.jsonl").exists() and \
                        (d / "manifest.jsonl").read_text("utf-8").count('"event": "response"') >= kill_after:
                    p.send_signal(signal.SIGKILL)
                    killed = True
                    break
        time.sleep(0.1)
    for p in procs:
        p.wait(60)
    return time.monotonic() - t0


def memory(queued: int) -> None:
    import scrapy
    from scrapy.settings import Settings
    from scrapy_redis.dupefilter import RFPDupeFilter

    from crawler import distributed
    from crawler.redis_queue import SiteQueue

    class Spider(scrapy.Spider):
        name = "trs"

    with Redis() as r:
        spider = Spider()
        spider.settings = Settings({"OGI_REDIS_PREFIX": distributed.prefix("bench"), "OGI_WORKER_ID": "bench"})
        q = SiteQueue(r.client, spider, f"{distributed.prefix('bench')}:trs")
        df = RFPDupeFilter(r.client, key=f"{distributed.prefix('bench')}:trs:dupefilter")
        base = r.client.info("memory")["used_memory"]
        for i in range(queued):
            site = f"site{i % 500}"
            url = f"http://www.{site}.fixture.gov.cn/zwgk/zfxxgknb/202401/t20240130_{i}.html"
            req = scrapy.Request(url, meta={"ogi": {"site": site, "role": "report_page",
                                                    "listing": f"http://www.{site}.fixture.gov.cn/zwgk/zfxxgknb/index_3.html",
                                                    "listed_title": "某某市某某局2023年政府信息公开工作年度报告",
                                                    "listed_date": "2024-01-30"}, "proxy": "http://127.0.0.1:8800"})
            q.push(req)
        queued_mem = r.client.info("memory")["used_memory"] - base
        for i in range(queued):
            df.request_seen(scrapy.Request(f"http://www.site{i % 500}.fixture.gov.cn/zwgk/zfxxgknb/202401/t20240130_{i}.html"))
        df_mem = r.client.info("memory")["used_memory"] - base - queued_mem
        print(f"redis memory: {queued} queued requests {queued_mem / 2**20:.1f} MiB "
              f"({queued_mem / queued:.0f} bytes each); {queued} dupefilter fingerprints {df_mem / 2**20:.1f} MiB; "
              f"per 100k queued requests + their fingerprints: {(queued_mem + df_mem) * 100000 / queued / 2**20:.1f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--no-delay", action="store_true", help="delays off (default: default politeness)")
    ap.add_argument("--kill", action="store_true", help="also a 3-worker run with one worker SIGKILLed")
    ap.add_argument("--memory-only", action="store_true")
    ap.add_argument("--queued", type=int, default=100000)
    args = ap.parse_args()
    memory(args.queued)
    if args.memory_only:
        return
    polite = not args.no_delay
    with tempfile.TemporaryDirectory() as tmp, Redis() as r, start_portal(port=0, scenario=args.scenario) as portal:
        tmp = Path(tmp)
        registry = tmp / "sources.yaml"
        reg.dump(registry_rows(args.scenario), registry)
        mode = "default politeness" if polite else "delays off"
        print(f"scenario {args.scenario} ({len(registry_rows(args.scenario))} sites), {mode}")
        print(f"{'run':<22}{'seconds':>9}{'documents':>11}{'lost':>6}{'duplicated':>12}")
        plain_s = crawl(registry, portal.url, tmp / "plain", polite=polite)
        plain = documents(tmp / "plain")
        print(f"{'plain ogi crawl':<22}{plain_s:>9.1f}{len(plain):>11}{'-':>6}{duplicated(tmp / 'plain'):>12}")
        run = next(p for p in (tmp / "plain" / "runs").iterdir() if p.is_dir())
        host, n = max(json.loads((run / "summary.json").read_text("utf-8"))["host_requests"].items(), key=lambda x: x[1])
        if polite:  # one host is worked at DOWNLOAD_DELAY (1 s on average): no number of workers beats this
            print(f"  largest host {host}: {n} requests, so at least ~{n - 1} s at the default 1 s per-host delay")
        runs = [(f"--redis, {n} worker{'s' if n > 1 else ''}", n, 0) for n in args.workers]
        if args.kill:
            runs.append(("--redis, 3, 1 SIGKILL", 3, 20))
        for label, n, kill in runs:
            archive = tmp / f"w{n}-{kill}"
            seconds = crawl(registry, portal.url, archive, polite=polite, redis_url=r.url, workers=n, kill_after=kill)
            docs = documents(archive)
            print(f"{label:<22}{seconds:>9.1f}{len(docs):>11}{len(plain - docs):>6}{duplicated(archive):>12}")
            left = list(r.client.scan_iter(match="ogi:*"))
            if left:
                print(f"  !! {len(left)} Redis keys left after the run")


if __name__ == "__main__":
    main()
