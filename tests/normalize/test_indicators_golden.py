"""Golden tests: every gold indicator of every real pre-2019 report, nothing invented."""
import json
import sys
from pathlib import Path

import pytest

from normalize.parse import parse_path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from golden_indicators import compare  # noqa: E402

GOLD = ROOT / "tests" / "golden" / "pre2019"
DOCS = {p.name: p for d in (ROOT / "ogi" / "portal" / "documents" / "pre2019", ROOT / "tests" / "fixtures" / "pre2019")
        if d.exists() for p in d.iterdir()}
CASES = sorted(GOLD.glob("*.json"))


def test_there_is_gold():
    assert len(CASES) >= 3


@pytest.mark.parametrize("gold_path", CASES, ids=[p.stem for p in CASES])
def test_indicators_golden(gold_path):
    gold = json.loads(gold_path.read_text("utf-8"))
    res = parse_path(DOCS[gold["doc"]])
    assert res["template"] == "pre2019"
    assert res["year"] == gold["report_year"]
    got = compare(gold, res["indicators"])
    assert got["missing"] == [], got["missing"]
    assert got["extra"] == [], got["extra"]
    assert got["wrong_primary"] == [], got["wrong_primary"]
    for ind in res["indicators"]:
        assert ind["raw"] in ind["sentence"]


def test_ogi_parse_prints_indicators_and_json_key():
    from click.testing import CliRunner

    from ogi.cli import main

    doc = DOCS["pingtan_pre2019_2009_czj.html"]
    out = CliRunner().invoke(main, ["parse", str(doc)])
    assert out.exit_code == 0, out.output
    assert "pre-2019 indicators (18 primary, 20 statements)" in out.output
    assert "requests_total = 0  [text] 收到（受理）申请数: 没有收到信息公开申请" in out.output
    js = CliRunner().invoke(main, ["parse", "--json", str(doc)])
    assert json.loads(js.output)["indicators"][0]["raw"] == "本局共主动公开政府信息6条"
