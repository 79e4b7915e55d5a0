"""A real redis-server (Debian `redis-server`) per test module on a free 127.0.0.1 port, and helpers to
crawl the local portal with and without it."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ogi.serve import free_port

REPO = Path(__file__).resolve().parents[2]
OGI = [sys.executable, "-m", "ogi.cli"]
FAST_ENV = {"OGI_WORKER_IDLE": "1", "OGI_WORKER_TTL": "3"}



class RedisServer:
    def __init__(self, tmp: Path):
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(exe):
            pytest.fail("redis-server is missing: `make setup` installs Debian's redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(tmp),
                                      "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        self.client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        pytest.fail("redis-server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


def ogi(*args, env=None, timeout=300):
    proc = subprocess.run(OGI + [str(a) for a in args], cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200", **FAST_ENV, **(env or {})})
    assert proc.returncode == 0, f"ogi {' '.join(map(str, args))} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def archive_documents(archive: Path) -> set[tuple]:
    """(sha256, url, status) of every sidecar: what the archive holds, whatever the fetch times."""
    out = set()
    for p in (archive / "fetches").glob("*/*/*.json"):
        r = json.loads(p.read_text("utf-8"))
        out.add((r["sha256"], r["url"], r["status"]))
    return out


def blob_hashes(archive: Path) -> set[str]:
    return {p.name for p in (archive / "blobs").glob("*/*") if not p.name.startswith(".")}


def run_dirs(archive: Path) -> list[Path]:
    return sorted(p for p in (archive / "runs").iterdir() if p.is_dir())


def summary_of(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text("utf-8"))


def items_of(run: Path) -> list[dict]:
    return [json.loads(l) for l in (run / "items.jsonl").read_text("utf-8").splitlines() if l.strip()]
