"""Hanweb 大汉 JCMS — Zhejiang (all levels), Jiangsu, Shandong, Gansu counties, Harbin (PORTALS.md §2.2).

URL shapes:

- columns ``/col/col<colid>/index.html`` (newer installs ``/col/<a>_<b>/index.html``), sometimes with a
  query filter (``?vc_xxgkarea=<统一社会信用代码>&jh=264``, Shandong);
- details ``/art/YYYY/M/D/art_<colid>_<id>.html`` (no zero padding), body in ``#zoom`` between the
  ``ContentStart``/``ContentEnd`` metas, plus a 信息公开元数据 table (索引号, 发布机构 …);
- attachments ``/module/download/downfile.jsp?classid=0&filename=<32hex>.pdf`` answering **302** to
  ``/attach/0/<32hex>.pdf`` (the 302 may carry the Content-Disposition file name);
- the xxgk module's per-year lists ``/module/xxgk/xxgkAnnualReport.jsp?fbtime=<Y>&area=<code>``;
- department subsites on sibling hosts (``fgw.<province>``), linked from the hub column.

Listing mechanics. A column page embeds its list as XML inside
``<div id="<unitid>"><script type="text/xml"><datastore>``: ``<nextgroup>`` (a CDATA link to
``dataproxy.jsp`` carrying ``appid/webid/path/columnid/unitid/webname/permissiontype``) and a
``<recordset>`` of ``<record><![CDATA[<li>…</li>]]></record>``. Only the first group is inline
(groupSize × perPage, e.g. 3 × 15 = 45 records); ``$('#<unitid>').jpage({… totalRecord: N, perPage:
15 …})`` gives the totals. Later groups come from

    POST /module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15
    col=1&appid=…&webid=…&path=/&columnid=…&sourceContentType=1&unitid=…&webname=…&permissiontype=0

(Referer = the column page, ``X-Requested-With: XMLHttpRequest``), i.e. records 46–90, 91–135, … up
to ``totalRecord`` — or ``<totalrecord>`` of a proxy answer when the page has no jpage call. The next
group starts after the records actually received, so a proxy that silently truncates (perpage above
~300) still gets walked completely; ``hanweb_group`` in a registry row asks for bigger groups (capped
at 300 records).

Quirks handled: records in three markups (``<li>…<span>date``, ``<li class="clearfix">…<b>date``,
table rows with a 文号 column); the empty 54-byte ``<datastore></datastore>`` ends a column (nhsa/nrta
"encrypted" columns go empty past the second group, Shandong's proxy is always empty and its list is
static HTML, which is read too); a proxy that ignores ``startrecord`` (no new records → stop); POST
refused → the same group by GET; ``/module/jpage/dataproxy.jsp`` (no ``web/``) answering 404 → the
``/module/web/jpage/`` path; the WAF page sent without ``Accept-Language`` (the header is always sent,
settings.DEFAULT_REQUEST_HEADERS).
"""
from __future__ import annotations

import html as htmllib
import re
from typing import Optional
from urllib.parse import unquote, urlencode, urljoin, urlsplit

from parsel import Selector

from .base import DATE, DOC_EXT, ReportSpider

ART = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html|/art/\d{4}/art_[0-9a-f]{32}\.html|/art/\d+_\d+\.html")
COL = re.compile(r"/col/(?:col\d+|\d+_\d+)/(?:index\.html?)?$")
XML_SCRIPT = re.compile(r"<script[^>]*type\s*=\s*[\"']?text/xml[\"']?[^>]*>(.*?)</script>", re.S | re.I)
DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
RECORD = re.compile(r"<record>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.S | re.I)
NEXTGROUP = re.compile(r"<nextgroup>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</nextgroup>", re.S | re.I)
TOTAL_TAG = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
JPAGE = re.compile(r"""\(\s*['"]#([\w-]+)['"]\s*\)\s*\.jpage\(\s*\{(.*?)\}\s*\)""", re.S)
JPAGE_ANY = re.compile(r"""\.jpage\(\s*\{(.*?)\}\s*\)""", re.S)
COLUMN_WORDS = re.compile(r"年报|年度报告|部门|乡镇|街道|区县|县区|县（市、区）|\d{4}\s*年")
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
FORM_KEYS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
MAX_GROUP = 300


def _jpage_int(cfg: str, key: str) -> Optional[int]:
    m = re.search(rf"""\b{key}\s*:\s*['"]?(\d+)""", cfg)
    return int(m.group(1)) if m else None


def _jpage_str(cfg: str, key: str) -> Optional[str]:
    m = re.search(rf"""\b{key}\s*:\s*['"]([^'"]+)['"]""", cfg)
    return m.group(1) if m else None


def records_of(xml: str) -> list[str]:
    """The HTML of every <record> in a datastore (CDATA or escaped)."""
    out = []
    for cdata, plain in RECORD.findall(xml):
        out.append(cdata if cdata else htmllib.unescape(plain or ""))
    return out


def record_entries(record_html: str) -> list[tuple[str, str, Optional[str]]]:
    """(href, title, date text) of each link in one record; the date is the record's text outside the link."""
    wrapped = f"<table>{record_html}</table>" if re.match(r"\s*<tr", record_html, re.I) else f"<div>{record_html}</div>"
    sel = Selector(text=wrapped)
    out = []
    for a in sel.css("a[href]"):
        href = a.attrib["href"].strip()
        if not href or href.startswith(("javascript:", "#")):
            continue
        text = " ".join(t.strip() for t in a.css("::text").getall()).strip()
        title = a.attrib.get("title") or text
        other = " ".join(t.strip() for t in sel.xpath("//text()[not(ancestor::a)]").getall())
        m = DATE.search(other)
        out.append((href, title, m.group(0) if m else None))
    return out


def _query(query: str) -> dict:
    """Query parameters without turning '+' into a space: encrypted column/unit ids are base64 blobs
    written unescaped into the nextgroup link (nhsa/nrta style)."""
    out = {}
    for part in query.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        out.setdefault(unquote(k), unquote(v))
    return out


def ajax_params(cfg: str) -> dict:
    """The ``ajaxParam: {col: 1, columnid: '…', unitid: '…'}`` of a jpage call (what the browser posts)."""
    m = re.search(r"ajaxParam\s*:\s*\{(.*?)\}", cfg or "", re.S)
    if not m:
        return {}
    return {k: (v1 if v1 is not None and v1 != "" else v2).strip() for k, v1, v2 in
            re.findall(r"""(\w+)\s*:\s*(?:['"]([^'"]*)['"]|([^,'"\s}]+))""", m.group(1))}


def proxy_params(nextgroup_html: str) -> tuple[Optional[str], dict]:
    """(proxy path, form fields) from a <nextgroup> link."""
    m = re.search(r"""href\s*=\s*['"]([^'"]+)['"]""", nextgroup_html or "")
    if not m:
        return None, {}
    href = htmllib.unescape(m.group(1))
    parts = urlsplit(href)
    params = _query(parts.query)
    for k in ("page", "startrecord", "endrecord", "perpage"):
        params.pop(k, None)
    return parts.path or None, params


class HanwebSpider(ReportSpider):
    name = "hanweb"
    family = "hanweb-jcms"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._column_seen: dict[str, set] = {}

    # -- listings --------------------------------------------------------------------------
    def parse_listing(self, response):
        if self.verdict(response) in ("soft404", "stub", "empty"):
            yield from self.dead_listing(response)
            return
        sel = self.selector(response)
        html = sel.text
        depth = response.meta.get("depth_listing", 0)
        seen: set[str] = set()
        # 1. the inline datastores (first group) and the proxy groups after them
        static = len({urljoin(response.url, h.strip()) for h in sel.css("a[href]::attr(href)").getall()
                      if ART.search(urlsplit(urljoin(response.url, h.strip())).path)})
        for unit_html, unitid, cfg in self._datastores(html):
            records = records_of(unit_html)
            for rec in records:
                for href, title, date in record_entries(rec):
                    yield from self._entry(response, href, title, date, seen)
            yield from self._first_proxy_group(response, unit_html, unitid, cfg, len(records), seen, static)
        # 2. static lists (Shandong-style filtered columns, xxgk year lists) and sub-columns
        for a in sel.css("a[href]"):
            href = a.attrib["href"].strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            url = urljoin(response.url, href)
            path = urlsplit(url).path
            title = a.attrib.get("title") or " ".join(t.strip() for t in a.css("::text").getall()).strip()
            if ART.search(path):
                date_text = " ".join(a.xpath("following-sibling::*[1]//text() | following-sibling::text()[1] | ../*[not(self::a)]//text()").getall())
                m = DATE.search(date_text)
                yield from self._entry(response, href, title, m.group(0) if m else None, seen)
            elif "xxgkAnnualReport.jsp" in path:
                yield self.listing_request(response, url, depth=depth + 1)
            elif (COL.search(path) and path == urlsplit(response.url).path and "vc_" in urlsplit(url).query
                  and url != response.url and depth < self.max_listing_depth):
                yield self.listing_request(response, url, depth=depth + 1)  # the column's area filter (Shandong)
            elif (depth < self.max_listing_depth and COL.search(path) and url.split("#")[0] != response.url
                  and self.site_of(url) and COLUMN_WORDS.search(title or "")):
                yield self.listing_request(response, url, depth=depth + 1, link_text=title)
        # 3. the xxgk module's year filter (fbtime=): every year the page offers
        if "xxgkAnnualReport.jsp" in response.url:
            for url in self.year_filter_urls(response, ("fbtime",)):
                yield self.listing_request(response, url, depth=depth)

    def _entry(self, response, href, title, date, seen):
        url = urljoin(response.url, href)
        if url in seen:
            return
        seen.add(url)
        column = response.meta.get("hanweb", {}).get("column") or response.url
        self._column_seen.setdefault(column, set()).add(url)
        if DOC_EXT.search(urlsplit(url).path) or "downfile.jsp" in url:
            yield from self.listed_document(response, href, title, date)
            return
        yield from self.listed_item(response, href, title, date)

    @staticmethod
    def _datastores(html: str):
        """(datastore xml, unitid, jpage config) for every inline list of a column page."""
        configs = {m.group(1): m.group(2) for m in JPAGE.finditer(html)}
        configs.update({m.group(1): m.group(2) for m in re.finditer(r"""\(\s*['"]#([^'"]+)['"]\s*\)\s*\.jpage\(\s*\{(.*?)\}\s*\)\s*;""", html, re.S)})
        anon = [m.group(1) for m in JPAGE_ANY.finditer(html)]
        for i, script in enumerate(XML_SCRIPT.finditer(html)):
            ds = DATASTORE.search(script.group(1))
            if not ds:
                continue
            xml = ds.group(1)
            before = html[:script.start()]
            ids = re.findall(r"""<div[^>]*\bid\s*=\s*['"]([^'"]+)['"]""", before[-400:])
            unitid = ids[-1] if ids else None
            ng = NEXTGROUP.search(xml)
            _, params = proxy_params((ng.group(1) or ng.group(2)) if ng else "")
            unitid = params.get("unitid") or unitid
            cfg = configs.get(unitid or "") or (anon[i] if i < len(anon) else (anon[0] if len(anon) == 1 else ""))
            yield xml, unitid, cfg

    # -- data proxy ---------------------------------------------------------------------------
    def _first_proxy_group(self, response, xml: str, unitid: Optional[str], cfg: str, inline: int, seen,
                           static: int = 0):
        site = response.meta["ogi"]["site"]
        ng = NEXTGROUP.search(xml)
        proxy_path, params = proxy_params((ng.group(1) or ng.group(2)) if ng else "")
        params.update({k: v for k, v in ajax_params(cfg).items() if v})
        if not params.get("columnid"):
            m = re.search(r"/col/col(\d+)/", response.url)
            if m:
                params["columnid"] = m.group(1)
        if unitid and not params.get("unitid"):
            params["unitid"] = unitid
        if not params.get("columnid") or not params.get("unitid"):
            return  # the proxy answers an empty datastore without both; nothing more to ask
        total = _jpage_int(cfg, "totalRecord")
        per_page = _jpage_int(cfg, "perPage") or 15
        group_size = _jpage_int(cfg, "groupSize")
        if not group_size:
            group_size = max(1, -(-inline // per_page)) if inline else 3
        group = self.option(site, "hanweb_group") or group_size * per_page
        group = max(1, min(int(group), MAX_GROUP))
        per_page = min(per_page, MAX_GROUP)
        proxy = _jpage_str(cfg, "proxyUrl") or proxy_path or DEFAULT_PROXY
        start = inline + 1
        if total is not None and (start > total or (not inline and static >= total)):
            return  # everything is inline, or (Shandong) the static list already holds all records
        form = {"col": "1", "appid": params.get("appid", "1"), "webid": params.get("webid", "1"),
                "path": params.get("path", "/"), "columnid": params["columnid"], "sourceContentType": "1",
                "unitid": params["unitid"], "webname": params.get("webname", ""),
                "permissiontype": params.get("permissiontype", "0")}
        for k, v in params.items():  # extra fields a site's nextgroup carries (encrypted ids, filters)
            form.setdefault(k, v)
        state = {"proxy": urljoin(response.url, proxy), "form": form, "per_page": per_page, "group": group,
                 "total": total, "column": response.url, "first_start": start}
        yield self.proxy_request(response, state, start)

    def proxy_request(self, response, state: dict, start: int, method: str = "POST"):
        end = start + state["group"] - 1
        if state.get("total"):
            end = min(end, state["total"])
        q = {"startrecord": start, "endrecord": end, "perpage": state["per_page"]}
        headers = {"Referer": state["column"], "X-Requested-With": "XMLHttpRequest"}
        meta = {"hanweb": {**state, "start": start, "end": end, "method": method}}
        if method == "POST":
            return self.listing_request(response, f"{state['proxy']}?{urlencode(q)}", method="POST",
                                        formdata=state["form"], headers=headers, callback=self.parse_proxy,
                                        errback=self.on_proxy_error, **meta)
        return self.listing_request(response, f"{state['proxy']}?{urlencode({**q, **state['form']})}",
                                    headers=headers, callback=self.parse_proxy, errback=self.on_proxy_error, **meta)

    def parse_proxy(self, response):
        state = response.meta["hanweb"]
        text = self.text_of(response)
        m = TOTAL_TAG.search(text)
        if m:
            state = {**state, "total": int(m.group(1))}
        records = records_of(text)
        if not records:  # the empty 54-byte <datastore></datastore>: end of the column
            self.ctx.manifest.write(event="hanweb_empty_group", url=response.url, site=response.meta["ogi"]["site"],
                                    start=state["start"], end=state["end"], size=len(response.body))
            if state["method"] == "POST" and state["start"] == state["first_start"] and not state.get("tried_get"):
                yield self.proxy_request(response, {**state, "tried_get": True}, state["start"], method="GET")
            return
        column_seen = self._column_seen.setdefault(state["column"], set())
        before = len(column_seen)
        seen: set[str] = set()
        n = 0
        for rec in records:
            n += 1
            for href, title, date in record_entries(rec):
                yield from self._entry(response, href, title, date, seen)
        if len(column_seen) == before:
            return  # the proxy ignored startrecord and sent records we already have
        nxt = state["start"] + n
        if state.get("total") is not None and nxt > state["total"]:
            return
        yield self.proxy_request(response, state, nxt, method=state["method"])

    def on_proxy_error(self, failure):
        request = failure.request
        state = request.meta.get("hanweb") or {}
        status = getattr(getattr(failure.value, "response", None), "status", None)
        yield from self.on_error(failure)
        if status == 404 and "/module/jpage/" in state.get("proxy", ""):
            state = {**state, "proxy": state["proxy"].replace("/module/jpage/", "/module/web/jpage/")}
            yield self.proxy_request(_FakeParent(request), state, state["start"], method=state["method"])
        elif state.get("method") == "POST" and not state.get("tried_get") and status is not None:
            yield self.proxy_request(_FakeParent(request), {**state, "tried_get": True}, state["start"], method="GET")


class _FakeParent:
    """What listing_request needs of a response, built from a failed request (errbacks have none)."""

    def __init__(self, request):
        self.url = request.meta.get("ogi", {}).get("parent") or request.url
        self.meta = request.meta
