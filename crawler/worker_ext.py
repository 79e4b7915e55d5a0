"""The Scrapy side of a distributed worker (crawler/distributed.py): heartbeat, reaping dead workers,
idle exit, and the per-worker items file."""
from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from . import runctx
from .pipelines import RunPipeline

logger = logging.getLogger(__name__)


class WorkerExtension:
    """Every ``OGI_WORKER_TTL``/4 seconds (at most 2 s): requeue the in-flight
    requests of dead workers, save the worker's counters (state.json) and wake the engine (so a
    worker that found nothing to take asks again soon, not only on Scrapy's 5 s heartbeat).

    On ``spider_idle`` the spider stays open (DontCloseSpider) until its family's queue and every
    worker's in-flight requests have been empty for ``OGI_IDLE_SECONDS``: a request still in flight
    elsewhere may yield work for this worker, and a dead worker's requests come back to the queue."""

    def __init__(self, crawler):
        from scrapy_redis.connection import get_redis_from_settings

        s = crawler.settings
        self.crawler = crawler
        self.server = get_redis_from_settings(s)
        self.prefix = s["OGI_REDIS_PREFIX"]
        self.wid = s["OGI_WORKER_ID"]
        self.idle = s.getfloat("OGI_IDLE_SECONDS", 5.0)
        self.ttl = s.getfloat("OGI_WORKER_TTL", 30.0)
        self.empty_since = None
        self.loop = None

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.get("OGI_REDIS_PREFIX"):
            raise NotConfigured("not a distributed run")
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        return ext

    @property
    def name(self) -> str:
        return self.crawler.spider.name

    def opened(self, spider=None):
        from twisted.internet import task

        self.loop = task.LoopingCall(self.tick)
        self.loop.start(min(max(self.ttl / 4, 0.2), 2.0), now=True)

    def closed(self, spider=None, reason=None):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.save_state()

    def tick(self):
        from .distributed import reap

        try:
            reap(self.server, self.prefix.split(":", 2)[2], [self.name], me=self.wid)
            self.save_state()
        except Exception:  # a Redis hiccup must not stop the heartbeat loop
            logger.exception("worker heartbeat failed")
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()

    def save_state(self):
        from .distributed import dump_state

        s = self.crawler.settings
        ctx = runctx.get(s["OGI_RUN_ID"], s["OGI_ARCHIVE_DIR"])
        dump_state(ctx, ctx.manifest.path.parent / "state.json")

    def run_empty(self) -> bool:
        q = f"{self.prefix}:{self.name}"
        if int(self.server.get(f"{q}:n") or 0):
            return False
        for wid in self.server.smembers(f"{self.prefix}:workers"):
            wid = wid.decode() if isinstance(wid, bytes) else wid
            if self.server.hlen(f"{q}:inflight:{wid}"):
                return False
        return True

    def spider_idle(self, spider=None):
        if not self.run_empty():
            self.empty_since = None
            raise DontCloseSpider("the run still has queued or in-flight requests")
        now = time.monotonic()
        if self.empty_since is None:
            self.empty_since = now
        if now - self.empty_since < self.idle:
            raise DontCloseSpider("waiting for the idle time before exiting")


class WorkerPipeline(RunPipeline):
    """RunPipeline writing this worker's items next to its manifest (runs/<run>/workers/<id>/), one
    whole line per write so that a killed worker leaves at most one cut line."""

    def open_spider(self, spider=None):
        s = self.crawler.settings
        self.ctx = runctx.get(s["OGI_RUN_ID"], s["OGI_ARCHIVE_DIR"])
        path = self.ctx.manifest.path.parent / "items.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(path, "a", encoding="utf-8", buffering=1)
