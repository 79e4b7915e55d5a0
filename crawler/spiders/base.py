"""The base spider every CMS family builds on.

A family module subclasses `ReportSpider`, sets `family`, and implements `parse_listing` (how the
family's listing pages, list APIs and pagination work). Detail pages, attachments, title
classification, errors and robots findings are handled here, so every family yields the same items:

- ``{"type": "report", site, url, title, listed_title, year, agency, published, listing, attachments, sha256}``
- ``{"type": "attachment", site, url, final_url, parent_url, name, sniffed, sha256}``
- ``{"type": "negative", site, url, title, reason, listing}``

Spiders are configured only by registry rows (crawler/sources.yaml); nothing is site-specific.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Optional
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from .. import runctx
from ..encoding import canonical, sniff_html_encoding
from ..sniff import sniff
from ..titles import agency_from_title, body_marker_count, classify_title, looks_truncated, year_from_title

DOC_EXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|ofd|zip|rar|txt|jpe?g|png|gif)(\?|$)", re.I)
DATE = re.compile(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
JS_HREF = re.compile(r"""(?:href|src)\s*=\s*\\?["']([^"'\\]+?\.(?:pdf|docx?|wps|xlsx?|ofd|zip|rar|txt|jpe?g|png))\\?["']""", re.I)
META = re.compile(r"""<meta\s+name=["']?(ArticleTitle|PubDate|ContentSource|pubdate|firstpublishedtime)["']?\s+content=["']([^"']*)["']""", re.I)


def norm_date(text: str | None) -> Optional[str]:
    if not text:
        return None
    m = DATE.search(text)
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


class ReportSpider(scrapy.Spider):
    family: str = "base"
    name = "base"
    max_listing_depth = 4

    def __init__(self, sources: Optional[list[dict]] = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = [s for s in (sources or []) if s.get("family") == self.family and s.get("enabled", True)]
        self._site_by_host: dict[str, str] = {}
        self.source_by_id = {s["id"]: s for s in self.sources}
        for s in self.sources:
            for u in s["entry_urls"]:
                self._site_by_host.setdefault(urlsplit(u).hostname or "", s["id"])
            for h in s.get("hosts") or []:
                self._site_by_host.setdefault(h, s["id"])
        self.allowed_domains = sorted({h for h in self._site_by_host})

    # -- helpers -----------------------------------------------------------------------------
    @property
    def ctx(self) -> runctx.RunContext:
        return runctx.get(self.settings["OGI_RUN_ID"], self.settings["OGI_ARCHIVE_DIR"])

    def site_of(self, url: str) -> Optional[str]:
        host = urlsplit(url).hostname or ""
        if host in self._site_by_host:
            return self._site_by_host[host]
        for h, sid in self._site_by_host.items():  # department subsites of a registered host
            if host.endswith("." + h.split(".", 1)[-1]) and h.startswith("www."):
                return sid
        return None

    def ogi_meta(self, site: str, role: str, **extra: Any) -> dict:
        return {"ogi": {"site": site, "role": role, **{k: v for k, v in extra.items() if v is not None}}}

    def text_of(self, response: Response) -> str:
        """Decode a page: GBK/GB2312 as gb18030; a registry encoding override wins."""
        site = response.meta.get("ogi", {}).get("site")
        override = canonical((self.source_by_id.get(site) or {}).get("encoding"))
        if override:
            return response.body.decode(override, errors="replace")
        header = None
        ctype = response.headers.get("Content-Type", b"").decode("latin-1")
        m = re.search(r"charset=([\w-]+)", ctype, re.I)
        if m:
            header = m.group(1)
        return response.body.decode(sniff_html_encoding(response.body, header), errors="replace")

    def selector(self, response: Response) -> TextResponse:
        """An HtmlResponse over the correctly decoded text (Scrapy would take gb2312 literally)."""
        cached = response.meta.get("_ogi_sel")
        if cached is not None and cached.url == response.url:
            return cached
        sel = scrapy.http.HtmlResponse(url=response.url, body=self.text_of(response).encode("utf-8"),
                                       encoding="utf-8", request=response.request)
        response.meta["_ogi_sel"] = sel
        return sel

    # -- start -----------------------------------------------------------------------------
    async def start(self):
        for src in self.sources:
            for url in src["entry_urls"]:
                yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error,
                                     meta={**self.ogi_meta(src["id"], "listing"), "depth_listing": 0},
                                     dont_filter=True)

    def parse_listing(self, response: Response):  # pragma: no cover - families implement
        raise NotImplementedError

    # -- listing items -------------------------------------------------------------------
    def listed_item(self, response: Response, href: str, title: str, date: Optional[str] = None,
                    *, in_report_column: bool = True, callback=None) -> Iterable[Any]:
        """One item of a listing: follow it when its title is a report (or ambiguous), record it as a
        negative otherwise."""
        site = response.meta["ogi"]["site"]
        url = urljoin(response.url, href.strip())
        title = re.sub(r"\s+", " ", title or "").strip()
        ok, reason = classify_title(title)
        if not ok and reason.startswith("negative"):
            yield {"type": "negative", "site": site, "url": url, "title": title, "reason": reason,
                   "listing": response.url}
            return
        ambiguous = not ok and (looks_truncated(title) or (in_report_column and re.search(r"年报|年度报告|工作报告", title)))
        if not ok and not ambiguous:
            return
        yield scrapy.Request(
            url, callback=callback or self.parse_detail, errback=self.on_error,
            meta=self.ogi_meta(site, "report_page", listing=response.url, listed_title=title,
                               listed_date=norm_date(date), confirm=None if ok else "body"),
        )

    # -- detail pages ---------------------------------------------------------------------------
    def page_metas(self, html: str) -> dict:
        metas = {}
        for name, content in META.findall(html):
            metas.setdefault(name.lower(), content.strip())
        return metas

    def find_attachments(self, response: Response, html: str) -> list[tuple[str, str]]:
        """Attachment links in the DOM, in OLDSRC attributes and in document.write scripts."""
        sel = self.selector(response)
        found: dict[str, str] = {}
        for a in sel.css("a"):
            href = (a.attrib.get("href") or "").strip()
            name = " ".join(a.css("::text").getall()).strip()
            for cand in (href, a.attrib.get("oldsrc") or a.attrib.get("OLDSRC") or ""):
                if cand and DOC_EXT.search(cand) and not cand.startswith(("javascript:", "mailto:")):
                    found.setdefault(urljoin(response.url, cand), name)
                    break
            if "downfile.jsp" in href or "/attachment/" in href:
                found.setdefault(urljoin(response.url, href), name)
        for script in sel.css("script::text").getall():
            for href in JS_HREF.findall(script):
                found.setdefault(urljoin(response.url, href), "")
        for img in sel.css(".TRS_Editor img, .trs_editor_view img, #zoom img, #UCAP-CONTENT img"):
            src = img.attrib.get("src") or ""
            if re.search(r"/W0\d+|\.(jpe?g|png)$", src, re.I):
                found.setdefault(urljoin(response.url, src), img.attrib.get("alt", ""))
        return [(u, n) for u, n in found.items() if urlsplit(u).scheme in ("http", "https")]

    def report_item(self, response: Response, *, title: Optional[str], published: Optional[str],
                    attachments: list[str], body_text: str = "", agency_hint: Optional[str] = None) -> Optional[dict]:
        ogi = response.meta["ogi"]
        site = ogi["site"]
        listed = ogi.get("listed_title") or ""
        full_title = title or listed
        if ogi.get("confirm") == "body":
            ok, reason = classify_title(full_title)
            if reason.startswith("negative"):
                return {"type": "negative", "site": site, "url": response.url, "title": full_title,
                        "reason": reason, "listing": ogi.get("listing")}
            if not ok and body_marker_count(body_text) < 2:
                return {"type": "negative", "site": site, "url": response.url, "title": full_title,
                        "reason": "no_body_markers", "listing": ogi.get("listing")}
        src = self.source_by_id.get(site) or {}
        return {
            "type": "report", "site": site, "url": response.url, "title": full_title, "listed_title": listed,
            "year": year_from_title(full_title) or year_from_title(listed),
            "agency": agency_from_title(full_title) or agency_hint or src.get("agency"),
            "published": norm_date(published) or ogi.get("listed_date"),
            "listing": ogi.get("listing"), "attachments": attachments,
            "sha256": response.meta.get("ogi_sha256"), "family": self.family,
        }

    def parse_detail(self, response: Response):
        html = self.text_of(response)
        metas = self.page_metas(html)
        sel = self.selector(response)
        title = metas.get("articletitle") or (sel.css("title::text").get() or "").strip() or None
        published = metas.get("pubdate") or metas.get("firstpublishedtime")
        if not published:
            m = re.search(r"(发布(?:时间|日期)|日期|时间)\s*[:：]\s*([0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2})", html)
            published = m.group(2) if m else None
        attachments = self.find_attachments(response, html)
        body_text = " ".join(sel.css("body *::text").getall())
        item = self.report_item(response, title=title, published=published,
                                attachments=[u for u, _ in attachments], body_text=body_text,
                                agency_hint=metas.get("contentsource"))
        if item is None:
            return
        yield item
        if item["type"] != "report":
            return
        for url, name in attachments:
            yield self.attachment_request(response, url, name)

    def attachment_request(self, response: Response, url: str, name: str = "") -> scrapy.Request:
        site = response.meta["ogi"]["site"]
        return scrapy.Request(url, callback=self.parse_attachment, errback=self.on_error,
                              meta=self.ogi_meta(site, "attachment", parent_url=response.url, name=name or None))

    def parse_attachment(self, response: Response):
        ogi = response.meta["ogi"]
        yield {"type": "attachment", "site": ogi["site"], "url": (response.meta.get("redirect_urls") or [response.url])[0],
               "final_url": response.url, "parent_url": ogi.get("parent_url"), "name": ogi.get("name"),
               "sniffed": sniff(response.body, response.url), "sha256": response.meta.get("ogi_sha256"),
               "size": len(response.body)}

    # -- errors --------------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        ogi = request.meta.get("ogi", {})
        exc = failure.value
        entry = {"event": "request_failed", "url": request.url, "site": ogi.get("site"), "role": ogi.get("role"),
                 "error": type(exc).__name__, "message": str(exc)[:300]}
        response = getattr(exc, "response", None)
        if response is not None:
            entry["status"] = response.status
        if isinstance(exc, IgnoreRequest) and "robots.txt" in str(exc):
            entry["event"] = "robots_disallowed"
            self.ctx.robots_disallowed[urlsplit(request.url).hostname or ""].append(request.url)
        elif isinstance(exc, IgnoreRequest) and "blocked" in str(exc):
            entry["event"] = "skipped_blocked_host"
        self.ctx.manifest.write(**entry)
        if entry["event"] == "request_failed":
            self.ctx.errors.append(entry)

    @staticmethod
    def json_of(response: Response) -> Any:
        text = response.body.decode("utf-8-sig", errors="replace")
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            m = re.search(r"^[\w$.]+\((.*)\)\s*;?\s*$", text, re.S)  # JSONP
            return json.loads(m.group(1)) if m else None
