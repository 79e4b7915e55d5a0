"""The pre-2019 indicator code book (`normalize/codebook_pre2019.csv`): code -> label, unit, group.

Codes are stable: the file is only ever extended by appending rows. The 历年累计 column of a
statistics table is the same code with period 'cumulative' (the gold files write `<code>_cumulative`).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Code:
    code: str
    label_zh: str
    label_en: str
    unit: str
    group: str
    note: str
    order: int


@lru_cache(maxsize=1)
def load() -> dict[str, Code]:
    text = resources.files("normalize").joinpath("codebook_pre2019.csv").read_text(encoding="utf-8")
    out: dict[str, Code] = {}
    for i, r in enumerate(csv.DictReader(io.StringIO(text))):
        if r["code"] in out:
            raise ValueError(f"codebook_pre2019.csv: duplicate code {r['code']}")
        out[r["code"]] = Code(r["code"], r["label_zh"], r["label_en"], r["unit"], r["group"], r["note"] or "", i)
    return out


def rows() -> list[dict]:
    """The code book as database rows."""
    return [{"code": c.code, "label_zh": c.label_zh, "label_en": c.label_en, "unit": c.unit or None,
             "grp": c.group, "note": c.note or None, "ordinal": c.order} for c in load().values()]
