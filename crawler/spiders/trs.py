"""TRS WCM (拓尔思) — the largest family: most ministries, Beijing, Tianjin, Chongqing, Hubei, Fujian…

URL shapes (docs/PORTALS.md §2.1): column roots like ``/zwgk/zfxxgknb/`` with ``index.html`` and
``index_1.html`` … ``index_{N-1}.html`` (0-based pages written by ``createPageHTML(N, cur, "index",
"html")``, usually with ``var countPage = N`` / ``var currentPage = 0`` variables as arguments), or
the newer ``createPageHTML('page_div', N, cur, 'fg', 'shtml', total)`` with 1-based ``fg_2.shtml``; details at ``./YYYYMM/tYYYYMMDD_<id>.html`` (also .shtml/.htm) linked relatively;
hubs link year sub-columns (``2023nb/szfbm/``).

Quirks handled: truncated list titles (the ``title=`` attribute wins, then the detail's
ArticleTitle meta), 404 pages or 300-byte stubs past the last page, attachments written by
``document.write`` (not in the DOM), ``OLDSRC`` links, image-only 图片版 reports, GBK pages without
a charset header, the t-date in the URL is not the publication date, an entry column that has
moved (404/soft 404: the base class's discovery step walks up the path).
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from .base import ReportSpider

DETAIL = re.compile(r"(?:^|/)t\d{8}_\d+\.s?html?(?:[?#].*)?$")
_ARG = r"\s*([\w$.]+|[\"'][\w-]*[\"'])\s*"
PAGE_CALL = re.compile(r"createPageHTML\(" + ",".join([_ARG] * 4) + r"(?:," + _ARG + r")?(?:," + _ARG + r")?\)")
VAR = re.compile(r"(?:var\s+|\b)([A-Za-z_$][\w$]*)\s*=\s*(\d+)\s*[;\n/]")
COLUMN_WORDS = re.compile(r"年报|年度报告|部门|乡镇|街道|区县|县区|政府|\d{4}\s*年")
SKIP_EXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|jpe?g|png|gif|zip|rar|css|js)$", re.I)


class TrsSpider(ReportSpider):
    name = "trs"
    family = "trs-wcm"

    def parse_listing(self, response):
        if response.meta.get("ogi_verdict") in ("stub", "soft404", "empty"):
            yield from self.dead_listing(response)
            return
        sel = self.selector(response)
        html = sel.text
        depth = response.meta.get("depth_listing", 0)
        for a in sel.css("a[href]"):
            href = a.attrib["href"].strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            url = urljoin(response.url, href)
            title = a.attrib.get("title") or " ".join(t.strip() for t in a.css("::text").getall()).strip()
            if DETAIL.search(urlsplit(url).path):
                date = " ".join(a.xpath("following-sibling::*[1]//text() | following-sibling::text()[1] | ../*[not(self::a)]//text()").getall())
                yield from self.listed_item(response, href, title, date)
            elif depth < self.max_listing_depth and self._is_subcolumn(response.url, url, title):
                yield self.listing_request(response, url, depth=depth + 1, link_text=title)
        # pagination: only the first page of a column schedules the others
        if not response.meta.get("pagination_child"):
            for url in self.page_urls(response.url, html):
                yield self.listing_request(response, url, depth=depth, pagination_child=True)

    @staticmethod
    def page_urls(url: str, html: str) -> list[str]:
        """Every other page of a column, from its createPageHTML call (arguments may be literals or
        the usual ``var countPage = 7`` variables). Returns [] on any page but the first, so only the
        first page schedules pagination."""
        base = url.rsplit("/", 1)[0] + "/"
        variables = {name: int(v) for name, v in VAR.findall(html)}

        def value(arg: str):
            arg = arg.strip()
            if arg[:1] in "'\"":
                return arg.strip("'\"")
            if arg.isdigit():
                return int(arg)
            return variables.get(arg, variables.get(arg.split(".")[-1]))

        for m in PAGE_CALL.finditer(html):
            args = [value(a) for a in m.groups() if a is not None]
            if len(args) >= 5 and isinstance(args[0], str) and isinstance(args[1], int) and isinstance(args[2], int):
                # createPageHTML('page_div', pageCount, curPage (1-based), 'fg', 'shtml', total)
                count, cur, prefix, ext = args[1], args[2], args[3], args[4]
                if cur != 1 or not isinstance(prefix, str) or not isinstance(ext, str):
                    return []
                return [urljoin(base, f"{prefix}_{p}.{ext}") for p in range(2, count + 1)]
            if len(args) >= 4 and isinstance(args[0], int) and isinstance(args[1], int):
                # createPageHTML(countPage, currentPage (0-based), "index", "html")
                count, cur, prefix, ext = args[0], args[1], args[2], args[3]
                if cur != 0 or not isinstance(prefix, str) or not isinstance(ext, str):
                    return []
                return [urljoin(base, f"{prefix}_{p}.{ext}") for p in range(1, count)]
        return []

    @staticmethod
    def _is_subcolumn(current: str, url: str, title: str) -> bool:
        """A link to another listing inside the same 年报 column tree (year or department sub-columns)."""
        cur, tgt = urlsplit(current), urlsplit(url)
        if tgt.hostname != cur.hostname or SKIP_EXT.search(tgt.path) or tgt.query:
            return False
        root = cur.path.rsplit("/", 1)[0] + "/"
        if not tgt.path.startswith(root) or tgt.path.rstrip("/") == root.rstrip("/"):
            return False
        last = tgt.path.rsplit("/", 1)[-1]
        if last and not re.fullmatch(r"(index|list|fg|default)(_\d+)?\.s?html?", last):
            return False
        if re.search(r"/(index|fg)_\d+\.s?html?$", tgt.path):
            return False  # pagination is scheduled from createPageHTML
        return bool(COLUMN_WORDS.search(title or "")) or bool(re.search(r"nb|gknb|\d{4}", tgt.path[len(root):]))
