"""The base spider every CMS family builds on.

A family module subclasses `ReportSpider`, sets `family`, and implements `parse_listing` (how the
family's listing pages, list APIs and pagination work). Detail pages, attachments, title
classification, errors and robots findings are handled here, so every family yields the same items:

- ``{"type": "report", site, url, title, listed_title, year, agency, published, listing, attachments, sha256, family}``
- ``{"type": "attachment", site, url, final_url, parent_url, name, filename, sniffed, sha256, size}``
- ``{"type": "negative", site, url, title, reason, listing}``

Spiders are configured only by registry rows (crawler/sources.yaml); nothing is site-specific. Keys
a row may carry beyond the standard ones (see each family's docstring) arrive in the row dict as is;
the keys every family understands are:

- ``hosts``: more hosts of the same site (department subsites on other domains).
- ``force_http``: rewrite ``https://`` links of this site to ``http://`` before requesting them
  (sites that are HTTP-only, PORTALS.md §2.4 and §5). A family may default it on.
- ``encoding``: decode every page of the site with this codec (gbk/gb2312 mean gb18030).

Helpers for families: `listing_request` (a listing page, API page or data-proxy group),
`listed_item` (one entry of a list: follow it, or record it as a negative), `parse_detail` (HTML
detail pages), `report_item` (build the report item from parts, for families whose details are
JSON), `attachment_request` / `parse_attachment`.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Optional
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from .. import runctx
from ..encoding import canonical, mojibake_score, sniff_html_encoding
from ..sniff import sniff
from ..titles import (agency_from_body, agency_from_title, body_marker_count, classify_title, looks_truncated,
                      year_from_body, year_from_title)

DOC_EXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|ofd|zip|rar|7z|txt|jpe?g|png|gif|tiff?)(\?|#|$)", re.I)
IMAGE_EXT = re.compile(r"\.(jpe?g|png|gif|tiff?|bmp)$", re.I)
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
JS_HREF = re.compile(r"""(?:href|src|OLDSRC)\s*=\s*\\?["']([^"'\\<>]+?\.(?:pdf|docx?|wps|xlsx?|et|ofd|zip|rar|txt|jpe?g|png))\\?["']""", re.I)
JS_QUOTED_DOC = re.compile(r"""["']((?:https?:)?[^"'\s<>()]+?\.(?:pdf|docx?|wps|xlsx?|et|ofd|zip|rar))["']""", re.I)
# a channel link text that names an agency (部门/乡镇 sub-columns: 市教育局, 城关镇人民政府, 东城街道)
CHANNEL_NAME = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}(局|委|委员会|办|办公室|办公厅|政府|院|署|中心|厅|部|管委会|管理委员会|街道|镇|乡|所|站|馆|会)$")


def channel_name(text: Optional[str]) -> Optional[str]:
    """The agency a listing link names, or None (year columns, 更多, 年报 columns are not agencies)."""
    t = re.sub(r"\s+", "", text or "")
    if not t or re.search(r"\d|年报|年度|报告|公开|目录|专栏|栏目|更多", t):
        return None
    return t if CHANNEL_NAME.match(t) else None


META = re.compile(r"""<meta\s+name=["']?(ArticleTitle|PubDate|ContentSource|pubdate|firstpublishedtime|others)["']?\s+content=["']([^"']*)["']""", re.I)
CONTENT_SELECTORS = (".TRS_Editor", ".trs_editor_view", ".Custom_UnionStyle", "#zoom", ".zoom", "#UCAP-CONTENT",
                     ".article-content", ".content", "#content", "article")
BAD_VERDICTS = ("soft404", "stub", "empty")
HUB_LINK = re.compile(r"信息公开(工作)?\s*年(度)?\s*报|年报|年度报告")
MAX_DISCOVERY_LEVELS = 2
CHINA = timezone(timedelta(hours=8))
HTTPS_FALLBACK_ERRORS = ("TunnelError", "SSLError", "ConnectionRefusedError", "DownloadConnectionRefusedError",
                         "ConnectError", "ResponseNeverReceived", "ConnectionLost", "DownloadFailedError")


def norm_date(text: Any) -> Optional[str]:
    """A date as YYYY-MM-DD from 2024-01-23 / 2024年1月23日 / 2024/1/23, or from epoch seconds or
    milliseconds (gkmlpt's JSON), read in China time."""
    if text is None or text == "":
        return None
    if isinstance(text, (int, float)) or (isinstance(text, str) and re.fullmatch(r"\d{10}(\d{3})?", text.strip())):
        n = float(text)
        if n > 1e11:
            n /= 1000.0
        if n <= 0:
            return None
        return datetime.fromtimestamp(n, CHINA).strftime("%Y-%m-%d")
    m = DATE.search(str(text))
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def disposition_filename(value: bytes | str | None) -> Optional[str]:
    """The file name of a Content-Disposition header: RFC 5987 ``filename*=UTF-8''…``, a
    percent-encoded UTF-8 ``filename=``, or raw UTF-8/GBK bytes (PORTALS.md §3)."""
    if not value:
        return None
    raw = value if isinstance(value, bytes) else value.encode("latin-1", "replace")
    m = re.search(rb"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", raw, re.I)
    if m:
        charset = canonical(m.group(1).decode("ascii", "ignore")) or "utf-8"
        return unquote_to_bytes(m.group(2).strip().strip(b'"')).decode(charset, "replace")
    m = re.search(rb'filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)', raw, re.I)
    if not m:
        return None
    name = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
    if b"%" in name:
        name = unquote_to_bytes(name)
    for codec in ("utf-8", "gb18030"):
        try:
            return name.decode(codec)
        except UnicodeDecodeError:
            continue
    return name.decode("latin-1")


class ReportSpider(scrapy.Spider):
    family: str = "base"
    name = None  # abstract: `scrapy list` shows the family spiders only
    max_listing_depth = 4
    force_http_default = False  # families on HTTP-only platforms turn this on
    custom_settings: dict = {}

    def __init__(self, sources: Optional[list[dict]] = None, *args, site: Optional[str] = None,
                 registry: Optional[str] = None, **kwargs):
        super().__init__(*args, **kwargs)
        if sources is None:  # `scrapy crawl trs [-a site=<id>[,<id>]] [-a registry=PATH]`: the registry's rows
            from ..registry import load_rows
            wanted = set(site.split(",")) if site else None
            sources = [r for r in load_rows(registry) if wanted is None or r.get("id") in wanted]
        self.sources = [s for s in (sources or []) if self.handles(s) and s.get("enabled", True)]
        self._site_by_host: dict[str, str] = {}
        self._site_by_parent: dict[str, str] = {}
        self.source_by_id = {s["id"]: s for s in self.sources}
        self._negatives_seen: set[str] = set()
        domains = set()
        for s in self.sources:
            for u in s["entry_urls"]:
                host = urlsplit(u).hostname or ""
                self._site_by_host.setdefault(host, s["id"])
                domains.add(host)
                parent = self.parent_domain(host)
                if parent:  # department subsites of www.<parent> belong to the same site
                    self._site_by_parent.setdefault(parent, s["id"])
                    domains.add(parent)
            for h in s.get("hosts") or []:
                self._site_by_host.setdefault(h, s["id"])
                domains.add(h)
        self.allowed_domains = sorted(d for d in domains if d)

    def handles(self, row: dict) -> bool:
        """Whether a registry row is this spider's (its family's module; the generic spider takes more)."""
        return row.get("family") == self.family

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def parent_domain(host: str) -> Optional[str]:
        """``donglan.fixture.gov.cn`` for ``www.donglan.fixture.gov.cn``; None when the parent would be
        a registry-wide suffix (``gov.cn`` for ``www.gov.cn``)."""
        if not host.startswith("www."):
            return None
        parent = host[4:]
        labels = parent.split(".")
        if len(labels) < 3 or parent in ("gov.cn", "com.cn", "org.cn", "edu.cn"):
            return None
        return parent

    @property
    def ctx(self) -> runctx.RunContext:
        return runctx.from_settings(self.settings)

    def site_of(self, url: str) -> Optional[str]:
        host = urlsplit(url).hostname or ""
        if host in self._site_by_host:
            return self._site_by_host[host]
        for parent, sid in self._site_by_parent.items():
            if host == parent or host.endswith("." + parent):
                return sid
        return None

    def site_for(self, listing_site: str, url: str) -> str:
        """The registry row a listed page belongs to: the listing's row when the page is on one of its
        own hosts, else the row registered for the page's host (a search API or a hub listing pages
        of another registered site), else the row whose subsites include it, else the listing's row."""
        src = self.source(listing_site)
        host = urlsplit(url).hostname or ""
        own = {urlsplit(u).hostname for u in src.get("entry_urls") or []} | set(src.get("hosts") or [])
        if host in own:
            return listing_site
        if host in self._site_by_host:
            return self._site_by_host[host]
        if any(p and (host == p or host.endswith("." + p)) for p in map(self.parent_domain, own - {None})):
            return listing_site
        return self.site_of(url) or listing_site

    def source(self, site: Optional[str]) -> dict:
        return self.source_by_id.get(site or "") or {}

    def option(self, site: Optional[str], key: str, default: Any = None) -> Any:
        """A per-site parameter from the registry row (top level or under ``extra``)."""
        src = self.source(site)
        if key in src and src[key] is not None:
            return src[key]
        extra = src.get("extra") or {}
        return extra.get(key, default)

    def fix_url(self, url: str, site: Optional[str]) -> str:
        """Absolute URL as the site should be asked for it: https→http on HTTP-only sites, no fragment."""
        parts = urlsplit(url)
        if parts.scheme == "https" and self.option(site, "force_http", self.force_http_default):
            parts = parts._replace(scheme="http", netloc=parts.netloc.replace(":443", ""))
        return urlunsplit(parts._replace(fragment=""))

    def ogi_meta(self, site: str, role: str, **extra: Any) -> dict:
        return {"ogi": {"site": site, "role": role, **{k: v for k, v in extra.items() if v is not None}}}

    def text_of(self, response: Response) -> str:
        """Decode a page: GBK/GB2312 as gb18030; a registry encoding override wins."""
        cached = response.meta.get("_ogi_text")
        if cached is not None and cached[0] == response.url:
            return cached[1]
        site = response.meta.get("ogi", {}).get("site")
        override = canonical(self.source(site).get("encoding"))
        if override:
            text = response.body.decode(override, errors="replace")
        else:
            header = None
            ctype = response.headers.get("Content-Type", b"").decode("latin-1")
            m = re.search(r"charset=([\w-]+)", ctype, re.I)
            if m:
                header = m.group(1)
            text = response.body.decode(sniff_html_encoding(response.body, header), errors="replace")
        response.meta["_ogi_text"] = (response.url, text)
        return text

    def selector(self, response: Response) -> TextResponse:
        """An HtmlResponse over the correctly decoded text (Scrapy would take gb2312 literally)."""
        cached = response.meta.get("_ogi_sel")
        if cached is not None and cached.url == response.url:
            return cached
        sel = scrapy.http.HtmlResponse(url=response.url, body=self.text_of(response).encode("utf-8"),
                                       encoding="utf-8", request=response.request)
        response.meta["_ogi_sel"] = sel
        return sel

    @staticmethod
    def verdict(response: Response) -> str:
        return response.meta.get("ogi_verdict") or "ok"

    # -- start -----------------------------------------------------------------------------
    async def start(self):
        for src in self.sources:
            for url in src["entry_urls"]:
                yield self.entry_request(src, url)

    def entry_request(self, src: dict, url: str) -> scrapy.Request:
        return scrapy.Request(self.fix_url(url, src["id"]), callback=self.parse_listing, errback=self.on_error,
                              meta={**self.ogi_meta(src["id"], "listing", entry=url), "depth_listing": 0})

    def parse_listing(self, response: Response):  # pragma: no cover - families implement
        raise NotImplementedError

    # -- discovery: registry URLs move (PORTALS.md §7) ------------------------------------------
    def dead_listing(self, response: Response) -> Iterable[Any]:
        """Call when a listing is a soft 404, stub or empty page. For an entry URL of the registry
        this starts the discovery step; pages reached by pagination just end."""
        ogi = response.meta.get("ogi", {})
        if ogi.get("entry") and response.meta.get("depth_listing", 0) == 0:
            yield from self.discover(ogi["site"], response.url, 0)

    def discover(self, site: str, url: str, level: int) -> Iterable[Any]:
        """Walk up the path of a dead entry URL and look for 年报 links on the page above (at most
        MAX_DISCOVERY_LEVELS levels)."""
        parts = urlsplit(url)
        path = parts.path
        parent = path.rsplit("/", 2)[0] + "/" if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
        if level >= MAX_DISCOVERY_LEVELS or parent == path or not parent.startswith("/"):
            self.ctx.errors.append({"event": "entry_gone", "url": url, "site": site})
            return
        up = urlunsplit(parts._replace(path=parent, query="", fragment=""))
        self.ctx.manifest.write(event="discovery", url=up, site=site, level=level + 1, dead=url)
        yield scrapy.Request(up, callback=self.parse_discovery, errback=self.on_error,
                             meta={**self.ogi_meta(site, "listing", discovery=level + 1), "depth_listing": 1})

    def parse_discovery(self, response: Response):
        site = response.meta["ogi"]["site"]
        sel = self.selector(response)
        found = []
        for a in sel.css("a[href]"):
            href = a.attrib["href"].strip()
            text = a.attrib.get("title") or " ".join(t.strip() for t in a.css("::text").getall())
            if href.startswith(("javascript:", "#", "mailto:")) or not HUB_LINK.search(text or ""):
                continue
            url = urljoin(response.url, href)
            if self.site_of(url) and url not in found and not DOC_EXT.search(urlsplit(url).path):
                found.append(url)
        for url in found[:5]:
            yield self.listing_request(response, url, depth=1)
        if not found:
            yield from self.discover(site, response.url, response.meta["ogi"].get("discovery", 1))

    def listing_request(self, response: Response, url: str, *, callback=None, depth: Optional[int] = None,
                        method: str = "GET", formdata: Optional[dict] = None, headers: Optional[dict] = None,
                        errback=None, dont_filter: bool = False, link_text: Optional[str] = None,
                        **meta: Any) -> scrapy.Request:
        """A further listing page (pagination, sub-column, list API, data-proxy group) of the same site.
        ``link_text``: the text of the link that leads there; when it names an agency (a department or
        township channel: 市教育局, 城关镇) it becomes the listing's ``channel``, which its sub-listings
        inherit and its report items carry (a naming context for normalize, like the page's publisher)."""
        site = response.meta["ogi"]["site"]
        url = self.fix_url(urljoin(response.url, url), site)
        channel = channel_name(link_text) or response.meta["ogi"].get("channel")
        m = {**self.ogi_meta(site, "listing", parent=response.url, channel=channel),
             "depth_listing": response.meta.get("depth_listing", 0) if depth is None else depth, **meta}
        if formdata is not None:
            return scrapy.FormRequest(url, method=method, formdata=formdata, headers=headers,
                                      callback=callback or self.parse_listing, errback=errback or self.on_error,
                                      meta=m, dont_filter=dont_filter)
        return scrapy.Request(url, method=method, headers=headers, callback=callback or self.parse_listing,
                              errback=errback or self.on_error, meta=m, dont_filter=dont_filter)

    # -- listing items -------------------------------------------------------------------
    def note_listed(self, response: Response, url: str, title: str, date: Any) -> None:
        """Count one list entry into the listing fingerprint of the listing's site (crawler/incremental.py)."""
        note = getattr(self.ctx, "note_listed", None)
        if note:
            note(response.meta["ogi"]["site"], url, re.sub(r"\s+", " ", title or "").strip(), norm_date(date))

    def listed_item(self, response: Response, href: str, title: str, date: Any = None,
                    *, in_report_column: bool = True, callback=None, note: bool = True,
                    **extra_meta: Any) -> Iterable[Any]:
        """One item of a listing: follow it when its title is a report (or ambiguous), record it as a
        negative otherwise. The item belongs to the registry site of its host (a search API or a hub
        may list pages of another registered site), else to the listing's site. The entry counts into
        the listing fingerprint unless ``note`` is false (a family that noted it already). Whether the
        page is fetched or replayed from the archive in an incremental run is decided by the archive
        middleware from ``listed_title``/``listed_date`` (crawler/incremental.py)."""
        url = urljoin(response.url, (href or "").strip())
        site = self.site_for(response.meta["ogi"]["site"], url)
        url = self.fix_url(url, site)
        title = re.sub(r"\s+", " ", title or "").strip()
        if note:
            self.note_listed(response, url, title, date)
        ok, reason = classify_title(title)
        if not ok and reason.startswith("negative"):
            if url not in self._negatives_seen:
                self._negatives_seen.add(url)
                yield {"type": "negative", "site": site, "url": url, "title": title, "reason": reason,
                       "listing": response.url}
            return
        ambiguous = not ok and (looks_truncated(title) or bool(in_report_column and re.search(r"年报|年度报告|工作报告", title)))
        if not ok and not ambiguous:
            return
        yield scrapy.Request(
            url, callback=callback or self.parse_detail, errback=self.on_error,
            meta=self.ogi_meta(site, "report_page", listing=response.url, listed_title=title,
                               listed_date=norm_date(date), confirm=None if ok else "body",
                               channel=response.meta["ogi"].get("channel"), **extra_meta),
        )

    def listed_document(self, response: Response, href: str, title: str, date: Any = None) -> Iterable[Any]:
        """A list entry that links straight to a document (PDF/DOC…, or Hanweb downfile.jsp): the
        document is the report. Only titles that classify as reports are taken (a document's body
        cannot be checked here); negatives are recorded as usual."""
        site = response.meta["ogi"]["site"]
        url = self.fix_url(urljoin(response.url, (href or "").strip()), site)
        title = re.sub(r"\s+", " ", title or "").strip()
        self.note_listed(response, url, title, date)
        ok, reason = classify_title(title)
        if not ok:
            if reason.startswith("negative") and url not in self._negatives_seen:
                self._negatives_seen.add(url)
                yield {"type": "negative", "site": site, "url": url, "title": title, "reason": reason,
                       "listing": response.url}
            return
        yield scrapy.Request(url, callback=self.parse_listed_document, errback=self.on_error,
                             meta=self.ogi_meta(site, "attachment", parent_url=response.url, name=title,
                                                listing=response.url, listed_title=title,
                                                listed_date=norm_date(date), direct=True))

    def parse_listed_document(self, response: Response):
        att = next(iter(self.parse_attachment(response)))
        ogi = response.meta["ogi"]
        url = att["url"]
        yield {"type": "report", "site": ogi["site"], "url": url, "title": ogi.get("listed_title"),
               "listed_title": ogi.get("listed_title"), "year": year_from_title(ogi.get("listed_title") or ""),
               "agency": agency_from_title(ogi.get("listed_title") or "") or self.source(ogi["site"]).get("agency"),
               "published": ogi.get("listed_date"), "listing": ogi.get("listing"), "attachments": [url],
               "sha256": None, "family": self.family, "direct_document": True}
        yield att

    def year_filter_urls(self, response: Response, keys: Iterable[str] = ("year", "timeFrame", "fbtime")) -> list[str]:
        """The other years a list offers in its year filter: links or <option>s that change a year
        query parameter (``?year=``, ``timeFrame=``, ``fbtime=``) or the year segment of the path
        (``/year/show/<unit>/2022.html``) of the current URL."""
        sel = self.selector(response)
        cur = urlsplit(response.url)
        cur_q = dict(parse_qsl(cur.query, keep_blank_values=True))
        keys = tuple(keys)
        key_l = {k.lower(): k for k in keys}
        year_in_path = re.search(r"(?<=/)((?:19|20)\d{2})(?=(?:\.s?html?)?/?$)", cur.path)
        out: dict[str, None] = {}

        def with_year(key: str, year: str) -> str:
            q = {**cur_q, key: year}
            return urlunsplit(cur._replace(query=urlencode(q), fragment=""))

        def consider(url: str) -> None:
            u = urlsplit(url)
            if u.hostname != cur.hostname:
                return
            q = dict(parse_qsl(u.query, keep_blank_values=True))
            if u.path == cur.path and any(re.fullmatch(r"(19|20)\d{2}", q.get(k, "")) and q.get(k) != cur_q.get(k)
                                          for k in keys):
                out.setdefault(urlunsplit(u._replace(fragment="")), None)
            elif year_in_path and re.fullmatch(re.escape(cur.path[:year_in_path.start()]) + r"(19|20)\d{2}"
                                               + re.escape(cur.path[year_in_path.end():]), u.path):
                out.setdefault(urlunsplit(u._replace(fragment="")), None)

        for a in sel.css("a[href]"):
            href = a.attrib["href"].strip()
            if href and not href.startswith(("javascript:", "#")):
                consider(urljoin(response.url, href))
        for select in sel.css("select"):
            name = (select.attrib.get("name") or select.attrib.get("id") or "").lower()
            for opt in select.css("option"):
                v = (opt.attrib.get("value") or "").strip()
                if not v:
                    continue
                if re.fullmatch(r"(19|20)\d{2}", v):
                    key = key_l.get(name) or next((k for k in keys if k in cur_q), None)
                    if key:
                        out.setdefault(with_year(key, v), None)
                    elif year_in_path:
                        out.setdefault(urlunsplit(cur._replace(path=cur.path[:year_in_path.start()] + v
                                                               + cur.path[year_in_path.end():], fragment="")), None)
                elif "/" in v or "?" in v:
                    consider(urljoin(response.url, v))
        me = urlunsplit(cur._replace(fragment=""))
        return [u for u in out if u != me]

    # -- detail pages ---------------------------------------------------------------------------
    def page_metas(self, html: str) -> dict:
        metas = {}
        for name, content in META.findall(html):
            metas.setdefault(name.lower(), content.strip())
        return metas

    def content_text(self, sel: TextResponse) -> str:
        """Text of the report body (the CMS content container, else the whole <body>)."""
        for css in CONTENT_SELECTORS:
            parts = sel.css(f"{css} *::text, {css}::text").getall()
            text = " ".join(p.strip() for p in parts if p.strip())
            if len(text) > 20:
                return text
        return " ".join(t.strip() for t in sel.css("body *::text").getall() if t.strip())

    def find_attachments(self, response: Response, html: str) -> list[tuple[str, str]]:
        """Attachment links in the DOM, in OLDSRC attributes, in on* handlers and in document.write scripts."""
        sel = self.selector(response)
        site = response.meta.get("ogi", {}).get("site")
        found: dict[str, str] = {}

        def add(href: str, name: str) -> None:
            href = (href or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#", "data:")):
                return
            url = self.fix_url(urljoin(response.url, href), site)
            if urlsplit(url).scheme in ("http", "https"):
                found.setdefault(url, re.sub(r"\s+", " ", name or "").strip())

        content_css = ", ".join(f"{c} a" for c in CONTENT_SELECTORS[:6])
        # keep the element proxies alive: lxml hands out the same proxy for a node only while one exists
        in_content = {x.root for x in sel.css(content_css)}
        for a in sel.css("a"):
            href = (a.attrib.get("href") or "").strip()
            name = " ".join(a.css("::text").getall()).strip()
            oldsrc = a.attrib.get("oldsrc") or a.attrib.get("OLDSRC") or ""
            path = urlsplit(href).path
            is_image = bool(IMAGE_EXT.search(path))
            if is_image and a.root not in in_content:
                continue  # logos and banners around the page are not attachments
            if href and not href.startswith("javascript:") and (
                    DOC_EXT.search(path) or "downfile.jsp" in href or "/attachment/" in path):
                add(href, name)
                continue
            if oldsrc and DOC_EXT.search(oldsrc):
                add(oldsrc, name)  # OLDSRC is only a hint, used when href is not a document
                continue
            for attr in ("onclick", "ondblclick", "href"):
                v = a.attrib.get(attr) or ""
                if attr == "href" and not v.startswith("javascript:"):
                    continue
                for q in JS_QUOTED_DOC.findall(v):
                    add(q, name)
        for script in sel.css("script::text").getall():
            for href in JS_HREF.findall(script):
                add(href, "")
        for img in sel.css(", ".join(f"{c} img" for c in CONTENT_SELECTORS[:6])):
            src = img.attrib.get("src") or ""
            if re.search(r"/W0\d+[^/]*\.(jpe?g|png|gif)$|\.(jpe?g|png)$", src, re.I) and not re.search(r"/(images?|img|style|css)/", src, re.I):
                add(src, img.attrib.get("alt", ""))
        return list(found.items())

    def detail_title(self, sel: TextResponse, metas: dict, listed: str) -> Optional[str]:
        title = metas.get("articletitle")
        if title:
            return title
        if listed and not looks_truncated(listed) and classify_title(listed)[0]:
            return listed
        for css in ("h1", ".title", "h2", "title"):
            t = " ".join(x.strip() for x in sel.css(f"{css} ::text, {css}::text").getall() if x.strip())
            if t and classify_title(t)[0]:
                return t
        t = (sel.css("title::text").get() or "").strip()
        t = re.split(r"\s*[_|]\s*|\s+-\s+", t)[0] if t else t
        return t or listed or None

    def report_item(self, response: Response, *, title: Optional[str], published: Any,
                    attachments: list[str], body_text: str = "", agency_hint: Optional[str] = None,
                    extra: Optional[dict] = None, attachment_names: Iterable[str] = ()) -> Optional[dict]:
        """The report item of one detail page, or a negative item when the page turns out not to be a
        report (its full title is a negative, or an ambiguous title whose body lacks the markers)."""
        ogi = response.meta["ogi"]
        site = ogi["site"]
        listed = ogi.get("listed_title") or ""
        full_title = re.sub(r"\s+", " ", title or listed).strip()
        ok, reason = classify_title(full_title)
        fetched = response.meta.get("ogi_sha256")  # the page was archived: its sidecar records the verdict
        if reason.startswith("negative"):
            return {"type": "negative", "site": site, "url": response.url, "title": full_title,
                    "reason": reason, "listing": ogi.get("listing"), "sha256": fetched}
        confirmed = None
        if not ok and body_marker_count(body_text) >= 2:
            confirmed = "body_markers"
        elif not ok and any(classify_title(re.sub(r"\.\w{2,4}$", "", n or ""))[0] for n in attachment_names):
            confirmed = "attachment_name"  # "详见附件" pages: the report is the attached file
        if not ok and not confirmed:
            return {"type": "negative", "site": site, "url": response.url, "title": full_title,
                    "reason": "no_body_markers", "listing": ogi.get("listing"), "sha256": fetched}
        src = self.source(site)
        item = {
            "type": "report", "site": site, "url": response.url, "title": full_title, "listed_title": listed,
            "year": year_from_title(full_title) or year_from_title(listed) or year_from_body(body_text),
            "agency": self.pick_agency(full_title, listed, body_text, agency_hint, src.get("agency")),
            "published": norm_date(published) or ogi.get("listed_date"),
            "listing": ogi.get("listing"), "attachments": attachments,
            "sha256": response.meta.get("ogi_sha256"), "family": self.family,
            "publisher": agency_hint or None,  # page context (发布机构 / ContentSource / gkmlpt publisher)
        }
        if ogi.get("channel"):
            item["channel"] = ogi["channel"]  # the department/township channel the page was listed in
        if confirmed:
            item["confirmed_by"] = confirmed
        if extra:
            item.update(extra)
        return item

    @staticmethod
    def pick_agency(title: str, listed: str, body_text: str, hint: Optional[str], registry: Optional[str]) -> Optional[str]:
        """The agency named in the title; a relative name (区数据局, 市教育局 — 'the district's data
        bureau') gives way to the page's 发布机构/来源 when that is the full name ending the same way."""
        name = agency_from_title(title) or agency_from_title(listed)
        if name and hint and re.match(r"^[省市区县州盟旗镇乡]", name) and len(hint) > len(name) \
                and hint[-1] == name[-1] and hint[0] != name[0]:
            return hint
        return name or agency_from_body(body_text) or hint or registry

    def parse_detail(self, response: Response):
        if self.verdict(response) in BAD_VERDICTS:
            return  # the middleware logged it as bad_page; a soft 404 is not a report
        html = self.text_of(response)
        metas = self.page_metas(html)
        sel = self.selector(response)
        title = self.detail_title(sel, metas, response.meta["ogi"].get("listed_title") or "")
        published = metas.get("pubdate") or metas.get("firstpublishedtime")
        if not published:
            m = re.search(r"(发布(?:时间|日期)|公开日期|日期|时间)\s*[:：]\s*(?:</?[^>]+>\s*)*([0-9]{4}\s*[-/.年]\s*[0-9]{1,2}\s*[-/.月]\s*[0-9]{1,2})", html)
            published = m.group(2) if m else None
        attachments = self.find_attachments(response, html)
        body_text = self.content_text(sel)
        score = mojibake_score((title or "") + body_text[:2000])
        if score > 0.05:  # wrongly decoded page: say so, so that the site's encoding can be overridden
            self.ctx.manifest.write(event="mojibake", url=response.url, site=response.meta["ogi"].get("site"),
                                    score=round(score, 3), title=title)
        yield from self.emit_report(response, title=title, published=published, attachments=attachments,
                                    body_text=body_text, agency_hint=self.publisher_of(html, metas))

    def publisher_of(self, html: str, metas: dict) -> Optional[str]:
        m = re.search(r"发布机构\s*[:：]?\s*(?:</?[^>]+>\s*)*([^<\s:：|]{2,40})", html)
        if m:
            return m.group(1)
        return metas.get("contentsource") or None

    def emit_report(self, response: Response, *, title, published, attachments: list[tuple[str, str]],
                    body_text: str = "", agency_hint: Optional[str] = None, extra: Optional[dict] = None):
        """Yield the report item (or negative) and, for a report, its attachment requests."""
        item = self.report_item(response, title=title, published=published,
                                attachments=[u for u, _ in attachments], body_text=body_text,
                                agency_hint=agency_hint, extra=extra,
                                attachment_names=[n or unquote(urlsplit(u).path.rsplit("/", 1)[-1]) for u, n in attachments])
        if item is None:
            return
        if item["type"] == "negative":
            if item["url"] in self._negatives_seen:
                return
            self._negatives_seen.add(item["url"])
        yield item
        if item["type"] != "report":
            return
        for url, name in attachments:
            yield self.attachment_request(response, url, name)

    def attachment_request(self, response: Response, url: str, name: str = "") -> scrapy.Request:
        site = response.meta["ogi"]["site"]
        return scrapy.Request(self.fix_url(urljoin(response.url, url), site), callback=self.parse_attachment,
                              errback=self.on_error,
                              meta=self.ogi_meta(site, "attachment", parent_url=response.url, name=name or None))

    def parse_attachment(self, response: Response):
        ogi = response.meta["ogi"]
        filename = (disposition_filename(response.headers.get("Content-Disposition"))
                    or disposition_filename(response.meta.get("ogi_redirect_disposition"))
                    or unquote(urlsplit(response.url).path.rsplit("/", 1)[-1]) or None)
        yield {"type": "attachment", "site": ogi["site"], "url": (response.meta.get("redirect_urls") or [response.url])[0],
               "final_url": response.url, "parent_url": ogi.get("parent_url"), "name": ogi.get("name"),
               "filename": filename, "sniffed": sniff(response.body, filename or response.url),
               "sha256": response.meta.get("ogi_sha256"), "size": len(response.body), "status": response.status}

    # -- errors --------------------------------------------------------------------------------
    def on_error(self, failure):
        """Record a failed request in the run manifest (and the run's errors). An https URL that fails
        below HTTP (TLS, refused CONNECT) is tried once more over http:// (PORTALS.md §5)."""
        request = failure.request
        ogi = request.meta.get("ogi", {})
        exc = failure.value
        entry = {"event": "request_failed", "url": request.url, "site": ogi.get("site"), "role": ogi.get("role"),
                 "error": type(exc).__name__, "message": str(exc)[:300]}
        response = getattr(exc, "response", None)
        if response is not None:
            entry["status"] = response.status
        fallback = None
        if isinstance(exc, IgnoreRequest) and str(exc).startswith("refused:"):
            return  # crawler/guards.py refused it and wrote the manifest line: a finding, not an error
        if isinstance(exc, IgnoreRequest) and "robots.txt" in str(exc):
            entry["event"] = "robots_disallowed"
            self.ctx.robots_disallowed[urlsplit(request.url).hostname or ""].append(request.url)
        elif isinstance(exc, IgnoreRequest) and "blocked" in str(exc):
            entry["event"] = "skipped_blocked_host"
        elif (isinstance(exc, HttpError) and entry.get("status") == 404 and ogi.get("role") == "listing"
              and not ogi.get("entry")):
            entry["event"] = "dead_link"  # a followed link to a column that does not exist: not a crawl error
        elif isinstance(exc, HttpError) and entry.get("status") in (404, 410) and ogi.get("entry"):
            entry["event"] = "entry_gone"  # the registry URL moved: look for the column from the page above
            fallback = self.discover(ogi.get("site"), request.url, 0)
        elif (urlsplit(request.url).scheme == "https" and not isinstance(exc, (HttpError, IgnoreRequest))
              and type(exc).__name__ in HTTPS_FALLBACK_ERRORS and not request.meta.get("ogi_https_fallback")):
            fallback = request.replace(url="http://" + request.url[len("https://"):], dont_filter=True)
            fallback.meta["ogi_https_fallback"] = request.url
            entry["event"] = "https_fallback"
        self.ctx.manifest.write(**entry)
        if entry["event"] == "request_failed":
            self.ctx.errors.append(entry)
        if isinstance(fallback, scrapy.Request):
            yield fallback
        elif fallback is not None:
            yield from fallback

    @staticmethod
    def json_of(response: Response) -> Any:
        text = response.body.decode("utf-8-sig", errors="replace").strip()
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            m = re.search(r"^[\w$.]+\((.*)\)\s*;?\s*$", text, re.S)  # JSONP
            if m:
                try:
                    return json.loads(m.group(1))
                except json.JSONDecodeError:
                    return None
            return None
