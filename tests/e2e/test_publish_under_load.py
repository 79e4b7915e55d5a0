"""Publishing never drops a request: a client polling `ogi serve` every 50 ms during three publishes
(atomic renames of new builds over the served file) sees every request answered, and sees each new
build. benchmarks/publish_under_load.py prints the same figures for real builds."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import sqlite_utils

from normalize.schema import migrate

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _publish(db: Path, reports: int) -> None:
    """A new build of `reports` rows, published as `ogi build` does: written aside, renamed over."""
    tmp = db.with_name(f".{db.name}.tmp-{os.getpid()}")
    d = sqlite_utils.Database(tmp)
    migrate(d)
    d["reports"].insert_all([{"id": f"示例市人民政府-{2000 + i}", "agency": "示例市人民政府", "year": 2000 + i,
                              "status": "current"} for i in range(reports)], pk="id", replace=True)
    d.close()
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


def test_three_publishes_under_a_polling_client_drop_nothing(tmp_path):
    db = tmp_path / "ogi.db"
    _publish(db, 1)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--db", str(db), "--port", str(port)],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        from ogi.serve import wait_ready

        assert wait_ready(port, timeout=60)
        client = Client(f"http://127.0.0.1:{port}/ogi/reports.json?_size=1")
        client.start()
        for n in (2, 3, 4):
            time.sleep(1.0)
            _publish(db, n)
        deadline = time.monotonic() + 30
        while (not client.seen or client.seen[-1] != 4) and time.monotonic() < deadline and not client.failures:
            time.sleep(0.1)
        client.stop.set()
        client.join()
    finally:
        os.killpg(server.pid, 2)
        server.wait(timeout=20)
    assert client.failures == []
    assert len(client.seen) > 40
    assert [n for i, n in enumerate(client.seen) if i == 0 or client.seen[i - 1] != n] == [1, 2, 3, 4]
