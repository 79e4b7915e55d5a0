"""Golden tests: every seed against tests/golden/seeds/<stem>.json, the Pingtan HTML report against
tests/golden/dev-reports/pingtan_xzspj_2023.json. A failure lists every differing cell."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from golden_compare import assert_cells_equal, dev_gold_to_cells, diff_fields  # noqa: E402

from normalize import codebook  # noqa: E402
from normalize.extract.textdump import read_textdump  # noqa: E402
from normalize.parse import parse_document  # noqa: E402

SEEDS = ROOT / "ogi/portal/documents/seeds"
GOLD_SEEDS = ROOT / "tests/golden/seeds"
DEV = ROOT / "ogi/portal/documents/dev-reports"
GOLD_DEV = ROOT / "tests/golden/dev-reports"

META = ("template", "year", "agency", "published", "title", "level", "region", "t3_rows", "needs_ocr")
SEED_STEMS = sorted(p.stem for p in SEEDS.glob("*.txt"))


@pytest.fixture(scope="module")
def seed_results():
    return {s: parse_document(read_textdump((SEEDS / f"{s}.txt").read_text("utf-8"))) for s in SEED_STEMS}


def test_parse_every_seed_has_a_golden():
    assert SEED_STEMS and sorted(p.stem for p in GOLD_SEEDS.glob("*.json")) == SEED_STEMS


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_parse_seed_cells(stem, seed_results):
    gold = json.loads((GOLD_SEEDS / f"{stem}.json").read_text("utf-8"))
    assert_cells_equal(gold["cells"], seed_results[stem]["cells"], label=stem)


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_parse_seed_cells_in_codebook_order(stem, seed_results):
    cells = seed_results[stem]["cells"]
    keys = [codebook.sort_key(c["table"], c["row"], c["col"]) for c in cells]
    assert keys == sorted(keys)


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_parse_seed_meta_sections_checks_issues(stem, seed_results):
    gold = json.loads((GOLD_SEEDS / f"{stem}.json").read_text("utf-8"))
    res = seed_results[stem]
    problems = diff_fields(gold, res, META)
    if list(res["sections"]) != list(gold["sections"]):
        problems.append(f"sections: expected {list(gold['sections'])}, got {list(res['sections'])}")
    for code, want in gold["sections"].items():
        if not res["sections"].get(code, "").startswith(want["starts"]):
            problems.append(f"section {code} starts {res['sections'].get(code, '')[:24]!r}, expected {want['starts']!r}")
    got_checks = sorted(({k: c[k] for k in ("rule", "level", "scope", "status")} for c in res["checks"]),
                        key=lambda c: (int(c["rule"]), c["scope"]))
    if got_checks != gold["checks"]:
        want = {(c["rule"], c["scope"]): c["status"] for c in gold["checks"]}
        got = {(c["rule"], c["scope"]): c["status"] for c in got_checks}
        for k in sorted(set(want) | set(got)):
            if want.get(k) != got.get(k):
                problems.append(f"check {k}: expected {want.get(k)}, got {got.get(k)}")
    got_issues = [{k: i.get(k) for k in ("level", "rule", "table", "row") if i.get(k) is not None} for i in res["issues"]]
    if got_issues != gold["issues"]:
        problems.append(f"issues: expected {gold['issues']}, got {got_issues}")
    assert not problems, f"{stem}:\n  " + "\n  ".join(problems)


def test_parse_seed_003_blank_cells_stay_null(seed_results):
    cells = {(c["row"], c["col"]): c for c in seed_results["003_d67fec3efbc2aac7"]["cells"] if c["table"] == "t3"}
    for col in ("natural_person", "commercial"):
        assert cells[("denied_enforcement_file", col)]["value"] is None
        assert cells[("denied_enforcement_file", col)]["raw"] == ""
    assert cells[("denied_enforcement_file", "research")]["value"] == 0


def test_parse_seed_000_blank_cell(seed_results):
    c = [c for c in seed_results["000_7d613c7766117e9e"]["cells"]
         if (c["table"], c["row"], c["col"]) == ("t3", "denied_third_party", "other_org")]
    assert c and c[0]["value"] is None and c[0]["raw"] == ""


def test_parse_seed_001_extra_cells_are_flagged(seed_results):
    res = seed_results["001_472b2b4150455121"]
    flagged = {i["row"] for i in res["issues"] if i["rule"] == "extra_cells"}
    assert {"unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear", "not_processed_petition",
            "not_processed_duplicate", "not_processed_publication", "not_processed_excessive",
            "not_processed_confirmation", "other", "total_processed"} == flagged
    assert all(i["level"] == "warning" for i in res["issues"] if i["rule"] == "extra_cells")


# ---------------------------------------------------------------------------------------------
# Real HTML report (needs the HTML extractor of normalize/extract)


def _load_pingtan():
    from normalize.extract import extract_path

    return extract_path(DEV / "pingtan_xzspj_2023.html")


@pytest.fixture(scope="module")
def pingtan():
    return parse_document(_load_pingtan())


def test_parse_pingtan_cells(pingtan):
    gold = json.loads((GOLD_DEV / "pingtan_xzspj_2023.json").read_text("utf-8"))
    expected = dev_gold_to_cells(gold, codebook.row_codes("t3", "2021"))
    assert_cells_equal(expected, pingtan["cells"], label="pingtan_xzspj_2023")


def test_parse_pingtan_meta_and_checks(pingtan):
    gold = json.loads((GOLD_DEV / "pingtan_xzspj_2023.json").read_text("utf-8"))
    assert pingtan["template"] == gold["template"] == "2021"
    assert pingtan["t3_rows"] == "2021"
    assert pingtan["year"] == gold["report_year"]
    assert pingtan["agency"] == gold["agency"]
    assert pingtan["published"] == gold["publish_date"]
    assert pingtan["level"] == "department"
    assert list(pingtan["sections"]) == ["overview", "proactive", "requests", "review_litigation", "problems", "other"]
    identities = [c for c in pingtan["checks"] if c["rule"] in ("1", "2", "3", "4")]
    assert len(identities) == gold["identity_checks"]["n_pass"] == 42
    assert all(c["status"] == "pass" for c in identities)
    soft = {(c["rule"], c["scope"]): c for c in pingtan["checks"] if c["level"] == "soft"}
    assert soft[("9", "t3.new_received.total")]["expected"] == 7
    assert soft[("9", "t4.review.total")]["status"] == "pass"
    assert soft[("10", "section.other")]["status"] == "pass"
    assert not [c for c in pingtan["checks"] if c["status"] in ("fail", "warn", "not_assessable")]
