"""The portal registry: one row per entry point, as data (crawler/sources.yaml).

A broken site is switched off in data (enabled: false, disabled_reason), never in code.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

import yaml

from .registry_schema import FAMILIES, LEVELS, RegistryError, problems, read_rows  # noqa: F401 (re-exported)

DEFAULT_REGISTRY = Path(__file__).with_name("sources.yaml")


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


def validate(rows: list[dict]) -> list[str]:
    """Return a list of problems, one line each (empty when the registry is valid): crawler/registry_schema.py."""
    return problems(rows)


def load_rows(path: Path | str | None = None) -> list[dict]:
    """The rows of a registry file; RegistryError (one line) when it is missing, empty, not YAML or not a list."""
    return read_rows(Path(path or DEFAULT_REGISTRY))


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
