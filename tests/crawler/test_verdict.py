"""The crawler's verdict travels in the archive: a page it read and rejected is marked in its sidecar
(negative with reason, noise for soft 404s and stubs), a report page is marked report."""
import json
import uuid
from types import SimpleNamespace

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from crawler import runctx
from crawler.middlewares import BlockMiddleware
from crawler.pipelines import RunPipeline
from crawler.spiders.trs import TrsSpider
from fakes import fake_response, make_spider, row

URL = "http://www.pt.example.gov.cn/zwgk/ndbg/t20240315_30187.htm"
PAGE = ("<html><head><meta name='ArticleTitle' content='平潭综合实验区事业单位法人2023年度报告书公示'></head><body>"
        "<div class=TRS_Editor><p>单位名称：平潭综合实验区综合服务中心；开办资金：50万元。</p></div></body></html>").encode()


def _ctx(tmp_path):
    run = f"t-{uuid.uuid4().hex[:8]}"
    settings = Settings({"OGI_RUN_ID": run, "OGI_ARCHIVE_DIR": str(tmp_path / "archive")})
    return runctx.get(run, str(tmp_path / "archive")), SimpleNamespace(settings=settings)


def _sidecar(ctx, sha, url):
    return json.loads((ctx.archive.sidecar_dir(sha) / f"{ctx.archive.sidecar_key(url)}.json").read_text("utf-8"))


def test_a_page_rejected_after_reading_is_marked_negative_in_its_sidecar(tmp_path):
    ctx, crawler = _ctx(tmp_path)
    stored = ctx.archive.store(PAGE, url=URL, kind="report_page", site="a", run_id=ctx.run_id,
                               meta={"listed_title": "平潭综合实验区事业单位法人2023年度报告书公示"})
    sp = make_spider(TrsSpider, [row("a", "trs-wcm", ["http://www.pt.example.gov.cn/zwgk/ndbg/"])])
    resp = fake_response(URL, PAGE, site="a", role="report_page",
                         meta={"ogi_sha256": stored.sha256})
    resp.meta["ogi"]["listed_title"] = "平潭综合实验区事业单位法人2023年度报告书公示"
    items = [i for i in sp.parse_detail(resp) if isinstance(i, dict)]
    assert [(i["type"], i["reason"], i["sha256"]) for i in items] == [("negative", "no_body_markers", stored.sha256)]
    pipe = RunPipeline.from_crawler(crawler)
    pipe.open_spider()
    try:
        pipe.process_item(items[0])
    finally:
        pipe.close_spider()
    rec = _sidecar(ctx, stored.sha256, URL)
    assert rec["kind"] == "report_page"  # how it was fetched stays recorded …
    assert (rec["meta"]["verdict"], rec["meta"]["verdict_reason"]) == ("negative", "no_body_markers")  # … and the verdict


def test_report_items_are_marked_report_and_noise_is_marked_by_the_block_middleware(tmp_path):
    ctx, crawler = _ctx(tmp_path)
    stored = ctx.archive.store(b"<html>report</html>", url=URL, kind="report_page", site="a", run_id=ctx.run_id)
    pipe = RunPipeline.from_crawler(crawler)
    pipe.open_spider()
    try:
        pipe.process_item({"type": "report", "site": "a", "url": URL, "sha256": stored.sha256, "title": "t"})
    finally:
        pipe.close_spider()
    assert _sidecar(ctx, stored.sha256, URL)["meta"]["verdict"] == "report"

    soft404 = "<html><head><title>页面不存在</title></head><body>抱歉，您访问的页面不存在或已被删除</body></html>".encode()
    url = URL.replace("30187", "1")
    req = Request(url, meta={"ogi": {"site": "a", "role": "report_page"}})
    stored = ctx.archive.store(soft404, url=url, kind="report_page", site="a", run_id=ctx.run_id)
    req.meta["ogi_sha256"] = stored.sha256  # set by the ArchiveMiddleware, which runs first
    mw = BlockMiddleware.from_crawler(crawler)
    mw.process_response(req, HtmlResponse(url=url, status=200, body=soft404, request=req))
    assert req.meta["ogi_verdict"] != "ok"
    meta = _sidecar(ctx, stored.sha256, url)["meta"]
    assert (meta["verdict"], meta["verdict_reason"]) == ("noise", req.meta["ogi_verdict"])
