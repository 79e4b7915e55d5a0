"""Scrapy's own commands hold in the repo: `scrapy list` shows the real spiders (not the abstract base,
not the discovery helper's absence), and `scrapy crawl <spider> -a site=<registry id>` reads the
registry and archives with the project settings (delays off: the local portal)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import ogi.portal as ogi_portal
from crawler import registry as reg
from crawler.spiders import FAMILY_MODULES, spider_for

REPO = Path(__file__).resolve().parents[2]
SCRAPY = [sys.executable, "-m", "scrapy"]


def scrapy(*args, timeout=120):
    return subprocess.run(SCRAPY + list(args), cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def test_scrapy_list_shows_the_family_spiders_and_generic():
    proc = scrapy("list")
    assert proc.returncode == 0, proc.stderr
    names = proc.stdout.split()
    assert "base" not in names and "None" not in names
    assert set(names) == {spider_for(f).name for f in FAMILY_MODULES} | {"discover"}


def test_scrapy_crawl_with_a_registry_site(tmp_path):
    rows = ogi_portal.registry_rows("web")
    reg.dump(rows, tmp_path / "sources.yaml")
    want = {r["url"] for r in ogi_portal.expected("web")["reports"] if r["site_id"] == "linchuan"}
    with ogi_portal.start_portal(port=0, scenario="web") as portal:
        proc = scrapy("crawl", "jpaas", "-a", "site=linchuan", "-a", f"registry={tmp_path / 'sources.yaml'}",
                      "-s", f"OGI_PROXY={portal.url}", "-s", f"OGI_ARCHIVE_DIR={tmp_path / 'archive'}",
                      "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=WARNING")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    (run,) = list((tmp_path / "archive" / "runs").iterdir())
    items = [json.loads(x) for x in (run / "items.jsonl").read_text("utf-8").splitlines() if x.strip()]
    assert {i["url"] for i in items if i["type"] == "report"} == want
    assert any((tmp_path / "archive" / "blobs").rglob("*"))
