"""A spider exception reaches the run manifest and the summary with its cause."""
import json

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from crawler import runctx
from crawler.failures import SpiderErrorMiddleware
from crawler.run import summarise


class _Crawler:
    def __init__(self, run_id, archive):
        self.settings = Settings({"OGI_RUN_ID": run_id, "OGI_ARCHIVE_DIR": str(archive)})


def test_a_spider_exception_is_recorded_and_named_in_the_summary(tmp_path):
    run_id = "20260101T000000-1"
    ctx = runctx.get(run_id, str(tmp_path))
    try:
        mw = SpiderErrorMiddleware.from_crawler(_Crawler(run_id, tmp_path))
        req = Request("http://www.x.fixture.gov.cn/nb/", meta={"ogi": {"site": "x", "role": "listing", "entry": "u"}})
        resp = HtmlResponse(req.url, body=b"<html></html>", request=req)
        try:
            b"x".decode("x-bogus")
        except LookupError as exc:
            assert mw.process_spider_exception(resp, exc) is None  # Scrapy goes on
        ctx.manifest.close()
        lines = [json.loads(x) for x in (tmp_path / "runs" / run_id / "manifest.jsonl").read_text().splitlines()]
        (err,) = [e for e in lines if e["event"] == "spider_error"]
        assert err["site"] == "x" and err["error"] == "LookupError" and "x-bogus" in err["message"]
        assert "decode" in err["traceback"]
        s = summarise(ctx, [{"id": "x", "family": "trs-wcm", "entry_urls": [req.url]}], [], "2026-01-01T00:00:00")
        assert s["sites"][0]["status"] == "error" and s["sites"][0]["errors"] == 1
        assert "0 reports found" in s["errors"][0]["error"] and "spider_error LookupError" in s["errors"][0]["error"]
        assert [(f["site"], f["count"]) for f in s["failures"]] == [("x", 1)]
        assert "x-bogus" in s["failures"][0]["causes"]
    finally:
        runctx.pop(run_id)
