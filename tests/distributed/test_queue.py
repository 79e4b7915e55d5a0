"""The site-affine, at-least-once queue (crawler/redis_queue.py) and the shared blocked-host verdicts,
against a real redis-server."""
import pytest
import scrapy
from scrapy.settings import Settings

from crawler import distributed
from crawler.redis_politeness import SharedBlockedHosts
from crawler.redis_queue import SiteQueue


class Spider(scrapy.Spider):
    name = "t"

    def parse(self, response):  # pragma: no cover - never called
        pass


def queue(server, run, worker, **settings):
    spider = Spider()
    spider.settings = Settings({"OGI_REDIS_PREFIX": distributed.prefix(run), "OGI_WORKER_ID": worker, **settings})
    return SiteQueue(server, spider, f"{distributed.prefix(run)}:t")


def req(url, site, priority=0):
    return scrapy.Request(url, priority=priority, meta={"ogi": {"site": site}})


@pytest.fixture
def r(redis_server):
    redis_server.client.flushdb()
    return redis_server.client


def alive(r, run, worker):
    r.set(f"{distributed.prefix(run)}:alive:{worker}", 1)


def test_priority_then_newest_first_within_a_site(r):
    q = queue(r, "run1", "a")
    alive(r, "run1", "a")
    for url, prio in (("http://h/1", 0), ("http://h/2", 0), ("http://h/3", 5), ("http://h/4", 0)):
        q.push(req(url, "s", prio))
    assert len(q) == 4
    got = [q.pop().url for _ in range(4)]
    assert got == ["http://h/3", "http://h/4", "http://h/2", "http://h/1"]
    assert q.pop() is None and len(q) == 0


def test_a_site_stays_with_its_worker_while_it_lives(r):
    a, b = queue(r, "run1", "a"), queue(r, "run1", "b")
    alive(r, "run1", "a")
    alive(r, "run1", "b")
    for site in ("one", "two"):
        for i in range(3):
            a.push(req(f"http://{site}/{i}", site))
    mine = a.pop().meta["ogi"]["site"]
    other = {"one": "two", "two": "one"}[mine]
    # b may not take a's site while a lives: it claims the other one and keeps to it
    taken = [b.pop() for _ in range(3)]
    assert {x.meta["ogi"]["site"] for x in taken} == {other}
    assert b.pop() is None
    assert a.pop().meta["ogi"]["site"] == mine
    r.delete(f"{distributed.prefix('run1')}:alive:a")  # a dies: its site can be claimed
    assert b.pop().meta["ogi"]["site"] == mine


def test_inflight_requests_of_a_dead_worker_are_requeued_and_done_ones_are_not(r):
    a = queue(r, "run1", "a")
    alive(r, "run1", "a")
    for i in range(3):
        a.push(req(f"http://one/{i}", "one"))
    x, y = a.pop(), a.pop()
    a.done(x)
    assert r.hlen(f"{a.key}:inflight:a") == 1 and len(a) == 1
    r.sadd(f"{distributed.prefix('run1')}:workers", "a")
    r.delete(f"{distributed.prefix('run1')}:alive:a")
    assert distributed.reap(r, "run1", ["t"]) == 1
    assert r.hlen(f"{a.key}:inflight:a") == 0 and len(a) == 2
    assert "a" in distributed.workers(r, "run1")["lost"]
    b = queue(r, "run1", "b")
    alive(r, "run1", "b")
    assert {b.pop().url, b.pop().url} == {y.url, "http://one/0"}


def test_closing_a_run_removes_every_key_of_that_run_only(r):
    a = queue(r, "run1", "a")
    a.push(req("http://one/0", "one"))
    r.sadd(f"{distributed.prefix('run1')}:t:dupefilter", "fp")
    other = queue(r, "run2", "a")
    other.push(req("http://one/0", "one"))
    r.sadd(distributed.RUNS_KEY, "run1", "run2")
    assert distributed.delete_run(r, "run1") >= 4
    assert not list(r.scan_iter(match="ogi:run:run1:*"))
    assert len(other) == 1
    assert {x.decode() for x in r.smembers(distributed.RUNS_KEY)} == {"run2"}


def test_blocked_host_verdicts_are_shared_and_reported_once(r):
    one, two = SharedBlockedHosts(r, "ogi:run:x"), SharedBlockedHosts(r, "ogi:run:x")
    assert "h.gov.cn" not in two
    one["h.gov.cn"] = {"host": "h.gov.cn", "kind": "blocked:waf"}
    assert "h.gov.cn" in two and two["h.gov.cn"]["kind"] == "blocked:waf"
    two["h.gov.cn"] = {"host": "h.gov.cn", "kind": "other"}  # the first verdict stands
    assert one.all() == {"h.gov.cn": {"host": "h.gov.cn", "kind": "blocked:waf"}}


def test_the_dupefilter_check_and_the_push_are_one_step(r):
    from scrapy_redis.dupefilter import RFPDupeFilter

    q = queue(r, "run1", "a")
    df = RFPDupeFilter(r, key=f"{q.key}:dupefilter")
    one = req("http://h/1", "s")
    assert q.push(one, df.key, df.request_fingerprint(one)) is True
    assert q.push(req("http://h/1", "s"), df.key, df.request_fingerprint(one)) is False
    assert q.push(req("http://h/1", "s"), df.key, "") is True  # dont_filter
    assert len(q) == 2 and r.scard(df.key) == 1


def test_families_without_a_spider_of_their_own_share_the_generic_spider_and_its_queue():
    rows = [{"id": "a", "family": "trs-wcm", "entry_urls": ["http://a.gov.cn/"]},
            {"id": "b", "family": "some-cms", "entry_urls": ["http://b.gov.cn/"]},
            {"id": "c", "family": "other-cms", "entry_urls": ["http://c.gov.cn/"]},
            {"id": "d", "family": "other-cms", "entry_urls": ["http://d.gov.cn/"], "enabled": False}]
    by_spider = {cls.name: sorted(r["id"] for r in rs) for cls, rs in distributed.spiders_of(rows).items()}
    assert by_spider == {"trs": ["a"], "generic": ["b", "c"]}
    assert distributed.spider_names({"sources": rows}) == ["generic", "trs"]
