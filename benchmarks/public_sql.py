"""Can visitors' SQL starve the pages? Six concurrent slow arbitrary queries, and a table page meanwhile.

    .venv/bin/python benchmarks/public_sql.py [--db data/ogi.db] [--queries 6]

Starts `ogi serve` on the database (a synthetic one without --db), fires `--queries` concurrent queries
that would run for minutes, waits 0.3 s and times a table page; prints how the queries were answered
(stopped at the time limit, refused 429) and how long the page took.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.publish_under_load import free_port, synthetic  # noqa: E402
from ogi.serve import wait_ready  # noqa: E402

SLOW = ("with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000000000) "
        "select count(*) from c")


def get(url: str) -> tuple[int, float, bytes]:
    t = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, time.monotonic() - t, r.read()
    except urllib.error.HTTPError as e:
        return e.code, time.monotonic() - t, e.read()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db")
    ap.add_argument("--queries", type=int, default=6)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else synthetic(Path(tmp) / "ogi.db", 100)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--db", str(db), "--port", str(port)],
                                  cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            assert wait_ready(port, timeout=60)
            base = f"http://127.0.0.1:{port}"
            get(f"{base}/ogi/reports.json?_size=1")  # warm
            with ThreadPoolExecutor(args.queries + 1) as pool:
                slow = [pool.submit(get, f"{base}/ogi.json?sql={quote(SLOW)}") for _ in range(args.queries)]
                time.sleep(0.3)
                page = pool.submit(get, f"{base}/ogi/reports?_size=50").result()
                answers = [f.result() for f in slow]
        finally:
            os.killpg(server.pid, signal.SIGINT)
            server.wait(timeout=20)
    stopped = sum(1 for s, _, b in answers if s != 429 and "too long" in json.loads(b).get("error", ""))
    refused = sum(1 for s, _, _ in answers if s == 429)
    print(f"{args.queries} concurrent slow queries: {stopped} stopped at the time limit "
          f"(longest {max(t for s, t, _ in answers if s != 429):.1f} s), {refused} refused 429; "
          f"table page meanwhile: HTTP {page[0]} in {page[1]:.2f} s")


if __name__ == "__main__":
    main()
