"""The registry's schema (pydantic, strict): what a row of crawler/sources.yaml must look like.

Strict types: ``enabled: "no"`` is not a boolean, ``hosts: www.x.gov.cn`` is not a list, ``expected_min_reports:
"3"`` is not an integer — each is refused with its row, its field and what was found, instead of being
read as something else (a non-empty string is true: the row would be crawled). Keys beyond the standard ones
are allowed (family options, see crawler/spiders/base.py). `problems` returns one line per problem;
`read_rows` turns an unreadable file (missing, empty, YAML error, not a list) into one line as well.
"""
from __future__ import annotations

import codecs
from pathlib import Path
from typing import Literal, Optional
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# families with a module of their own; any other family label is read by the generic spider
FAMILIES = ("trs-wcm", "hanweb-jcms", "gd-gkmlpt", "ucap", "province-platform", "hanweb-jpaas", "generic")
LEVELS = ("national", "province", "city", "county", "township", "department")


class RegistryError(ValueError):
    pass


def _http_url(u: str) -> str:
    parts = urlsplit(u)
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"bad port in {u!r} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{u!r} is not an http(s) URL with a host")
    if port == 0:
        raise ValueError(f"bad port in {u!r}")
    return u


class Site(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(min_length=1)
    family: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")  # a lower-case label (unknown ones: the generic spider)
    entry_urls: list[str] = Field(min_length=1)
    agency: Optional[str] = None
    level: Optional[Literal[LEVELS]] = None
    region: Optional[str] = None
    encoding: Optional[str] = None
    enabled: bool = True
    disabled_reason: Optional[str] = None
    expected_min_reports: int = Field(default=1, ge=0)
    hosts: Optional[list[str]] = None
    force_http: Optional[bool] = None
    evidence: Optional[str] = None
    cms_note: Optional[str] = None

    @field_validator("entry_urls")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        return [_http_url(u) for u in v]

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, v: Optional[list[str]]) -> Optional[list[str]]:
        for h in v or []:
            if not h or "/" in h or ":" in h or " " in h:
                raise ValueError(f"{h!r} is not a host name")
        return v

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, v: Optional[str]) -> Optional[str]:
        if v is not None:
            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(f"unknown encoding {v!r} (use a Python codec name such as gb18030 or utf-8)") from None
        return v

    @model_validator(mode="after")
    def _enabled_rows(self) -> "Site":
        if not self.enabled and not self.disabled_reason:
            raise ValueError("disabled without disabled_reason")
        return self


def _describe(err: dict) -> str:
    where = ".".join(str(x) for x in err.get("loc") or ()) or "row"
    msg = err.get("msg", "invalid").removeprefix("Value error, ")
    if err.get("type") == "missing":
        return f"missing {where}"
    found = err.get("input")
    shown = "" if isinstance(found, dict) else f" (found {found!r})"
    return f"{where}: {msg}{shown}"


def problems(rows: object) -> list[str]:
    """One line per problem (empty when the registry is valid)."""
    if not isinstance(rows, list):
        return [f"expected a list of sites, found {type(rows).__name__}"]
    out, seen = [], set()
    for i, r in enumerate(rows):
        rid = r.get("id", "?") if isinstance(r, dict) else "?"
        where = f"row {i + 1} ({rid})"
        if not isinstance(r, dict):
            out.append(f"{where}: expected a mapping of keys, found {type(r).__name__} {r!r}"[:300])
            continue
        try:
            Site.model_validate(r)
        except ValidationError as exc:
            out.extend(f"{where}: {_describe(e)}"[:300] for e in exc.errors())
        if rid in seen:
            out.append(f"{where}: duplicate id")
        seen.add(rid)
    return out


def read_rows(path: Path) -> list:
    """The rows of a registry file; RegistryError (one line) when the file cannot be read as one."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: cannot read the registry ({exc})") from None
    if not text.strip():
        raise RegistryError(f"{path}: the registry is empty (expected 'sites:' and a list of sites)")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RegistryError(f"{path}: YAML error{at}: {problem}") from None
    rows = data.get("sites") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise RegistryError(f"{path}: expected a list of sites under 'sites:', found {type(rows).__name__}")
    return rows
