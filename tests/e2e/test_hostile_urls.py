"""A hostile site never makes the crawler read a local file or leave the registry's hosts.

A real HTTP server (a forward proxy, as the portal is reached) serves one TRS-style column whose
listing links a report as ``file://<registry host>/<local path>`` and whose report pages redirect to
``file://``, ``ftp://`` and a loopback address. The crawl (``ogi crawl`` in a subprocess) must archive
the one honest report, never the local file's text, and record every refusal in the run manifest.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler import registry as reg

REPO = Path(__file__).resolve().parents[2]
HOST = "www.hostile.fixture.gov.cn"
SECRET = "LOCAL-FILE-SECRET-7f3a"
TITLE = "城关市人民政府2023年政府信息公开工作年度报告"
CHARSET_TITLE = "城关市审计局2023年政府信息公开工作年度报告"
PAGE = ("<html><head><meta charset='utf-8'><meta name='ArticleTitle' content='{title}'></head><body>"
        "<h1>{title}</h1><div class='TRS_Editor'><p>一、总体情况</p><p>{body}</p>"
        "<p>二、主动公开政府信息情况</p><p>三、收到和处理政府信息公开申请情况</p></div></body></html>")


def _serve(secret_file: Path, seen: list):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            url = urlsplit(self.path)
            seen.append(self.path)
            if url.hostname != HOST:
                return self._send(502, b"unknown host")
            routes = {
                "/nb/": ("<html><body><ul>"
                         f"<li><a href='file://{HOST}{secret_file}' title='{TITLE}'>{TITLE}</a><span>2024-01-01</span></li>"
                         f"<li><a href='./202401/t20240102_1.html' title='{TITLE}'>{TITLE}</a><span>2024-01-02</span></li>"
                         "<li><a href='./202401/t20240103_2.html' title='城关市教育局2023年政府信息公开工作年度报告'>x</a></li>"
                         "<li><a href='./202401/t20240104_3.html' title='城关市民政局2023年政府信息公开工作年度报告'>x</a></li>"
                         "<li><a href='./202401/t20240105_4.html' title='城关市财政局2023年政府信息公开工作年度报告'>x</a></li>"
                         f"<li><a href='./202401/t20240106_5.html' title='{CHARSET_TITLE}'>x</a></li>"
                         "</ul></body></html>").encode(),
                "/nb/202401/t20240102_1.html": PAGE.format(title=TITLE, body="本报告由城关市人民政府办公室编制。").encode(),
            }
            redirects = {
                "/nb/202401/t20240103_2.html": f"file://{secret_file}",
                "/nb/202401/t20240104_3.html": "ftp://ftp.hostile.fixture.gov.cn/secret.html",
                "/nb/202401/t20240105_4.html": f"http://127.0.0.1:{self.server.server_port}/nb/202401/t20240102_1.html",
            }
            if url.path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[url.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if url.path == "/nb/202401/t20240106_5.html":  # a charset no codec knows; the bytes are GBK
                return self._send(200, PAGE.replace("<meta charset='utf-8'>", "").format(
                    title=CHARSET_TITLE, body="本报告由城关市审计局编制。").encode("gbk"),
                                  "text/html; charset=x-unknown-cs")
            if url.path in routes:
                return self._send(200, routes[url.path], "text/html; charset=utf-8")
            return self._send(404, b"not found")

        def _send(self, status, body, ctype="text/plain"):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    secret = tmp / "secret" / "t20240101_9.html"
    secret.parent.mkdir()
    secret.write_text(PAGE.format(title=TITLE, body=SECRET), "utf-8")
    seen: list[str] = []
    server = _serve(secret, seen)
    registry, archive = tmp / "sources.yaml", tmp / "archive"
    reg.dump([{"id": "hostile", "name": "城关市", "agency": "城关市人民政府", "level": "city", "region": "城关市",
               "family": "trs-wcm", "entry_urls": [f"http://{HOST}/nb/"], "enabled": True}], registry)
    try:
        proc = subprocess.run([sys.executable, "-m", "ogi.cli", "crawl", "--registry", str(registry), "--archive",
                               str(archive), "--proxy", f"http://127.0.0.1:{server.server_port}", "--no-delay"],
                              cwd=REPO, capture_output=True, text=True, timeout=180)
    finally:
        server.shutdown()
    run = next((archive / "runs").iterdir())
    manifest = [json.loads(x) for x in (run / "manifest.jsonl").read_text("utf-8").splitlines()]
    items = [json.loads(x) for x in (run / "items.jsonl").read_text("utf-8").splitlines()]
    return {"proc": proc, "archive": archive, "manifest": manifest, "seen": seen, "items": items,
            "summary": json.loads((run / "summary.json").read_text("utf-8"))}


def test_no_local_file_is_ever_read_or_archived(hostile_crawl):
    archive = hostile_crawl["archive"]
    assert hostile_crawl["proc"].returncode == 0, hostile_crawl["proc"].stderr[-2000:]
    blobs = [p for p in (archive / "blobs").rglob("*") if p.is_file()]
    assert blobs, "the honest report was archived"
    assert not any(SECRET.encode() in p.read_bytes() for p in blobs)
    assert not any(e.get("url", "").startswith(("file:", "ftp:")) for e in hostile_crawl["manifest"]
                   if e.get("event") == "response")


def test_the_honest_report_is_found(hostile_crawl):
    found = [e for e in hostile_crawl["manifest"] if e.get("event") == "response" and e.get("status") == 200
             and e["url"].endswith("t20240102_1.html")]
    assert found


def test_every_refusal_is_in_the_manifest_with_its_cause(hostile_crawl):
    refused = {e["url"]: e for e in hostile_crawl["manifest"] if e.get("event") == "refused_url"}
    file_link = next(u for u in refused if u.startswith(f"file://{HOST}/"))
    assert "scheme file://" in refused[file_link]["reason"]
    assert any(u.startswith("file:///") and e.get("redirected_from", "").endswith("t20240103_2.html")
               for u, e in refused.items())
    assert any(u.startswith("ftp://") for u in refused)
    loopback = [e for u, e in refused.items() if u.startswith("http://127.0.0.1")]
    assert loopback and "private or local address" in loopback[0]["reason"]
    assert hostile_crawl["summary"]["sites"][0]["refused"] == len(refused)


def test_the_loopback_redirect_never_reaches_the_network(hostile_crawl):
    assert hostile_crawl["seen"] and all(urlsplit(u).hostname == HOST for u in hostile_crawl["seen"])


def test_a_page_with_an_unknown_charset_keeps_its_item(hostile_crawl):
    reports = {i["title"] for i in hostile_crawl["items"] if i["type"] == "report"}
    assert CHARSET_TITLE in reports and TITLE in reports
    assert not [e for e in hostile_crawl["manifest"] if e.get("event") == "spider_error"]
