"""Agency name rules and corpus resolution (normalize/agency_names.py, normalize/agencies.py): pure functions."""
import pytest

from normalize.agencies import Sighting, agency_ids, load_operator_file, resolve
from normalize.agency_names import clean_name, kind_of, name_key, qualify, scope_of
from normalize.identity import province_of_region
from normalize.meta import region_of


@pytest.mark.parametrize("raw, want", [
    ("正文", None), ("首页", None), ("政府信息公开", None), ("", None), ("2023年度", None),
    ("标题:青屿市教育局", "青屿市教育局"), ("标题：青屿市教育局", "青屿市教育局"), ("# 青屿市教育局", "青屿市教育局"),
    ("＃＃ 青屿市教育局", "青屿市教育局"), ("关于青屿市人民政府", "青屿市人民政府"), ("正文 青屿市教育局", "青屿市教育局"),
    ("　青屿 市 教育局 ", "青屿市教育局"), ("《青屿市财政局》", "青屿市财政局"),
    ("六安市金安区数据资源管理局（政务服务管理局）", "六安市金安区数据资源管理局（政务服务管理局）"),
])
def test_clean_name_strips_residue_and_rejects_page_chrome(raw, want):
    assert clean_name(raw) == want


@pytest.mark.parametrize("a, b", [
    ("平潭综合实验区", "平潭综合实验区管委会"), ("平潭综合实验区管委会", "平潭综合实验区管理委员会"),
    ("平潭综合实验区党工委管委会", "平潭综合实验区"), ("青屿市", "青屿市人民政府"), ("江源县城关镇", "江源县城关镇人民政府"),
    ("青屿市龙湾街道", "青屿市龙湾街道办事处"), ("东岚省人民政府办公厅", "东岚省人民政府办公室"),
    ("青屿市教育局", "青屿市教育局"),
])
def test_regular_alias_forms_share_a_key(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a, b", [
    ("青屿市人民政府", "青屿市人民政府办公室"), ("青屿市教育局", "青屿市财政局"), ("青屿市", "青屿市喆山新区管委会"),
    ("江源县", "江源县城关镇"),
])
def test_different_agencies_keep_different_keys(a, b):
    assert name_key(a) != name_key(b)


def test_kind_scope_and_relative_names():
    assert [kind_of(n) for n in ("青屿市人民政府", "江源县城关镇人民政府", "平潭综合实验区管委会", "东岚省公安厅")] == \
        ["government", "township", "development_zone", "department"]
    assert scope_of("青屿市2023年全市政府信息公开工作年度报告") == "area_summary"
    assert scope_of("江源县政府信息公开工作年度报告（汇总）") == "area_summary"
    assert scope_of("青屿市人民政府2023年政府信息公开工作年度报告") == "own"
    assert name_key("青屿市", "area_summary") != name_key("青屿市人民政府")
    assert qualify("市教育局", "东岚省青屿市") == "青屿市教育局"
    assert qualify("区数据局", "东岚省青屿市") is None  # no district in the site's region
    assert qualify("市场监督管理局", "东岚省青屿市") is None  # not a relative name


def test_regions_are_whole_place_names_and_province_falls_back_to_the_registry():
    assert region_of("东岚省住房和城乡建设厅") == "东岚省"  # was 东岚省住房和城乡
    assert region_of("岚州市人民政府") == "岚州市"  # was 岚州
    assert region_of("青屿市龙湾街道办事处") == "青屿市龙湾街道"
    assert province_of_region("东岚省青屿市") == "东岚省"
    assert province_of_region("上海市浦东新区") == "上海市"
    assert province_of_region("青屿市") is None


def _s(item, name, year, site="a", **kw):
    kw.setdefault("site_region", "东岚省青屿市")
    return Sighting(item=item, name=name, year=year, site_id=site, url=item, document_id=item, **kw)


def test_alias_spellings_on_two_sites_become_one_agency():
    cells = {("t3", "new_received", "total"): 7}
    res = resolve([_s("p1", "平潭综合实验区", 2019, "pingtan", cells=cells),
                   _s("p2", "平潭综合实验区", 2020, "pingtan"),
                   _s("m1", "平潭综合实验区管委会", 2019, "ptgwh", cells=dict(cells))],
                  registry=[{"id": "pingtan", "agency": "平潭综合实验区党工委管委会", "region": "福建省平潭综合实验区"}])
    assert res.key_of["p1"] == res.key_of["m1"] == res.key_of["p2"]
    a = res.agencies[res.key_of["p1"]]
    assert a.name == "平潭综合实验区"  # the spelling printed most often
    assert {al["alias"] for al in a.aliases} == {"平潭综合实验区", "平潭综合实验区管委会", "平潭综合实验区党工委管委会"}
    assert res.issues == []


def test_same_title_different_agencies_on_one_site_stay_apart():
    # two district bureaus that both title their report 区教育局…; the page publisher tells them apart
    res = resolve([_s("u1", "区教育局", 2023, publisher="上城区教育局"),
                   _s("u2", "区教育局", 2023, publisher="下城区教育局"),
                   _s("u3", "区教育局", 2022, publisher="下城区教育局")])
    assert res.key_of["u1"] != res.key_of["u2"] == res.key_of["u3"]
    assert res.agencies[res.key_of["u1"]].name == "上城区教育局"
    # without a publisher the relative name is tied to its site: two sites' 区数据局 are never one agency
    res = resolve([_s("x", "区数据局", 2023, "s1"), _s("y", "区数据局", 2023, "s2")])
    assert res.key_of["x"] != res.key_of["y"]


def test_own_report_and_area_summary_stay_apart():
    res = resolve([_s("own", "青屿市人民政府", 2023), _s("sum", "青屿市", 2023, scope="area_summary")])
    own, summary = res.agencies[res.key_of["own"]], res.agencies[res.key_of["sum"]]
    assert own.key != summary.key and (own.scope, summary.scope) == ("own", "area_summary")
    assert summary.parent_key == own.key


def test_contradicting_spellings_are_not_merged_and_raise_an_issue():
    res = resolve([_s("a", "青屿市人民政府", 2023, cells={("t3", "new_received", "total"): 10}),
                   _s("b", "青屿市人民政府", 2022),
                   _s("c", "青屿市", 2023, cells={("t3", "new_received", "total"): 99})])
    assert res.key_of["a"] == res.key_of["b"] != res.key_of["c"]
    assert [i["rule"] for i in res.issues] == ["agency_merge_undecided"] and res.issues[0]["item"] == "c"


def test_an_abbreviation_without_context_is_reported_not_merged():
    res = resolve([_s("full", "青屿市大数据管理局", 2023), _s("short", "青屿市数据局", 2021)])
    assert res.key_of["full"] != res.key_of["short"]
    assert [(i["rule"], i["item"]) for i in res.issues] == [("agency_merge_undecided", "short")]
    # the operator file decides it
    op = {"merge": [{"alias": "青屿市数据局", "agency": "青屿市大数据管理局"}], "keep_apart": []}
    res = resolve([_s("full", "青屿市大数据管理局", 2023), _s("short", "青屿市数据局", 2021)], operator=op)
    assert res.key_of["full"] == res.key_of["short"] and res.issues == []
    assert {al["rule"] for al in res.agencies[res.key_of["full"]].aliases} == {"same_key", "operator_alias"}


def test_parents_levels_and_stable_ids():
    res = resolve([_s("g", "青屿市人民政府", 2023), _s("d", "青屿市教育局", 2023), _s("t", "青屿市龙湾街道办事处", 2023),
                   _s("z", "青屿市喆山新区管理委员会", 2023)])
    gov = res.key_of["g"]
    assert all(res.agencies[res.key_of[k]].parent_key == gov for k in "dtz")
    assert res.agencies[res.key_of["d"]].level == "city" and res.agencies[res.key_of["t"]].level == "township"
    ids = agency_ids(res.agencies, lambda names: ["350100" if n == "青屿市" else None for n in names])
    assert ids[gov].startswith("350100-") and ids[res.key_of["d"]].startswith("000000-")
    again = resolve([_s("x", "青屿市人民政府", 2019), _s("g", "青屿市", 2020)])  # other spellings, other corpus
    assert agency_ids(again.agencies, lambda names: ["350100" if n == "青屿市" else None for n in names])[again.key_of["x"]] == ids[gov]


def test_operator_file_loads(tmp_path):
    p = tmp_path / "aliases.yaml"
    p.write_text("merge:\n  - alias: 市数据局\n    agency: 青屿市大数据管理局\n    site: qingyu\n  - bad\nkeep_apart: [某局]\n", "utf-8")
    assert load_operator_file(p) == {"merge": [{"alias": "市数据局", "agency": "青屿市大数据管理局", "site": "qingyu"}],
                                     "keep_apart": ["某局"]}
    assert load_operator_file() == {"merge": [], "keep_apart": []}  # the shipped file decides nothing yet


def test_copies_of_one_report_that_print_different_numbers_are_said():
    res = resolve([_s("u1", "区教育局", 2023, "s1", cells={("t3", "new_received", "total"): 3}),
                   _s("u2", "区教育局", 2023, "s1", cells={("t3", "new_received", "total"): 8}),
                   _s("u3", "区教育局", 2022, "s1", cells={("t3", "new_received", "total"): 8})])
    assert res.key_of["u1"] == res.key_of["u2"] == res.key_of["u3"]
    assert [(i["rule"], i["item"]) for i in res.issues] == [("report_copies_disagree", "u2")]
