"""End to end against the local portal over real HTTP and a real redis-server: a plain `ogi crawl`,
`ogi crawl --redis` with 1 worker and with 3 workers give the same archive documents and the same
database; a worker killed with SIGKILL loses nothing; the second run on the same Redis is not filtered
by the first; per-host spacing holds across workers (the portal's request log)."""
import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from crawler import registry as reg
from ogi.portal import registry_rows, start_portal

from .conftest import FAST_ENV, OGI, REPO, archive_documents, blob_hashes, items_of, ogi, run_dirs, summary_of

SCENARIO = "demo"
SITES = ("pingtan", "donglan-fgw", "baishi")  # trs-wcm, hanweb-jcms, gd-gkmlpt (the families with per-site state)
NEUTRAL_TIME = "2026-01-01T00:00:00+00:00"


def rows(sites=SITES):
    return [r for r in registry_rows(SCENARIO) if r["id"] in sites]


def neutralise_times(archive):
    """Fetch times decide tie-breaks between equal documents in the build; the test compares content,
    so every sidecar gets the same fetch time in both archives."""
    for p in (archive / "fetches").glob("*/*/*.json"):
        r = json.loads(p.read_text("utf-8"))
        r["fetched_at"] = r["last_seen_at"] = NEUTRAL_TIME
        p.write_text(json.dumps(r, ensure_ascii=False, sort_keys=True, indent=1), "utf-8")


def db_rows(db) -> dict:
    """Every table's rows as a sorted list, without run ids and times (JSON lists compared as sets)."""
    conn = sqlite3.connect(db)

    def canon(v):
        if isinstance(v, str) and v[:1] == "[":
            try:
                return json.dumps(sorted(json.dumps(e, sort_keys=True, ensure_ascii=False) for e in json.loads(v)))
            except ValueError:
                return v
        return v

    out = {}
    try:
        tables = [t for (t,) in conn.execute("select name from sqlite_master where type='table'")
                  if not t.startswith(("sqlite_", "_")) and "fts" not in t]
        for t in tables:
            cols = [c[1] for c in conn.execute(f"pragma table_info([{t}])")
                    if not any(w in c[1] for w in ("run", "seen", "fetched", "started", "finished"))
                    and not c[1].endswith("_at")]
            out[t] = sorted(repr(tuple(map(canon, r))) for r in
                            conn.execute(f"select {', '.join(f'[{c}]' for c in cols)} from [{t}]"))
    finally:
        conn.close()
    return out


@pytest.fixture(scope="module")
def crawls(tmp_path_factory, redis_server):
    tmp = tmp_path_factory.mktemp("distributed")
    registry = tmp / "sources.yaml"
    reg.dump(rows(), registry)
    out = {}
    with start_portal(port=0, scenario=SCENARIO) as portal:
        base = ["crawl", "--registry", registry, "--proxy", portal.url, "--no-delay"]
        ogi(*base, "--archive", tmp / "plain")
        ogi(*base, "--archive", tmp / "w1", "--redis", redis_server.url, "--workers", 1)
        out["keys_after_first"] = [k.decode() for k in redis_server.client.scan_iter(match="ogi:*")]
        ogi(*base, "--archive", tmp / "w3", "--redis", redis_server.url, "--workers", 3)
    for name in ("plain", "w1", "w3"):
        out[name] = {"archive": tmp / name, "docs": archive_documents(tmp / name), "blobs": blob_hashes(tmp / name),
                     "run": run_dirs(tmp / name)[0]}
    for name in ("plain", "w1", "w3"):
        neutralise_times(tmp / name)
    # the plain build fills the parse cache next to the databases; the other two parse only what differs
    ogi("build", "--archive", tmp / "plain", "--db", tmp / "plain.db")
    builds = {n: subprocess.Popen(OGI + ["build", "--archive", str(tmp / n), "--db", str(tmp / f"{n}.db")], cwd=REPO,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for n in ("w1", "w3")}
    for n, proc in builds.items():
        assert proc.wait(300) == 0, proc.stderr.read().decode()
    for n in ("plain", "w1", "w3"):
        out[n]["db"] = db_rows(tmp / f"{n}.db")
    out["registry"] = registry
    out["tmp"] = tmp
    return out


@pytest.mark.parametrize("workers", ["w1", "w3"])
def test_same_archive_documents_as_a_plain_crawl(crawls, workers):
    plain, dist = crawls["plain"], crawls[workers]
    assert len(plain["docs"]) > 50
    assert dist["docs"] == plain["docs"]
    assert dist["blobs"] == plain["blobs"]


@pytest.mark.parametrize("workers", ["w1", "w3"])
def test_same_database_as_a_plain_crawl(crawls, workers):
    plain, dist = crawls["plain"]["db"], crawls[workers]["db"]
    assert len(plain["reports"]) >= 30 and len(plain["cells"]) > 1000
    for table in plain:
        assert dist.get(table) == plain[table], f"table {table} differs"
    assert set(dist) == set(plain)


@pytest.mark.parametrize("workers", ["w1", "w3"])
def test_one_merged_run_with_the_same_counts(crawls, workers):
    plain, dist = summary_of(crawls["plain"]["run"]), summary_of(crawls[workers]["run"])
    keep = ("site", "status", "reports", "report_pages", "attachments", "negatives", "errors")
    assert [{k: s[k] for k in keep} for s in dist["sites"]] == [{k: s[k] for k in keep} for s in plain["sites"]]
    assert dist["distributed"]["lost_workers"] == []
    assert len(dist["distributed"]["workers"]) == int(workers[1:])
    key = lambda i: (i["type"], i["site"], i["url"])  # noqa: E731
    assert sorted(map(key, items_of(crawls[workers]["run"]))) == sorted(map(key, items_of(crawls["plain"]["run"])))
    # every request went out once: the merged manifest has no URL answered twice
    responses = [e["url"] for e in map(json.loads, (crawls[workers]["run"] / "manifest.jsonl").read_text("utf-8").splitlines())
                 if e.get("event") == "response"]
    assert len(responses) == len(set(responses))


def test_second_run_on_the_same_redis_is_not_filtered_by_the_first(crawls, redis_server):
    # the first run left no key behind (queue, dupefilter, owners…) and the next one crawled everything
    assert crawls["keys_after_first"] == []
    assert not list(redis_server.client.scan_iter(match="ogi:*"))
    first, second = summary_of(crawls["w1"]["run"]), summary_of(crawls["w3"]["run"])
    assert first["run_id"] != second["run_id"]
    assert second["totals"]["requests"] == first["totals"]["requests"] > 0


def _worker_dir(archive, pid):
    for run in (archive / "runs").glob("*/workers/*"):
        if f"-{pid}-" in run.name:
            return run
    return None


def test_a_worker_killed_mid_run_loses_nothing(crawls, redis_server, tmp_path):
    archive = tmp_path / "killed"
    env = {**os.environ, **FAST_ENV, "COLUMNS": "200"}
    with start_portal(port=0, scenario=SCENARIO, slow_seconds=0.02) as portal:
        coordinator = subprocess.Popen(OGI + ["crawl", "--registry", str(crawls["registry"]), "--proxy", portal.url,
                                              "--no-delay", "--archive", str(archive), "--redis", redis_server.url,
                                              "--workers", "0"], cwd=REPO, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        workers = [subprocess.Popen(OGI + ["worker", "--redis", redis_server.url, "--wait", "60"], cwd=REPO, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(3)]
        victim = wdir = None
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline:  # the first worker with a few archived responses
            for w in workers:
                d = _worker_dir(archive, w.pid)
                if d and (d / "manifest.jsonl").exists() and \
                        (d / "manifest.jsonl").read_text("utf-8").count('"event": "response"') >= 5:
                    victim, wdir = w, d
                    break
            time.sleep(0.05)
        if victim is None:
            pytest.fail("no worker started fetching")
        victim.send_signal(signal.SIGKILL)
        out, err = coordinator.communicate(timeout=300)
        for w in workers:
            if w is not victim:
                assert w.wait(60) == 0
    assert coordinator.returncode == 0, out + err
    assert victim.wait(10) == -signal.SIGKILL
    assert archive_documents(archive) == crawls["plain"]["docs"]
    run = run_dirs(archive)[0]
    summary = summary_of(run)
    assert summary["distributed"]["lost_workers"] == [wdir.name]
    assert summary["distributed"]["fingerprints_advanced"] is False
    key = lambda i: (i["type"], i["site"], i["url"])  # noqa: E731
    assert sorted(map(key, items_of(run))) == sorted(map(key, items_of(crawls["plain"]["run"])))
    assert not list(redis_server.client.scan_iter(match="ogi:*"))


def test_per_host_spacing_holds_across_workers(redis_server, tmp_path):
    """Two registry rows on one host (the two 平潭 columns), two workers, each working one row: the
    portal sees the host's requests at least DOWNLOAD_DELAY apart."""
    delay = 0.2
    pingtan = next(r for r in registry_rows(SCENARIO) if r["id"] == "pingtan")
    a, b = dict(pingtan), dict(pingtan)
    a["entry_urls"], b["entry_urls"] = pingtan["entry_urls"][:1], pingtan["entry_urls"][1:]
    b["id"] = "pingtan-b"
    registry = tmp_path / "sources.yaml"
    reg.dump([a, b], registry)
    settings = {"DOWNLOAD_DELAY": delay, "RANDOMIZE_DOWNLOAD_DELAY": False, "CONCURRENT_REQUESTS": 1}
    env = {**os.environ, **FAST_ENV, "OGI_SCRAPY_SETTINGS": json.dumps(settings)}
    # two workers waiting for the run before it is announced, so that each claims one of the two sites
    workers = [subprocess.Popen(OGI + ["worker", "--redis", redis_server.url, "--wait", "120"], cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    deadline = time.monotonic() + 120
    while len(list(redis_server.client.scan_iter(match="ogi:waiting:*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    with start_portal(port=0, scenario=SCENARIO) as portal:
        ogi("crawl", "--registry", registry, "--proxy", portal.url, "--archive", tmp_path / "archive",
            "--redis", redis_server.url, "--workers", 0, env={"OGI_SCRAPY_SETTINGS": json.dumps(settings)})
        log = [t for t, host, _ in portal.hits.log if host == "www.pingtan.fixture.gov.cn"]
    for w in workers:
        assert w.wait(60) == 0, w.stderr.read()
    run = run_dirs(tmp_path / "archive")[0]
    by_worker = {}
    for wdir in (run / "workers").iterdir():
        for e in map(json.loads, (wdir / "manifest.jsonl").read_text("utf-8").splitlines()):
            if e.get("event") == "response" and "pingtan" in e["url"]:
                by_worker[wdir.name] = by_worker.get(wdir.name, 0) + 1
    assert len(by_worker) == 2, f"both workers must have fetched from the host: {by_worker}"
    assert len(log) >= 10
    # arrival times at the portal jitter by some ms on a busy machine; without the shared delay the two
    # workers' requests (no local delay in a distributed run) arrive nearly together
    gaps = [b - a for a, b in zip(log, log[1:])]
    assert min(gaps) >= delay * 0.5, f"requests {min(gaps):.3f} s apart (delay {delay} s)"
    assert log[-1] - log[0] >= delay * (len(log) - 1) * 0.9


def test_a_family_site_that_finds_nothing_falls_back_to_the_generic_spider(redis_server, tmp_path):
    """As in a plain crawl (crawler/run.py): a row with the wrong family (a site that changed its CMS)
    gives nothing to its family spider; the coordinator then seeds the generic spider with it in the same
    run, and every report of the site is found."""
    from ogi.portal import expected

    site_rows = [dict(r, family="trs-wcm") for r in registry_rows("web") if r["id"] == "mingxi"]
    reg.dump(site_rows, tmp_path / "sources.yaml")
    want = {r["url"] for r in expected("web")["reports"] if r["site_id"] == "mingxi"}
    assert want
    with start_portal(port=0, scenario="web") as portal:
        ogi("crawl", "--registry", tmp_path / "sources.yaml", "--proxy", portal.url, "--no-delay",
            "--archive", tmp_path / "archive", "--redis", redis_server.url, "--workers", 1)
    (run,) = run_dirs(tmp_path / "archive")
    (site,) = summary_of(run)["sites"]
    assert (site["status"], site.get("fallback")) == ("ok", "generic")
    got = {i["url"] for i in items_of(run) if i["type"] == "report"}
    assert want <= got
    assert [k for k in redis_server.client.scan_iter(match=f"ogi:run:{run.name}:*")] == []
