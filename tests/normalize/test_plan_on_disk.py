"""The build's plan with its documents on disk (issue 9): the light summaries of the documents live in
the spill file (normalize/result_store.py DocStore) and are read back a crawl item or a report at a time.
The plan made that way must decide exactly what the plan over documents held in memory decides."""
import copy
import json

from normalize.agencies import Alias, Sighting, resolve
from normalize.archive_reader import Fetch
from normalize.build import (ParsedDoc, _compact_fetch, _doc_from_tuple, _doc_tuple, document_id,
                             plan_reports)
from normalize.identity import LegacyVerdicts
from normalize.incremental import META_KEYS, agency_signatures
from normalize.result_store import DocStore, Spill

SITE = {"id": "qy", "name": "青屿市政务公开", "agency": "青屿市人民政府", "level": "city", "region": "东岚省青屿市",
        "family": "generic"}
RUNS = [{"run_id": "r1", "sites": [{"site": "qy", "status": "ok"}]}]


def _fetch(url, sha, role, fetched, meta=None):
    meta = dict(meta or {}, role=role)
    return Fetch(sha256=sha.ljust(64, "0"), url=url, final_url=url, status=200, kind=role, site="qy",
                 fetched_at=fetched, last_seen_at=fetched, referrer="http://qy.gov.cn/", headers={"Server": "x"},
                 meta=meta, run_ids=["r1"], size=100)


def _result(agency, year, n_cells, issues=()):
    cells = [{"table": "t3", "row": f"r{i}", "col": "total", "value": i, "raw": str(i)} for i in range(n_cells)]
    return {"agency": agency, "year": year, "title": f"{agency}{year}年政府信息公开工作年度报告", "cells": cells,
            "sections": {"overview": "一、总体情况"} if n_cells else {}, "checks": [], "issues": list(issues)}


def _doc(fetch, result, text=None):
    return ParsedDoc(fetch, document_id(fetch), "html", result, text, None)


def _corpus() -> list[ParsedDoc]:
    agency = "青屿市财政局"
    base = "http://qy.gov.cn/zwgk/"
    p22 = _fetch(base + "2022.html", "a1", "report_page", "2023-02-01T00:00:00")
    # a page that only says 详见附件: its missing-table issue becomes info, its attachment is the primary
    p23 = _fetch(base + "2023.html", "b1", "report_page", "2024-02-01T00:00:00")
    a23 = _fetch(base + "2023.pdf", "b2", "attachment", "2024-02-01T00:00:00", {"parent_url": p23.url})
    # the same report in another column (a copy) and a newer version of the 2022 page (a revision)
    c23 = _fetch(base + "col/2023.html", "c1", "report_page", "2024-03-01T00:00:00")
    p22b = _fetch(base + "2022.html", "a9", "report_page", "2023-05-01T00:00:00")
    # no agency or year: a document of no report
    none = _fetch(base + "notice.html", "d1", "report_page", "2024-01-01T00:00:00")
    return [
        _doc(p22, _result(agency, 2022, 12), "t22"),
        _doc(p23, _result(agency, 2023, 0, [{"level": "error", "rule": "no_tables", "message": "no table"}])),
        _doc(a23, _result(agency, 2023, 20), "t23"),
        _doc(c23, _result(agency, 2023, 20), "t23"),
        _doc(p22b, _result(agency, 2022, 12), "t22b"),
        _doc(none, {"title": "通知", "cells": [], "sections": {}, "issues": []}),
    ]


def _decided(plan) -> dict:
    out = {"unassigned": sorted(i for idx in plan.unassigned() for i in idx), "items": plan.items(),
           "report_items": {rid: plan.report_items(rid) for rid in plan.report_ids()}, "reports": {}}
    for rid in plan.report_ids():
        docs, primary = plan.documents(rid)
        out["reports"][rid] = (primary.id, plan.seen(rid), [
            (d.id, d.report_id, d.result.get("_report_role"), d.result.get("_superseded_by"),
             d.result.get("_duplicate_of"), [i.get("level") for i in d.result.get("issues") or []], d.issues)
            for d in docs])
    return out


def test_doc_store_in_the_spill_returns_what_was_put(tmp_path):
    spill = Spill(tmp_path / "spill.tmp").open()
    store = DocStore(spill, _doc_tuple, _doc_from_tuple)  # as the build stores them
    docs = _corpus()
    for i in (3, 0, 5, 1, 4, 2):  # out of order, as parse results come back from the workers
        store.put(i, docs[i])
    assert len(store) == 6
    assert [d.id for d in store.get_many([5, 0, 3])] == [docs[5].id, docs[0].id, docs[3].id]
    assert [d.id for d in store] == [d.id for d in docs]
    assert store.get_many([2])[0] == docs[2]  # a new object, equal to the one put
    assert store.get_many([2])[0] is not docs[2]
    changed = copy.deepcopy(docs[1])
    changed.issues.append({"rule": "x"})
    store.put(1, changed)
    assert store.get_many([1])[0].issues == [{"rule": "x"}]
    assert spill._db().execute("select count(*) from docs").fetchone() == (6,)  # rows in the file, not a list
    spill.remove()
    assert not spill.path.exists()


def test_the_plan_over_documents_on_disk_decides_what_the_plan_in_memory_decides(tmp_path):
    sites = {"qy": SITE}
    in_memory = plan_reports(_corpus(), sites, RUNS, lambda *a: None)
    spill = Spill(tmp_path / "spill.tmp").open()
    store = DocStore(spill, _doc_tuple, _doc_from_tuple)  # as the build stores them
    for i, d in enumerate(_corpus()):
        store.put(i, d)
    on_disk = plan_reports(store, sites, RUNS, lambda *a: None)
    expected = _decided(in_memory)
    assert _decided(on_disk) == expected
    assert len(expected["reports"]) == 2 and len(expected["unassigned"]) == 1
    (rid22, (primary22, _, docs22)), (rid23, (primary23, _, docs23)) = sorted(expected["reports"].items())
    roles23 = {d[0]: d[2] for d in docs23}
    corpus = _corpus()
    assert primary23 == corpus[2].id  # the attachment with the tables
    assert roles23 == {corpus[1].id: "page", corpus[2].id: "attachment", corpus[3].id: "copy"}
    assert [d[4] for d in docs23 if d[0] == corpus[3].id] == [corpus[2].id]  # the copy prints the same text
    assert {d[0]: (d[2], d[3]) for d in docs22}[corpus[0].id] == ("revision", corpus[4].id)
    # what the plan decided over a crawl item is kept with its documents on disk
    assert [d[5] for d in docs23 if d[0] == corpus[1].id] == [["info"]]
    (unassigned,) = on_disk.docs.get_many(next(on_disk.unassigned()))
    assert [i["rule"] for i in unassigned.issues] == ["no_report_identity"]
    assert agency_signatures(on_disk, sites) == agency_signatures(in_memory, sites)
    spill.remove()


def test_aliases_are_tuples_read_like_the_dicts_they_replace(tmp_path):
    res = resolve([Sighting(item="p", name="青屿市财政局", year=2023, site_id="qy", url="p", document_id="d")],
                  registry=[SITE])
    aliases = [al for a in res.agencies.values() for al in a.aliases]
    assert aliases and all(isinstance(al, Alias) for al in aliases)
    al = aliases[0]
    assert al["alias"] == al.alias and al["site_id"] == al.site_id and al[0] == al.alias
    assert list(al._asdict()) == ["alias", "key", "source", "rule", "document_id", "site_id", "url"]


def test_a_compact_fetch_keeps_what_the_build_reads_and_drops_the_rest(tmp_path):
    f = _fetch("http://qy.gov.cn/a.html", "e1", "attachment", "2024-01-01T00:00:00",
               {"parent_url": "http://qy.gov.cn/p.html", "title": "t", "listing": "http://qy.gov.cn/list",
                "verdict_reason": "title", "position": 3})
    g = _compact_fetch(copy.deepcopy(f))
    assert g.meta == {k: v for k, v in f.meta.items() if k in META_KEYS}
    assert "listing" not in g.meta and g.meta["parent_url"] == "http://qy.gov.cn/p.html"
    assert g.headers == {} and g.referrer is None
    assert g.final_url is g.url and g.run_ids == ("r1",) and g.role == "attachment"
    h = _compact_fetch(copy.deepcopy(f))
    assert h.run_ids is g.run_ids and h.fetched_at is g.fetched_at  # shared between documents


def test_collected_documents_are_compact_fetches(tmp_path):
    from crawler.archive import Archive
    from normalize.archive_reader import ArchiveReader

    a = Archive(tmp_path / "archive")
    a.store(b"<html>report</html>", url="http://qy.gov.cn/r.html", kind="report_page", site="qy", run_id="r1",
            meta={"role": "report_page", "title": "青屿市财政局2023年政府信息公开工作年度报告", "listing": "x",
                  "verdict": "report"})
    a.run_dir("r1").mkdir(parents=True, exist_ok=True)
    (a.run_dir("r1") / "items.jsonl").write_text(json.dumps({"type": "negative", "url": "http://qy.gov.cn/n.html"}))
    from normalize.collect import collect, documents, page_of
    from normalize.result_store import Spill

    legacy = LegacyVerdicts(a.root)
    spill = Spill.temporary()
    collect(ArchiveReader(a.root), spill, legacy)
    docs = [d.fetch for d in documents(spill)]
    assert legacy._data is None  # every sidecar carries its verdict: the run items are not read
    assert legacy.get("http://qy.gov.cn/n.html")["verdict"] == "negative" and legacy._data is not None
    assert [d.url for d in docs] == ["http://qy.gov.cn/r.html"]
    assert set(docs[0].meta) <= set(META_KEYS) and docs[0].meta["title"].startswith("青屿市")
    assert page_of(spill._db(), "http://qy.gov.cn/r.html") == docs[0]
    spill.remove()


def _disagreeing_corpus() -> list[ParsedDoc]:
    """The corpus with a third copy of the 2022 report (another column) that prints other numbers."""
    docs = _corpus()
    other = _result("青屿市财政局", 2022, 12)
    for c in other["cells"]:
        c["value"] += 1
    f = _fetch("http://qy.gov.cn/col2/2022.html", "f1", "report_page", "2023-03-01T00:00:00")
    return docs + [_doc(f, other, "t22c")]


def test_the_plan_queries_answer_what_the_items_and_the_resolution_decide(tmp_path):
    from reference_resolve import resolve_in_memory

    from normalize import identity
    from normalize.build import agency_batches

    sites = {"qy": SITE}
    spill = Spill(tmp_path / "spill.tmp").open()
    store = DocStore(spill, _doc_tuple, _doc_from_tuple)
    for i, d in enumerate(_disagreeing_corpus()):
        store.put(i, d)
    plan = plan_reports(store, sites, RUNS, lambda *a: None)
    in_memory = plan_reports(_disagreeing_corpus(), sites, RUNS, lambda *a: None)
    items = plan.items()
    assert items == in_memory.items() and len(items) == 5  # 2022.html: two versions, one crawl item

    # the sightings of the crawl items with an identity, resolved in memory as before (the reference)
    docs = _disagreeing_corpus()
    sightings = []
    for key, idx in items.items():
        group = [docs[i] for i in idx]
        best = max(group, key=lambda p: (*identity.counts(p.result), p.fetch.role == "report_page"))
        if best.result.get("agency"):
            sightings.append(identity.sighting(key, group, best, best.result["year"], SITE))
    ref = resolve_in_memory(sightings, registry=[SITE])
    expected: dict = {}
    for sg in sightings:
        expected.setdefault(f"{plan.ids[ref.key_of[sg.item]]}-{sg.year}", []).append(sg.item)
    assert {rid: plan.report_items(rid) for rid in plan.report_ids()} == expected
    assert plan.n_reports() == len(expected) == 2 and all(plan.has_report(rid) for rid in expected)
    assert not plan.has_report("000000-x-2022")

    ((aid, reports),) = list(plan.reports_by_agency())
    assert [rid for rid, _ in reports] == sorted(expected)
    assert all(n == plan.n_documents(rid) == sum(len(items[i]) for i in expected[rid]) for rid, n in reports)
    assert plan.reports_of({aid}) == set(expected) and plan.reports_of({"other"}) == set()
    assert list(agency_batches(plan, limit=1)) == [sorted(expected)]  # whole agencies
    assert list(agency_batches(plan, {"other"})) == []
    assert plan.agency_years() == {aid: (2, 2022, 2023)}
    for rid in expected:
        assert plan.agency(rid).key == ref.key_of[expected[rid][0]] and plan.agency(rid).name == "青屿市财政局"
        assert [s.item for s in plan.sightings(rid)] == expected[rid]

    # the resolution's issue (copies of 2022 that print other numbers) is a row of its report
    rid22 = min(expected)
    assert [i["rule"] for i in ref.issues] == ["report_copies_disagree"]
    (issue,) = plan.merge_issues(rid22)
    first_doc = docs[items[ref.issues[0]["item"]][0]]
    assert issue == {"document_id": first_doc.id, "report_id": rid22, "url": first_doc.fetch.url,
                     "level": "warning", "rule": "report_copies_disagree", "message": ref.issues[0]["message"]}
    assert plan.merge_issues(max(expected)) == []
    assert in_memory.merge_issues(rid22) == [issue]
    assert agency_signatures(plan, sites) == agency_signatures(in_memory, sites)
    in_memory.close()
    spill.remove()
