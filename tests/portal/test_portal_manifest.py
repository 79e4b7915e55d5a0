"""Expected manifest, registry rows, determinism, codebook labels, CLI."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from ogi.portal import docs, expected, generate, registry_rows
from ogi.portal.world import build_world

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = {"trs-wcm", "hanweb-jcms", "gd-gkmlpt", "ucap", "province-platform"}


def test_manifest_shape_and_counts():
    m = expected("default")
    assert 150 <= m["counts"]["reports"] <= 300
    keys = {"site_id", "host", "agency", "level", "region", "year", "title", "url", "published", "format", "attachments"}
    for r in m["reports"]:
        assert keys <= set(r)
        for a in r["attachments"]:
            assert {"url", "ext", "sha256"} <= set(a) and len(a["sha256"]) == 64
    # one entry per (agency, year): the dedup key of PORTALS.md §8.4
    pairs = [(r["agency"], r["year"]) for r in m["reports"]]
    assert len(pairs) == len(set(pairs))
    assert {n["reason"] for n in m["negatives"]} >= {"publication_notice", "compilation_notice", "website_report",
                                                     "rule_of_law_report", "housing_fund_report",
                                                     "statistical_bulletin", "enterprise_guide"}
    share = len(m["negatives"]) / (len(m["negatives"]) + len(m["reports"]))
    assert 0.08 < share < 0.2
    exts = m["counts"]["attachments_by_ext"]
    assert {"pdf", "docx", "doc", "wps", "xls", "jpg"} <= set(exts)
    assert {h["expected"] for h in m["host_status"]} >= {"ok", "blocked:ruishu", "blocked:jsl", "blocked:waf",
                                                         "blocked:slider", "unreachable"}
    bodies = [r["body"] for r in m["reports"]]
    assert 0.08 < bodies.count("html") / len(bodies) < 0.25
    assert 0.05 < bodies.count("att_only") / len(bodies) < 0.2


def test_registry_rows():
    for sc in ("default", "hostile", "demo"):
        rows = registry_rows(sc)
        hosts = {h["host"] for h in expected(sc)["host_status"]}
        for row in rows:
            assert set(row) == {"id", "name", "agency", "level", "region", "family", "entry_urls", "encoding",
                                "enabled", "disabled_reason", "expected_min_reports"}
            assert row["family"] in FAMILIES
            assert all(u.startswith("http://") and u.split("/")[2] in hosts for u in row["entry_urls"])
    assert {r["family"] for r in registry_rows("default")} == FAMILIES
    assert not [r for r in registry_rows("demo") if r["id"] == "shimen"]


def test_determinism_of_pages_and_manifest():
    a = build_world.__wrapped__("default")
    b = build_world.__wrapped__("default")
    assert json.dumps(a.manifest, ensure_ascii=False) == json.dumps(b.manifest, ensure_ascii=False)
    for host, site in a.hosts.items():
        other = b.hosts[host]
        assert sorted(site.pages) == sorted(other.pages)
        for path, resp in site.pages.items():
            if isinstance(resp.body, bytes):
                assert resp.body == other.pages[path].body, (host, path)


def test_generated_files_are_byte_stable_without_cache():
    ag = generate.Agency("青屿市教育局", "市教育局", "department", "东岚省青屿市", "11", "jyj")
    blocks, _ = generate.report_blocks(ag, 2023, "2021", generate.rng_for("t"), "测试2023年政府信息公开工作年度报告")
    assert docs.make_pdf("t", blocks) == docs.make_pdf("t", blocks)
    assert docs.make_docx("t", blocks) == docs.make_docx("t", blocks)
    assert docs.make_jpeg("x") == docs.make_jpeg("x") and docs.make_png("x")[:8] == b"\x89PNG\r\n\x1a\n"
    assert docs.make_ole_stub("doc", "t")[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    pdf = docs.make_pdf("t", blocks)
    assert pdf.startswith(b"%PDF") and b"/CreationDate" in pdf and docs.make_docx("t", blocks)[:4] == b"PK\x03\x04"
    # what the (disk-cached) portal serves equals a fresh rendering that bypasses every cache
    m = expected("default")
    fresh_world = build_world.__wrapped__("default")
    checked = 0
    for rep in m["reports"]:
        if not (rep["generated"] and rep["attachments"] and rep["attachments"][0]["ext"] in ("pdf", "docx")):
            continue
        path = rep["attachments"][0]["url"].split("fixture.gov.cn", 1)[1]
        att = fresh_world.hosts[rep["host"]].pages[path].body
        assert callable(att.source)
        assert docs.sha256(att.source()) == rep["attachments"][0]["sha256"], rep["url"]
        checked += 1
        if checked == 4:
            break
    assert checked == 4


def test_codebook_labels_appear_in_generated_tables():
    html = {}
    for tpl in ("2019", "2021"):
        ag = generate.Agency("x", "x", "county", "x", "11", "x")
        blocks, _ = generate.report_blocks(ag, 2020 if tpl == "2019" else 2023, tpl, generate.rng_for(tpl), "t")
        html[tpl] = generate.blocks_html(blocks)
    with open(ROOT / "normalize" / "codebook.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            tpls = ["2019", "2021"] if row["template"] == "both" else [row["template"]]
            for t in tpls:
                assert generate.esc(row["label_zh"]) in html[t], (t, row["label_zh"])


def test_cli_expected():
    out = subprocess.run([sys.executable, "-m", "ogi.portal", "expected", "--scenario", "demo"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    m = json.loads(out.stdout)
    assert m["scenario"] == "demo" and m["reports"]


def test_every_expected_url_is_served(client):  # noqa: D103
    """Every report, negative and attachment URL of the default manifest answers 200 with the manifest's bytes."""
    import hashlib
    m = expected("default")
    for r in m["reports"]:
        for u in [r["url"]] + r["mirrors"]:
            assert client.get(u)[0] == 200, u
        for a in r["attachments"]:
            st, _, data = client.get(a["url"])
            assert st == 200 and hashlib.sha256(data).hexdigest() == a["sha256"], a["url"]
    for n in m["negatives"]:
        assert client.get(n["url"])[0] == 200, n["url"]
