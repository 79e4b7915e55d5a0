"""Build crawler/sources.yaml from the researched registry (crawler/portal_registry.csv).

    python -m crawler.build_sources            # rewrite crawler/sources.yaml

Each CSV row becomes a registry row: id, agency, level, region, family, entry URLs, encoding
override, enabled flag with reason, expected minimum reports, and the evidence URL. Rows whose
CMS family has no module are read by the generic spider; a row is switched off in data (enabled: false
with a disabled_reason a person can check), never in code.
"""
from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from .registry import FAMILIES, dump

HERE = Path(__file__).parent
FAMILY_RULES = [  # (regex on the researched `cms` label, family)
    (r"^trs-wcm", "trs-wcm"),
    (r"^hanweb-jcms", "hanweb-jcms"),
    (r"^hanweb-jpaas", "hanweb-jpaas"),
    (r"^gd-gkmlpt|gd-intensive \+ gd-gkmlpt", "gd-gkmlpt"),
    (r"^govcn-search-json|ucap|kaipu", "ucap"),
    (r"^(ah-public-platform|sc-public-column|ah-OpennessAnnualReport)", "province-platform"),
]
# hosts whose pages a row's entry lists although they are not the entry's host
EXTRA_HOSTS = [(r"^govcn-search-json", ["www.gov.cn"])]  # the gov.cn search API lists www.gov.cn pages
BLOCK_HINTS = {"412": "412 瑞数 challenge reported by research", "slider": "slider challenge reported by research",
               "UA-strict WAF": "WAF reported by research"}


def family_of(cms: str) -> str:
    for rx, fam in FAMILY_RULES:
        if re.search(rx, cms):
            return fam
    return re.split(r"[ ;(]", cms.strip())[0] or "unknown"


def level_of(row: dict) -> str:
    name = row["name"]
    if row["level"] == "county" and re.search(r"(镇|乡|街道)", name.split(" ")[0]):
        return "township"
    return row["level"]


def agency_of(name: str) -> str:
    return re.split(r"\s+", name.strip())[0]


def site_id(row: dict) -> str:
    host = urlsplit(row["url"]).hostname or "site"
    host = re.sub(r"^(www|zwgk|xxgk)\.", "", host).replace(".gov.cn", "").replace(".", "-")
    return f"{host}-{hashlib.sha1(row['url'].encode()).hexdigest()[:6]}"


def convert(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        fam = family_of(r["cms"])
        enabled, reason = True, None  # every family is read: its module's spider, else the generic spider
        notes = [why for hint, why in BLOCK_HINTS.items() if hint in r["cms"]]
        if fam not in FAMILIES:
            notes.append(f"read by the generic spider (no module for {fam!r})")
        if "not derivable" in r["cms"]:
            notes.append("list URL not derivable: the generic spider starts from the host or tree and "
                         "finds the 年报 column by link text")
        row = {
            "id": site_id(r), "name": r["name"], "agency": agency_of(r["name"]), "level": level_of(r),
            "region": r["region"], "family": fam, "entry_urls": [r["url"]],
            "encoding": "gb18030" if "gbk" in r["cms"].lower() or "gb2312" in r["cms"].lower() else None,
            "enabled": enabled, "disabled_reason": reason, "expected_min_reports": 1,
            "evidence": r["evidence_url"], "cms_note": r["cms"],
        }
        if notes:
            row["notes"] = "; ".join(notes)
        for rx, hosts in EXTRA_HOSTS:
            if re.search(rx, r["cms"]):
                row["hosts"] = hosts
        out.append(row)
    return out


def main() -> None:
    with open(HERE / "portal_registry.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    dump(convert(rows), HERE / "sources.yaml")
    print(f"wrote {HERE / 'sources.yaml'} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
