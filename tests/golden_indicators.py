"""Compare parsed pre-2019 indicators with a gold file (shared/dev-reports/pre2019 format).

Gold: {"indicators": {code[_cumulative]: {"value", "raw", "sentence", "where", "unit"?, "also"?: [...],
"conflict"?: {...}}}}. Parsed: the flat `indicators` list of `ogi parse --json`.
"""
from __future__ import annotations

import re

_WS = re.compile(r"\s+")


def _key(code: str) -> tuple[str, str]:
    return (code[: -len("_cumulative")], "cumulative") if code.endswith("_cumulative") else (code, "year")


def _same(g: dict, s: dict, loose: bool = False) -> bool:
    if loose:  # the value is right; where the statement starts and ends is not judged
        return g["value"] == s["value"] and g["where"] == s["where"]
    return (g["value"] == s["value"] and g["where"] == s["where"] and g["raw"] == s["raw"]
            and _WS.sub("", g["sentence"]) == _WS.sub("", s["sentence"])
            and (not g.get("unit") or g["unit"] == s.get("unit")))


def compare(gold: dict, parsed: list[dict], loose: bool = False) -> dict:
    """{"expected", "found", "missing": [...], "extra": [...], "wrong_primary": [...]} over statements."""
    missing, wrong_primary = [], []
    used: set[int] = set()
    expected = 0
    for code, g in gold["indicators"].items():
        key = _key(code)
        mine = [(i, s) for i, s in enumerate(parsed) if (s["code"], s["period"]) == key]
        for n, stmt in enumerate([g] + list(g.get("also") or [])):
            expected += 1
            hit = next((i for i, s in mine if i not in used and _same(stmt, s, loose)), None)
            if hit is None:
                missing.append(f"{code}{' also' if n else ''}: {stmt['value']} {stmt['raw']!r} ({stmt['where']})")
                continue
            used.add(hit)
            if n == 0 and not parsed[hit].get("primary"):
                wrong_primary.append(code)
            if n == 0 and (g.get("conflict") or None) != (parsed[hit].get("conflict") or None):
                wrong_primary.append(f"{code} conflict")
    extra = [f"{s['code']}{'' if s['period'] == 'year' else '_cumulative'}: {s['value']} {s['raw']!r} ({s['where']})"
             for i, s in enumerate(parsed) if i not in used]
    return {"expected": expected, "found": expected - len(missing), "missing": missing, "extra": extra,
            "wrong_primary": wrong_primary}
