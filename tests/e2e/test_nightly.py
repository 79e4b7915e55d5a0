"""`ogi nightly` end to end over real HTTP: the demo portal on day 1, the same portal a day later
(`demo-day2`: one report taken down, one new, one revised at the same URL), a weekly `--full` run, and a
night when the portal is unreachable. Two sites (平潭, TRS; 白石, gkmlpt) keep it quick."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crawler import registry as reg
from ogi.portal import expected, registry_rows, start_portal

REPO = Path(__file__).resolve().parents[2]
SITES = ("pingtan", "baishi")
OGI = [sys.executable, "-m", "ogi.cli"]


def _ogi(*args, timeout=300):
    t0 = time.monotonic()
    proc = subprocess.run(OGI + list(args), cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200"})
    proc.seconds = time.monotonic() - t0
    return proc


class Poller(threading.Thread):
    """A reader that keeps opening the published database while a nightly runs."""

    def __init__(self, db: Path):
        super().__init__(daemon=True)
        self.db, self.stop, self.reads, self.failures = db, threading.Event(), [], []

    def run(self):
        while not self.stop.is_set():
            try:
                inode = os.stat(self.db).st_ino
                conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
                try:
                    n = conn.execute("select count(*) from reports").fetchone()[0]
                    check = conn.execute("pragma quick_check").fetchone()[0]
                finally:
                    conn.close()
                self.reads.append((inode, n, check))
            except Exception as exc:  # noqa: BLE001 - any failure to read is the finding
                self.failures.append(repr(exc))
            time.sleep(0.02)


def _snapshot(db: Path, dest: Path) -> Path:
    shutil.copyfile(db, dest)
    return dest


def _manifest(archive: Path, run_id: str) -> list[dict]:
    return [json.loads(x) for x in (archive / "runs" / run_id / "manifest.jsonl").read_text("utf-8").splitlines()]


def _newest_run(archive: Path) -> str:
    return sorted(p.name for p in (archive / "runs").iterdir())[-1]


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nightly")
    archive, db, registry = tmp / "archive", tmp / "ogi.db", tmp / "sources.yaml"
    rows = [r for r in registry_rows("demo") if r["id"] in SITES]
    assert rows == [r for r in registry_rows("demo-day2") if r["id"] in SITES]  # the registry does not change
    reg.dump(rows, registry)
    args = ["nightly", "--registry", str(registry), "--archive", str(archive), "--db", str(db), "--no-delay"]
    out = {"archive": archive, "db": db}

    # a second nightly while one holds the lock exits at once
    lock = tmp / "nightly.lock"
    with open(lock, "a+") as fh:
        fcntl.lockf(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        fh.write("pid 1 since test\n")
        fh.flush()
        out["locked"] = _ogi(*args, "--proxy", "http://127.0.0.1:9")
    out["locked_archive_exists"] = archive.exists()

    with start_portal(port=0, scenario="demo") as portal:
        out["day1"] = _ogi(*args, "--proxy", portal.url)
    out["day1_run"], out["day1_db"] = _newest_run(archive), _snapshot(db, tmp / "day1.db")
    out["fingerprints_day1"] = json.loads((archive / "state" / "fingerprints.json").read_text())

    with start_portal(port=0, scenario="demo-day2") as portal:
        out["day2"] = _ogi(*args, "--proxy", portal.url)
        out["day2_run"], out["day2_db"] = _newest_run(archive), _snapshot(db, tmp / "day2.db")
        poller = Poller(db)
        poller.start()
        out["full"] = _ogi(*args, "--proxy", portal.url, "--full")
        time.sleep(0.1)
        poller.stop.set()
        poller.join()
        out["poller"] = poller
    out["full_run"], out["full_db"] = _newest_run(archive), _snapshot(db, tmp / "full.db")
    out["fingerprints_day2"] = (archive / "state" / "fingerprints.json").read_text()

    # a night when the portal cannot be reached at all
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    inode = os.stat(db).st_ino
    out["down"] = _ogi(*args, "--proxy", dead)
    out["down_run"], out["down_republished"] = _newest_run(archive), os.stat(db).st_ino != inode
    out["fingerprints_down"] = (archive / "state" / "fingerprints.json").read_text()
    return out


def _q(db, sql, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _changes():
    return {c["change"]: c for c in expected("demo-day2")["changes"]}


def test_a_second_run_exits_at_once_while_the_lock_is_held(nights):
    p = nights["locked"]
    assert p.returncode == 75, p.stderr
    assert "another `ogi nightly` is running" in p.stderr and "pid 1" in p.stderr
    assert p.seconds < 15 and not nights["locked_archive_exists"]  # nothing was crawled


def test_day1_publishes_every_expected_report(nights):
    p = nights["day1"]
    assert p.returncode == 0, p.stdout + p.stderr
    want = {(r["agency"], r["year"]) for r in expected("demo")["reports"] if r["site_id"] in SITES}
    got = set(_q(nights["day1_db"], "select agency, year from reports"))
    assert want <= got and len(got) == len(want)
    summary = json.loads((nights["archive"] / "runs" / nights["day1_run"] / "nightly.json").read_text("utf-8"))
    assert summary["errors"] == [] and len(summary["new_reports"]) == len(want) and summary["exit_code"] == 0
    assert "new reports" in p.stdout and "published" in p.stdout


def test_day2_fetches_no_unchanged_detail_page(nights):
    archive, ch = nights["archive"], _changes()
    day1 = _manifest(archive, nights["day1_run"])
    day2 = _manifest(archive, nights["day2_run"])
    docs = ("report_page", "attachment")
    fetched1 = {e["url"] for e in day1 if e["event"] == "response" and e["kind"] in docs}
    fetched2 = {e["url"] for e in day2 if e["event"] == "response" and e["kind"] in docs}
    touched2 = {e["url"] for e in day2 if e["event"] == "still_listed"}
    new = {ch["added"]["url"]} | {a["url"] for a in ch["added"]["attachments"]}
    gone = {ch["taken_down"]["url"]} | {a["url"] for a in ch["taken_down"]["attachments"]}
    assert fetched2 == new  # only the new report page and its attachment went over the network
    assert touched2 == fetched1 - gone  # every other document was recorded as still listed
    assert not gone & {e["url"] for e in day2}  # the taken-down page is not even asked for
    listings = {e["url"] for e in day2 if e["event"] == "response" and e["kind"] == "listing"}
    assert listings == {e["url"] for e in day1 if e["event"] == "response" and e["kind"] == "listing"}
    s1 = json.loads((archive / "runs" / nights["day1_run"] / "summary.json").read_text())
    s2 = json.loads((archive / "runs" / nights["day2_run"] / "summary.json").read_text())
    assert s2["totals"]["requests"] * 3 < s1["totals"]["requests"]
    # replayed pages yield the same items as fetched ones: the per-site counts agree with the full run
    sf = json.loads((archive / "runs" / nights["full_run"] / "summary.json").read_text())
    key = lambda s: {r["site"]: (r["reports"], r["attachments"], r["negatives"], r["status"]) for r in s["sites"]}
    assert key(s2) == key(sf)


def test_day2_database_has_the_new_report_and_keeps_the_taken_down_one_as_removed(nights):
    p, ch = nights["day2"], _changes()
    assert p.returncode == 0, p.stdout + p.stderr
    db1, db2 = nights["day1_db"], nights["day2_db"]
    status = dict(_q(db2, "select agency || '-' || year, status from reports"))
    added, gone = ch["added"], ch["taken_down"]
    assert status.pop(f"{added['agency']}-{added['year']}") == "current"
    assert status.pop(f"{gone['agency']}-{gone['year']}") == "removed"  # still there, never deleted
    assert set(status.values()) == {"current"}
    n1 = _q(db1, "select count(*) from reports")[0][0]
    assert _q(db2, "select count(*) from reports")[0][0] == n1 + 1
    assert _q(db2, "select count(*) from documents")[0][0] == _q(db1, "select count(*) from documents")[0][0] + 2
    assert _q(db2, "select count(*) - count(distinct url || sha256) from documents")[0][0] == 0
    # the revision at the same URL under the same list entry is not seen by an incremental run
    assert _q(db2, "select count(*) from documents where url = ?", ch["revised"]["url"])[0][0] == 1
    assert "new reports       1" in p.stdout and "removed reports   1" in p.stdout
    s2 = json.loads((nights["archive"] / "runs" / nights["day2_run"] / "nightly.json").read_text("utf-8"))
    rid = lambda a: _q(db2, "select id from reports where agency = ? and year = ?", a["agency"], a["year"])[0][0]
    assert [r["id"] for r in s2["new_reports"]] == [rid(added)]
    assert [r["id"] for r in s2["removed_reports"]] == [rid(gone)]
    fp = {r["site"]: (r["fingerprint_changed"], r["fingerprint_advanced"]) for r in s2["sites"]}
    assert fp == {"pingtan": (True, True), "baishi": (False, False)}
    # the published database was updated in a copy: only the new report's agency was rewritten (all its
    # years: cross-year checks); the taken-down report's rows stay, its status is updated in place
    build = s2["published"]["build"]
    agency_id = rid(added).rsplit("-", 1)[0]
    of_agency = _q(db2, "select count(*) from reports where agency_id = ?", agency_id)[0][0]
    assert build["mode"] == "incremental" and build["reports_rewritten"] == of_agency < n1
    assert "build             incremental" in p.stdout
    parts = build["download_parts"]  # the new report's agency's part is written again, the rest reused
    assert parts["written"] >= 1 and parts["written"] + parts["reused"] == parts["parts"]
    assert f"panel download    {parts['parts']} parts: {parts['written']} written" in p.stdout


def test_full_run_picks_up_the_revised_bytes(nights):
    p, ch = nights["full"], _changes()
    assert p.returncode == 0, p.stdout + p.stderr
    db2, db3 = nights["day2_db"], nights["full_db"]
    rev = ch["revised"]
    rid = _q(db3, "select id from reports where agency = ? and year = ?", rev["agency"], rev["year"])[0][0]
    docs = _q(db3, "select sha256, report_id, last_seen from documents where url = ? order by first_seen", rev["url"])
    assert len(docs) == 2 and {d[1] for d in docs} == {rid} and docs[0][0] != docs[1][0]
    blob = nights["archive"] / "blobs" / docs[1][0][:2] / docs[1][0]
    assert rev["correction"] in blob.read_bytes().decode("utf-8")
    assert _q(db3, "select count(*) from reports")[0][0] == _q(db2, "select count(*) from reports")[0][0]
    assert _q(db3, "select status from reports where agency = ? and year = ?",
              ch["taken_down"]["agency"], ch["taken_down"]["year"]) == [("removed",)]
    s3 = json.loads((nights["archive"] / "runs" / nights["full_run"] / "nightly.json").read_text("utf-8"))
    assert s3["mode"] == "full" and s3["still_listed"] == 0
    build = s3["published"]["build"]
    assert {k: build[k] for k in ("mode", "full_because")} == {"mode": "full", "full_because": "requested"}  # `--full`: a full build too
    assert build["download_parts"]["reused"] == 0 and build["download_parts"]["written"] == build["download_parts"]["parts"] > 0
    assert {d["report_id"] for d in s3["changed_documents"]} == {rid} and s3["new_reports"] == []


def test_readers_never_see_a_half_built_database(nights):
    poller = nights["poller"]
    assert poller.failures == []
    assert len(poller.reads) > 20 and {check for _, _, check in poller.reads} == {"ok"}
    assert len({inode for inode, _, _ in poller.reads}) >= 2  # the publish happened while it was reading


def test_an_unreachable_night_publishes_exits_nonzero_and_removes_nothing(nights):
    p = nights["down"]
    assert p.returncode == 2, p.stdout + p.stderr
    assert nights["down_republished"]  # what the archive has is still published
    assert "errors            2" in p.stdout
    before = _q(nights["full_db"], "select id, status from reports order by id")
    assert _q(nights["db"], "select id, status from reports order by id") == before
    assert nights["fingerprints_down"] == nights["fingerprints_day2"]  # a failed run never advances them
    s = json.loads((nights["archive"] / "runs" / nights["down_run"] / "nightly.json").read_text("utf-8"))
    assert s["exit_code"] == 2 and {e["site"] for e in s["errors"]} == set(SITES) and s["published"]
