"""The shared request queue of a distributed run: scrapy-redis's Scheduler and dupefilter with a
site-affine, at-least-once queue class.

Keys (``Q`` = ``ogi:run:<run_id>:<spider>``, see crawler/distributed.py for the rest of the run):

    Q:q:<site>           sorted set of the site's queued requests (score: -priority·1e9 - seq, so
                         higher priority first and, within a priority, newest first as Scrapy's LIFO)
    Q:pending            the sites that have queued requests
    Q:n                  number of queued requests (all sites)
    Q:owner:<site>       the worker that works the site
    Q:inflight:<worker>  requests popped by a worker and not yet done (token -> site, score, member)
    Q:dupefilter         scrapy-redis RFPDupeFilter fingerprints

**Site affinity.** A worker claims a site the first time it takes one of its requests and keeps it
while it lives: every request of a site is handled by one worker, so the spiders' per-site state
(gkmlpt's post fallbacks, Hanweb's column pagination, negatives seen) is the same as in one process,
and per-host politeness costs no coordination in the common case (crawler/redis_politeness.py still
enforces it across workers for hosts that several sites share). A worker claims a new site when its
own sites cannot use more concurrency (each at CONCURRENT_REQUESTS_PER_DOMAIN requests in progress)
and it works fewer sites than its share (sites of the run / workers alive or expected, at most
CONCURRENT_REQUESTS); a worker with no site in progress may claim one, unless it has had sites and
another live worker has none yet (that one gets it). Sites are not taken
from a live worker, so a worker that joins when every site is claimed waits for new sites or a dead
worker's. The site of a dead worker (no heartbeat) is claimed by the next worker that asks.

**At least once.** Popping moves the request into the worker's in-flight hash in the same Lua script;
it leaves it when Scrapy has finished with the request (downloaded, its callback or errback run and
every request it yielded pushed here). The in-flight requests of a worker whose heartbeat expired
are put back (``requeue``) by any other worker; their children that were already pushed are caught
by the dupefilter.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from urllib.parse import urlsplit

from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

logger = logging.getLogger(__name__)

PUSH = """
local Q, site = ARGV[1], ARGV[2]
-- the dupefilter check and the push are one step: a worker killed between the two would leave a
-- fingerprint for a request that was never queued (and the request lost)
if ARGV[6] ~= '' and redis.call('SADD', ARGV[5], ARGV[6]) == 0 then return -1 end
local seq = redis.call('INCR', Q .. ':seq')
local score = string.format('%.0f', -tonumber(ARGV[3]) * 1e9 - seq)
redis.call('ZADD', Q .. ':q:' .. site, score, seq .. '|' .. ARGV[4])
redis.call('SADD', Q .. ':pending', site)
redis.call('SADD', Q .. ':sites', site)
return redis.call('INCR', Q .. ':n')
"""

POP = """
local Q, P, wid = ARGV[1], ARGV[2], ARGV[3]
local n = tonumber(ARGV[4])
local allow = ARGV[5 + n]
local active = tonumber(ARGV[6 + n])
local function take(site)
  local q = Q .. ':q:' .. site
  local r = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
  if #r == 0 then
    redis.call('SREM', Q .. ':pending', site)
    return false
  end
  redis.call('ZREM', q, r[1])
  if redis.call('ZCARD', q) == 0 then redis.call('SREM', Q .. ':pending', site) end
  redis.call('DECR', Q .. ':n')
  local tok = redis.call('INCR', Q .. ':tok')
  redis.call('HSET', Q .. ':inflight:' .. wid, tok, site .. '\\n' .. r[2] .. '\\n' .. r[1])
  return {site, tostring(tok), r[1]}
end
for i = 1, n do
  local site = ARGV[4 + i]
  if redis.call('GET', Q .. ':owner:' .. site) == wid then
    local got = take(site)
    if got then return got end
  end
end
if allow == '1' and active > 0 then
  -- a fair share of the run's sites: ceil(sites / workers), workers = alive or expected, whichever is more
  local alive = 0
  for _, w in ipairs(redis.call('SMEMBERS', P .. ':workers')) do
    alive = alive + redis.call('EXISTS', P .. ':alive:' .. w)
  end
  alive = math.max(alive, tonumber(redis.call('GET', P .. ':expected_workers') or '1'), 1)
  if active >= math.ceil(redis.call('SCARD', Q .. ':sites') / alive) then allow = '0' end
end
if allow == '1' and active == 0 and tonumber(redis.call('GET', Q .. ':owned:' .. wid) or '0') > 0 then
  -- a worker that has had sites leaves unclaimed ones to a live worker that has none yet
  for _, w in ipairs(redis.call('SMEMBERS', P .. ':workers')) do
    if w ~= wid and redis.call('EXISTS', P .. ':alive:' .. w) == 1
       and tonumber(redis.call('GET', Q .. ':owned:' .. w) or '0') == 0 then
      allow = '0'
      break
    end
  end
end
if allow == '1' then
  for _, site in ipairs(redis.call('SMEMBERS', Q .. ':pending')) do
    local owner = redis.call('GET', Q .. ':owner:' .. site)
    if (not owner) or (owner ~= wid and redis.call('EXISTS', P .. ':alive:' .. owner) == 0) then
      redis.call('SET', Q .. ':owner:' .. site, wid)
      redis.call('INCR', Q .. ':owned:' .. wid)
      local got = take(site)
      if got then return got end
    end
  end
end
return false
"""

REQUEUE = """
local Q, wid = ARGV[1], ARGV[2]
local h = Q .. ':inflight:' .. wid
local all = redis.call('HGETALL', h)
local n = 0
for i = 1, #all, 2 do
  local v = all[i + 1]
  local a = string.find(v, '\\n', 1, true)
  local b = string.find(v, '\\n', a + 1, true)
  local site = string.sub(v, 1, a - 1)
  redis.call('ZADD', Q .. ':q:' .. site, string.sub(v, a + 1, b - 1), string.sub(v, b + 1))
  redis.call('SADD', Q .. ':pending', site)
  redis.call('INCR', Q .. ':n')
  n = n + 1
end
redis.call('DEL', h)
return n
"""


def site_of_request(request) -> str:
    return (request.meta.get("ogi") or {}).get("site") or urlsplit(request.url).hostname or ""


class SiteQueue(Base):
    """scrapy-redis queue class (``SCHEDULER_QUEUE_CLASS``): per-site sorted sets, site affinity,
    in-flight tracking. Settings: OGI_REDIS_PREFIX (the run's key prefix), OGI_WORKER_ID."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        settings = spider.settings
        self.run_prefix = settings.get("OGI_REDIS_PREFIX") or self.key.rsplit(":", 1)[0]
        self.worker = settings.get("OGI_WORKER_ID") or "seeder"
        self.site_cap = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
        self.max_sites = max(1, settings.getint("CONCURRENT_REQUESTS", 16))
        self._push = server.register_script(PUSH)
        self._pop = server.register_script(POP)
        self._requeue = server.register_script(REQUEUE)
        self.owned: list[str] = []
        self.load: dict[str, int] = defaultdict(int)  # site -> requests of this worker in progress
        self.tokens: dict[int, tuple[str, str]] = {}  # id(request) -> (site, token)

    def __len__(self) -> int:
        return int(self.server.get(f"{self.key}:n") or 0)

    def push(self, request, dupefilter_key: str = "", fingerprint: str = "") -> bool:
        """Queue ``request``; with a dupefilter key and fingerprint, only when the fingerprint is new
        (checked and recorded in the same script). Returns whether it was queued."""
        n = self._push(args=[self.key, site_of_request(request), request.priority, self._encode_request(request),
                             dupefilter_key, fingerprint])
        return int(n) >= 0

    def pop(self, timeout=0):
        ready = sorted((s for s in self.owned if self.load[s] < self.site_cap), key=lambda s: self.load[s])
        active = sum(1 for s in self.owned if self.load[s] > 0)
        allow = "1" if active < self.max_sites else "0"
        got = self._pop(args=[self.key, self.run_prefix, self.worker, len(ready), *ready, allow, active])
        if not got:
            return None
        site, token, member = (x.decode() if i < 2 else x for i, x in enumerate(got))
        if site not in self.owned:
            self.owned.append(site)
        request = self._decode_request(member.split(b"|", 1)[1])
        self.load[site] += 1
        self.tokens[id(request)] = (site, token)
        return request

    def done(self, request) -> None:
        """Scrapy has finished with ``request``: drop it from the in-flight hash."""
        entry = self.tokens.pop(id(request), None)
        if entry is None:
            return  # robots.txt and other requests that never came from this queue
        site, token = entry
        self.load[site] -= 1
        self.server.hdel(f"{self.key}:inflight:{self.worker}", token)

    def inflight(self) -> int:
        return len(self.tokens)

    def requeue(self, worker: str) -> int:
        """Put the in-flight requests of a dead worker back into their sites' queues."""
        return int(self._requeue(args=[self.key, worker]))

    def clear(self) -> None:
        keys = list(self.server.scan_iter(match=f"{self.key}:*", count=1000))
        if keys:
            self.server.delete(*keys)


class RunScheduler(Scheduler):
    """scrapy-redis's Scheduler, told when the engine has finished with a request (so that the
    queue can drop it from the in-flight hash), and checking the dupefilter in the push itself. Workers never flush the run's keys on close
    (SCHEDULER_PERSIST): the coordinator removes them when the run closes."""

    @classmethod
    def from_crawler(cls, crawler):
        inst = super().from_crawler(crawler)
        inst.crawler = crawler
        return inst

    def enqueue_request(self, request):
        """scrapy-redis's enqueue_request with the dupefilter check inside the push (SiteQueue.push)."""
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        if not self.queue.push(request, self.df.key, fingerprint):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis", spider=self.spider)
        return True

    def open(self, spider):
        result = super().open(spider)
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is None or not hasattr(slot, "remove_request"):
            raise RuntimeError("this Scrapy version has no engine slot to follow requests with; "
                               "the distributed crawl needs Scrapy 2.19")
        original = slot.remove_request
        queue = self.queue

        def remove_request(request):
            try:
                original(request)
            finally:
                queue.done(request)

        slot.remove_request = remove_request
        return result
