"""The synthetic archive of benchmarks/scale_archive.py is a real archive, and its parse cache is the build's.

A tiny archive (30 documents) is read with normalize's ArchiveReader and built with normalize.build.build:
every document must come from the pre-filled cache (none parsed), and every report of the generator's
state must be a report of the database. `--add` appends a crawl run that the next build reads the same way.
No timings (benchmarks/build_memory.py prints them).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import scale_archive  # noqa: E402

from normalize.archive_reader import ArchiveReader  # noqa: E402
from normalize.build import build  # noqa: E402
from normalize.collect import collect, documents, page_of  # noqa: E402
from normalize.result_store import Spill  # noqa: E402


def _state(out: Path) -> dict:
    return json.loads((out / scale_archive.STATE).read_text("utf-8"))


def _expected_reports(state: dict) -> set:
    return {(d["site"], d["item"], d["year"]) for d in state["docs"].values()}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("scale-archive")
    assert scale_archive.main(["--documents", "30", "--out", str(out), "--pool", "1"]) == 0
    return out


def test_the_archive_is_read_by_the_real_reader(archive):
    state = _state(archive)
    reader = ArchiveReader(archive / "archive")
    fetches = list(reader.fetches())
    assert len(fetches) == 30 == len(state["docs"])
    for f in fetches:  # content-addressed blobs, one sidecar per (bytes, url), as the crawler writes them
        assert hashlib.sha256(reader.read_blob(f.sha256)).hexdigest() == f.sha256 == state["docs"][f.url]["sha"]
        assert f.status == 200 and f.role in ("report_page", "attachment") and f.site in state["sites"]
    spill = Spill.temporary()
    assert collect(reader, spill) == 30
    docs = [d.fetch for d in documents(spill)]
    assert len(docs) == 30
    assert all(page_of(spill._db(), f.meta["parent_url"]) for f in docs if f.role == "attachment")
    spill.remove()
    runs = reader.runs()
    assert [r["run_id"] for r in runs] == state["runs"]
    assert {s["site"] for s in runs[0]["sites"]} == set(state["sites"])
    assert sum(1 for e in reader.manifest(runs[0]["run_id"]) if e["event"] == "response") == 30
    items = (archive / "archive" / "runs" / runs[0]["run_id"] / "items.jsonl").read_text("utf-8").splitlines()
    assert len(items) == 30
    sources = json.loads((archive / "archive" / "runs" / runs[0]["run_id"] / "sources.json").read_text("utf-8"))
    assert {s["id"] for s in sources} == set(state["sites"])


def test_a_build_takes_every_result_from_the_cache(archive, tmp_path):
    state = _state(archive)
    counts = build(archive / "archive", tmp_path / "ogi.db", parse_cache=archive / "parse-cache")
    assert counts["from_cache"] == counts["documents"] == 30
    expected = _expected_reports(state)
    assert counts["reports"] == len(expected)
    conn = sqlite3.connect(tmp_path / "ogi.db")
    got = set(conn.execute("select site_id, source_url, year from reports"))
    assert got == expected
    assert conn.execute("select count(*) from documents where parse_status != 'ok'").fetchone()[0] == 0
    assert conn.execute("select count(*) from reports where status != 'current'").fetchone()[0] == 0
    assert conn.execute("select count(*) from cells").fetchone()[0] > 0


def test_add_appends_a_crawl_run_the_build_reads_from_the_cache(archive, tmp_path):
    before = _state(archive)
    assert scale_archive.main(["--add", "5", "--out", str(archive)]) == 0
    state = _state(archive)
    assert len(state["docs"]) == 35 and len(state["runs"]) == 2
    new = [d for url, d in state["docs"].items() if url not in before["docs"]]
    assert len(new) == 5 and all(d["year"] == scale_archive.YEARS[-1] for d in new)
    counts = build(archive / "archive", tmp_path / "ogi.db", parse_cache=archive / "parse-cache")
    assert counts["from_cache"] == counts["documents"] == 35 and counts["runs"] == 2
    conn = sqlite3.connect(tmp_path / "ogi.db")
    assert set(conn.execute("select site_id, source_url, year from reports")) == _expected_reports(state)
    # the sites crawled again still list their earlier reports: none is taken for removed
    assert conn.execute("select count(*) from reports where status != 'current'").fetchone()[0] == 0
