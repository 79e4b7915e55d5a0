"""Checks of pre-2019 indicators, as `checks` rows like the later layouts' (normalize/checks.py).

  pre1  channels sum to the total: 受理申请 = Σ 当面/传真/电子邮件/网上/信函/其他 (hard);
        主动公开 = Σ 网站/公报/微博/微信/其他方式 (soft: one item published on two channels counts once)
  pre2  outcomes sum to the replies: 答复总数 = 同意 + 部分 + 否决 (+ 其他, 免于公开) for the provincial
        tables, or the eight outcomes of the 2014–2018 national table (hard)
  pre3  a year's value ≤ its 历年累计 (hard), per code
  pre4  text and table agree (soft): a conflict keeps both statements, the table value primary

Only primary statements take part. Parts not stated make a sum 'not_assessable' when the stated
parts fall short of the total (an unstated channel may hold the rest); nothing is ever filled in.
"""
from __future__ import annotations

from typing import Optional

from ..checks import _clean

REQUEST_CHANNELS = ("requests_in_person", "requests_fax", "requests_email", "requests_online", "requests_letter",
                    "requests_letter_fax", "requests_other")
PROACTIVE_CHANNELS = ("proactive_website", "proactive_gazette", "proactive_weibo", "proactive_wechat",
                      "proactive_other_channel")
OUTCOMES_PROVINCIAL = ("replies_granted", "replies_partial", "replies_denied", "replies_other", "replies_exempt")
OUTCOMES_NATIONAL = ("replies_already_public", "replies_granted", "replies_partial", "replies_denied", "not_held",
                     "denied_not_exist", "told_to_amend", "told_other_route")
NATIONAL_ONLY = ("replies_already_public", "not_held", "denied_not_exist", "told_to_amend", "told_other_route")


def _primary(indicators: list[dict]) -> dict[tuple[str, str], dict]:
    return {(i["code"], i["period"]): i for i in indicators if i.get("primary")}


def _sum_check(rule, scope, level, total: Optional[dict], parts: dict[str, dict], all_codes) -> Optional[dict]:
    if total is None or not parts:
        return None
    s = _clean(sum(p["value"] for p in parts.values()))
    t = total["value"]
    stated = ", ".join(f"{c}={p['value']}" for c, p in parts.items())
    base = {"rule": rule, "level": level, "scope": scope, "expected": t, "found": s}
    if s == t:
        return dict(base, status="pass", message=f"{scope}: parts sum to the total {t} ({stated})")
    if s < t and len(parts) < len(all_codes) and not all(p["where"] == "table" for p in parts.values()):
        return dict(base, status="not_assessable",
                    message=f"{scope}: stated parts ({stated}) sum to {s} < total {t}; other parts not stated")
    return dict(base, status="fail" if level == "hard" else "warn",
                message=f"{scope}: total {t}, parts ({stated}) sum to {s}")


def indicator_checks(indicators: list[dict]) -> list[dict]:
    p = _primary(indicators)
    out: list[dict] = []
    for period in ("year", "cumulative"):
        sfx = "" if period == "year" else " (历年累计)"
        get = lambda codes: {c: p[(c, period)] for c in codes if (c, period) in p}  # noqa: E731
        c = _sum_check("pre1", f"requests channels{sfx}", "hard", p.get(("requests_total", period)),
                       get(REQUEST_CHANNELS), REQUEST_CHANNELS)
        c and out.append(c)
        c = _sum_check("pre1", f"proactive channels{sfx}", "soft", p.get(("proactive_total", period)),
                       get(PROACTIVE_CHANNELS), PROACTIVE_CHANNELS)
        c and out.append(c)
        outcomes = OUTCOMES_NATIONAL if any((x, period) in p for x in NATIONAL_ONLY) else OUTCOMES_PROVINCIAL
        c = _sum_check("pre2", f"reply outcomes{sfx}", "hard", p.get(("replies_total", period)), get(outcomes),
                       outcomes)
        c and out.append(c)
    for (code, period), ind in sorted(p.items()):
        if period != "year" or (code, "cumulative") not in p:
            continue
        cum = p[(code, "cumulative")]
        ok = ind["value"] <= cum["value"]
        out.append({"rule": "pre3", "level": "hard", "status": "pass" if ok else "fail", "scope": code,
                    "expected": f"<= {cum['value']}", "found": ind["value"],
                    "message": f"{code}: year {ind['value']} {'≤' if ok else '>'} 历年累计 {cum['value']}"})
    seen = set()
    for ind in indicators:
        key = (ind["code"], ind["period"])
        if key in seen:
            continue
        texts = [i for i in indicators if (i["code"], i["period"]) == key and i["where"] == "text"]
        tables = [i for i in indicators if (i["code"], i["period"]) == key and i["where"] == "table"]
        if not texts or not tables:
            continue
        seen.add(key)
        tv, xv = tables[0]["value"], texts[0]["value"]
        scope = ind["code"] + ("" if ind["period"] == "year" else "_cumulative")
        out.append({"rule": "pre4", "level": "soft", "status": "pass" if tv == xv else "warn", "scope": scope,
                    "expected": xv, "found": tv,
                    "message": (f"{scope}: text and table agree ({tv})" if tv == xv else
                                f"{scope}: text says {xv} ({texts[0]['raw']!r}), table says {tv}")})
    return out
