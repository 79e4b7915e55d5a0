"""What the crawler may ever request: http(s) URLs on the registry's hosts, nothing else.

Two downloader middlewares, so every spider (including families not written yet) is covered without
code of its own:

- `UrlGuardMiddleware` (runs before every other request middleware, also for requests marked
  ``dont_filter`` and for robots.txt): refuses a request whose scheme is not http/https (``file://``,
  ``ftp://``, ``data:``, ``s3://`` …), whose host is not a registry host of the spider (an entry URL's
  host, its subsites, a row's ``hosts``), or whose host is a private, loopback, link-local or reserved
  IP address literal (unless ``OGI_ALLOW_PRIVATE_ADDRESSES``; a deployment never needs it).
- `RedirectGuardMiddleware` (sees a 3xx before Scrapy's RedirectMiddleware): refuses a redirect whose
  target would be refused, so the refusal is recorded with the redirect as its cause.

Every refusal is a ``refused_url`` line in the run manifest (url, reason, site, the redirecting URL)
and counts into the summary's ``refused`` figure; it is a finding about the site, not a crawl error.
Settings also switch off Scrapy's non-HTTP download handlers (``DOWNLOAD_HANDLERS``), so a request
that got past this module still could not read a local file.
"""
from __future__ import annotations

import ipaddress
from typing import Optional
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest

from . import runctx

ALLOWED_SCHEMES = ("http", "https")
REFUSED = "refused:"  # prefix of the IgnoreRequest message (the spiders' errback recognises it)


class RefusedRequest(IgnoreRequest):
    """A request the guards refused (never sent)."""


def _ip(host: str) -> Optional[ipaddress._BaseAddress]:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _on_registry(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def refusal(url: str, allowed_domains: Optional[list[str]], *, allow_private: bool = False) -> Optional[str]:
    """Why `url` must not be requested, or None when it may be. Pure: no DNS, no I/O."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a non-numeric or out-of-range port
    except ValueError as exc:
        return f"malformed URL ({exc})"
    scheme = (parts.scheme or "").lower()
    if scheme not in ALLOWED_SCHEMES:
        return f"scheme {scheme or '(none)'}:// is never requested (only http and https)"
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return "URL without a host"
    if port == 0:
        return "port 0"
    ip = _ip(host)
    if ip is not None and not allow_private and (ip.is_private or ip.is_loopback or ip.is_link_local
                                                 or ip.is_reserved or ip.is_multicast or ip.is_unspecified):
        return f"private or local address {host}"
    if allowed_domains is not None and not _on_registry(host, [d.lower() for d in allowed_domains if d]):
        return f"host {host} is not a registry host"
    return None


class _Guard:
    def __init__(self, crawler):
        self.crawler = crawler
        self.allow_private = crawler.settings.getbool("OGI_ALLOW_PRIVATE_ADDRESSES", False)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _domains(self) -> Optional[list[str]]:
        spider = getattr(self.crawler, "spider", None)
        domains = getattr(spider, "allowed_domains", None)
        return list(domains) if domains else None

    def _refuse(self, request, url: str, reason: str, *, redirected_from: Optional[str] = None):
        site = (request.meta.get("ogi") or {}).get("site")
        entry = {"event": "refused_url", "url": url, "reason": reason, "site": site,
                 "role": (request.meta.get("ogi") or {}).get("role")}
        if redirected_from:
            entry["redirected_from"] = redirected_from
        ctx = runctx.from_settings(self.crawler.settings)
        ctx.manifest.write(**entry)
        ctx.refused.append(entry)
        if (request.meta.get("ogi") or {}).get("entry"):
            ctx.errors.append(entry)  # a registry entry URL that can never be crawled is an error
        raise RefusedRequest(f"{REFUSED} {reason}: {url}")


class UrlGuardMiddleware(_Guard):
    """Refuse a request to a non-http(s) URL, a non-registry host or a private address."""

    def process_request(self, request, spider=None):
        reason = refusal(request.url, self._domains(), allow_private=self.allow_private)
        if reason:
            self._refuse(request, request.url, reason,
                         redirected_from=(request.meta.get("redirect_urls") or [None])[-1])


class RedirectGuardMiddleware(_Guard):
    """Refuse a redirect to a URL the crawler would never request."""

    def process_response(self, request, response, spider=None):
        if 300 <= response.status < 400 and b"Location" in response.headers:
            location = response.headers[b"Location"].decode("latin-1").strip()
            target = urljoin(request.url, location)
            reason = refusal(target, self._domains(), allow_private=self.allow_private)
            if reason:
                self._refuse(request, target, f"redirect to a refused URL ({reason})", redirected_from=request.url)
        return response
