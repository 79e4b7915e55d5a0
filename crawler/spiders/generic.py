"""The generic spider: any site whose CMS family has no module (PORTALS.md §2.6, §2.7: Hebei uuid columns,
c-col shtml, VSB/博达, Kunming c/date, Shandong gongkai, …) or that a family module cannot read.

From a registry row's entry URL (a 年报 column, a 政府信息公开 hub, or only the host) it

- finds listing pages by **link text**: 年报 / 年度报告 / 政府信息公开年报 columns anywhere on the site's
  hosts, and — on a page that is already a 年报 column — year (``2024年度``) and 部门/乡镇 sub-columns;
- follows **pagination** the ways real sites write it: 下一页/下页/尾页/page-number anchors, TRS
  ``createPageHTML`` calls, scripts that build ``list_`` + i + ``.shtml`` links up to a ``pageCount``
  variable, and list endpoints named in scripts (``list.json`` + ``pageNo=``), read as JSON;
- reads anchors with **beautifulsoup4** (the pages of small vendors have unclosed ``<li>``/``<td>``/
  ``<div>``), including anchors held in script text (Hanweb's ``<datastore>`` CDATA records);
- keeps to the row's hosts (the offsite middleware) and, for pagination and sub-columns, to the first
  path segment of the page it is on; every row has a request budget (``request_budget``, default 600);
- classifies list titles with crawler.titles and confirms ambiguous ones by body markers;
- reads bodies of unknown templates with **trafilatura** (main text, and its title/date metadata when the
  page has no ArticleTitle/PubDate metas) instead of hand-written chrome stripping.

Registry keys: ``request_budget`` (int). It handles rows with ``family: generic`` and rows whose family
has no module of its own (crawler/spiders/__init__.py).
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
from bs4 import BeautifulSoup
from scrapy.http import Response

from ..titles import TOPIC_NEG, STRONG_NEG, classify_title, looks_truncated, year_from_title
from .base import BAD_VERDICTS, DOC_EXT, ReportSpider
from .trs import TrsSpider

COLUMN_TEXT = re.compile(r"(政府|政务)?信息公开(工作)?\s*年(度)?\s*报(告)?|^年报$|年度报告$|年报$|^年度报告")
YEAR_TEXT = re.compile(r"^\s*((?:19|20)\d{2})\s*(年度?|年报|年度报告)?\s*$")
SUB_TEXT = re.compile(r"^(本级|市级|县级|区级|政府|部门|乡镇|街道|乡镇街道|乡镇（街道）|部门单位|区县|县区|市直部门|直属单位)"
                      r"(年报|年度报告|信息公开年报)?$")
NEXT_TEXT = re.compile(r"^\s*(下一?页|下一頁|后页|尾页|末页|最后一?页|next|>|>>|»)\s*$", re.I)
PAGE_NUM = re.compile(r"^\s*\[?\d{1,3}\]?\s*$")
# 'list_' + i + '.shtml' / "index_"+p+".html" in a script, and the page count it runs to
CONCAT = re.compile(r"""["']([\w./-]*?(?:index|list|default|page))_["']\s*\+\s*[\w$.]+\s*\)?\s*\+\s*["'](\.s?html?)["']""")
COUNT_VAR = re.compile(r"\b(?:page|total)_?(?:count|num|pages?|size_?count)s?\s*[=:]\s*(\d+)", re.I)
# list endpoints named in scripts: "/x/list.json", "./data.do" … used with a page parameter
ENDPOINT = re.compile(r"""["']((?:https?://[^"'\s]+|\.{0,2}/[^"'\s]*?)(?:\.json|\.do|\.jsp|/list|/data|/query)[^"'\s]*)["']""")
PAGE_PARAM = re.compile(r"""[?&"'{,\s](pageNo|pageIndex|pageNum|currentPage|curPage|page)\s*["']?\s*[=:]""")
SIZE_PARAM = re.compile(r"""[?&"'{,\s](pageSize|rows|perPage|size)\s*["']?\s*[=:]\s*["']?(\d+)""")
JSON_TITLE = ("title", "TITLE", "Title", "name", "FILENAME", "realtitle", "docTitle")
JSON_URL = ("url", "URL", "link", "href", "post_url", "infourl", "docUrl", "detailUrl")
JSON_DATE = ("publishTime", "pubDate", "date", "DOCRELPUBTIME", "releaseTime", "created_at", "time")
JSON_TOTAL = ("total", "totalCount", "count", "totalRecord", "totalrecord", "recordCount")
ENTRY_WORDS = re.compile(r"报告|年报|报表|公报|通知|指南|情况")
DEFAULT_BUDGET = 600
MAX_JSON_PAGES = 200


def first_segment(path: str) -> str:
    """``/yl/`` for ``/yl/c100260/zfxxgknb.shtml``; ``/`` for a page at the root."""
    parts = [p for p in path.split("/") if p]
    return f"/{parts[0]}/" if len(parts) > 1 else "/"


def anchor_text(a) -> str:
    return re.sub(r"\s+", " ", a.get("title") or a.get_text(" ", strip=True) or "").strip()


def is_column_text(text: str) -> bool:
    """A link to a 年报 column or hub: 年报 words, no year of its own, and no negative topic."""
    t = re.sub(r"\s+", "", text or "")
    if not t or len(t) > 20 or STRONG_NEG.search(t) or TOPIC_NEG.search(t) or year_from_title(t):
        return False
    return bool(COLUMN_TEXT.search(t))


def json_records(data: Any) -> list[dict]:
    """The largest list of dicts with a title and a URL anywhere in a JSON document."""
    best: list[dict] = []

    def walk(x):
        nonlocal best
        if isinstance(x, list):
            recs = [r for r in x if isinstance(r, dict) and any(r.get(k) for k in JSON_TITLE)
                    and any(r.get(k) for k in JSON_URL)]
            if len(recs) > len(best):
                best = recs
            for v in x:
                walk(v)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)

    walk(data)
    return best


def first_of(d: dict, keys) -> Any:
    for k in keys:
        if d.get(k) not in (None, ""):
            return d[k]
    return None


class GenericSpider(ReportSpider):
    """Reads any site from link text, pager patterns and trafilatura (see the module docstring)."""

    name = "generic"
    family = "generic"
    max_listing_depth = 4

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._spent: dict[str, int] = {}
        self._budget_noted: set[str] = set()

    def handles(self, row: dict) -> bool:
        from . import FAMILY_MODULES
        fam = row.get("family")
        return fam == self.family or fam not in FAMILY_MODULES

    # -- budget ---------------------------------------------------------------------------
    def spend(self, site: str) -> bool:
        """Count one request against the site's budget; False (and a manifest event) when it is spent."""
        budget = int(self.option(site, "request_budget", DEFAULT_BUDGET) or DEFAULT_BUDGET)
        n = self._spent.get(site, 0)
        if n >= budget:
            if site not in self._budget_noted:
                self._budget_noted.add(site)
                self.ctx.manifest.write(event="budget_exhausted", site=site, budget=budget)
            return False
        self._spent[site] = n + 1
        return True

    def budgeted(self, response: Response, requests: Iterable[Any]) -> Iterable[Any]:
        site = response.meta["ogi"]["site"]
        for r in requests:
            if isinstance(r, scrapy.Request) and not self.spend(site):
                continue
            yield r

    # -- listings --------------------------------------------------------------------------
    def parse_listing(self, response: Response):
        """Any page of the site reached as a listing: home, hub, 年报 column or one of its pages."""
        if self.verdict(response) in BAD_VERDICTS:
            yield from self.dead_listing(response)
            return
        yield from self.budgeted(response, self._parse_listing(response))

    def anchors(self, html: str) -> list[tuple[str, str, Any]]:
        """(href, text, tag) of every anchor, in the DOM and inside script text (bs4, tolerant)."""
        soup = BeautifulSoup(html, "lxml")
        out = [(a["href"].strip(), anchor_text(a), a) for a in soup.find_all("a", href=True)]
        for s in soup.find_all("script"):
            code = s.string or s.get_text() or ""
            if "<a " in code and "href" in code and "createPageHTML" not in code and "document.write" not in code:
                frag = BeautifulSoup(re.sub(r"<!\[CDATA\[|\]\]>", "", code), "lxml")
                out += [(a["href"].strip(), anchor_text(a), a) for a in frag.find_all("a", href=True)]
        return out

    def _parse_listing(self, response: Response):
        html = self.text_of(response)
        depth = response.meta.get("depth_listing", 0)
        in_column = bool(response.meta.get("in_column")) or is_column_text(self._page_title(html))
        here = urlsplit(response.url)
        hosts = self.own_hosts(response.meta["ogi"]["site"])
        for href, text, tag in self.anchors(html):
            if not href or href.startswith(("javascript:", "#", "mailto:", "tel:")):
                continue
            url = urljoin(response.url, href)
            u = urlsplit(url)
            if u.scheme not in ("http", "https") or (u.hostname or "") not in hosts:
                continue
            if DOC_EXT.search(u.path):
                if classify_title(text)[0]:
                    yield from self.listed_document(response, url, text, self._date_near(tag))
                continue
            if is_column_text(text):
                if depth < self.max_listing_depth:
                    yield self.listing_request(response, url, depth=depth + 1, in_column=True)
                continue
            if in_column and (YEAR_TEXT.match(text) or SUB_TEXT.match(text)) and self._in_scope(here, u):
                if depth < self.max_listing_depth:
                    yield self.listing_request(response, url, depth=depth + 1, in_column=True, link_text=text)
                continue
            if (NEXT_TEXT.match(text) or PAGE_NUM.match(text)) and self._in_scope(here, u):
                yield self.listing_request(response, url, depth=depth, in_column=in_column)
                continue
            ok, reason = classify_title(text)
            # a negative is recorded only when it looks like a list entry (menus say 政策解读 too)
            listed_negative = reason.startswith("negative") and len(text) >= 8 and bool(ENTRY_WORDS.search(text))
            if ok or listed_negative or (in_column and looks_truncated(text)):
                yield from self.listed_item(response, url, text, self._date_near(tag), in_report_column=in_column)
        for url in self.script_pages(response.url, html):
            yield self.listing_request(response, url, depth=depth, in_column=in_column)
        for url in self.script_endpoints(response.url, html):
            yield self.listing_request(response, url, callback=self.parse_json_listing, depth=depth,
                                       json_page=1, in_column=True)

    def own_hosts(self, site: str) -> set[str]:
        src = self.source(site)
        hosts = {urlsplit(u).hostname for u in src.get("entry_urls") or []} | set(src.get("hosts") or [])
        return {h for h in hosts if h}

    @staticmethod
    def _in_scope(here, target) -> bool:
        """Same host, and under the first path segment of the page, or the same path with another year
        (yearly columns such as ``/2024ndbg/index.html`` next to ``/2025ndbg/index.html``)."""
        if target.hostname != here.hostname:
            return False
        if target.path.startswith(first_segment(here.path)):
            return True
        year = re.compile(r"(?:19|20)\d{2}")
        return year.search(here.path) is not None and year.sub("Y", target.path) == year.sub("Y", here.path)

    @staticmethod
    def _page_title(html: str) -> str:
        m = re.search(r"<title[^>]*>(.*?)</title>", html, re.S | re.I)
        return re.split(r"[-_|–]", m.group(1).strip())[0] if m else ""

    @staticmethod
    def _date_near(tag) -> Optional[str]:
        """The date printed next to a list anchor (a sibling span/em/td, or the parent's text)."""
        if tag is None:
            return None
        parent = tag.parent
        text = parent.get_text(" ", strip=True) if parent is not None else ""
        m = re.search(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}", text)
        return m.group(0) if m else None

    @staticmethod
    def script_pages(url: str, html: str) -> list[str]:
        """Pages a script writes: TRS createPageHTML, or ``'list_' + i + '.shtml'`` up to a page count.
        Only the first page of a column (no ``_N`` in its name) schedules them."""
        if re.search(r"_\d+\.s?html?$", urlsplit(url).path):
            return []
        pages = TrsSpider.page_urls(url, html)
        if pages:
            return pages
        base = url.rsplit("/", 1)[0] + "/"
        out = []
        for script in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S | re.I):
            m, c = CONCAT.search(script), COUNT_VAR.search(script)
            if m and c:
                out += [urljoin(base, f"{m.group(1)}_{p}{m.group(2)}") for p in range(2, int(c.group(1)) + 1)]
        return list(dict.fromkeys(out))

    @staticmethod
    def script_endpoints(url: str, html: str) -> list[str]:
        """Page 1 of each list endpoint a script names together with a page parameter, and static
        ``.json`` lists a script loads."""
        out = []
        for script in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S | re.I):
            p = PAGE_PARAM.search(script)
            size = SIZE_PARAM.search(script)
            for ep in ENDPOINT.findall(script):
                if ep.endswith((".js", ".css")) or (not p and not urlsplit(ep).path.endswith(".json")):
                    continue  # without a page parameter only a static .json list (gov.cn's ./ZUIXINZHENGCE.json)
                u = urlsplit(urljoin(url, ep))
                q = dict(parse_qsl(u.query, keep_blank_values=True))
                if not p:
                    out.append(urlunsplit(u._replace(fragment="")))
                    continue
                q[p.group(1)] = "1"
                if size:
                    q[size.group(1)] = size.group(2)
                out.append(urlunsplit(u._replace(query=urlencode(q), fragment="")))
        return list(dict.fromkeys(out))

    def parse_json_listing(self, response: Response):
        yield from self.budgeted(response, self._parse_json_listing(response))

    def _parse_json_listing(self, response: Response):
        data = self.json_of(response)
        if data is None:
            self.ctx.manifest.write(event="bad_listing", url=response.url, site=response.meta["ogi"]["site"],
                                    reason="not JSON")
            return
        records = json_records(data)
        for r in records:
            title = re.sub(r"<[^>]+>", "", str(first_of(r, JSON_TITLE) or ""))
            yield from self.listed_item(response, str(first_of(r, JSON_URL)), title, first_of(r, JSON_DATE))
        page = response.meta.get("json_page", 1)
        total = first_of(data, JSON_TOTAL) if isinstance(data, dict) else None
        u = urlsplit(response.url)
        q = dict(parse_qsl(u.query, keep_blank_values=True))
        key = next((k for k in q if PAGE_PARAM.search("?" + k + "=")), None)
        size = len(records) or 1
        more = records and (total is None or page * size < int(total)) and page < MAX_JSON_PAGES
        if key and more:
            q[key] = str(page + 1)
            yield self.listing_request(response, urlunsplit(u._replace(query=urlencode(q))),
                                       callback=self.parse_json_listing, json_page=page + 1, in_column=True)

    # -- detail pages: trafilatura for templates nobody described ------------------------------
    def content_text(self, sel) -> str:
        text = super().content_text(sel)
        if sel.css(", ".join(c for c in ('.TRS_Editor', '.trs_editor_view', '#zoom', '#UCAP-CONTENT'))):
            return text  # a known CMS container: the base class has it
        main = self.extract(sel)
        return (main or {}).get("text") or text

    def extract(self, sel) -> Optional[dict]:
        cached = sel.meta.get("_ogi_traf") if hasattr(sel, "meta") else None
        if cached is not None:
            return cached
        import trafilatura
        doc = trafilatura.bare_extraction(sel.text, url=sel.url, with_metadata=True, include_tables=True,
                                          favor_recall=True)
        doc = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else doc
        out = {"text": (doc or {}).get("text") or "", "title": (doc or {}).get("title"), "date": (doc or {}).get("date")}
        try:
            sel.meta["_ogi_traf"] = out
        except AttributeError:  # a selector without a request (tests)
            pass
        return out

    def detail_title(self, sel, metas: dict, listed: str) -> Optional[str]:
        title = super().detail_title(sel, metas, listed)
        if title and classify_title(title)[0]:
            return title
        t = (self.extract(sel) or {}).get("title")
        return t if t and classify_title(t)[0] else title

    def parse_detail(self, response: Response):
        sel = self.selector(response)
        html = self.text_of(response)
        if not self.page_metas(html).get("pubdate") and not re.search(r"(发布(?:时间|日期)|公开日期|日期)\s*[:：]", html):
            date = (self.extract(sel) or {}).get("date")
            if date:
                response.meta["ogi"].setdefault("listed_date", date)
        yield from self.budgeted(response, super().parse_detail(response))
