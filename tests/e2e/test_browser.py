"""The published database as a researcher sees it: a real `ogi serve` (Datasette) process and a real
headless Chromium (Debian package, installed by `make setup`)."""
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import pytest

from ogi.serve import free_port, wait_ready

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")



@pytest.fixture(scope="module")
def server(built_demo):
    assert CHROMIUM, "chromium is not installed: run `make setup` (apt package chromium)"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--db", str(built_demo["db"]), "--port", str(port)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_ready(port, timeout=60), "ogi serve did not come up"
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def chromium(*args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=5000", *args],
            capture_output=True, text=True, timeout=90)
    return out.stdout


def test_reports_page_renders_chinese_with_facets(server, built_demo, tmp_path):
    q = urllib.parse.quote("行政审批局")
    dom = chromium("--dump-dom", f"{server}/ogi/reports?_facet=year&agency__contains={q}")
    assert "平潭综合实验区行政审批局" in dom          # a real agency, decoded correctly
    assert "政府信息公开工作年度报告" in dom or "年度报告" in dom  # table description from metadata.json
    assert "year" in dom and "facet" in dom.lower()
    shot = tmp_path / "reports.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,900", f"{server}/ogi/reports")
    assert shot.exists() and shot.stat().st_size > 10000


def test_one_character_search_finds_chinese_text(server):
    q = urllib.parse.quote("诉")
    dom = chromium("--dump-dom", f"{server}/ogi/search?q={q}")
    assert "行政审批局" in dom or "青屿" in dom, dom[:2000]
