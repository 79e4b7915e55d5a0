"""Assembles the fixture portal for one scenario: virtual hosts, fault table, expected manifest, registry.

The expected manifest is written by the same code that writes the pages (PORTALS.md §8.1 "Generated and
deterministic", §8.3 "Expected manifest per scenario"). Sites declare where faults may go; the scenario
decides which are on; reports that a fault or stub makes unreachable are moved from ``reports`` to
``lost`` so that ``reports`` is exactly what a correct crawler finds.
"""
from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import import_module

from . import scenarios as sc

GENERATOR_VERSION = "ogi.portal/1"

# site name -> module under ogi.portal.sites that builds it
SITE_MODULES = {
    "qingyu": "trs", "pingtan": "trs", "donglan": "hanweb", "baishi": "gkmlpt", "nsa": "ucap",
    "jiangyuan": "platform", "shimen": "antibot", "jiale": "antibot", "huaxi": "antibot",
    "ningbian": "antibot", "beishan": "antibot", "ptgwh": "mirror",
    "pingtan_pre2019": "pre2019",  # issue 12: real pre-2019 pages
    # the web of governments (issue 14): unknown layouts, JPaaS, and the links between them
    "xiling": "layouts", "yunling": "layouts", "shiyan": "layouts", "mingxi": "layouts", "xlfgw": "layouts",
    "xljyt": "layouts", "webknown": "layouts", "linchuan": "jpaas",
    **{s: "small" for s in ("qinglan", "xlczt", "xljtt", "xlslt", "qinghe", "lanshan", "songxi", "yanghe", "baihe",
                            "taoyuan", "heping", "dongcheng", "linxi", "qlscjg", "qltjj")},
}


@dataclass
class SiteBuild:
    sites: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    negatives: list = field(default_factory=list)
    host_status: list = field(default_factory=list)
    pagination: list = field(default_factory=list)
    registry: list = field(default_factory=list)
    fault_targets: dict = field(default_factory=dict)  # kind -> [url, ...]
    broken: list = field(default_factory=list)  # [{url, kind}] broken by site behaviour (stubs, empty groups)
    changes: list = field(default_factory=list)  # day > 1: [{change: taken_down|added|revised, url, …}]
    web: list = field(default_factory=list)  # sites discovery must find: [{site_id, host, level, columns, …}]


class World:
    """Hosts and fault table of a scenario; the manifest is made on first use (it hashes every attachment)."""

    def __init__(self, scenario, hosts, faults, raw_manifest, registry):
        self.scenario = scenario
        self.hosts = hosts
        self.faults = faults  # (host, path) -> kind
        self.registry = registry
        self._raw = raw_manifest
        self._manifest = None
        self._lock = threading.Lock()

    @property
    def manifest(self) -> dict:
        with self._lock:
            if self._manifest is None:
                self._manifest = _materialise(self._raw)
                m = self._manifest
                m["counts"]["attachments_by_ext"] = _count_atts(m["reports"])
            return self._manifest


def _materialise(obj):
    if isinstance(obj, dict):
        return {k: _materialise(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_materialise(v) for v in obj]
    if hasattr(obj, "sha256") and hasattr(obj, "ext"):
        return attachment_entry(obj)
    return obj


def _count_atts(reports):
    out = {}
    for r in reports:
        for a in r["attachments"]:
            out[a["ext"]] = out.get(a["ext"], 0) + 1
    return dict(sorted(out.items()))


def _split(url: str):
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    return host, "/" + path


def attachment_entry(att) -> dict:
    return {"url": att.url, "ext": att.ext, "sha256": att.sha256, "bytes": len(att.data),
            "signature_only": att.signature_only, "role": att.role, "filename": att.filename}


def report_entry(site_id: str, host: str, item, *, listed_in, mirrors=(), generated: bool = True,
                 extra: dict | None = None) -> dict:
    e = {
        "site_id": site_id, "host": host, "agency": item.agency.name, "level": item.agency.level,
        "region": item.agency.region, "year": item.year, "title": item.title, "url": item.url,
        "published": item.published, "format": item.format, "template": item.template, "body": item.mode,
        "attachments": list(item.attachments),  # Attachment objects until the manifest is materialised
        "listed_in": list(dict.fromkeys(listed_in)), "mirrors": list(mirrors), "generated": generated,
        "values": item.values or None,
    }
    if extra:
        e.update(extra)
    return e


def negative_entry(site_id: str, host: str, item, listed_in) -> dict:
    return {"site_id": site_id, "host": host, "url": item.url, "title": item.title, "reason": item.reason,
            "agency": item.agency.name, "year": item.year, "listed_in": list(dict.fromkeys(listed_in))}


@lru_cache(maxsize=8)
def build_world(name: str) -> World:
    scenario = sc.get(name)
    builds = []
    done_modules = {}
    for site in scenario.sites:
        mod = import_module(f".sites.{SITE_MODULES[site]}", __package__)
        builds.append(mod.build(site, scenario))
        done_modules[site] = mod
    hosts = {}
    for b in builds:
        for s in b.sites:
            assert s.host not in hosts, s.host
            hosts[s.host] = s

    # faults: every kind the scenario turns on, at the targets the sites declared
    faults = {}
    fault_list = []
    for b in builds:
        for kind, urls in b.fault_targets.items():
            if kind not in scenario.faults:
                continue
            for url in urls:
                host, path = _split(url)
                faults[(host, path)] = kind
                fault_list.append({"url": url, "host": host, "kind": kind,
                                   "recoverable": kind in sc.RECOVERABLE})
    broken = {f["url"] for f in fault_list if not f["recoverable"]}
    for b in builds:
        broken |= {x["url"] for x in b.broken}

    host_status = [hs for b in builds for hs in b.host_status]
    no_crawl_hosts = {hs["host"] for hs in host_status if hs["expected"] != "ok"}

    _fold_copies(builds)
    reports, lost = [], []
    for b in builds:
        for r in b.reports:
            urls = [r["url"]] + r["mirrors"]
            reason = r.pop("unreachable_reason", None)
            if reason:
                pass
            elif all(_split(u)[0] in no_crawl_hosts for u in urls):
                reason = "host_not_crawlable"
            elif all(u in broken for u in urls):
                reason = "detail_broken"
            elif r["listed_in"] and all(u in broken for u in r["listed_in"]):
                reason = "listing_broken"
            if reason:
                lost.append(dict(r, lost_reason=reason))
            else:
                reports.append(r)
    negatives = [n for b in builds for n in b.negatives]

    manifest = {
        "scenario": scenario.name,
        "generator": GENERATOR_VERSION,
        "reports": reports,
        "negatives": negatives,
        "host_status": host_status,
        "pagination": [p for b in builds for p in b.pagination],
        "faults": fault_list,
        "lost": lost,
        "changes": [c for b in builds for c in b.changes],
        "web": [w for b in builds for w in b.web],
        "counts": {
            "reports": len(reports), "negatives": len(negatives), "lost": len(lost),
            "reports_by_site": _count(reports, "site_id"), "attachments_by_ext": None,
            "formats": _count(reports, "format"), "hosts": len(hosts),
        },
    }
    registry = [row for b in builds for row in b.registry]
    return World(scenario, hosts, faults, manifest, registry)


def _fold_copies(builds) -> None:
    """A report a site copies from another site (``same_report_as``, sites/mirror.py) is the same (agency,
    year) report: its URL becomes a mirror of the original entry (one entry per report), its title is kept
    in ``mirror_titles``."""
    by_url = {r["url"]: r for b in builds for r in b.reports}
    for b in builds:
        for r in list(b.reports):
            orig = by_url.get(r.get("same_report_as"))
            if orig is not None and orig is not r:
                orig["mirrors"].append(r["url"])
                orig.setdefault("mirror_titles", {})[r["url"]] = r["title"]
                b.reports.remove(r)


def _count(rows, key):
    out = {}
    for r in rows:
        out[r[key]] = out.get(r[key], 0) + 1
    return dict(sorted(out.items()))


def expected(scenario: str = "default") -> dict:
    """The ground truth of a scenario (a fresh copy each call)."""
    return copy.deepcopy(build_world(scenario).manifest)


def registry_rows(scenario: str = "default") -> list:
    return copy.deepcopy(build_world(scenario).registry)


def manifest_json(scenario: str) -> str:
    return json.dumps(build_world(scenario).manifest, ensure_ascii=False, indent=1, sort_keys=False)
