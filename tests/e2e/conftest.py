import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler import registry as reg
from ogi.portal import expected, registry_rows, start_portal

REPO = Path(__file__).resolve().parents[2]
OGI = [sys.executable, "-m", "ogi.cli"]


def run_ogi(*args, cwd=REPO, timeout=600):
    proc = subprocess.run(OGI + list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, f"ogi {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def counts(db):
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("sites", "documents", "reports", "crawl_runs")}
    finally:
        conn.close()


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory):
    """The demo scenario crawled twice over real HTTP and built after each crawl."""
    scenario = "demo"
    tmp = tmp_path_factory.mktemp("pipeline")
    archive, db = tmp / "archive", tmp / "ogi.db"
    registry = tmp / "sources.yaml"
    reg.dump(registry_rows(scenario), registry)
    with start_portal(port=0, scenario=scenario) as portal:
        run_ogi("crawl", "--registry", str(registry), "--proxy", portal.url, "--no-delay", "--archive", str(archive))
        run_ogi("build", "--archive", str(archive), "--db", str(db))
        first = counts(db)
        run_ogi("crawl", "--registry", str(registry), "--proxy", portal.url, "--no-delay", "--archive", str(archive))
        run_ogi("build", "--archive", str(archive), "--db", str(db))
    return {"archive": archive, "db": db, "first": first, "second": counts(db), "expected": expected(scenario)}
