"""One primary statement per (code, period); the others are kept as `also`.

Rules of the gold files (shared/dev-reports/pre2019/README): a value stated in text and table keeps
the text statement primary and the table one in `also`; when they disagree the table value is
primary, the text one is in `also` and the primary carries `conflict = {"table": x, "text": y}`.
Several statements of one kind: the first in reading order is primary.
"""
from __future__ import annotations

from .prose import Statement

KEYS = ("code", "value", "raw", "sentence", "where", "unit", "period", "family")


def as_dict(s: Statement) -> dict:
    return {k: getattr(s, k) for k in KEYS}


def merge(statements: list[Statement]) -> list[dict]:
    """Flat list in reading order: every statement once, with `primary` and, on a primary, `conflict`."""
    return remerge([as_dict(s) for s in statements])


def remerge(items: list[dict]) -> list[dict]:
    """`merge` over statement dicts (e.g. those of several documents of one report), primaries chosen anew."""
    out = [{k: v for k, v in d.items() if k not in ("primary", "conflict")} | {"primary": False} for d in items]
    groups: dict[tuple[str, str], list[int]] = {}
    for i, d in enumerate(out):
        groups.setdefault((d["code"], d["period"]), []).append(i)
    for idx in groups.values():
        text = [i for i in idx if out[i]["where"] == "text"]
        table = [i for i in idx if out[i]["where"] == "table"]
        primary = idx[0]
        if text and table:
            tv, xv = out[table[0]]["value"], out[text[0]]["value"]
            if tv != xv:
                primary = table[0]
                out[primary]["conflict"] = {"table": tv, "text": xv}
            else:
                primary = text[0]
        elif text:
            primary = text[0]
        out[primary]["primary"] = True
    return out
