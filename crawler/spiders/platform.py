"""Provincial 政府信息公开平台 systems with query-string lists (PORTALS.md §1, §2.6, §7).

Families of URL seen in the registry:

- Anhui: year pages ``/site/tpl/<id>?nav=4&year=2024`` (province), column lists
  ``/public/column/<siteId>?type=4&catId=&action=list&nav=3``, reports at ``/public/<siteId>/<id>.html``;
  dedicated 年报 modules ``/XxgkAnnualReport/show/<id>.html`` (泾县) and
  ``/OpennessAnnualReport/year/show/<unit>/<year>.html`` (东至县; the year is a path segment);
- Sichuan counties: ``/public/column/<id>?type=3&nav=5&sub=<n>&timeFrame=<year>&hasContent=true``
  (``type=3`` is the 年报 view, ``timeFrame`` the year, ``sub`` the unit category);
- Shandong districts ``/gongkai/site_<site>/channel_<24hex>/doc_<24hex>.html``; Zhengzhou
  ``public.*/D42Y/<id>.jhtml``; Hefei legacy ``spage.xp?doAction=sgknb``.

Spider: a list page is read for (1) report links — URLs shaped like the platform's documents (the
shapes above, or the row's ``detail_pattern`` regex) — each handed to the base class with its title
and date; (2) the **year filter**: every other year the page offers, as links or ``<option>``s that
change the year parameter (``year``, ``timeFrame``, ``fbtime``, or the row's ``year_params``) or the
year path segment, each fetched as a list of its own; (3) the **page numbers** of the current year:
links that change only a page parameter (``page``, ``pageIndex``, ``pageNo``, ``pageNum``,
``currpage``, ``curPage``, or the row's ``page_params``), and when the pager states a page count
(``共N页``, ``pageCount: N``, ``totalPage=N``) every page up to it; (4) sub-columns of the same
platform (unit categories such as 部门/乡镇) named like 年报 lists. The folder or filter year is never
used as the report year (PORTALS.md §1: the folder year is not reliable); titles decide.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .base import DATE, ReportSpider

DETAIL_DEFAULT = (
    r"/public/\d+/\d+\.html?$|/XxgkAnnualReport/show/\d+\.html?$|/OpennessAnnualReport/(?!year/)[\w/]*show/[\w/]*\d+\.html?$"
    r"|/doc_[0-9a-f]{24}\.html?$|/\d+\.jhtml$|/content_\d+\.html?$|/t\d{8}_\d+\.s?html?$"
    r"|/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$|/year_details\.aspx$|/detail/\d+|/[0-9a-f]{32}\.s?html?$"
)
YEAR_PARAMS = ("year", "timeFrame", "fbtime", "nf", "nd", "yearNum")
PAGE_PARAMS = ("page", "pageIndex", "pageNo", "pageNum", "currpage", "curPage", "pageNumber", "p")
PAGE_COUNT = re.compile(r"共\s*(\d+)\s*页|(?:pageCount|totalPage|totalPages|pageTotal|pages)\s*[\"']?\s*[:=]\s*[\"']?(\d+)", re.I)
COLUMN_WORDS = re.compile(r"年报|年度报告|部门|乡镇|街道|区县|县区|单位")
LIST_PATH = re.compile(r"/public/column/|/site/tpl/|/OpennessAnnualReport/|/XxgkAnnualReport/|/gongkai/|spage\.xp|\.aspx$|/channel_")
MAX_PAGES = 200


class PlatformSpider(ReportSpider):
    name = "platform"
    family = "province-platform"

    def _detail_rx(self, site):
        extra = self.option(site, "detail_pattern")
        return re.compile(extra if extra else DETAIL_DEFAULT, re.I)

    def parse_listing(self, response):
        if self.verdict(response) in ("soft404", "stub", "empty"):
            yield from self.dead_listing(response)
            return
        site = response.meta["ogi"]["site"]
        sel = self.selector(response)
        html = sel.text
        depth = response.meta.get("depth_listing", 0)
        detail_rx = self._detail_rx(site)
        year_params = tuple(self.option(site, "year_params") or YEAR_PARAMS)
        page_params = tuple(self.option(site, "page_params") or PAGE_PARAMS)
        cur = urlsplit(response.url)
        seen = set()
        page_links = []
        for a in sel.css("a[href]"):
            href = a.attrib["href"].strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            url = urljoin(response.url, href)
            parts = urlsplit(url)
            title = a.attrib.get("title") or " ".join(t.strip() for t in a.css("::text").getall()).strip()
            if detail_rx.search(parts.path) or (parts.query and detail_rx.search(parts.path + "?" + parts.query)):
                if url in seen:
                    continue
                seen.add(url)
                date_text = " ".join(a.xpath("following-sibling::*[1]//text() | following-sibling::text()[1] | ../*[not(self::a)]//text() | ../../*[not(.//a)]//text()").getall())
                m = DATE.search(date_text)
                yield from self.listed_item(response, href, title, m.group(0) if m else None)
                continue
            if parts.hostname != cur.hostname:
                continue
            if self._is_page_link(cur, parts, page_params):
                page_links.append(url)
            elif (depth < self.max_listing_depth and LIST_PATH.search(parts.path) and url != response.url
                  and COLUMN_WORDS.search(title or "") and not self._same_list(cur, parts, year_params, page_params)):
                yield self.listing_request(response, url, depth=depth + 1, link_text=title)
        # the year filter
        for url in self.year_filter_urls(response, year_params):
            yield self.listing_request(response, url, depth=depth)
        # page numbers of this year's list
        for url in self._pages(response, html, page_links, page_params):
            yield self.listing_request(response, url, depth=depth)

    @staticmethod
    def _is_page_link(cur, parts, page_params) -> bool:
        """Same path, and the query differs from the current one only in a page parameter."""
        if parts.path != cur.path:
            return False
        q = dict(parse_qsl(parts.query, keep_blank_values=True))
        c = dict(parse_qsl(cur.query, keep_blank_values=True))
        keys = [k for k in page_params if k in q]
        if not keys or not re.fullmatch(r"\d+", q[keys[0]]):
            return False
        strip = lambda d: {k: v for k, v in d.items() if k not in page_params}
        return strip(q) == strip(c)

    @staticmethod
    def _same_list(cur, parts, year_params, page_params) -> bool:
        if parts.path != cur.path:
            return False
        strip = lambda d: {k: v for k, v in d.items() if k not in year_params and k not in page_params}
        return strip(dict(parse_qsl(parts.query))) == strip(dict(parse_qsl(cur.query)))

    def _pages(self, response, html: str, page_links: list[str], page_params) -> list[str]:
        out = dict.fromkeys(page_links)
        m = PAGE_COUNT.search(html)
        count = int(m.group(1) or m.group(2)) if m else None
        if count and count > 1:
            template = page_links[0] if page_links else None
            if template:
                parts = urlsplit(template)
                q = dict(parse_qsl(parts.query, keep_blank_values=True))
                key = next(k for k in page_params if k in q)
                first = 0 if any(dict(parse_qsl(urlsplit(u).query)).get(key) == "0" for u in page_links) else 1
                current = dict(parse_qsl(urlsplit(response.url).query)).get(key, str(first))
                for n in range(first, min(count, MAX_PAGES) + first):
                    if str(n) == current:
                        continue
                    out.setdefault(urlunsplit(parts._replace(query=urlencode({**q, key: str(n)}))), None)
        return [u for u in out if u != response.url]
