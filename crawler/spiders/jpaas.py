"""Hanweb JPaaS (大汉 JPaaS: 商务部, 工信部, Gansu counties such as Linxia and Baiyin; PORTALS.md §2.3).

The column page holds no list, only a placeholder script
``<script src="…/AuthorizedRead/unitbuild.js" url="/api-gateway/jpaas-publish-server/front/page/build/unit"
queryData="{'webId':…,'pageId':…,'tagId':…,'tplSetId':…}">``. The list comes from
``GET <url>?parseType=bulidstatic&webId=&tplSetId=&pageType=column&tagId=&editType=null&pageId=
&paramJson={"pageNo":N,"pageSize":"15"}``, answering ``{"success":true,"data":{"html":"<ul>…</ul>
<div class="pagination" rows="15" count="87">"}}`` — records are anchors inside that HTML string.

Quirks: ``queryData`` is written with single quotes (not JSON); the page count is ``count``/``rows`` of
the pagination div; ``success:false`` (wrong ids) ends the column with a manifest event; year folders
in detail URLs (``/art/2026/art_<32hex>.html``) are the publication year, not the report year; a hub
without the script links year/department sub-columns (``2024/gxs/``), followed by link text.
"""
from __future__ import annotations

import json
import math
import re
from urllib.parse import urlencode, urljoin, urlsplit

from bs4 import BeautifulSoup

from .base import ReportSpider
from .generic import YEAR_TEXT, SUB_TEXT, anchor_text, is_column_text

UNITBUILD = re.compile(r"<script[^>]*unitbuild\.js[^>]*>", re.I)
ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def unit_config(html: str) -> list[dict]:
    """url, queryData and pageSize of each unitbuild.js placeholder of a page."""
    out = []
    for tag in UNITBUILD.findall(html):
        attrs = {k.lower(): (a if a else b) for k, a, b in ATTR.findall(tag)}
        if not attrs.get("url") or not attrs.get("querydata"):
            continue
        try:
            query = json.loads(attrs["querydata"].replace("'", '"'))
        except json.JSONDecodeError:
            continue
        out.append({"url": attrs["url"], "query": query, "size": int(attrs.get("pagesize") or 15)})
    return out


def unit_url(page_url: str, cfg: dict, page: int) -> str:
    q = cfg["query"]
    params = {"parseType": "bulidstatic", "webId": q.get("webId", ""), "tplSetId": q.get("tplSetId", ""),
              "pageType": "column", "tagId": q.get("tagId", ""), "editType": "null", "pageId": q.get("pageId", ""),
              "paramJson": json.dumps({"pageNo": page, "pageSize": str(cfg["size"])}, separators=(",", ":"))}
    return urljoin(page_url, cfg["url"]) + "?" + urlencode(params)


class JpaasSpider(ReportSpider):
    """JPaaS columns: the unitbuild JSON list and its pages."""

    name = "jpaas"
    family = "hanweb-jpaas"

    def parse_listing(self, response):
        if self.verdict(response) in ("stub", "soft404", "empty"):
            yield from self.dead_listing(response)
            return
        html = self.text_of(response)
        configs = unit_config(html)
        for cfg in configs:
            yield self.listing_request(response, unit_url(response.url, cfg, 1), callback=self.parse_unit,
                                       unit=cfg, unit_page=1, column=response.url)
        if configs:
            return
        depth = response.meta.get("depth_listing", 0)
        here = urlsplit(response.url)
        for a in BeautifulSoup(html, "lxml").find_all("a", href=True):
            url = urljoin(response.url, a["href"])
            text = anchor_text(a)
            u = urlsplit(url)
            if (u.hostname == here.hostname and depth < self.max_listing_depth
                    and (is_column_text(text) or YEAR_TEXT.match(text) or SUB_TEXT.match(text))):
                yield self.listing_request(response, url, depth=depth + 1)

    def parse_unit(self, response):
        data = self.json_of(response)
        site = response.meta["ogi"]["site"]
        if not isinstance(data, dict) or not data.get("success") or not isinstance(data.get("data"), dict):
            self.ctx.manifest.write(event="bad_listing", url=response.url, site=site,
                                    reason=f"JPaaS unit answered {str(data)[:120]!r}")
            return
        soup = BeautifulSoup(data["data"].get("html") or "", "lxml")
        column = response.meta.get("column") or response.url
        for a in soup.find_all("a", href=True):
            date = a.parent.get_text(" ", strip=True) if a.parent is not None else None
            # record links are relative to the column page, not to the API
            yield from self.listed_item(response, urljoin(column, a["href"]), anchor_text(a), date)
        page, cfg = response.meta["unit_page"], response.meta["unit"]
        pager = soup.find(class_="pagination")
        if page == 1 and pager is not None:
            try:
                count, rows = int(pager.get("count") or 0), int(pager.get("rows") or cfg["size"]) or cfg["size"]
            except ValueError:
                count, rows = 0, cfg["size"]
            for p in range(2, math.ceil(count / rows) + 1):
                yield self.listing_request(response, unit_url(column, cfg, p), callback=self.parse_unit,
                                           unit=cfg, unit_page=p, column=column)
