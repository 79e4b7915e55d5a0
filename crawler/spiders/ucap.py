"""开普云 Kaipu / Ucap — www.gov.cn itself and ministries built on it (PORTALS.md §2.5).

URL shapes and mechanics:

- list pages are shells (``/zfxxgk/ndbg/index.htm``) with literal ``<cmspro_documents>`` tags left in
  the markup, a ``div.page_div``/``div.page-div`` pager (``createPageHTML('page_div', …)``, read as in
  the TRS module), and a script that loads the list from a static JSON file next to the page
  (``./ndbg.json``, gov.cn's ``./ZUIXINZHENGCE.json``): an array of
  ``{"TITLE", "SUB_TITLE", "URL", "DOCRELPUBTIME"}`` with URLs relative to the JSON file;
- the gov.cn search API ``/search-gov/data?t=zhengcelibrary&q=…&p=<1-based>&n=<size>`` answers
  ``{"searchVO": {"catMap": {"gongwen": {"listVO": [{"title", "url", "pubtimeStr", "puborg"…}]}, …}}}``
  with a useless top-level ``totalCount: 0``; titles carry ``<em>`` highlights. Pages are walked
  while some category returns a full page (``n`` items), up to ``ucap_max_search_pages`` (default 20).
  The API indexes policy documents, so it is a fallback; its results live on other hosts, which the
  registry row lists under ``hosts``;
- details keep the body in ``<div id="UCAP-CONTENT">`` with ``ArticleTitle``/``PubDate``/``ContentSource``
  metas and a ``<meta name="others" content="页面生成时间 …">``.

Quirks handled: soft 404s — unknown paths answer **200** with ``<script>location.href='/'</script>``
(classified before parsing; a detail page without a body container that only redirects home is never
a report); JSON lists served with a BOM or as ``text/html``.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ..titles import classify_title, year_from_title
from .base import DATE, ReportSpider
from .trs import TrsSpider

JSON_REF = re.compile(r"""["']((?:\.{0,2}/)?[\w./-]+\.json)(?:\?[^"']*)?["']""")
DETAIL = re.compile(r"content_\d+\.s?html?$|/t\d{8}_\d+\.s?html?$|/art/\d{4}/|/\d{6}/[\w-]+\.s?html?$")
HOME_REDIRECT = re.compile(r"""location(?:\.href)?\s*=\s*['"]/['"]|location\.replace\(\s*['"]/['"]\s*\)""")


class UcapSpider(ReportSpider):
    name = "ucap"
    family = "ucap"

    def parse_listing(self, response):
        if self.verdict(response) in ("soft404", "stub", "empty"):
            yield from self.dead_listing(response)
            return
        body = response.body.lstrip(b"\xef\xbb\xbf \r\n\t")
        if body[:1] in (b"[", b"{"):
            data = self.json_of(response)
            if isinstance(data, dict) and "searchVO" in data:
                yield from self.parse_search(response, data)
            elif data is not None:
                yield from self.parse_json_list(response, data)
            return
        yield from self.parse_shell(response)

    # -- HTML shells ---------------------------------------------------------------------------
    def parse_shell(self, response):
        sel = self.selector(response)
        html = sel.text
        depth = response.meta.get("depth_listing", 0)
        for script in sel.css("script").getall():
            for ref in JSON_REF.findall(script):
                yield self.listing_request(response, ref, depth=depth)
        anchors = sel.css("cmspro_documents a[href]") or []
        seen = set()
        for a in list(anchors) + list(sel.css("a[href]")):
            href = a.attrib["href"].strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            url = urljoin(response.url, href)
            if url in seen:
                continue
            in_docs = bool(a.xpath("ancestor::cmspro_documents"))
            if not in_docs and not DETAIL.search(urlsplit(url).path):
                continue
            seen.add(url)
            title = a.attrib.get("title") or " ".join(t.strip() for t in a.css("::text").getall()).strip()
            date_text = " ".join(a.xpath("following-sibling::*[1]//text() | following-sibling::text()[1] | ../*[not(self::a)]//text()").getall())
            m = DATE.search(date_text)
            yield from self.listed_item(response, href, title, m.group(0) if m else None)
        if not response.meta.get("pagination_child"):
            for url in TrsSpider.page_urls(response.url, html):
                yield self.listing_request(response, url, depth=depth, pagination_child=True)

    # -- JSON list files -------------------------------------------------------------------------
    def parse_json_list(self, response, data):
        rows = data
        if isinstance(data, dict):  # {"data": [...]} and similar wrappers
            rows = next((v for v in data.values() if isinstance(v, list)), [])
        for row in rows or []:
            if not isinstance(row, dict):
                continue
            low = {str(k).lower(): v for k, v in row.items()}
            url = low.get("url") or low.get("link") or low.get("href")
            if not url:
                continue
            title = str(low.get("title") or low.get("filename") or low.get("name") or "")
            sub = str(low.get("sub_title") or low.get("subtitle") or "")
            if sub and sub not in title:
                if (not classify_title(title)[0] and classify_title(title + sub)[0]) or \
                        (year_from_title(title) is None and year_from_title(sub) is not None):
                    title = title + sub  # "…工作年度报告" + "（2023年度）"
            date = low.get("docrelpubtime") or low.get("docreltime") or low.get("pubtime") or low.get("date")
            yield from self.listed_item(response, str(url), title, date)

    # -- the search API ----------------------------------------------------------------------------
    def parse_search(self, response, data):
        site = response.meta["ogi"]["site"]
        cat_map = ((data.get("searchVO") or {}).get("catMap") or {})
        q = dict(parse_qsl(urlsplit(response.url).query, keep_blank_values=True))
        page = int(q.get("p") or 1)
        size = int(q.get("n") or 0)
        full_page = False
        more_by_count = False
        for cat in cat_map.values():
            items = (cat or {}).get("listVO") or []
            if size and len(items) >= size:
                full_page = True
            total = (cat or {}).get("totalCount")
            if isinstance(total, int) and size and total > page * size:
                more_by_count = True
            for it in items:
                url = it.get("url") or it.get("link")
                if not url:
                    continue
                title = re.sub(r"<[^>]+>", "", it.get("title") or "")
                date = it.get("pubtimeStr") or it.get("ptime") or it.get("pubtime")
                yield from self.listed_item(response, url, title, date, in_report_column=False)
        max_pages = int(self.option(site, "ucap_max_search_pages", 20))
        if (full_page or more_by_count) and page < max_pages:
            parts = urlsplit(response.url)
            q["p"] = str(page + 1)
            yield self.listing_request(response, urlunsplit(parts._replace(query=urlencode(q))))

    # -- details --------------------------------------------------------------------------------
    def parse_detail(self, response):
        if self.verdict(response) in ("soft404", "stub", "empty"):
            return
        html = self.text_of(response)
        if HOME_REDIRECT.search(html) and "UCAP-CONTENT" not in html and "ArticleTitle" not in html:
            self.ctx.manifest.write(event="bad_page", url=response.url, status=response.status, kind="soft404",
                                    evidence="redirect to home page", site=response.meta["ogi"]["site"])
            return
        yield from super().parse_detail(response)
