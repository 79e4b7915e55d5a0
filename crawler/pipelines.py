"""Collect the items of a run: report pages, attachments and rejected negatives. Items are written
to the run folder (items.jsonl) and merged into the archive sidecars so that normalize has the
listing context (listed title, listing URL, parent page) without importing the crawler.

The crawler's verdict travels in the sidecar too (`meta.verdict`: report, negative with
`meta.verdict_reason`, or noise — set by the block middleware for soft 404s and stubs); `ogi build`
never turns a page whose verdict is not `report` into a report."""
from __future__ import annotations

import json

from . import runctx


class RunPipeline:
    @classmethod
    def from_crawler(cls, crawler):
        o = cls()
        o.crawler = crawler
        return o

    def open_spider(self, spider=None):
        s = self.crawler.settings
        self.ctx = runctx.from_settings(s)
        path = self.ctx.archive.run_dir(self.ctx.run_id) / "items.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(path, "a", encoding="utf-8")

    def close_spider(self, spider=None):
        self.fh.close()

    def process_item(self, item, spider=None):
        item = dict(item)
        t = item.get("type")
        if t == "report":
            self.ctx.reports[item["site"]].append(item)
            if item.get("sha256"):
                self.ctx.archive.annotate(item["sha256"], item["url"], {
                    "role": "report_page", "title": item.get("title"), "year": item.get("year"),
                    "agency": item.get("agency"), "published": item.get("published"),
                    "listing": item.get("listing"), "listed_title": item.get("listed_title"),
                    "attachments": item.get("attachments"), "site": item.get("site"),
                    "verdict": "report", "verdict_reason": item.get("confirmed_by") or "title",
                    "publisher": item.get("publisher"), "channel": item.get("channel"),
                })
        elif t == "attachment":
            self.ctx.attachments[item["site"]] += 1
            if item.get("sha256"):
                self.ctx.archive.annotate(item["sha256"], item["url"], {
                    "role": "attachment", "parent_url": item.get("parent_url"), "sniffed": item.get("sniffed"),
                    "name": item.get("name"), "site": item.get("site"), "verdict": "report",
                })
        elif t == "negative":
            self.ctx.negatives[item["site"]].append(item)
            if item.get("sha256"):  # a fetched page rejected after reading it: the archive says so
                self.ctx.archive.annotate(item["sha256"], item["url"], {
                    "verdict": "negative", "verdict_reason": item.get("reason"), "title": item.get("title")})
        self.fh.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
        return item
