"""The portal registry: one row per entry point, as data (crawler/sources.yaml).

A broken site is switched off in data (enabled: false, disabled_reason), never in code.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

import yaml

DEFAULT_REGISTRY = Path(__file__).with_name("sources.yaml")
# families with a module of their own; any other family label is read by the generic spider
FAMILIES = ("trs-wcm", "hanweb-jcms", "gd-gkmlpt", "ucap", "province-platform", "hanweb-jpaas", "generic")
LEVELS = ("national", "province", "city", "county", "township", "department")


@dataclass
class Source:
    id: str
    name: str
    agency: Optional[str]
    level: Optional[str]
    region: Optional[str]
    family: str
    entry_urls: list[str]
    encoding: Optional[str] = None
    enabled: bool = True
    disabled_reason: Optional[str] = None
    expected_min_reports: int = 1
    evidence: Optional[str] = None
    cms_note: Optional[str] = None
    extra: dict = field(default_factory=dict)

    @property
    def hosts(self) -> list[str]:
        return sorted({urlsplit(u).hostname or "" for u in self.entry_urls})

    def to_dict(self) -> dict:
        d = asdict(self)
        if not d["extra"]:
            d.pop("extra")
        return d


class RegistryError(ValueError):
    pass


def validate(rows: list[dict]) -> list[str]:
    """Return a list of problems (empty when the registry is valid)."""
    problems = []
    seen = set()
    for i, r in enumerate(rows):
        where = f"row {i + 1} ({r.get('id', '?')})"
        for key in ("id", "name", "family", "entry_urls"):
            if not r.get(key):
                problems.append(f"{where}: missing {key}")
        if r.get("id") in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(r.get("id"))
        fam = r.get("family")
        if fam is not None and not (isinstance(fam, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", fam)):
            problems.append(f"{where}: family {fam!r} is not a lower-case label")  # others: the generic spider
        if not r.get("enabled", True) and not r.get("disabled_reason"):
            problems.append(f"{where}: disabled without disabled_reason")
        if r.get("level") and r["level"] not in LEVELS:
            problems.append(f"{where}: unknown level {r['level']!r}")
        for u in r.get("entry_urls") or []:
            parts = urlsplit(u)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append(f"{where}: bad entry url {u!r}")
        if not isinstance(r.get("expected_min_reports", 1), int) or r.get("expected_min_reports", 1) < 0:
            problems.append(f"{where}: expected_min_reports must be a non-negative integer")
    return problems


def load_rows(path: Path | str | None = None) -> list[dict]:
    path = Path(path or DEFAULT_REGISTRY)
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    rows = data.get("sites", data) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise RegistryError(f"{path}: expected a list of sites under 'sites:'")
    return rows


def load(path: Path | str | None = None, *, strict: bool = True) -> list[Source]:
    rows = load_rows(path)
    problems = validate(rows)
    if problems and strict:
        raise RegistryError("; ".join(problems))
    known = set(Source.__dataclass_fields__)
    out = []
    for r in rows:
        extra = {k: v for k, v in r.items() if k not in known}
        out.append(Source(**{k: v for k, v in r.items() if k in known}, extra=extra) if extra else Source(**{k: v for k, v in r.items() if k in known}))
    return out


def dump(rows: list[dict], path: Path | str) -> None:
    Path(path).write_text(
        yaml.safe_dump({"sites": rows}, allow_unicode=True, sort_keys=False, width=200), "utf-8"
    )
