"""Agency resolution key by key over the `sightings` table (issue 9, normalize/agencies.py `resolve_stored`)
decides exactly what the in-memory resolution did (tests/normalize/reference_resolve.py): the same key for
every sighting, the same agencies (name, kind, level, scope, region, parent, sites) with the same aliases in
the same order, the same issues in the same order; and the `agencies` / `agency_aliases` rows made from the
tables are the rows made from the in-memory aliases."""
import dataclasses
import random
import sqlite3

import pytest

from normalize.agencies import Sighting, agency_ids, create_tables, add_sightings, resolve, resolve_stored
from normalize.identity import agency_rows, province_of_region

from reference_resolve import agency_rows_in_memory, resolve_in_memory

REGISTRY = [{"id": "pingtan", "agency": "平潭综合实验区党工委管委会", "region": "福建省平潭综合实验区", "level": "city"},
            {"id": "qy", "agency": "青屿市人民政府", "region": "东岚省青屿市", "level": "city"},
            {"id": "jy", "agency": "江源县人民政府", "region": "东岚省青屿市江源县", "level": "county"},
            {"id": "s1", "agency": "", "region": "东岚省青屿市上城区"}]
NAMES = ["平潭综合实验区", "平潭综合实验区管委会", "平潭综合实验区管理委员会", "平潭综合实验区党工委管委会",
         "青屿市人民政府", "青屿市", "青屿市人民政府办公室", "青屿市人民政府办公厅", "青屿市教育局", "青屿市财政局",
         "青屿市大数据管理局", "青屿市数据局", "区教育局", "区数据局", "市教育局", "江源县城关镇", "江源县城关镇人民政府",
         "江源县", "青屿市龙湾街道办事处", "青屿市喆山新区管理委员会", "国家统计局", "某局"]
SITES = ["pingtan", "qy", "jy", "s1", "s2", None]
PUBLISHERS = [None, None, "上城区教育局", "下城区教育局", "青屿市数据局", "青屿市教育局"]
OPERATOR = {"merge": [{"alias": "青屿市数据局", "agency": "青屿市大数据管理局", "site": "qy"},
                      {"alias": "某局", "agency": "青屿市财政局"}],
            "keep_apart": ["青屿市人民政府办公厅"]}


def _corpus(seed: int, n: int) -> list[Sighting]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        cells = {("t3", "new_received", "total"): rnd.choice([1, 2, 3])} if rnd.random() < 0.6 else {}
        if rnd.random() < 0.3:
            cells[("t1", "rules", "made")] = rnd.choice([5, 6])
        site = rnd.choice(SITES)
        out.append(Sighting(
            item=f"http://x/{i}", name=rnd.choice(NAMES), year=rnd.choice([2019, 2020, 2021, 2022, 2023]),
            source=rnd.choice(["title", "body_title", "signature", "publisher", "site"]),
            scope="area_summary" if rnd.random() < 0.08 else "own", site_id=site,
            site_region={"pingtan": "福建省平潭综合实验区", "qy": "东岚省青屿市", "jy": "东岚省青屿市江源县",
                         "s1": "东岚省青屿市上城区"}.get(site), publisher=rnd.choice(PUBLISHERS),
            document_id=f"d{i}", url=f"http://x/{i}", cells=cells,
            printed=rnd.choice([None, None, "区教育局", "市数据局"])))
    return out


def _same(new, ref):
    assert new.key_of == ref.key_of
    assert list(new.agencies) == list(ref.agencies)  # same agencies, in the same order
    for key, a in ref.agencies.items():
        assert dataclasses.astuple(new.agencies[key]) == dataclasses.astuple(a), key
    assert new.issues == ref.issues


@pytest.mark.parametrize("seed", range(8))
def test_resolution_on_disk_decides_what_the_in_memory_resolution_decided(seed):
    sightings = _corpus(seed, 400)
    operator = OPERATOR if seed % 2 else None
    ref = resolve_in_memory(_corpus(seed, 400), operator=operator, registry=REGISTRY)
    new = resolve(sightings, operator=operator, registry=REGISTRY)
    _same(new, ref)
    assert ref.issues and {i["rule"] for i in ref.issues} >= {"agency_merge_undecided", "report_copies_disagree"}


def test_the_agency_tables_made_from_disk_are_the_in_memory_ones():
    def corpus():  # the same document seen as two crawl items: one alias row
        sightings = _corpus(3, 300)
        return sightings + [dataclasses.replace(s, item=s.item + "#2") for s in sightings[:60]]

    sightings = corpus()
    ref = resolve_in_memory(corpus(), operator=OPERATOR, registry=REGISTRY)
    conn = sqlite3.connect(":memory:")
    create_tables(conn)
    add_sightings(conn, enumerate(sightings))
    res = resolve_stored(conn, lambda n: sightings[n].cells, operator=OPERATOR, registry=REGISTRY)
    ids = agency_ids(res.agencies, lambda names: [None] * len(names))
    assert ids == agency_ids(ref.agencies, lambda names: [None] * len(names))
    places = {k: {"province": "东岚省", "city": None, "county": None, "region_code": None} for k in list(ids)[::3]}
    reports = {(ids[ref.key_of[s.item]], s.year) for s in sightings}
    report_rows = [{"id": f"{aid}-{y}", "agency_id": aid, "year": y} for aid, y in sorted(reports)]
    years: dict = {}
    for r in report_rows:
        n, lo, hi = years.get(r["agency_id"], (0, r["year"], r["year"]))
        years[r["agency_id"]] = (n + 1, min(lo, r["year"]), max(hi, r["year"]))
    rows, aliases = agency_rows(res, ids, places, years, province_of_region, conn)
    ref_rows, ref_aliases = agency_rows_in_memory(ref, ids, places, report_rows, province_of_region)
    assert rows == ref_rows
    assert list(aliases) == ref_aliases
    assert len(ref_aliases) < sum(len(a.aliases) for a in ref.agencies.values())  # deduplicated


def test_the_fixture_cases_resolve_alike():
    def s(item, name, year, site="a", **kw):
        kw.setdefault("site_region", "东岚省青屿市")
        return Sighting(item=item, name=name, year=year, site_id=site, url=item, document_id=item, **kw)

    cases = [
        [s("p1", "平潭综合实验区", 2019, "pingtan", cells={("t3", "a", "b"): 7}), s("p2", "平潭综合实验区", 2020, "pingtan"),
         s("m1", "平潭综合实验区管委会", 2019, "ptgwh", cells={("t3", "a", "b"): 7})],
        [s("u1", "区教育局", 2023, publisher="上城区教育局"), s("u2", "区教育局", 2023, publisher="下城区教育局"),
         s("u3", "区教育局", 2022, publisher="下城区教育局")],
        [s("a", "青屿市人民政府", 2023, cells={("t3", "x", "y"): 10}), s("b", "青屿市人民政府", 2022),
         s("c", "青屿市", 2023, cells={("t3", "x", "y"): 99})],
        [s("full", "青屿市大数据管理局", 2023), s("short", "青屿市数据局", 2021)],
        [s("u1", "区教育局", 2023, "s1", cells={("t3", "x", "y"): 3}), s("u2", "区教育局", 2023, "s1", cells={("t3", "x", "y"): 8}),
         s("u3", "区教育局", 2022, "s1", cells={("t3", "x", "y"): 8})],
    ]
    for case in cases:
        _same(resolve(case, registry=REGISTRY), resolve_in_memory(case, registry=REGISTRY))
