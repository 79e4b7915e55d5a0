"""The researched registry is crawlable: every row is enabled (or disabled with a reason a person can
check), every family or layout it names has a twin on the local portal, and sources.yaml is what
build_sources makes of portal_registry.csv."""
import csv
from pathlib import Path

from crawler import build_sources, registry as reg
from crawler.spiders import spider_for
from crawler.spiders.generic import GenericSpider
from ogi.portal import expected, registry_rows

HERE = Path(build_sources.__file__).parent


def test_sources_yaml_is_generated_from_the_research_csv():
    with open(HERE / "portal_registry.csv", encoding="utf-8") as fh:
        assert build_sources.convert(list(csv.DictReader(fh))) == reg.load_rows()


def test_every_row_is_enabled_or_says_why_not():
    rows = reg.load_rows()
    assert len(rows) == 128 and reg.validate(rows) == []
    assert [r["id"] for r in rows if not r.get("enabled", True) and not r.get("disabled_reason")] == []
    assert sum(1 for r in rows if r.get("enabled", True)) == 128


def test_every_family_has_a_spider_and_a_twin_on_the_local_portal():
    rows = reg.load_rows()
    twins = {w["layout"] for w in expected("web")["web"] if w["layout"]} | {r["family"] for r in registry_rows("default")}
    assert {r["family"] for r in rows} - twins == set()
    for r in rows:
        cls = spider_for(r["family"])
        assert cls is not None and (cls is GenericSpider or cls.family == r["family"])
