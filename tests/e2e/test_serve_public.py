"""`ogi serve` in public: publishing never drops a request — a client polling every 50 ms during three
publishes (atomic renames of new builds over the served file) sees every request answered and each new
build (benchmarks/publish_under_load.py prints the figures); visitors' SQL cannot take every SQL thread;
writes are refused with 405; no absolute path is shown. One server for the module."""
from __future__ import annotations

import json
import os
import urllib.error
from concurrent.futures import ThreadPoolExecutor

import pytest
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import sqlite_utils

from normalize.schema import migrate
from ogi.serve import free_port

REPO = Path(__file__).resolve().parents[2]



def _publish(db: Path, reports: int) -> None:
    """A new build of `reports` rows, published as `ogi build` does: written aside with its table counts
    (Datasette's inspect file), renamed over."""
    from normalize.exports import write_inspect

    tmp = db.with_name(f".{db.name}.tmp-{os.getpid()}")
    d = sqlite_utils.Database(tmp)
    migrate(d)
    d["reports"].insert_all([{"id": f"示例市人民政府-{2000 + i}", "agency": "示例市人民政府", "year": 2000 + i,
                              "status": "current"} for i in range(reports)], pk="id", replace=True)
    d.close()
    write_inspect(tmp, db)
    os.replace(tmp, db)


class Client(threading.Thread):
    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.stop, self.seen, self.failures = url, threading.Event(), [], []

    def run(self):
        while not self.stop.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=10) as r:
                    body = json.loads(r.read())
                    self.seen.append(body["filtered_table_rows_count"])
            except Exception as exc:  # noqa: BLE001 - every failed request is the finding
                self.failures.append(repr(exc))
            time.sleep(0.05)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("serve") / "ogi.db"
    _publish(db, 1)
    port = free_port()
    env = {**os.environ, "OGI_PUBLIC_SQL_WAIT_S": "0.5", "OGI_PUBLIC_SQL_CONCURRENCY": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--db", str(db), "--port", str(port)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, env=env)
    from ogi.serve import wait_ready

    try:
        assert wait_ready(port, timeout=60)
        yield {"db": db, "url": f"http://127.0.0.1:{port}"}
    finally:
        os.killpg(proc.pid, 2)
        proc.wait(timeout=20)


def _get(url: str, method: str = "GET") -> tuple[int, bytes]:
    req = urllib.request.Request(url, method=method, data=b"x=1" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


SLOW_SQL = ("with recursive c(x) as (select 1 union all select x + 1 from c where x < 1000000000) "
            "select count(*) from c")


def test_visitors_sql_is_capped_and_pages_stay_free(server):
    from urllib.parse import quote

    url = f"{server['url']}/ogi.json?sql={quote(SLOW_SQL)}&_timelimit=60000"
    with ThreadPoolExecutor(6) as pool:
        slow = [pool.submit(_get, url) for _ in range(4)]
        page = pool.submit(_get, f"{server['url']}/ogi/reports.json?_size=1")
        answers = [f.result() for f in slow]
        assert page.result()[0] == 200
    statuses = sorted(s for s, _ in answers)
    assert 429 in statuses  # more than one at a time is refused, with a reason
    assert b"Too many SQL queries" in next(b for s, b in answers if s == 429)
    ran = [json.loads(b) for s, b in answers if s != 429]
    assert ran and all(not r.get("ok", True) and "too long" in r.get("error", "") for r in ran)  # stopped early


def test_writes_are_refused_and_no_absolute_path_is_shown(server):
    status, _ = _get(f"{server['url']}/ogi/reports", method="POST")
    assert status == 405
    for page in ("/-/databases.json", "/-/databases"):
        status, body = _get(server["url"] + page)
        assert status == 200 and b"ogi.db" in body and str(server["db"].parent).encode() not in body


def test_three_publishes_under_a_polling_client_drop_nothing(server):
    db = server["db"]
    client = Client(f"{server['url']}/ogi/reports.json?_size=1")
    client.start()
    for n in (2, 3, 4):
        time.sleep(1.0)
        _publish(db, n)
    deadline = time.monotonic() + 30
    while (not client.seen or client.seen[-1] != 4) and time.monotonic() < deadline and not client.failures:
        time.sleep(0.1)
    client.stop.set()
    client.join()
    assert client.failures == []
    assert len(client.seen) > 40
    assert [n for i, n in enumerate(client.seen) if i == 0 or client.seen[i - 1] != n] == [1, 2, 3, 4]
