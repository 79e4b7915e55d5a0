"""Classify every response before parsing it: anti-bot challenges, WAF pages, soft 404s, stubs.

Signatures from docs/PORTALS.md §3–§5 and §8.5. A challenge is never solved: no challenge JavaScript
is run, no cookie is forged. The crawler reports the host once and leaves it alone.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Optional

RUISHU = re.compile(rb"\$_ts\s*=|r=['\"]m['\"]|\$_ts\.cd")
JSL = re.compile(rb"__jsl_clearance|document\.cookie\s*=\s*\(?['\"]__jsl")
WAF = re.compile("访问异常|online-desc-con|安全狗|云防护|WAF|您的访问被拦截|请求被拦截".encode("utf-8"))
SLIDER = re.compile("请稍候|滑块|拖动|puzzle|vcode".encode("utf-8"))
SOFT404 = re.compile("非法请求|页面不存在|您访问的页面不存在|找不到您要访问的页面|(?<![0-9A-Za-z_])404(?![0-9A-Za-z_])".encode("utf-8"))
CONTENT_PAGE = re.compile(rb"name=[\"']?ArticleTitle|UCAP-CONTENT|TRS_Editor|id=[\"']zoom", re.I)
LOCATION_HOME = re.compile(rb"<script[^>]*>\s*(window\.)?location(\.href)?\s*=\s*['\"]/['\"]")
STUB_BYTES = 600


@dataclass
class Verdict:
    kind: str  # ok | blocked:ruishu | blocked:jsl | blocked:waf | blocked:slider | soft404 | stub | empty
    evidence: Optional[str] = None

    @property
    def blocked(self) -> bool:
        return self.kind.startswith("blocked:")


def evidence_sha1(body: bytes) -> str:
    return hashlib.sha1(body).hexdigest()


def classify(status: int, headers: dict, body: bytes, *, is_document: bool = False) -> Verdict:
    """Classify one response. `headers` maps lower-case names to str values.
    `is_document` marks attachment downloads, which are judged by status and size only."""
    head = body[:30000]
    if status == 412 or (status in (200, 202) and RUISHU.search(head) and b"$_ts" in head):
        return Verdict("blocked:ruishu", "412 with $_ts challenge" if status == 412 else "$_ts challenge body")
    if status == 521 or JSL.search(head):
        return Verdict("blocked:jsl", "521 __jsl_clearance")
    if is_document:
        if status == 200 and not body:
            return Verdict("empty", "zero-length body")
        return Verdict("ok")
    ctype = headers.get("content-type", "")
    is_html = "html" in ctype or head.lstrip()[:1] == b"<"
    if status == 200 and not body:
        return Verdict("empty", "zero-length body")
    if is_html and status in (200, 403, 405, 418, 493):
        if WAF.search(head):
            return Verdict("blocked:waf", "WAF page")
        if SLIDER.search(head) and (b"vcode" in head or b"puzzle" in head or "请稍候".encode() in head):
            return Verdict("blocked:slider", "slider challenge page")
    if status == 200 and is_html:
        if len(body) < 2000 and (SOFT404.search(head) or LOCATION_HOME.search(head)) and not CONTENT_PAGE.search(head):
            return Verdict("soft404", "soft 404 body")
        low = body.lower()
        if len(body) < STUB_BYTES and b"<a " not in low and b"<img" not in low and b"articletitle" not in low:
            return Verdict("stub", f"{len(body)}-byte page without links")
    return Verdict("ok")
