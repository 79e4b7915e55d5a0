"""Scenario toggles of the fixture portal (PORTALS.md §8.1 "Scenario toggles", §8.2 F faults).

A scenario chooses which sites exist and how hostile they are. Content does not depend on the
scenario (each site has its own fixed seed), so a report has the same bytes in every scenario where it
is reachable.

- ``default``: every site, the anti-bot hosts, no faults, permissive robots.
- ``hostile``: as default plus every fault kind on chosen pages, the 350-byte TRS stub at
  ``lnnb/index_5.html``, the Hanweb WAF page for requests without ``Accept-Language``, and a
  ``robots.txt`` on the Ucap host that disallows everyone but Baiduspider.
- ``demo``: what ``make demo`` / ``ogi demo`` serves: every content site, no anti-bot hosts, no faults.
- ``web``: the web of governments (ogi/portal/sites/layouts.py, small.py): 西陵省's portal links its cities
  (云岭, 青岚) and departments, the cities link their counties and departments; one site per researched
  layout no module knows (only the generic spider reads them), a JPaaS county, the 江源 platform county,
  a department without a 年报 column. ``expected()["web"]`` lists the sites and 年报 columns
  ``ogi discover`` must find from the province.
- ``demo-day2``: the demo portal one day later (``day=2``), for nightly runs: on 平潭 one report is
  taken down (list entry gone, page and attachment 404), one new report is listed, and one report page
  is revised at the same URL under the same list entry (a 更正 note). Everything else is byte-identical
  to ``demo``; the registry rows are the same. ``expected()["changes"]`` lists the three changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

FAULT_KINDS = ("slow", "flaky", "truncated", "reset", "empty", "soft_404", "redirect_loop")
# faults a bounded retry gets past (slow is not: the page is slower than any sane timeout)
RECOVERABLE = {"flaky"}

CONTENT_SITES = ("qingyu", "pingtan", "donglan", "baishi", "nsa", "jiangyuan", "ptgwh", "pingtan_pre2019")
ANTIBOT_SITES = ("shimen", "jiale", "huaxi", "ningbian", "beishan")
# the web of governments: a province portal linking cities and departments, a city linking its counties
WEB_SITES = ("xiling", "jiangyuan", "yunling", "xlfgw", "xljyt", "shiyan", "mingxi", "linchuan", "webknown",
             # one small site per remaining researched layout (sites/small.py)
             "qinglan", "xlczt", "xljtt", "xlslt", "qinghe", "lanshan", "songxi", "yanghe", "baihe", "taoyuan",
             "heping", "dongcheng", "linxi", "qlscjg", "qltjj")


@dataclass(frozen=True)
class Scenario:
    name: str
    sites: tuple = CONTENT_SITES + ANTIBOT_SITES
    faults: frozenset = frozenset()
    trs_stub: bool = False  # qingyu lnnb/index_5.html is a 350-byte stub
    waf_without_accept_language: bool = False  # donglan answers a WAF page without Accept-Language
    robots_hostile: bool = False  # nsa robots.txt disallows * (Baiduspider allowed)
    slow_seconds: float = 25.0  # the slow fault sleeps this long (> the crawler's 20 s DOWNLOAD_TIMEOUT)
    day: int = 1  # 2: the next day's state of the sites that model one (take-down, new report, revision)
    options: dict = field(default_factory=dict, hash=False, compare=False)


SCENARIOS = {
    "default": Scenario("default"),
    "hostile": Scenario("hostile", faults=frozenset(FAULT_KINDS), trs_stub=True, waf_without_accept_language=True,
                        robots_hostile=True),
    "demo": Scenario("demo", sites=CONTENT_SITES),
    "demo-day2": Scenario("demo-day2", sites=CONTENT_SITES, day=2),
    "web": Scenario("web", sites=WEB_SITES),
}


def get(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
