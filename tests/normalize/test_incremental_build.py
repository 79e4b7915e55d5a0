"""Incremental build (issue 9, normalize/incremental.py): after a second crawl brings new documents, the
database updated in a copy equals a full build of the same archive row for row, and the reports of
agencies whose documents did not change were not rewritten (their rows keep their rowids)."""
import hashlib
import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from crawler.archive import Archive
from normalize import export_parts
from normalize.build import build

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "ogi" / "portal" / "documents"
SITE = "http://www.example.fixture.gov.cn/zwgk/zfxxgknb/"
NOT_CONTENT = {"_migrations", "sqlite_stat1", "sqlite_stat4", "downloads"}


def _run(a: Archive, run_id: str, started: str) -> None:
    a.run_dir(run_id).mkdir(parents=True)
    (a.run_dir(run_id) / "sources.json").write_text(json.dumps([{
        "id": "ex", "name": "示例", "agency": "示例市人民政府", "level": "city", "region": "示例省示例市",
        "family": "trs-wcm", "entry_urls": [SITE]}], ensure_ascii=False))
    a.write_summary(run_id, {"run_id": run_id, "started_at": started, "sites": [{"site": "ex", "status": "ok"}],
                             "errors": [], "totals": {}})


def _seed_report(a: Archive, n: int, seed: str, title: str, run_id: str, at: str, data: bytes = None) -> None:
    page = f"{SITE}2021{n:02d}/t2021_{n}.html"
    a.store("<html><body><div class=TRS_Editor><p>详见附件</p></div></body></html>".encode(), url=page,
            kind="report_page", site="ex", run_id=run_id, fetched_at=at,
            meta={"role": "report_page", "title": title, "listed_title": title})
    a.store(data if data is not None else (DOCS / "seeds" / seed).read_bytes(), url=f"{SITE}2021{n:02d}/P{n}.txt",
            kind="attachment", site="ex", run_id=run_id, fetched_at=at, meta={"role": "attachment", "parent_url": page})


def _table_rows(db: Path) -> dict:
    """Every content table as a multiset of rows, without INTEGER PRIMARY KEY ids (surrogates: a row
    written again gets a new one) and the passages' copy of them."""
    conn = sqlite3.connect(db)
    virtual = {r[0] for r in conn.execute("select name from sqlite_master where type='table' and sql like 'CREATE VIRTUAL%'")}
    out = {}
    for (t,) in conn.execute("select name from sqlite_master where type='table'"):
        if t in NOT_CONTENT or t in virtual or any(t.startswith(v + "_") for v in virtual):
            continue
        info = list(conn.execute(f"pragma table_info([{t}])"))
        cols = [c[1] for c in info if not (c[5] and c[2].upper() == "INTEGER") and c[1] != "section_id"]
        out[t] = Counter(conn.execute(f"select {', '.join(f'[{c}]' for c in cols)} from [{t}]"))
    conn.close()
    return out


def _rowids(db: Path, table: str, report_id: str) -> list:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute(f"select rowid from [{table}] where report_id = ? order by rowid", (report_id,))]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OGI_PANEL_PART_AGENCIES", "1")  # a part per agency: the demo has four (the build exports in a spawned process)
        yield _builds(tmp_path_factory)


def _builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    a = Archive(tmp / "archive")
    cache = tmp / "parse-cache"
    _run(a, "r1", "2026-01-01T00:00:00+00:00")
    a.store((DOCS / "dev-reports" / "pingtan_xzspj_2023.html").read_bytes(), url=SITE + "202401/t20240130_86659.htm",
            kind="report_page", site="ex", run_id="r1", fetched_at="2026-01-01T00:00:01+00:00",
            meta={"role": "report_page", "title": "平潭综合实验区行政审批局2023年政府信息公开工作年度报告"})
    _seed_report(a, 1, "002_30fde63b7d2b0111.txt", "淄博市大数据局2020年政府信息公开工作年度报告", "r1",
                 "2026-01-01T00:00:02+00:00")
    revised = (DOCS / "seeds" / "004_f46a9f797d970bff.txt").read_bytes()
    _seed_report(a, 2, "004_f46a9f797d970bff.txt", "秀洲区政务服务和数据资源管理办公室2020年度政府信息公开工作年度报告",
                 "r1", "2026-01-01T00:00:03+00:00")
    published = tmp / "ogi.db"
    first = build(a.root, published, parse_cache=cache)
    first_files = _download_files(published)
    before = {rid: _rowids(published, "cells", rid) for rid in _report_ids(published)}

    # the next night: everything still listed (touched), a new report, a revised attachment of another
    _run(a, "r2", "2026-01-02T00:00:00+00:00")
    for url in (SITE + "202401/t20240130_86659.htm", f"{SITE}202101/t2021_1.html", f"{SITE}202101/P1.txt",
                f"{SITE}202102/t2021_2.html"):
        a.touch(url, "r2", at="2026-01-02T00:00:05+00:00")
    _seed_report(a, 3, "001_472b2b4150455121.txt", "六安市金安区数据资源管理局2020年政府信息公开工作年度报告", "r2",
                 "2026-01-02T00:00:06+00:00")
    a.store(revised.replace("2020年".encode(), "2020 年".encode(), 1), url=f"{SITE}202102/P2.txt", kind="attachment",
            site="ex", run_id="r2", fetched_at="2026-01-02T00:00:07+00:00",
            meta={"role": "attachment", "parent_url": f"{SITE}202102/t2021_2.html"})
    nightly = build(a.root, published, parse_cache=cache, full=False)
    first_kept = {f: (published.parent / "downloads" / f).is_file() for f in first_files}
    reference = build(a.root, tmp / "ref" / "full.db", parse_cache=cache)  # its own downloads folder
    return {"first": first, "nightly": nightly, "reference": reference, "before": before,
            "published": published, "full": tmp / "ref" / "full.db", "archive": a.root, "cache": cache, "tmp": tmp,
            "first_files": first_files, "first_kept": first_kept}


def _downloads(db: Path) -> dict:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {r["name"]: dict(r) for r in conn.execute("select * from downloads")}
    finally:
        conn.close()


def _download_files(db: Path) -> set[str]:
    """Every file the database's downloads need: the listed files and the parts their manifests list."""
    return export_parts.referenced(db.parent / "downloads", {d["file"] for d in _downloads(db).values()})


def _download_bytes(db: Path, name: str) -> bytes:
    folder, file = db.parent / "downloads", _downloads(db)[name]["file"]
    if not file.endswith(export_parts.MANIFEST_SUFFIX):
        return (folder / file).read_bytes()
    manifest = export_parts.read_manifest(folder / file)
    return manifest["head"].encode("utf-8") + b"".join((folder / p["csv"]).read_bytes() for p in manifest["parts"])


def _report_ids(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("select id from reports order by id")]
    finally:
        conn.close()


def test_the_nightly_build_updated_a_copy_and_rewrote_only_what_changed(builds):
    n = builds["nightly"]
    assert builds["first"]["mode"] == "full" and n["mode"] == "incremental"
    assert n["reports"] == builds["reference"]["reports"] == builds["first"]["reports"] + 1
    assert n["reports_rewritten"] == 2  # the new report and the one whose attachment was revised
    assert n["nightly_columns_updated"] > 0  # last_seen / status of the touched ones, in place


def test_the_incremental_database_equals_a_full_build_row_for_row(builds):
    got, want = _table_rows(builds["published"]), _table_rows(builds["full"])
    assert set(got) == set(want)
    assert {t for t in want if got[t] != want[t]} == set()
    assert sum(want["cells"].values()) > 100 and sum(want["sections"].values()) > 10


def test_unchanged_reports_keep_their_rows(builds):
    after = _report_ids(builds["published"])
    kept = [rid for rid, cells in builds["before"].items() if cells and _rowids(builds["published"], "cells", rid) == cells]
    rewritten = [rid for rid in builds["before"] if rid in after and rid not in kept]
    assert len(kept) == 2  # Pingtan and Zibo: only touched
    assert len(rewritten) == 1 and rewritten == _report_ids_where(builds["published"], "agency like '秀洲%'")
    assert _rowids(builds["published"], "cells", rewritten[0]) != builds["before"][rewritten[0]]  # its attachment was revised
    assert len(after) == len(builds["before"]) + 1


def _report_ids_where(db: Path, where: str) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute(f"select id from reports where {where} order by id")]
    finally:
        conn.close()


def test_search_indexes_hold_the_new_rows(builds):
    conn = sqlite3.connect(builds["published"])
    try:
        for fts in ("sections_fts", "passages_fts", "passages_grams"):
            conn.execute(f"INSERT INTO {fts}({fts}, rank) VALUES('integrity-check', 1)")  # raises when out of step
        new = conn.execute("select s.text from sections s join reports r on r.id = s.report_id "
                           "where r.agency like '%金安区%' order by length(s.text) desc").fetchone()[0]
        term = next(new[i:i + 4] for i in range(len(new)) if len(new[i:i + 4].strip()) == 4 and '"' not in new[i:i + 4])
        hits = conn.execute("select count(*) from sections_fts where sections_fts match ?", (f'"{term}"',)).fetchone()[0]
        want = conn.execute("select count(*) from sections where instr(text, ?) > 0", (term,)).fetchone()[0]
    finally:
        conn.close()
    assert hits == want > 0


def test_a_global_change_means_a_full_build_and_says_why(builds, tmp_path):
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("keep_apart: [示例市交通局]\n", "utf-8")
    again = build(builds["archive"], builds["published"], parse_cache=builds["cache"], aliases=aliases, full=False)
    assert again["mode"] == "full" and "aliases" in again["full_because"]
    same = build(builds["archive"], builds["published"], parse_cache=builds["cache"], aliases=aliases, full=False)
    assert same["mode"] == "incremental" and same["reports_rewritten"] == 0


def test_the_nightly_panel_download_rewrites_only_changed_agencies_and_equals_a_full_builds(builds):
    parts = builds["nightly"]["download_parts"]
    assert parts["parts"] == 4 and parts["written"] == 2 and parts["reused"] == 2  # the new and the revised agency
    assert builds["first"]["download_parts"]["written"] == 3  # a full build writes every part
    got, want = _downloads(builds["published"]), _downloads(builds["full"])
    for name in ("panel.csv", "panel.parquet"):  # what the user downloads: the same rows, bytes and sha256
        assert {k: got[name][k] for k in ("rows", "bytes", "sha256")} == {k: want[name][k] for k in ("rows", "bytes", "sha256")}
        data = _download_bytes(builds["published"], name)
        assert data == _download_bytes(builds["full"], name)
        assert (len(data), hashlib.sha256(data).hexdigest()) == (got[name]["bytes"], got[name]["sha256"])
    text = _download_bytes(builds["published"], "panel.csv").decode("utf-8-sig")
    assert text.count("\r\n") == got["panel.csv"]["rows"] + 1 > 100 and "金安区" in text
    # the unchanged agencies' part files are the first generation's, not copies
    reused = _download_files(builds["published"]) & builds["first_files"]
    assert len([f for f in reused if f.startswith("panel-part-") and f.endswith(".csv")]) == 2


def test_old_generation_files_stay_until_no_published_database_lists_them(builds, tmp_path):
    assert all(builds["first_kept"].values())  # the nightly build kept what the replaced database listed
    folder = builds["published"].parent / "downloads"
    old_only = builds["first_files"] - _download_files(builds["published"])
    assert old_only  # its manifest, the parts of the two rewritten agencies, its Parquet
    for _ in range(2):  # the first may be a full one (the test above changed the aliases file and back)
        again = build(builds["archive"], builds["published"], parse_cache=builds["cache"], full=False)
    assert again["mode"] == "incremental" and again["download_parts"] == {"parts": 4, "written": 0, "reused": 4}
    left = {f.name for f in folder.iterdir() if f.name.startswith("panel-")}
    assert left == _download_files(builds["published"])  # the first generation is no longer listed: removed
    assert not old_only & left
