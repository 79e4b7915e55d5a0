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
    groups: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(statements):
        groups.setdefault((s.code, s.period), []).append(i)
    out = [dict(as_dict(s), primary=False) for s in statements]
    for idx in groups.values():
        text = [i for i in idx if statements[i].where == "text"]
        table = [i for i in idx if statements[i].where == "table"]
        primary = idx[0]
        if text and table:
            tv, xv = statements[table[0]].value, statements[text[0]].value
            if tv != xv:
                primary = table[0]
                out[primary]["conflict"] = {"table": tv, "text": xv}
            else:
                primary = text[0]
        elif text:
            primary = text[0]
        out[primary]["primary"] = True
    return out
