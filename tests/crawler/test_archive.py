import json
import os
from pathlib import Path

import pytest

from crawler.archive import Archive, Manifest, sha256_bytes


def test_same_bytes_stored_once(tmp_path):
    a = Archive(tmp_path)
    s1 = a.store(b"hello report", url="http://x.gov.cn/a.html", site="x", fetched_at="2026-01-01T00:00:00+00:00")
    s2 = a.store(b"hello report", url="http://x.gov.cn/a.html", site="x", fetched_at="2026-01-02T00:00:00+00:00")
    assert s1.sha256 == s2.sha256 == sha256_bytes(b"hello report")
    assert s1.new_blob and not s2.new_blob
    assert s1.new_sidecar and not s2.new_sidecar
    blobs = list((tmp_path / "blobs").rglob("*"))
    assert [p for p in blobs if p.is_file()] == [a.blob_path(s1.sha256)]
    rec = json.loads(s2.sidecar_path.read_text())
    assert rec["fetched_at"] == "2026-01-01T00:00:00+00:00"  # first seen kept
    assert rec["last_seen_at"] == "2026-01-02T00:00:00+00:00"


def test_same_bytes_from_two_urls_one_blob_two_sidecars(tmp_path):
    a = Archive(tmp_path)
    s1 = a.store(b"same", url="http://x.gov.cn/a.pdf")
    s2 = a.store(b"same", url="http://y.gov.cn/b.pdf")
    assert s1.sha256 == s2.sha256
    assert s1.sidecar_path != s2.sidecar_path
    assert len([p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]) == 1


def test_sidecar_contents(tmp_path):
    a = Archive(tmp_path)
    s = a.store(b"<html>x</html>", url="http://x.gov.cn/a", final_url="http://x.gov.cn/a.shtml", status=200,
                headers={"content-type": "text/html; charset=GBK"}, site="qingyu", referrer="http://x.gov.cn/",
                kind="report_page", run_id="r1", meta={"listed_title": "某局2023年政府信息公开工作年度报告"})
    rec = json.loads(s.sidecar_path.read_text("utf-8"))
    for key in ("url", "final_url", "status", "headers", "fetched_at", "site", "referrer", "sha256", "size"):
        assert key in rec
    assert rec["final_url"] == "http://x.gov.cn/a.shtml"
    assert rec["headers"]["content-type"] == "text/html; charset=GBK"
    assert rec["meta"]["listed_title"] == "某局2023年政府信息公开工作年度报告"
    assert rec["run_ids"] == ["r1"]
    assert a.blob_path(s.sha256).read_bytes() == b"<html>x</html>"


def test_partial_write_leaves_no_corrupt_file(tmp_path, monkeypatch):
    a = Archive(tmp_path)
    real_fsync = os.fsync

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        a.store(b"x" * 100000, url="http://x.gov.cn/big.pdf")
    monkeypatch.setattr(os, "fsync", real_fsync)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == []  # neither a partial blob nor a temp file is left behind
    s = a.store(b"x" * 100000, url="http://x.gov.cn/big.pdf")  # and a retry succeeds
    assert a.blob_path(s.sha256).stat().st_size == 100000


def test_blob_with_wrong_size_is_rewritten(tmp_path):
    a = Archive(tmp_path)
    sha = sha256_bytes(b"complete bytes")
    p = a.blob_path(sha)
    p.parent.mkdir(parents=True)
    p.write_bytes(b"compl")  # e.g. left by an older, non-atomic writer
    a.store(b"complete bytes", url="http://x.gov.cn/a")
    assert p.read_bytes() == b"complete bytes"


def test_manifest_appends_jsonl(tmp_path):
    a = Archive(tmp_path)
    m = Manifest(a, "run1")
    m.write(event="response", url="http://x.gov.cn/", status=200)
    m.write(event="download_error", url="http://x.gov.cn/slow", error="TimeoutError")
    m.close()
    rows = list(Manifest.read(m.path))
    assert [r["event"] for r in rows] == ["response", "download_error"]
    assert all("at" in r for r in rows)
