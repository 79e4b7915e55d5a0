"""Incremental runs: Archive.touch, the URL index, list-entry comparison, replaying unchanged pages from the
archive in the downloader middleware, and listing fingerprints (never advanced after a partial failure)."""
import json
from types import SimpleNamespace

import pytest
from scrapy import Request

from crawler.archive import Archive
from crawler.incremental import (FINGERPRINTS, entry_unchanged, listing_fingerprint, update_fingerprints)
from crawler.middlewares import ArchiveMiddleware, BlockMiddleware
from crawler.runctx import RunContext
from crawler.spiders.trs import TrsSpider

from fakes import fake_response, make_spider, row

SITE = "http://www.example.fixture.gov.cn/zwgk/nb/"
PAGE = SITE + "202401/t20240130_1.htm"
PDF = SITE + "202401/P020240130.pdf"
TITLE = "示例市2023年政府信息公开工作年度报告"
HTML = ("<html><head><meta name='ArticleTitle' content='%s'></head><body><div class='TRS_Editor'><p>一、总体情况</p>"
        "<p>二、主动公开政府信息情况</p><a href='./P020240130.pdf'>附件</a></div></body></html>" % TITLE).encode("utf-8")
PDF_BYTES = b"%PDF-1.4\n" + b"x" * 2000 + b"\n%%EOF\n"


def _listed(title=TITLE, date="2024-01-30"):
    return {"listing": SITE, "listed_title": title, "listed_date": date, "listed_entries": [[title, date]]}


@pytest.fixture()
def archive(tmp_path):
    a = Archive(tmp_path / "archive")
    a.store(b"<html>list</html>", url=SITE, kind="listing", site="ex", run_id="r1", fetched_at="2026-01-01T00:00:00+00:00")
    a.store(HTML, url=PAGE, kind="report_page", site="ex", run_id="r1", headers={"content-type": "text/html",
            "content-encoding": "gzip", "set-cookie": "a=b"}, meta=_listed(), fetched_at="2026-01-01T00:00:01+00:00")
    a.store(PDF_BYTES, url=PDF, kind="attachment", site="ex", run_id="r1", meta={"parent_url": PAGE},
            fetched_at="2026-01-01T00:00:02+00:00")
    return a


# -- archive ----------------------------------------------------------------------------------------
def test_touch_appends_run_id_and_refreshes_last_seen_only(archive):
    rec = archive.touch(PAGE, "r2", at="2026-01-02T00:00:00+00:00", meta={"listing": SITE + "index_1.htm"})
    assert rec["run_ids"] == ["r1", "r2"]
    assert rec["fetched_at"] == "2026-01-01T00:00:01+00:00" and rec["last_seen_at"] == "2026-01-02T00:00:00+00:00"
    assert rec["meta"]["listing"] == SITE + "index_1.htm" and rec["meta"]["listed_title"] == TITLE
    on_disk = json.loads(next((archive.root / "fetches").glob(f"*/*/{Archive.sidecar_key(PAGE)}.json")).read_text())
    assert on_disk == rec
    assert archive.touch(PAGE, "r2")["run_ids"] == ["r1", "r2"]  # idempotent
    assert archive.touch(SITE + "never-fetched.htm", "r2") is None
    assert archive.touch(PAGE, "r2", sha256="0" * 64) is None


def test_touch_and_index_take_the_newest_version_of_a_revised_url(archive):
    revised = archive.store(HTML + b"<!-- \xe6\x9b\xb4\xe6\xad\xa3 -->", url=PAGE, kind="report_page", run_id="r2",
                            meta=_listed(), fetched_at="2026-01-05T00:00:00+00:00")
    index = archive.url_index()
    assert index[PAGE]["sha256"] == revised.sha256 and set(index) == {SITE, PAGE, PDF}
    archive.touch(PAGE, "r3")
    assert json.loads(revised.sidecar_path.read_text())["run_ids"] == ["r2", "r3"]
    old = [p for p in (archive.root / "fetches").glob(f"*/*/{Archive.sidecar_key(PAGE)}.json") if p != revised.sidecar_path]
    assert json.loads(old[0].read_text())["run_ids"] == ["r1"]


def test_listed_entries_accumulate_and_decide_unchanged(archive):
    archive.store(HTML, url=PAGE, run_id="r2", meta={"listed_title": "短标题…", "listed_entries": [["短标题…", "2024-01-30"]]})
    meta = archive.url_index()[PAGE]["meta"]
    assert meta["listed_entries"] == [[TITLE, "2024-01-30"], ["短标题…", "2024-01-30"]]
    assert entry_unchanged(meta, TITLE, "2024-01-30") and entry_unchanged(meta, "短标题…", "2024-01-30")
    assert not entry_unchanged(meta, TITLE, "2024-02-01")  # a new date in the list: fetch again
    assert not entry_unchanged(meta, TITLE + "（更正版）", "2024-01-30")
    # sidecars written before listed_entries existed
    assert entry_unchanged({"listed_title": TITLE}, TITLE, None)
    assert not entry_unchanged({}, TITLE, None)


# -- replaying from the archive -----------------------------------------------------------------------
def _mw(ctx, cls=ArchiveMiddleware):
    mw = type("M", (cls,), {"ctx": property(lambda self: ctx)})()
    mw.crawler = SimpleNamespace(spider=None)
    return mw


@pytest.fixture()
def ctx(archive):
    c = RunContext("r2", str(archive.root))
    c.start_incremental()
    yield c
    c.manifest.close()


def _page_request(title=TITLE, date="2024-01-30"):
    return Request(PAGE, meta={"ogi": {"site": "ex", "role": "report_page", "listing": SITE, "listed_title": title,
                                       "listed_date": date}})


def test_unchanged_detail_page_is_replayed_and_touched_not_fetched(ctx):
    mw, block = _mw(ctx), _mw(ctx, BlockMiddleware)
    req = _page_request()
    resp = mw.process_request(req)
    assert resp is not None and resp.body == HTML and resp.status == 200 and "archive" in resp.flags
    assert b"Content-Encoding" not in resp.headers and b"Set-Cookie" not in resp.headers
    assert dict(ctx.host_requests) == {}  # nothing was sent
    assert block.process_response(req, resp) is resp and req.meta["ogi_verdict"] == "ok"
    assert mw.process_response(req, resp) is resp
    assert req.meta["ogi_sha256"] == ctx.previous[PAGE]["sha256"]
    rec = json.loads(open(ctx.previous[PAGE]["sidecar_path"]).read())
    assert rec["run_ids"] == ["r1", "r2"]
    events = [json.loads(x) for x in ctx.manifest.path.read_text().splitlines()]
    assert [(e["event"], e["url"], e["kind"]) for e in events] == [("still_listed", PAGE, "report_page")]
    assert ctx.still_listed == {"ex": 1}
    # its attachment (parent replayed in this run) is replayed too; another page's attachment is not
    att = Request(PDF, meta={"ogi": {"site": "ex", "role": "attachment", "parent_url": PAGE}})
    assert mw.process_request(att).body == PDF_BYTES
    other = Request(PDF, meta={"ogi": {"site": "ex", "role": "attachment", "parent_url": SITE + "other.htm"}})
    assert mw.process_request(other) is None


def test_changed_entries_listings_and_failed_fetches_go_to_the_network(ctx, archive):
    mw = _mw(ctx)
    assert mw.process_request(_page_request(title=TITLE + "（更正版）")) is None
    assert mw.process_request(_page_request(date="2024-03-01")) is None
    listing = Request(SITE, meta={"ogi": {"site": "ex", "role": "listing"}})
    assert mw.process_request(listing) is None  # listings are never replayed
    assert ctx.host_requests["www.example.fixture.gov.cn"] == 3
    ctx.incremental = False  # --full
    assert mw.process_request(_page_request()) is None
    ctx.incremental = True
    # the URL's newest fetch was a 404 (taken down, then listed again): fetch it
    archive.store(b"<html>404</html>", url=PAGE, status=404, kind="report_page", run_id="r1b", meta=_listed(),
                  fetched_at="2026-01-01T12:00:00+00:00")
    ctx.start_incremental()
    assert mw.process_request(_page_request()) is None


def test_a_soft_404_in_the_archive_is_asked_for_again(ctx, archive):
    archive.store("<html><body>页面不存在</body></html>".encode("utf-8"), url=PAGE, kind="report_page", run_id="r1c",
                  meta=_listed(), fetched_at="2026-01-01T13:00:00+00:00")
    ctx.start_incremental()
    assert _mw(ctx).process_request(_page_request()) is None


# -- listing fingerprints ----------------------------------------------------------------------------
ENTRIES = {(PAGE, TITLE, "2024-01-30"), (SITE + "b.htm", "某局2022年政府信息公开工作年度报告", "2023-01-20")}


def test_fingerprint_is_a_set_hash():
    assert listing_fingerprint(list(ENTRIES)) == listing_fingerprint(reversed(list(ENTRIES)))
    assert listing_fingerprint(ENTRIES) != listing_fingerprint(ENTRIES | {(SITE + "c.htm", "新报告", None)})


def test_fingerprint_advances_only_after_a_fully_successful_run(tmp_path):
    a = Archive(tmp_path)
    ok = {"site": "ex", "status": "ok", "errors": 0}
    first = update_fingerprints(a, "r1", [ok], {"ex": ENTRIES})["ex"]
    assert first["changed"] is None and first["advanced"]
    stored = a.read_state(FINGERPRINTS)["ex"]
    assert stored["fingerprint"] == listing_fingerprint(ENTRIES) and stored["changed_in"] == "r1"

    grown = ENTRIES | {(SITE + "c.htm", "示例市2024年政府信息公开工作年度报告", "2025-01-20")}
    # a partial failure (a listing page failed) or a blocked site: never advanced, change unknown
    for row in ({"site": "ex", "status": "ok", "errors": 1}, {"site": "ex", "status": "blocked", "errors": 1},
                {"site": "ex", "status": "error", "errors": 0}):
        info = update_fingerprints(a, "r2", [row], {"ex": grown})["ex"]
        assert info["changed"] is None and not info["advanced"]
        assert info["fingerprint"] == listing_fingerprint(grown)
        assert a.read_state(FINGERPRINTS)["ex"] == stored

    info = update_fingerprints(a, "r3", [ok], {"ex": grown})["ex"]
    assert info["changed"] and info["advanced"] and info["previous"] == stored["fingerprint"]
    assert a.read_state(FINGERPRINTS)["ex"]["changed_in"] == "r3"
    same = update_fingerprints(a, "r4", [ok], {"ex": grown})["ex"]
    assert same["changed"] is False and not same["advanced"]
    assert a.read_state(FINGERPRINTS)["ex"]["confirmed_in"] == "r4"
    # a disabled site is left alone
    assert update_fingerprints(a, "r5", [{"site": "ex", "status": "disabled"}], {}) == {}


def test_listed_entries_are_noted_for_the_fingerprint():
    spider = make_spider(TrsSpider, [row("ex", "trs-wcm", [SITE])])
    noted = []
    spider._fake_ctx.note_listed = lambda *a: noted.append(a)
    resp = fake_response(SITE, b"<html></html>", site="ex")
    list(spider.listed_item(resp, "./202401/t20240130_1.htm", f"  {TITLE} ", "2024年1月30日"))
    list(spider.listed_item(resp, "./b.htm", "关于印发2024年政务公开工作要点的通知", "2024-02-01"))  # a negative
    list(spider.listed_document(resp, "./P1.pdf", TITLE, None))
    assert noted == [("ex", PAGE, TITLE, "2024-01-30"),
                     ("ex", SITE + "b.htm", "关于印发2024年政务公开工作要点的通知", "2024-02-01"),
                     ("ex", SITE + "P1.pdf", TITLE, None)]
