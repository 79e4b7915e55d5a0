"""Discovery: grow the registry from a province or city portal (``ogi discover``).

From the home page of a registry row's host the discovery spider

1. reads the **link sets** of government-site navigation — 地方政府网站 / 市县政府网站 / 区县政府网站 (often a
   ``<select>`` drop-down) and 部门网站 — and the 部门/乡镇 channels of the 政府信息公开 hub, and takes the
   ``*.gov.cn`` hosts they name as subordinate governments and departments (level from the link set and
   the parent's level), down to ``max_depth`` levels (province → city → county);
2. on each site, follows the 政府信息公开 / 信息公开 / 政务公开 hub links and collects **年报 columns** by link
   text (crawler.spiders.generic.is_column_text: 年报 words, no year, no negative topic such as
   法治政府建设年度报告);
3. **fingerprints the CMS family** of each column from page markers (PORTALS.md §8.5: ``createPageHTML``,
   ``/col/col…``, ``unitbuild.js``, ``/gkmlpt/``, ``UCAP-CONTENT``, …, and the URL shapes of the layouts
   only the generic spider reads), looking one sub-column deeper when the column page is a bare hub.

The result is a list of candidate registry rows with their evidence (the page and link text each site
and column was found by, the marker). ``run_trial`` crawls the candidates (``ogi crawl`` in a
subprocess: the Twisted reactor cannot be restarted) and keeps as candidates only the rows whose trial
found at least one report; ``accept`` adds reviewed candidates to the registry. Nothing enters the
registry without a trial crawl that found a report.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Iterable, Optional
from urllib.parse import urljoin, urlsplit

import scrapy
from bs4 import BeautifulSoup

from . import runctx
from .encoding import sniff_html_encoding
from .spiders.generic import SUB_TEXT, YEAR_TEXT, anchor_text, is_column_text

LINK_SETS = [  # (regex on the set's heading, kind)
    (re.compile(r"(地方|市县|区县|县区|市州|县市区?|下级|各地)(政府)?(网站|门户)|市县区政府|地方政府"), "government"),
    (re.compile(r"(部门|厅局|委办局|省直|市直|县直|区直)(单位)?(网站|门户|信息公开)"), "department"),
    (re.compile(r"(乡镇|街道|镇街|乡镇（街道）)(网站|信息公开)"), "township"),
]
HUB_TEXT = re.compile(r"^(政府信息公开|信息公开|政务公开|政府信息公开专栏|法定主动公开内容)$")
CHILD_LEVEL = {"national": "department", "province": "city", "city": "county", "county": "township"}
FINGERPRINTS = [  # (family, marker regex): families with a module first, then layouts of the generic spider
    ("hanweb-jpaas", r"unitbuild\.js|jpaas-publish-server|/art/\d{4}/art_[0-9a-f]{32}\.html"),
    ("hanweb-jcms", r"/col/col\d+/index\.html|<datastore>|jpage\(|dataproxy\.jsp"),
    ("gd-gkmlpt", r"/gkmlpt/(index|annualreport|api/all)|window\._CONFIG"),
    ("ucap", r"id=\"UCAP-CONTENT\"|<cmspro_documents"),
    ("trs-wcm", r"/t\d{8}_\d+\.s?html?|TRS_Editor|trs_editor_view"),
    ("province-platform", r"/public/column/\d+|XxgkAnnualReport|OpennessAnnualReport"),
    ("hebei-uuid-columns", r"/columns/[0-9a-f-]{36}/"),
    ("zz-public-jhtml", r"/[A-Z0-9]{4}/(?:index|\d+)(?:_\d+)?\.jhtml"),
    ("shanghai-hex", r"/nw\d+/\d{8}/[0-9a-f]{32}\.html|/\d{4}ndbg/index\.html"),
    ("sc-hex-shtml", r"/\d{4}/\d{1,2}/\d{1,2}/[0-9a-f]{32}\.shtml"),
    ("hex-shtml", r"/\d{6}/[0-9a-f]{32}\.shtml"),
    ("henan-date-id", r"/\d{4}/\d{2}-\d{2}/\d+\.html"),
    ("snowflake-id", r"/\d{19}\.html"),
    ("eportal", r"/eportal/ui\?"),
    ("aspnet", r"\.aspx\?"),
    ("legacy-xp", r"\.xp\?doAction="),
    ("bjdx-numeric-path", r"/\d{7}/\d{7}/index\.html"),
    ("html-col-id", r"/html/\d+/\d+\.html"),
    ("jx-intensive", r"/pc/(?:list(?:_\d+)?\.html|content/content_\d+\.html)"),
    ("gd-intensive", r"/content/post_\d+\.html"),
    ("ln-web-idx", r"/web/[\w/]+?/(?:19|20)\d{2}/(?:index|\d+)\.shtml"),
    ("sd-gongkai-objectid", r"/gongkai/(?:site_\w+/)?channel_[0-9a-f]{24}"),
    ("km-c-date", r"/c/\d{4}-\d{2}-\d{2}/\d+\.shtml"),
    ("vsb-boda", r"/info/\d+/\d+\.htm"),
    ("c-col-shtml", r"/c\d{5,}/"),
    ("hn-numeric-content", r"/content_\d+\.html"),
    ("trs-wcm", r"createPageHTML\("),  # the TRS pager helper, copied by other vendors: weaker than URL shapes
]
GOV_HOST = re.compile(r"(^|\.)gov\.cn$")


def fingerprint(url: str, html: str) -> Optional[tuple[str, str]]:
    """(family, marker) of a page from its URL and markup, or None."""
    for family, rx in FINGERPRINTS:
        m = re.search(rx, url) or re.search(rx, html)
        if m:
            return family, m.group(0)
    return None


def agency_of_title(title: str) -> Optional[str]:
    """The government or department a home page's <title> names (``首页-云岭市人民政府`` → 云岭市人民政府)."""
    parts = [p for p in re.split(r"\s*[-_|–—]\s*", title or "") if p]
    named = [p for p in parts if re.search(r"(政府|委员会|局|厅|委|办公室|署|部|中心|街道办事处)$", p)]
    return (named or parts or [None])[0]


def site_id(host: str, url: str) -> str:
    slug = re.sub(r"^(www|zwgk|xxgk)\.", "", host)
    slug = re.sub(r"\.(fixture\.)?gov\.cn$", "", slug).replace(".", "-")
    return f"{slug}-{hashlib.sha1(url.encode()).hexdigest()[:6]}"


def link_sets(soup: BeautifulSoup, page_url: str) -> list[tuple[str, str, str, str]]:
    """(kind, set heading, link text, URL) of every link to another *.gov.cn host inside a
    government-site link set (anchors and <option> values)."""
    here = urlsplit(page_url).hostname
    out: dict[str, tuple] = {}
    for text_node in soup.find_all(string=True):
        heading = re.sub(r"\s+", "", str(text_node)).strip("-—>》 ")
        if not heading or len(heading) > 16:
            continue
        kind = next((k for rx, k in LINK_SETS if rx.search(heading)), None)
        if not kind:
            continue
        node = text_node.parent
        for _ in range(4):  # the smallest enclosing block that holds links to other hosts
            if node is None:
                break
            links = [(anchor_text(a), a.get("href", "")) for a in node.find_all("a", href=True)]
            links += [(o.get_text(strip=True), o.get("value", "")) for o in node.find_all("option")]
            links = [(t, urljoin(page_url, h.strip())) for t, h in links if h and h.strip().startswith(("http", "//"))]
            links = [(t, u) for t, u in links if urlsplit(u).hostname and urlsplit(u).hostname != here
                     and GOV_HOST.search(urlsplit(u).hostname)]
            if links:
                for t, u in links:
                    out.setdefault(urlsplit(u).hostname, (kind, heading, t, u))
                break
            node = node.parent
    return list(out.values())


class DiscoverSpider(scrapy.Spider):
    """Walks government-site navigation from registry rows and yields candidate rows (see the module)."""

    name = "discover"
    custom_settings = {"ITEM_PIPELINES": {}}

    def __init__(self, start_rows: Optional[list[dict]] = None, max_depth: int = 2, max_sites: int = 300,
                 *args, site: Optional[str] = None, registry: Optional[str] = None, **kwargs):
        super().__init__(*args, **kwargs)
        if start_rows is None and (site or registry):
            from .registry import load_rows
            wanted = set(site.split(",")) if site else None
            start_rows = [r for r in load_rows(registry) if wanted is None or r.get("id") in wanted]
        self.start_rows = start_rows or []
        self.max_depth = int(max_depth)
        self.max_sites = int(max_sites)
        self.sites: dict[str, dict] = {}  # host -> site record
        self.results: list[dict] = []

    @property
    def ctx(self) -> runctx.RunContext:
        return runctx.from_settings(self.settings)

    async def start(self):
        for row in self.start_rows:
            for url in row.get("entry_urls") or []:
                u = urlsplit(url)
                home = f"{u.scheme}://{u.netloc}/"
                rec = self.new_site(u.hostname, home, level=row.get("level"), region=row.get("region"),
                                    parent=None, via=None, depth=0, registry_id=row.get("id"))
                if rec:
                    yield self.site_request(rec, home, "home")

    def new_site(self, host: str, home: str, *, level, region, parent, via, depth, registry_id=None) -> Optional[dict]:
        if host in self.sites or len(self.sites) >= self.max_sites:
            return None
        rec = {"host": host, "home": home, "level": level, "region": region, "parent": parent, "via": via,
               "depth": depth, "registry_id": registry_id, "name": None, "columns": {}, "pending": 0,
               "fingerprint_pages": {}}
        self.sites[host] = rec
        return rec

    def site_request(self, rec: dict, url: str, role: str, **meta: Any) -> scrapy.Request:
        rec["pending"] += 1
        return scrapy.Request(url, callback=self.parse_page, errback=self.on_error, dont_filter=False,
                              meta={"disc": {"host": rec["host"], "role": role, **meta},
                                    "ogi": {"site": rec.get("registry_id") or rec["host"], "role": "discovery"}})

    def text(self, response) -> str:
        ctype = response.headers.get("Content-Type", b"").decode("latin-1")
        m = re.search(r"charset=([\w-]+)", ctype, re.I)
        return response.body.decode(sniff_html_encoding(response.body, m.group(1) if m else None), errors="replace")

    def on_error(self, failure):
        meta = failure.request.meta.get("disc", {})
        rec = self.sites.get(meta.get("host"))
        self.ctx.manifest.write(event="discovery_failed", url=failure.request.url, host=meta.get("host"),
                                role=meta.get("role"), error=type(failure.value).__name__)
        if rec:
            rec["pending"] -= 1
            yield from self.maybe_done(rec)

    def parse_page(self, response):
        meta = response.meta["disc"]
        rec = self.sites[meta["host"]]
        rec["pending"] -= 1
        if response.status != 200 or "html" not in response.headers.get("Content-Type", b"text/html").decode("latin-1"):
            yield from self.maybe_done(rec)
            return
        html = self.text(response)
        soup = BeautifulSoup(html, "lxml")
        role = meta["role"]
        if role == "home":
            rec["name"] = agency_of_title(soup.title.get_text(strip=True) if soup.title else "") or rec["host"]
        if role in ("home", "hub"):
            yield from self.read_navigation(rec, response.url, soup, role)
        elif role == "column":
            yield from self.read_column(rec, response.url, html, soup, meta)
        yield from self.maybe_done(rec)

    def read_navigation(self, rec: dict, page_url: str, soup: BeautifulSoup, role: str) -> Iterable[Any]:
        host = rec["host"]
        for a in soup.find_all("a", href=True):
            text, url = anchor_text(a), urljoin(page_url, a["href"].strip())
            u = urlsplit(url)
            if u.scheme not in ("http", "https") or u.hostname != host:
                continue
            if is_column_text(text):
                col = url.split("#")[0]
                if col not in rec["columns"]:
                    rec["columns"][col] = {"url": col, "text": text, "found_on": page_url}
                    yield self.site_request(rec, col, "column", column=col, hops=0)
            elif role == "home" and HUB_TEXT.match(re.sub(r"\s+", "", text)):
                yield self.site_request(rec, url, "hub")
        if rec["depth"] >= self.max_depth:
            return
        for kind, heading, text, url in link_sets(soup, page_url):
            child_host = urlsplit(url).hostname
            level = "department" if kind == "department" else ("township" if kind == "township"
                                                               else CHILD_LEVEL.get(rec["level"] or "", "county"))
            home = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}/"
            child = self.new_site(child_host, home, level=level, region=rec["region"], parent=host,
                                  via={"page": page_url, "link_set": heading, "link_text": text}, depth=rec["depth"] + 1)
            if child:
                yield self.site_request(child, home, "home")

    def read_column(self, rec: dict, url: str, html: str, soup: BeautifulSoup, meta: dict) -> Iterable[Any]:
        col = rec["columns"].get(meta["column"])
        if col is None or col.get("family"):
            return
        fp = fingerprint(url, html)
        if fp:
            col.update(family=fp[0], marker=fp[1], fingerprint_url=url)
            return
        if meta.get("hops", 0) >= 1:
            return
        for a in soup.find_all("a", href=True):  # a bare hub: look at its first sub-column
            text, sub = anchor_text(a), urljoin(url, a["href"].strip())
            if urlsplit(sub).hostname == rec["host"] and (YEAR_TEXT.match(text) or SUB_TEXT.match(text) or is_column_text(text)) \
                    and sub != url:
                yield self.site_request(rec, sub, "column", column=meta["column"], hops=1)
                return

    def maybe_done(self, rec: dict) -> Iterable[Any]:
        if rec["pending"] > 0 or rec.get("done"):
            return
        rec["done"] = True
        cand = candidate(rec)
        self.results.append(cand)
        yield cand  # `scrapy crawl discover -a site=<id> -O candidates.jsonl` writes them


def candidate(rec: dict) -> dict:
    """A candidate registry row (and its evidence) from a discovered site record."""
    cols = list(rec["columns"].values())
    families = [c.get("family") for c in cols if c.get("family")]
    family = families[0] if families else "generic"
    entry = [c["url"] for c in cols]
    name = rec.get("name") or rec["host"]
    return {
        "id": site_id(rec["host"], entry[0] if entry else rec["home"]), "name": f"{name} 政府信息公开年报",
        "agency": name, "level": rec["level"], "region": rec["region"], "family": family, "entry_urls": entry,
        "encoding": None, "enabled": True, "disabled_reason": None, "expected_min_reports": 1,
        "evidence": (cols[0].get("fingerprint_url") or cols[0]["found_on"]) if cols else rec["home"],
        "cms_note": f"discovered; fingerprint {family}" + (f" ({cols[0].get('marker')})" if cols and cols[0].get("marker") else ""),
        "discovery": {"host": rec["host"], "home": rec["home"], "parent": rec["parent"], "via": rec["via"],
                      "registry_id": rec["registry_id"],
                      "columns": [{k: c.get(k) for k in ("url", "text", "found_on", "family", "marker", "fingerprint_url")}
                                  for c in cols]},
    }


def discover(start_rows: list[dict], archive_dir: str, *, proxy: Optional[str] = None, no_delay: bool = False,
             max_depth: int = 2, log_level: str = "WARNING") -> list[dict]:
    """Run the discovery spider (in this process) and return one candidate per site found, with or
    without 年报 columns (rows without columns cannot be crawled; callers report them)."""
    from scrapy.crawler import CrawlerProcess

    from .run import build_settings, new_run_id

    run_id = new_run_id()
    settings = build_settings(run_id, archive_dir, proxy=proxy, no_delay=no_delay, log_level=log_level)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DiscoverSpider)
    process.crawl(crawler, start_rows=start_rows, max_depth=max_depth)
    process.start()
    spider = crawler.spider
    for rec in spider.sites.values():  # sites whose last page failed without a callback
        if not rec.get("done"):
            spider.results.append(candidate(rec))
    ctx = runctx.get(run_id, str(archive_dir))
    ctx.manifest.close()
    runctx.pop(run_id)
    return sorted(spider.results, key=lambda c: (c["discovery"]["parent"] or "", c["discovery"]["host"]))


def judge(candidates: list[dict], summary: dict, items: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split candidates by their trial crawl: (accepted with ≥1 report, rejected with the reason)."""
    by_site = {s["site"]: s for s in summary.get("sites", [])}
    samples: dict[str, list[str]] = {}
    for it in items:
        if it.get("type") == "report":
            samples.setdefault(it["site"], []).append(it["url"])
    ok, rejected = [], []
    for c in candidates:
        s = by_site.get(c["id"])
        if not c["entry_urls"]:
            rejected.append({**c, "rejected": "no 年报 column found on the site"})
            continue
        trial = {"run_id": summary.get("run_id"), "reports": (s or {}).get("reports", 0),
                 "status": (s or {}).get("status"), "sample": samples.get(c["id"], [])[:3]}
        c = {**c, "discovery": {**c["discovery"], "trial": trial}}
        if trial["reports"] >= 1:
            ok.append(c)
        else:
            rejected.append({**c, "rejected": f"trial crawl found no report ({trial['status']})"})
    return ok, rejected


def accept(candidates: list[dict], registry_rows: list[dict], ids: Optional[set[str]] = None) -> tuple[list[dict], list[str]]:
    """Registry rows plus the chosen candidates. A candidate without a trial that found a report, or
    whose entry URL is already in the registry, is not added (the second list says why)."""
    have = {u for r in registry_rows for u in r.get("entry_urls") or []}
    ids_have = {r["id"] for r in registry_rows}
    out, notes = list(registry_rows), []
    for c in candidates:
        if ids and c["id"] not in ids:
            continue
        trial = (c.get("discovery") or {}).get("trial") or {}
        if trial.get("reports", 0) < 1:
            notes.append(f"{c['id']}: not added, no trial crawl found a report")
        elif set(c["entry_urls"]) & have or c["id"] in ids_have:
            notes.append(f"{c['id']}: already in the registry")
        else:
            out.append(c)
            have |= set(c["entry_urls"])
            notes.append(f"{c['id']}: added ({c['family']}, {len(c['entry_urls'])} column(s), {trial['reports']} reports in trial)")
    return out, notes


def dump_candidates(path, accepted: list[dict], rejected: list[dict], start: list[str]) -> None:
    import yaml
    from pathlib import Path
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(yaml.safe_dump({"discovered_from": start, "candidates": accepted, "rejected": rejected},
                                         allow_unicode=True, sort_keys=False, width=200), "utf-8")


def load_candidates(path) -> dict:
    import yaml
    from pathlib import Path
    data = yaml.safe_load(Path(path).read_text("utf-8")) or {}
    return {"candidates": data.get("candidates") or [], "rejected": data.get("rejected") or [],
            "discovered_from": data.get("discovered_from") or []}


def _jsonl(path) -> list[dict]:
    from pathlib import Path
    p = Path(path)
    return [json.loads(x) for x in p.read_text("utf-8").splitlines() if x.strip()] if p.exists() else []
