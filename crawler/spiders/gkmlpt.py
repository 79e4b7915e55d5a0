"""Guangdong gkmlpt (政府信息公开目录管理平台) and the 集约化 column pages around it (PORTALS.md §2.4).

Guangdong only (province, 21 cities, districts, departments). URL shapes:

- ``/gkmlpt/index`` carries ``window._CONFIG = {SID: '…', TREE: [{id, name, post_count, children: […]}], …}``
  (a JS object literal on real sites, ``SID: '2'``; strict JSON also accepted);
- ``/gkmlpt/annualreport#<catid>`` is the 年报 view (a JS shell; the category id is in the fragment);
- the list API ``GET /gkmlpt/api/all/<catid>?page=N&sid=<SID>`` answers
  ``{"classify": {"id", "name", "post_count"}, "articles": [{"id", "title", "url", "date", "attachment": […]…}], "total"}``;
- details ``/gkmlpt/content/<id//10^6>/<id//10^3>/post_<id>.html`` hold the document as JSON in
  ``window._CONFIG.DETAIL = {"title", "content": "<p>…", "attachment": [{"name", "url"}], …}``;
- 集约化 columns (``/zwgk/xxgknb/``, ``…/zfxxgknb/bm/2024n/``) list ``content/post_<id>.html`` pages;
- attachments ``/attachment/0/<a>/<b>/<id>.pdf``.

Spider: from any entry URL it reads ``/gkmlpt/index`` of the host, picks the 年报 categories by name
(``年报|年度报告`` and not a negative such as 网站工作年度报表; a ``#<catid>`` fragment or a registry
``gkmlpt_catids`` list picks them explicitly) together with their sub-categories, and pages the API
from page 1 until the articles collected reach ``post_count`` (``total``) or a page comes back empty.
A wrong or missing SID answers 200 with ``{"articles": []}`` — recorded, not retried. Posts are
requested once per host and post id, whichever list (API or 集约化 column) names them first.

HTTP only: the platform's HTTPS is broken (bad ciphers, redirect loops), so this family rewrites every
``https://`` link to ``http://`` before requesting it (``force_http`` defaults on; a registry row may
set ``force_http: false``).
"""
from __future__ import annotations

import json
import re
from typing import Any, Optional
from urllib.parse import urlencode, urljoin, urlsplit

from parsel import Selector

from .base import DATE, ReportSpider, norm_date
from ..titles import classify_title

CONFIG = re.compile(r"window\._CONFIG\s*=\s*\{")
DETAIL_ASSIGN = re.compile(r"window\._CONFIG\.DETAIL\s*=\s*\{|\bDETAIL\s*[:=]\s*\{")
POST = re.compile(r"/(?:gkmlpt/)?content/(?:\d+/\d+/)?post_(\d+)\.html")
REPORT_CAT = re.compile(r"年报|年度报告")


def balanced(text: str, start: int) -> Optional[str]:
    """The bracketed JSON/JS value starting at text[start] ('{' or '['), respecting strings."""
    depth, i, quote = 0, start, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
        i += 1
    return None


def js_object(text: str) -> Any:
    """Parse strict JSON, else a simple JS object literal (unquoted keys, single-quoted strings)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    fixed = re.sub(r"'((?:[^'\\]|\\.)*)'", lambda m: json.dumps(m.group(1).replace("\\'", "'")), text)
    fixed = re.sub(r"([{,]\s*)([A-Za-z_$][\w$]*)\s*:", r'\1"\2":', fixed)
    fixed = re.sub(r",\s*([}\]])", r"\1", fixed)
    try:
        return json.loads(fixed)
    except json.JSONDecodeError:
        return None


def parse_config(html: str) -> tuple[Optional[str], list]:
    """(SID, TREE) of a /gkmlpt/index page."""
    sid = None
    m = re.search(r"""["']?SID["']?\s*:\s*["']?(\w+)""", html)
    if m:
        sid = m.group(1)
    tree: list = []
    m = re.search(r"""["']?TREE["']?\s*:\s*\[""", html)
    if m:
        raw = balanced(html, m.end() - 1)
        if raw:
            tree = js_object(raw) or []
    return sid, tree


def parse_detail_json(html: str) -> Optional[dict]:
    m = DETAIL_ASSIGN.search(html)
    if not m:
        return None
    raw = balanced(html, m.end() - 1)
    return js_object(raw) if raw else None


def report_categories(tree: list, roots_only: bool = False) -> list[dict]:
    """Categories named 年报/年度报告 (not negatives like 网站工作年度报表), with all their descendants
    (or, with roots_only, just the named categories, whose descendants the caller walks)."""
    out: list[dict] = []

    def walk(nodes, inside: bool):
        for n in nodes or []:
            name = n.get("name") or ""
            named = bool(REPORT_CAT.search(name)) and not classify_title(name)[1].startswith("negative")
            hit = inside or named
            if hit and not n.get("jump_url") and not (roots_only and inside):
                out.append(n)
            walk(n.get("children"), hit)

    walk(tree, False)
    return out


class GkmlptSpider(ReportSpider):
    name = "gkmlpt"
    family = "gd-gkmlpt"
    force_http_default = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (host, post id) -> {"state": pending|done|failed, "alts": [(url, title, date, meta), …]}
        self._posts: dict[tuple[str, str], dict] = {}
        self._config_requested: set[str] = set()
        self._config_parsed: set[str] = set()
        self._gkmlpt_hosts = {urlsplit(u).hostname for src in self.sources for u in src["entry_urls"]
                              if urlsplit(u).path.startswith("/gkmlpt/")}

    def entry_request(self, src: dict, url: str):
        req = super().entry_request(src, url)
        frag = urlsplit(url).fragment
        if re.fullmatch(r"\d+", frag or ""):
            req.meta["gkmlpt_catids"] = [int(frag)]
        return req

    # -- listings ----------------------------------------------------------------------------
    def parse_listing(self, response):
        if self.verdict(response) in ("soft404", "stub", "empty"):
            yield from self.dead_listing(response)
            return
        path = urlsplit(response.url).path
        html = self.text_of(response)
        if CONFIG.search(html) and re.search(r"""["']?TREE["']?\s*:""", html):
            yield from self.parse_config_page(response, html)
            return
        if path.startswith("/gkmlpt/"):
            # a shell page (annualreport) or any other gkmlpt page: the config lives on /gkmlpt/index
            yield from self.config_request(response)
            return
        yield from self.parse_column(response)

    def config_request(self, response):
        host = urlsplit(response.url).netloc
        if host in self._config_requested:
            return
        self._config_requested.add(host)
        catids = list(response.meta.get("gkmlpt_catids") or [])
        m = re.search(r"#(\d+)", response.request.url if response.request else "")
        if m:
            catids.append(int(m.group(1)))
        yield self.listing_request(response, f"{urlsplit(response.url).scheme}://{host}/gkmlpt/index",
                                   gkmlpt_catids=catids or None)

    def parse_config_page(self, response, html: str):
        site = response.meta["ogi"]["site"]
        host = urlsplit(response.url).netloc
        self._config_requested.add(host)
        if host in self._config_parsed:
            return  # the shell page may carry the same _CONFIG as /gkmlpt/index
        self._config_parsed.add(host)
        sid, tree = parse_config(html)
        wanted = set(response.meta.get("gkmlpt_catids") or []) | set(self.option(site, "gkmlpt_catids") or [])
        roots: list[dict] = []
        if wanted:
            def walk(nodes):
                for n in nodes or []:
                    if n.get("id") in wanted:
                        roots.append(n)
                    else:
                        walk(n.get("children"))
            walk(tree)
        if not roots:
            roots = report_categories(tree, roots_only=True)
        self.ctx.manifest.write(event="gkmlpt_config", url=response.url, site=site, sid=sid,
                                categories=[{"id": c.get("id"), "name": c.get("name"), "post_count": c.get("post_count"),
                                             "children": len(c.get("children") or [])} for c in roots])
        if not sid or not roots:
            self.ctx.errors.append({"event": "gkmlpt_no_categories", "url": response.url, "site": site,
                                    "sid": sid})
            return
        for c in roots:
            yield from self.category_requests(response, sid, c)

    def category_requests(self, response, sid: str, cat: dict):
        """Page a category. Its sub-categories are asked for only when needed: a category that has
        no posts of its own (post_count 0) is a container, and a parent whose API answer held fewer
        posts than its sub-categories count did not include them (``/api/all/`` normally does)."""
        children = [c for c in cat.get("children") or [] if not c.get("jump_url")]
        if cat.get("post_count") == 0 or cat.get("jump_url"):
            for c in children:
                yield from self.category_requests(response, sid, c)
            return
        yield self.api_request(response, sid, cat["id"], 1, {"collected": 0, "name": cat.get("name"),
                                                              "post_count": cat.get("post_count"),
                                                              "children": children or None})

    def children_if_needed(self, response, state: dict, collected: int):
        children = state.get("children") or []
        if not children:
            return
        def posts(c):
            return int(c.get("post_count") or 0) or sum(posts(x) for x in c.get("children") or [])
        in_children = sum(posts(c) for c in children)
        if not in_children:
            return
        if collected >= in_children:
            self.ctx.manifest.write(event="gkmlpt_children_covered", url=response.url, site=response.meta["ogi"]["site"],
                                    collected=collected, in_children=in_children)
            return
        for c in children:
            yield from self.category_requests(response, state["sid"], c)

    def api_request(self, response, sid: str, catid: int, page: int, state: dict):
        host = f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
        url = f"{host}/gkmlpt/api/all/{catid}?{urlencode({'page': page, 'sid': sid})}"
        return self.listing_request(response, url, callback=self.parse_api,
                                    gkmlpt={**state, "sid": sid, "catid": catid, "page": page})

    def parse_api(self, response):
        state = response.meta["gkmlpt"]
        data = self.json_of(response)
        if not isinstance(data, dict):
            self.ctx.manifest.write(event="gkmlpt_bad_json", url=response.url, site=response.meta["ogi"]["site"])
            return
        articles = data.get("articles") or []
        classify = data.get("classify") or {}
        total = classify.get("post_count") or data.get("total") or state.get("post_count")
        if not articles:
            if state["page"] == 1 and (total or state.get("post_count")):
                self.ctx.manifest.write(event="gkmlpt_empty_list", url=response.url, site=response.meta["ogi"]["site"],
                                        post_count=total)
            yield from self.children_if_needed(response, state, state["collected"])
            return
        for art in articles:
            yield from self.article(response, art)
        collected = state["collected"] + len(articles)
        if total is not None and collected >= int(total):
            yield from self.children_if_needed(response, state, collected)
            return
        yield self.api_request(response, state["sid"], state["catid"], state["page"] + 1,
                               {**state, "collected": collected, "post_count": total})

    def article(self, response, art: dict):
        url = art.get("url") or art.get("post_url")
        if not url:
            return
        date = art.get("display_publish_time") or art.get("date") or art.get("created_at")
        yield from self._listed_post(response, url, art.get("title") or "", date,
                                     gkmlpt_attachments=self._attachments(art.get("attachment")) or None,
                                     gkmlpt_publisher=art.get("publisher") or None)

    def _listed_post(self, response, href: str, title: str, date, **meta):
        """A listed post: negatives are recorded under every URL they are listed with; anything
        followed is requested once per (host, post id). When that request fails (error, empty body,
        soft 404) the same post is tried under its other listed URL (gkmlpt vs 集约化 column)."""
        if classify_title(title)[1].startswith("negative"):
            yield from self.listed_item(response, href, title, date)
            return
        # every listing of the post counts into the fingerprint, also those answered by another list
        self.note_listed(response, self.fix_url(urljoin(response.url, href), response.meta["ogi"]["site"]), title, date)
        key = self._post_key(response, href)
        entry = self._posts.setdefault(key, {"state": None, "alts": [], "tried": set()})
        url = self.fix_url(urljoin(response.url, href), response.meta["ogi"]["site"])
        canonical = self.canonical_post_url(url)
        if canonical != url:
            # a 集约化 copy of a post on a gkmlpt host: ask for the gkmlpt page, keep this one as the
            # fallback; the same post is fetched under the same URL whatever list is read first
            if url not in entry["tried"] and not any(a[0] == url for a in entry["alts"]):
                entry["alts"].append((url, title, date, meta, response.url, response.meta["ogi"]["site"]))
            url = canonical
        if url in entry["tried"] or any(a[0] == url for a in entry["alts"]):
            if entry["state"] == "failed":  # the post failed before this list offered its other URL
                yield from self._post_failed({"ogi": {"gkmlpt_post": list(key)}})
            return
        if entry["state"] in ("pending", "done"):
            entry["alts"].append((url, title, date, meta, response.url, response.meta["ogi"]["site"]))
            return
        entry["alts"] = [a for a in entry["alts"] if a[0] != url]
        yield from self._follow_post(response, key, entry, url, title, date, meta)

    def canonical_post_url(self, url: str) -> str:
        """``/gkmlpt/content/<id//10^6>/<id//10^3>/post_<id>.html`` for a ``…/content/post_<id>.html``
        page on a host the registry reads through gkmlpt (PORTALS.md §2.4: the 集约化 columns and the
        gkmlpt directory publish the same posts)."""
        parts = urlsplit(url)
        m = re.search(r"/content/post_(\d+)\.html$", parts.path)
        if not m or parts.path.startswith("/gkmlpt/") or parts.hostname not in self._gkmlpt_hosts:
            return url
        pid = int(m.group(1))
        return f"{parts.scheme}://{parts.netloc}/gkmlpt/content/{pid // 10**6}/{pid // 10**3}/post_{pid}.html"

    def _follow_post(self, response, key, entry, url, title, date, meta):
        entry["state"] = "pending"
        entry["tried"].add(url)
        for r in self.listed_item(response, url, title, date, note=False, gkmlpt_post=list(key), **meta):
            if hasattr(r, "errback") and r.callback == self.parse_detail:
                r = r.replace(errback=self.on_post_error)
            yield r

    def _post_key(self, response, url: str) -> tuple[str, str]:
        absolute = self.fix_url(urljoin(response.url, url), response.meta["ogi"]["site"])
        m = POST.search(urlsplit(absolute).path)
        return (urlsplit(absolute).hostname or "", m.group(1) if m else absolute)

    def _post_failed(self, request_meta: dict):
        key = tuple(request_meta.get("ogi", {}).get("gkmlpt_post") or ())
        entry = self._posts.get(key)
        if not entry:
            return
        entry["state"] = "failed"
        while entry["alts"]:
            url, title, date, meta, listing, site = entry["alts"].pop(0)
            if url in entry["tried"]:
                continue
            self.ctx.manifest.write(event="mirror_fallback", url=url, site=site, post=key[1])
            parent = _Listing(listing, site)
            yield from self._follow_post(parent, key, entry, url, title, date, meta)
            return

    def on_post_error(self, failure):
        yield from self.on_error(failure)
        yield from self._post_failed(failure.request.meta)

    @staticmethod
    def _attachments(atts: Any) -> list[list[str]]:
        out = []
        for a in atts or []:
            if isinstance(a, dict) and (a.get("url") or a.get("link")):
                out.append([a.get("url") or a.get("link"), a.get("name") or a.get("title") or ""])
            elif isinstance(a, str):
                out.append([a, ""])
        return out

    def parse_column(self, response):
        """A 集约化 column page: links to content/post_<id>.html, and its pagination."""
        sel = self.selector(response)
        depth = response.meta.get("depth_listing", 0)
        for a in sel.css("a[href]"):
            href = a.attrib["href"].strip()
            url = urljoin(response.url, href)
            path = urlsplit(url).path
            title = a.attrib.get("title") or " ".join(t.strip() for t in a.css("::text").getall()).strip()
            if POST.search(path):
                date_text = " ".join(a.xpath("following-sibling::*[1]//text() | following-sibling::text()[1] | ../*[not(self::a)]//text()").getall())
                m = DATE.search(date_text)
                yield from self._listed_post(response, href, title, m.group(0) if m else None)
            elif path.startswith("/gkmlpt/") and ("annualreport" in path or path.rstrip("/").endswith("/gkmlpt/index")):
                yield from self.config_request(response)
            elif (depth < self.max_listing_depth and self.site_of(url) and url != response.url
                  and re.search(r"/index(_\d+)?\.html?$|/$", path) and re.search(r"年报|年度报告|\d{4}\s*年|部门|乡镇|街道", title or "")
                  and path.startswith(urlsplit(response.url).path.rsplit("/", 1)[0])):
                yield self.listing_request(response, url, depth=depth + 1, link_text=title)
        if not response.meta.get("pagination_child"):
            from .trs import TrsSpider
            for url in TrsSpider.page_urls(response.url, sel.text):
                yield self.listing_request(response, url, depth=depth, pagination_child=True)
            for url in self.numbered_pages(response, sel):
                yield self.listing_request(response, url, depth=depth, pagination_child=True)

    @staticmethod
    def numbered_pages(response, sel) -> list[str]:
        """index_2.html … links of a 集约化 pager (1-based, the first page is index.html)."""
        out = []
        base = response.url.rsplit("/", 1)[0] + "/"
        for href in sel.css("a[href]::attr(href)").getall():
            url = urljoin(response.url, href.strip())
            if url.startswith(base) and re.search(r"/index_\d+\.html?$", url) and url not in out:
                out.append(url)
        return out

    # -- details -----------------------------------------------------------------------------
    def parse_detail(self, response):
        if self.verdict(response) in ("soft404", "stub", "empty"):
            yield from self._post_failed(response.meta)
            return
        key = tuple(response.meta["ogi"].get("gkmlpt_post") or ())
        if key in self._posts:
            self._posts[key]["state"] = "done"
        html = self.text_of(response)
        detail = parse_detail_json(html)
        if not detail:
            yield from super().parse_detail(response)
            return
        ogi = response.meta["ogi"]
        content = detail.get("content") or ""
        body_text = " ".join(t.strip() for t in Selector(text=f"<div>{content}</div>").xpath("//text()").getall() if t.strip())
        atts: dict[str, str] = {}
        for url, name in self._attachments(detail.get("attachment") or detail.get("attachments")):
            atts.setdefault(self.fix_url(urljoin(response.url, url), ogi["site"]), name)
        for url, name in ogi.get("gkmlpt_attachments") or []:
            atts.setdefault(self.fix_url(urljoin(response.url, url), ogi["site"]), name)
        for url, name in self.find_attachments(response, html):
            if "/attachment/" in url or re.search(r"\.(pdf|docx?|wps|xlsx?|ofd)$", url, re.I):
                atts.setdefault(url, name)
        published = (detail.get("publish_time") or detail.get("display_publish_time") or detail.get("date")
                     or detail.get("created_at") or ogi.get("listed_date"))
        agency = detail.get("publisher") or detail.get("source") or ogi.get("gkmlpt_publisher")
        yield from self.emit_report(response, title=detail.get("title"), published=norm_date(published),
                                    attachments=list(atts.items()), body_text=body_text, agency_hint=agency)


class _Listing:
    """The listing context (url, site) a post was found in, for a request made later from it."""

    def __init__(self, url: str, site: str):
        self.url = url
        self.meta = {"ogi": {"site": site, "role": "listing"}}
