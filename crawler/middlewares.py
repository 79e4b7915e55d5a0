"""Downloader middlewares: route through a proxy (the local portal), archive every response (and in
incremental runs replay unchanged detail pages from the archive instead of fetching them), classify
block pages and stop at a blocked host, retry timeouts and 5xx with back-off."""
from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.responsetypes import responsetypes

from . import runctx
from .blocks import classify, evidence_sha1
from .incremental import entry_unchanged, listed_key

# headers of an archived response that must not be replayed: the body is stored decompressed, and
# cookies are only ever taken from live answers
REPLAY_DROP_HEADERS = ("content-encoding", "content-length", "transfer-encoding", "set-cookie")


def _headers(response) -> dict:
    out = {}
    for k, v in response.headers.items():
        key = k.decode("latin-1").lower()
        out[key] = b", ".join(v).decode("latin-1")
    return out


class _CrawlerBound:
    @classmethod
    def from_crawler(cls, crawler):
        o = cls()
        o.crawler = crawler
        return o

    @property
    def ctx(self):
        s = self.crawler.settings
        return runctx.from_settings(s)

    def site_of(self, url):
        spider = self.crawler.spider
        return getattr(spider, "site_of", lambda u: None)(url)


class ProxyMiddleware:
    """Send every request (robots.txt included) through OGI_PROXY when it is set."""

    def __init__(self, proxy):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("OGI_PROXY"))

    def process_request(self, request):
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy


class ArchiveMiddleware(_CrawlerBound):
    """Store every response that reaches the spider side (after decompression) in the raw archive,
    and log every outcome (responses and download errors) to the run manifest.

    In an incremental run (``RunContext.incremental``, see crawler/incremental.py) an unchanged detail
    page, and the attachments of a page replayed so, are not requested: the archived response is
    handed to the spider as it was fetched (its request never reaches the network and is not counted),
    and the archive only records that the URL is still listed (``Archive.touch`` + a ``still_listed``
    manifest line). Listings are never replayed."""

    def process_request(self, request):
        ctx = self.ctx
        if ctx.incremental:
            replay = self.replay(ctx, request)
            if replay is not None:
                return replay
        ctx.host_requests[urlsplit(request.url).hostname or ""] += 1

    @staticmethod
    def replay(ctx, request):
        """The archived response for `request` when the run may skip fetching it, else None."""
        if request.method != "GET":
            return None
        ogi = request.meta.get("ogi", {})
        role = ogi.get("role")
        record = ctx.previous.get(request.url)
        if not record or record.get("status") != 200:
            return None
        if role == "report_page" or (role == "attachment" and "listed_title" in ogi):
            # a list entry: unchanged when listed before under the same title and date
            if not entry_unchanged(record.get("meta") or {}, ogi.get("listed_title"), ogi.get("listed_date")):
                return None
        elif not (role == "attachment" and ogi.get("parent_url") in ctx.replayed):
            return None
        try:
            body = ctx.archive.blob_path(record["sha256"]).read_bytes()
        except OSError:
            return None
        if len(body) != record.get("size", len(body)):
            return None
        headers = {k: v for k, v in (record.get("headers") or {}).items() if k.lower() not in REPLAY_DROP_HEADERS}
        if classify(200, headers, body, is_document=role == "attachment").kind != "ok":
            return None  # a soft 404 or stub last time: ask the site again
        final_url = record.get("final_url") or request.url
        request.meta["ogi_from_archive"] = record["sha256"]
        if final_url != request.url:
            request.meta["redirect_urls"] = [request.url]
        ctx.replayed.update((request.url, final_url))
        cls = responsetypes.from_args(headers=headers, url=final_url, body=body)
        return cls(url=final_url, status=200, headers=headers, body=body, request=request, flags=["archive"])

    def process_response(self, request, response):
        ctx = self.ctx
        ogi = request.meta.get("ogi", {})
        kind = ogi.get("role", "robots" if request.url.endswith("/robots.txt") else "page")
        redirects = request.meta.get("redirect_urls") or []
        site = ogi.get("site") or self.site_of(request.url)
        meta = {k: v for k, v in ogi.items() if k not in ("role", "site")}
        if "listed_title" in ogi:
            meta["listed_entries"] = [listed_key(ogi.get("listed_title"), ogi.get("listed_date"))]
        replayed = request.meta.get("ogi_from_archive")
        if replayed:
            ctx.archive.touch(redirects[0] if redirects else request.url, ctx.run_id, sha256=replayed, meta=meta)
            request.meta["ogi_sha256"] = replayed
            ctx.still_listed[site or ""] += 1
            ctx.manifest.write(event="still_listed", url=request.url, sha256=replayed, size=len(response.body),
                               kind=kind, site=site, redirect_urls=redirects or None)
            return response
        stored = ctx.archive.store(
            response.body,
            url=redirects[0] if redirects else request.url,
            final_url=response.url,
            status=response.status,
            headers=_headers(response),
            site=site,
            referrer=(request.headers.get("Referer") or b"").decode("latin-1") or None,
            kind=kind,
            run_id=ctx.run_id,
            meta=meta,
        )
        request.meta["ogi_sha256"] = stored.sha256
        ctx.manifest.write(
            event="response", url=request.url, status=response.status, sha256=stored.sha256,
            size=len(response.body), kind=kind, site=ogi.get("site"), new_blob=stored.new_blob,
            redirect_urls=redirects or None,
        )
        return response

    def process_exception(self, request, exception):
        if str(exception).startswith("refused:"):
            return None  # crawler/guards.py wrote its refused_url line
        ctx = self.ctx
        ctx.manifest.write(
            event="download_error", url=request.url, error=type(exception).__name__,
            message=str(exception)[:300], site=request.meta.get("ogi", {}).get("site"),
            retry_times=request.meta.get("retry_times", 0),
        )
        return None


class BlockMiddleware(_CrawlerBound):
    """Classify every response. A challenge (瑞数 412/202, 加速乐 521, WAF, slider) blocks the host for
    the rest of the run: reported once, and no further request is sent to it.

    A host that never answers a usable response is reported as ``unreachable`` the same way
    (PORTALS.md §5: 403/422 from abroad, refused connections — "report it; do not retry without
    limit"): UNREACHABLE_DENIALS answers of 403/422/451 (robots.txt included), or
    UNREACHABLE_FAILURES failed download attempts, before any 2xx/3xx/404 from that host."""

    UNREACHABLE_DENIALS = 2
    UNREACHABLE_FAILURES = 3
    DENIAL_STATUSES = (401, 403, 422, 451)

    def _host_state(self, host):
        states = self.__dict__.setdefault("_hosts", {})
        return states.setdefault(host, {"ok": 0, "denied": 0, "failed": 0})

    def process_exception(self, request, exception):
        if urlsplit(request.url).scheme != "http":
            return None  # TLS/CONNECT failures are the scheme's, not the host's: the spider falls back to http
        host = urlsplit(request.url).hostname or ""
        st = self._host_state(host)
        st["failed"] += 1
        if not st["ok"] and st["failed"] >= self.UNREACHABLE_FAILURES:
            self.ctx.block_host(host, "unreachable", 0, request.url, "", request.meta.get("ogi", {}).get("site")
                                or self.site_of(request.url))
        return None

    def process_request(self, request):
        host = urlsplit(request.url).hostname or ""
        if host in self.ctx.blocked_hosts:
            raise IgnoreRequest(f"host {host} is blocked ({self.ctx.blocked_hosts[host]['kind']})")

    def process_response(self, request, response):
        ctx = self.ctx
        ogi = request.meta.get("ogi", {})
        if request.meta.get("ogi_from_archive"):  # replayed from the archive: says nothing about the host
            request.meta["ogi_verdict"] = "ok"  # (ArchiveMiddleware.replay only replays usable bodies)
            return response
        verdict = classify(response.status, _headers(response), response.body,
                           is_document=ogi.get("role") == "attachment")
        request.meta["ogi_verdict"] = verdict.kind
        if verdict.blocked:
            host = urlsplit(request.url).hostname or ""
            ctx.block_host(host, verdict.kind, response.status, request.url, evidence_sha1(response.body),
                           ogi.get("site") or self.site_of(request.url))
            raise IgnoreRequest(f"{verdict.kind} at {request.url}")
        host = urlsplit(request.url).hostname or ""
        st = self._host_state(host)
        if response.status in self.DENIAL_STATUSES:
            st["denied"] += 1
            if not st["ok"] and st["denied"] >= self.UNREACHABLE_DENIALS:
                ctx.block_host(host, "unreachable", response.status, request.url, evidence_sha1(response.body),
                               ogi.get("site") or self.site_of(request.url))
        elif response.status < 400 or response.status == 404:
            st["ok"] += 1
        if verdict.kind != "ok":
            ctx.manifest.write(event="bad_page", url=request.url, status=response.status, kind=verdict.kind,
                               evidence=verdict.evidence, site=ogi.get("site"))
            if request.meta.get("ogi_sha256"):  # archived just before (ArchiveMiddleware): record the verdict
                ctx.archive.annotate(request.meta["ogi_sha256"], (request.meta.get("redirect_urls") or [request.url])[0],
                                     {"verdict": "noise", "verdict_reason": verdict.kind})
        return response


class RedirectRecordMiddleware(_CrawlerBound):
    """Sits just before Scrapy's RedirectMiddleware (which consumes 3xx responses, so the archive
    never sees them): logs every redirect to the manifest, hands a ``Content-Disposition`` of the
    3xx (Hanweb ``downfile.jsp`` sends the file name on the 302, PORTALS.md §2.2) on to the
    redirected request, and stops cookie self-redirect loops (openresty ``CT6T``, PORTALS.md §5):
    one redirect to the same URL is allowed (the cookie jar now holds the cookie), a second one is
    reported as ``redirect_loop`` and dropped."""

    def process_response(self, request, response):
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        from urllib.parse import urljoin

        location = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
        disposition = response.headers.get(b"Content-Disposition")
        if disposition:
            request.meta["ogi_redirect_disposition"] = disposition
        same = location.split("#")[0] == request.url.split("#")[0]
        self.ctx.manifest.write(event="redirect", url=request.url, status=response.status, location=location,
                                site=request.meta.get("ogi", {}).get("site"), self_redirect=same or None,
                                content_disposition=disposition.decode("latin-1") if disposition else None)
        if same:
            n = request.meta.get("ogi_self_redirects", 0) + 1
            if n > 1:
                self.ctx.manifest.write(event="redirect_loop", url=request.url, status=response.status,
                                        site=request.meta.get("ogi", {}).get("site"))
                raise IgnoreRequest(f"redirect_loop at {request.url}")
            request.meta["ogi_self_redirects"] = n
            request.dont_filter = True  # the redirected copy must pass the dupefilter once
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry for timeouts and 5xx only (RETRY_HTTP_CODES), waiting base·2^n seconds first."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("OGI_RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("OGI_RETRY_BACKOFF_MAX", 30.0)

    async def _wait(self, request):
        n = request.meta.get("retry_times", 0)
        delay = min(self.cap, self.base * (2 ** n))
        if delay > 0:
            await asyncio.sleep(delay)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        new = get_retry_request(request, reason=f"{response.status}", spider=self.crawler.spider,
                                max_retry_times=self.max_retry_times, priority_adjust=self.priority_adjust)
        if new is None:
            return response
        await self._wait(request)
        return new

    async def process_exception(self, request, exception):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        new = get_retry_request(request, reason=exception, spider=self.crawler.spider,
                                max_retry_times=self.max_retry_times, priority_adjust=self.priority_adjust)
        if new is None:
            return None
        await self._wait(request)
        return new
