"""Run one crawl: every enabled registry row, grouped by family, in one Scrapy process.

Writes ``runs/<run_id>/manifest.jsonl`` (every request outcome), ``items.jsonl`` and
``summary.json`` (per-site counts, blocked hosts, robots findings, errors — zero reports from a site
that expects some is an error) into the archive, and advances the listing fingerprints of the sites
whose run was fully successful (``state/fingerprints.json``).

``incremental=True`` (``ogi nightly``) replays unchanged detail pages from the archive instead of
fetching them (see crawler/incremental.py); listings are always fetched.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Callable, Optional

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy import signals

from . import runctx, settings as default_settings
from .archive import utcnow
from .failures import causes
from .incremental import update_fingerprints
from .spiders import spider_for


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"


def build_settings(run_id: str, archive_dir: str, *, proxy: Optional[str] = None, no_delay: bool = False,
                   log_level: str = "WARNING", overrides: Optional[dict] = None) -> Settings:
    s = Settings()
    s.setmodule(default_settings, priority="project")
    s.set("OGI_RUN_ID", run_id)
    s.set("OGI_ARCHIVE_DIR", str(archive_dir))
    s.set("LOG_LEVEL", log_level)
    if proxy:
        s.set("OGI_PROXY", proxy)
    if no_delay:
        s.set("DOWNLOAD_DELAY", 0)
        s.set("AUTOTHROTTLE_ENABLED", False)
        s.set("RANDOMIZE_DOWNLOAD_DELAY", False)
        s.set("OGI_RETRY_BACKOFF_BASE", 0.05)
        s.set("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
    # deployment/test overrides without code changes: OGI_SCRAPY_SETTINGS='{"DOWNLOAD_TIMEOUT": 5}'
    env = os.environ.get("OGI_SCRAPY_SETTINGS")
    if env:
        for k, v in json.loads(env).items():
            s.set(k, v)
    for k, v in (overrides or {}).items():
        s.set(k, v)
    return s


def crawl(sources: list[dict], archive_dir: str, *, run_id: Optional[str] = None, proxy: Optional[str] = None,
          no_delay: bool = False, log_level: str = "WARNING", on_event: Optional[Callable[[str, dict], None]] = None,
          overrides: Optional[dict] = None, incremental: bool = False) -> dict:
    """Crawl the given registry rows; returns the run summary (also written to summary.json)."""
    run_id = run_id or new_run_id()
    started = utcnow()
    settings = build_settings(run_id, archive_dir, proxy=proxy, no_delay=no_delay, log_level=log_level,
                              overrides=overrides)
    ctx = runctx.get(run_id, str(archive_dir))
    if incremental:
        ctx.start_incremental()
    # the registry rows of this run travel with the archive: normalize reads sites from here
    (ctx.archive.run_dir(run_id) / "sources.json").write_text(json.dumps(sources, ensure_ascii=False, indent=1), "utf-8")
    enabled = [s for s in sources if s.get("enabled", True)]
    settings.set("LOG_INSTALL_ROOT_HANDLER", False)
    process = CrawlerProcess(settings)
    handlers = []  # Scrapy holds signal receivers weakly: keep them alive for the run
    unsupported = []
    fell_back: set[str] = set()
    by_spider: dict = {}  # families without a module of their own share the generic spider
    for family in sorted({s["family"] for s in enabled}):
        cls = spider_for(family)
        rows = [s for s in enabled if s["family"] == family]
        if cls is None:
            unsupported.extend(rows)
            continue
        by_spider.setdefault(cls, []).extend(rows)
    for cls, rows in by_spider.items():
        crawler = process.create_crawler(cls)
        if on_event:
            def on_response(response, request, spider=None):
                on_event("response", {"url": request.url, "status": response.status})

            def on_item(item, response=None, spider=None):
                on_event("item", dict(item))

            handlers.extend([on_response, on_item])
            crawler.signals.connect(on_response, signal=signals.response_received)
            crawler.signals.connect(on_item, signal=signals.item_scraped)
        d = process.crawl(crawler, sources=rows)
        if cls.family != "generic":
            d.addCallback(_fallback, process, ctx, rows, fell_back)
    if process.crawlers:
        process.start()
    summary = summarise(ctx, sources, unsupported, started)
    for row in summary["sites"]:
        if row["site"] in fell_back:
            row["fallback"] = "generic"
    summary["incremental"] = incremental
    fingerprints = update_fingerprints(ctx.archive, run_id, summary["sites"], ctx.listed)
    for row in summary["sites"]:
        fp = fingerprints.get(row["site"])
        if fp:
            row["listing_entries"] = fp["entries"]
            row["fingerprint"] = fp["fingerprint"]
            row["fingerprint_changed"] = fp["changed"]
            row["fingerprint_advanced"] = fp["advanced"]
    ctx.archive.write_summary(run_id, summary)
    ctx.manifest.close()
    runctx.pop(run_id)
    return summary


def fallback_rows(rows: list[dict], reports: dict, blocked_hosts, robots_disallowed) -> list[dict]:
    """The rows of a family spider's sites that gave no report and were neither blocked nor disallowed
    by robots.txt, as rows for the generic spider (``fallback_from`` = the family). Used by the plain
    crawl here and by the distributed coordinator (crawler/distributed.py)."""
    blocked, disallowed = set(blocked_hosts), set(robots_disallowed)
    out = []
    for s in rows:
        hosts = _hosts(s)
        if reports.get(s["id"]) or s.get("expected_min_reports", 1) < 1 or hosts & blocked or hosts & disallowed:
            continue
        out.append(dict(s, family="generic", fallback_from=s["family"]))
    return out


def _fallback(_result, process, ctx: runctx.RunContext, rows: list[dict], fell_back: set[str]):
    """When a family spider has finished, the generic spider reads its sites that gave no report (and
    were neither blocked nor disallowed by robots.txt): a site that changed its CMS, or a row with the
    wrong family. Runs in the same process and reactor (the crawl is joined until it ends too)."""
    from .spiders.generic import GenericSpider

    retry = fallback_rows(rows, ctx.reports, [b["host"] for b in ctx.blocked_hosts.values()], ctx.robots_disallowed)
    for s in retry:
        fell_back.add(s["id"])
        ctx.manifest.write(event="fallback", site=s["id"], family=s["fallback_from"], spider="generic")
    if retry:
        return process.crawl(process.create_crawler(GenericSpider), sources=retry)
    return _result


def summarise(ctx: runctx.RunContext, sources: list[dict], unsupported: list[dict], started: str) -> dict:
    sites = []
    errors = []
    findings = []
    failures = []  # per site: how many requests/pages failed, and why (crawler/failures.py)
    for s in sources:
        sid = s["id"]
        reports = ctx.reports.get(sid, [])
        distinct = {(r.get("agency"), r.get("year")) for r in reports}
        row = {
            "site": sid, "name": s.get("name"), "family": s.get("family"), "enabled": s.get("enabled", True),
            "report_pages": len(reports), "reports": len(distinct), "attachments": ctx.attachments.get(sid, 0),
            "negatives": len(ctx.negatives.get(sid, [])), "expected_min_reports": s.get("expected_min_reports", 1),
            "errors": sum(1 for e in ctx.errors if e.get("site") == sid),
            "still_listed": ctx.still_listed.get(sid, 0),
            "refused": sum(1 for e in getattr(ctx, "refused", []) if e.get("site") == sid),
            "blocked": [b for b in ctx.blocked_hosts.values() if b["host"] in _hosts(s)],
            "robots_disallowed": {h: len(u) for h, u in ctx.robots_disallowed.items() if h in _hosts(s)},
        }
        if not s.get("enabled", True):
            row["status"] = "disabled"
        elif s in unsupported:
            row["status"] = "error"
            errors.append({"site": sid, "error": f"no spider for family {s['family']!r}"})
        elif row["blocked"]:
            row["status"] = "unreachable" if all(b["kind"] == "unreachable" for b in row["blocked"]) else "blocked"
            errors.append({"site": sid, "error": f"{row['status']}: " + ", ".join(f"{b['host']} ({b['kind']})" for b in row["blocked"])})
        elif row["reports"] == 0 and row["robots_disallowed"]:
            row["status"] = "robots_disallowed"  # obeyed and reported: a finding, not a crawler error
            findings.append({"site": sid, "finding": "robots.txt disallows " + ", ".join(
                f"{h} ({n} URLs)" for h, n in row["robots_disallowed"].items())})
        elif row["reports"] == 0 and row["expected_min_reports"] > 0:
            row["status"] = "error"
            why = causes(ctx.errors, sid)
            errors.append({"site": sid, "error": f"0 reports found, expected at least {row['expected_min_reports']}"
                                                 + (f" ({why})" if why else " (no request failed)")})
        else:
            row["status"] = "ok"
        if row["errors"]:
            failures.append({"site": sid, "count": row["errors"], "causes": causes(ctx.errors, sid)})
        sites.append(row)
    return {
        "run_id": ctx.run_id, "started_at": started, "finished_at": utcnow(),
        "sites": sites, "errors": errors, "findings": findings, "failures": failures, "blocked_hosts": list(ctx.blocked_hosts.values()),
        "host_requests": dict(ctx.host_requests),
        "robots_disallowed": {h: u for h, u in ctx.robots_disallowed.items()},
        "request_failures": len(ctx.errors),
        "refused": getattr(ctx, "refused", [])[:100],  # URLs never requested (crawler/guards.py)
        "totals": {
            "reports": sum(r["reports"] for r in sites), "report_pages": sum(r["report_pages"] for r in sites),
            "attachments": sum(r["attachments"] for r in sites), "negatives": sum(r["negatives"] for r in sites),
            "requests": sum(ctx.host_requests.values()), "still_listed": sum(ctx.still_listed.values()),
        },
    }


def _hosts(source: dict) -> set[str]:
    from urllib.parse import urlsplit
    return {urlsplit(u).hostname for u in source.get("entry_urls", [])} | set(source.get("hosts") or [])
