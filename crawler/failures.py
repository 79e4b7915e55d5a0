"""Every crawl failure reaches the run manifest and the summary with its cause.

`SpiderErrorMiddleware` (a spider middleware) records an exception raised by any spider callback — a
parser bug, an undecodable page — as a ``spider_error`` manifest line (url, site, exception, the last
frames of the traceback) and as an error of the run, so that a site whose pages failed is not ``ok``
and its "0 reports found" names the cause. `causes` summarises a site's errors for that message.
"""
from __future__ import annotations

import traceback
from collections import Counter
from typing import Optional

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from . import runctx


class SpiderErrorMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_exception(self, response, exception, spider=None):
        if isinstance(exception, (HttpError, IgnoreRequest)):
            return None  # the request's errback records these
        ogi = (response.meta.get("ogi") if response is not None else None) or {}
        frames = traceback.format_exception(type(exception), exception, exception.__traceback__)
        entry = {"event": "spider_error", "url": getattr(response, "url", None), "site": ogi.get("site"),
                 "role": ogi.get("role"), "error": type(exception).__name__, "message": str(exception)[:300],
                 "traceback": "".join(frames[-3:])[-1500:]}
        ctx = runctx.from_settings(self.crawler.settings)
        ctx.manifest.write(**entry)
        ctx.errors.append(entry)
        return None  # Scrapy goes on (and logs it as usual)


def causes(errors: list[dict], site: Optional[str], *, at_most: int = 3) -> str:
    """'2× spider_error LookupError: unknown encoding: x; 1× request_failed …' for one site's errors."""
    c = Counter(f"{e.get('event')} {e.get('error')}: {e.get('message') or e.get('reason') or ''}".strip()
                for e in errors if e.get("site") == site)
    return "; ".join(f"{n}× {what}" for what, n in c.most_common(at_most)) + ("; …" if len(c) > at_most else "")
