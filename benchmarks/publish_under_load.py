"""Requests failed while `ogi serve` is republished: a client polls a table page every 50 ms while a
database is published N times (written aside, renamed over the served file, as `ogi build` does).

    .venv/bin/python benchmarks/publish_under_load.py [--db data/ogi.db] [--publishes 3] [--clients 1]

With --db, each publish is a fresh copy of that (real) build; without, small synthetic builds.
Prints requests, failed requests, the slowest answer and the publishes seen by the clients.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ogi.serve import free_port, wait_ready  # noqa: E402



def publish(target: Path, source: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def synthetic(path: Path, n: int) -> Path:
    import sqlite_utils

    from normalize.schema import migrate

    d = sqlite_utils.Database(path)
    migrate(d)
    d["reports"].insert_all([{"id": f"r-{i}", "agency": "示例", "year": 2000 + i, "status": "current"}
                             for i in range(n)], pk="id", replace=True)
    d.close()
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db")
    ap.add_argument("--publishes", type=int, default=3)
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between publishes")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        served = tmp / "ogi.db"
        sources = [Path(args.db)] * (args.publishes + 1) if args.db else \
            [synthetic(tmp / f"b{i}.db", i + 1) for i in range(args.publishes + 1)]
        publish(served, sources[0])
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--db", str(served), "--port", str(port)],
                                  cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            assert wait_ready(port, timeout=60), "Datasette did not start"
            url = f"http://127.0.0.1:{port}/ogi/reports.json?_size=1"
            stop = threading.Event()
            stats = {"requests": 0, "failed": 0, "slowest": 0.0, "errors": []}
            lock = threading.Lock()

            def client():
                while not stop.is_set():
                    t = time.monotonic()
                    ok = True
                    try:
                        with urllib.request.urlopen(url, timeout=30) as r:
                            r.read()
                            ok = r.status == 200
                    except Exception as exc:  # noqa: BLE001
                        ok = False
                        with lock:
                            stats["errors"].append(repr(exc))
                    with lock:
                        stats["requests"] += 1
                        stats["failed"] += 0 if ok else 1
                        stats["slowest"] = max(stats["slowest"], time.monotonic() - t)
                    time.sleep(0.05)

            threads = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
            for t in threads:
                t.start()
            for src in sources[1:]:
                time.sleep(args.interval)
                publish(served, src)
            time.sleep(args.interval)
            stop.set()
            for t in threads:
                t.join()
        finally:
            os.killpg(server.pid, signal.SIGINT)
            server.wait(timeout=20)
    print(f"publishes {args.publishes}, clients {args.clients} polling every 50 ms: "
          f"{stats['requests']} requests, {stats['failed']} failed, slowest answer {stats['slowest'] * 1000:.0f} ms")
    for e in stats["errors"][:5]:
        print("  ", e)


if __name__ == "__main__":
    main()
