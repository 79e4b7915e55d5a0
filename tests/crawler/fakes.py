"""Fake responses for spider tests (City Bureau style): saved bytes in their real encoding, wrapped in
an HtmlResponse/TextResponse whose Request carries the ``ogi`` meta a spider callback expects, and
classified by crawler.blocks as the BlockMiddleware would have done."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Optional

from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.settings import Settings

from crawler.blocks import classify

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "crawler"


def fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def fake_response(url: str, body: bytes | str, *, status: int = 200, headers: Optional[dict] = None,
                  meta: Optional[dict] = None, site: str = "site", role: str = "listing",
                  request: Optional[Request] = None, kind: str = "html") -> Response:
    """A response as a spider callback receives it. `body` is a fixture path (relative to
    tests/fixtures/crawler) or raw bytes; `kind` is html, text or raw."""
    if isinstance(body, str):
        body = fixture(body)
    if request is None:
        m = {"ogi": {"site": site, "role": role}}
        m.update(meta or {})
        request = Request(url, meta=m)
    hdrs = dict(headers or {})
    cls = {"html": HtmlResponse, "text": TextResponse, "raw": Response}[kind]
    resp = cls(url=url, status=status, body=body, headers=hdrs, request=request)
    h = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1") for k, v in resp.headers.items()}
    verdict = classify(status, h, body, is_document=request.meta.get("ogi", {}).get("role") == "attachment")
    request.meta["ogi_verdict"] = verdict.kind
    return resp


def response_for(request: Request, body: bytes | str, **kw) -> Response:
    """The response to a request a spider yielded (meta carried over, as Scrapy does)."""
    return fake_response(kw.pop("url", request.url), body, request=request, **kw)


class FakeCtx:
    """Stands in for runctx.RunContext: collects manifest events and errors."""

    def __init__(self):
        self.events: list[dict] = []
        self.errors: list[dict] = []
        self.robots_disallowed: dict[str, list] = defaultdict(list)
        self.manifest = self

    def write(self, **entry: Any) -> None:
        self.events.append(entry)


def make_spider(cls, rows: list[dict]):
    """A spider of `cls` configured by registry `rows`, whose run context is a FakeCtx (spider.ctx)."""
    sub = type(cls.__name__, (cls,), {"ctx": property(lambda self: self._fake_ctx)})
    spider = sub(sources=rows)
    spider._fake_ctx = FakeCtx()
    spider.settings = Settings({"OGI_RUN_ID": "test", "OGI_ARCHIVE_DIR": "/nonexistent"})
    return spider


def row(site: str, family: str, urls: Iterable[str], **extra) -> dict:
    return {"id": site, "name": site, "agency": extra.pop("agency", None), "level": "county", "region": None,
            "family": family, "entry_urls": list(urls), "enabled": True, **extra}


def split(results) -> tuple[list[dict], list[Request]]:
    """Items and requests of a callback's output."""
    items, requests = [], []
    for r in results or []:
        (requests if isinstance(r, Request) else items).append(r)
    return items, requests


def failure_for(request: Request, exc: BaseException):
    """The Failure an errback receives (Scrapy sets failure.request)."""
    from twisted.python.failure import Failure

    f = Failure(exc)
    f.request = request
    return f
