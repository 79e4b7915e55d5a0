"""Politeness that holds across all workers of a distributed run (crawler/distributed.py).

- ``GlobalPolitenessMiddleware`` (the last downloader middleware before the download handler): a
  request to a host waits for the host's next free send time, reserved atomically in Redis with the
  Redis server's clock (``DOWNLOAD_DELAY``, randomised 0.5–1.5× like Scrapy when
  RANDOMIZE_DOWNLOAD_DELAY), and for a free place among the host's CONCURRENT_REQUESTS_PER_DOMAIN
  requests in progress over all workers (leases that expire after DOWNLOAD_TIMEOUT, so a dead worker
  holds no place). Replayed (archive) responses never wait.
- ``SharedBlockedHosts``: the run's blocked-host verdicts in a Redis hash. It replaces
  ``RunContext.blocked_hosts`` in a worker, so BlockMiddleware drops requests to a host that any
  worker found blocked, and ``RunContext.block_host`` reports each host once for the whole run.
"""
from __future__ import annotations

import asyncio
import json
import random
import uuid
from urllib.parse import urlsplit

RESERVE = """
local key, delay = KEYS[1], tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(redis.call('GET', key) or '0')
local at = math.max(now, last + delay)
redis.call('SET', key, at, 'PX', math.floor(delay) + 60000)
return at - now
"""

ACQUIRE = """
local key, limit, lease, token = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now + lease, token)
  redis.call('PEXPIRE', key, lease)
  return 1
end
return 0
"""


class GlobalPolitenessMiddleware:
    def __init__(self, server, prefix: str, delay: float, randomize: bool, per_host: int, lease: float):
        self.server = server
        self.prefix = prefix
        self.delay = delay
        self.randomize = randomize
        self.per_host = max(1, per_host)
        self.lease_ms = int(lease * 1000)
        self._reserve = server.register_script(RESERVE)
        self._acquire = server.register_script(ACQUIRE)

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured
        from scrapy_redis.connection import get_redis_from_settings

        s = crawler.settings
        if not s.get("OGI_REDIS_PREFIX"):
            raise NotConfigured("not a distributed run")
        return cls(get_redis_from_settings(s), s["OGI_REDIS_PREFIX"], s.getfloat("OGI_GLOBAL_DELAY", 0.0),
                   s.getbool("OGI_GLOBAL_RANDOMIZE_DELAY", True), s.getint("OGI_GLOBAL_PER_HOST", 2),
                   s.getfloat("DOWNLOAD_TIMEOUT", 20) + 10)

    async def process_request(self, request):
        if request.meta.get("ogi_from_archive"):
            return None
        host = urlsplit(request.url).hostname or ""
        token = uuid.uuid4().hex
        while not self._acquire(keys=[f"{self.prefix}:conc:{host}"], args=[self.per_host, self.lease_ms, token]):
            await asyncio.sleep(0.05)
        request.meta["ogi_host_lease"] = (host, token)
        if self.delay > 0:
            delay = self.delay * (random.uniform(0.5, 1.5) if self.randomize else 1.0)
            wait_ms = int(self._reserve(keys=[f"{self.prefix}:next:{host}"], args=[int(delay * 1000)]))
            if wait_ms > 0:
                await asyncio.sleep(wait_ms / 1000.0)
        return None

    def _release(self, request) -> None:
        lease = request.meta.pop("ogi_host_lease", None)
        if lease:
            self.server.zrem(f"{self.prefix}:conc:{lease[0]}", lease[1])

    def process_response(self, request, response):
        self._release(request)
        return response

    def process_exception(self, request, exception):
        self._release(request)
        return None


class SharedBlockedHosts(dict):
    """``RunContext.blocked_hosts`` backed by the run's Redis hash ``<prefix>:blocked``."""

    def __init__(self, server, prefix: str):
        super().__init__()
        self.server = server
        self.key = f"{prefix}:blocked"

    def __contains__(self, host) -> bool:
        if dict.__contains__(self, host):
            return True
        raw = self.server.hget(self.key, host)
        if raw is None:
            return False
        dict.__setitem__(self, host, json.loads(raw))
        return True

    def __getitem__(self, host):
        if host not in self:
            raise KeyError(host)
        return dict.__getitem__(self, host)

    def __setitem__(self, host, verdict) -> None:
        dict.__setitem__(self, host, verdict)
        self.server.hsetnx(self.key, host, json.dumps(verdict, ensure_ascii=False))

    def all(self) -> dict:
        return {k.decode() if isinstance(k, bytes) else k: json.loads(v) for k, v in self.server.hgetall(self.key).items()}
