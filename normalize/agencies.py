"""Agencies as entities: resolve the agency names of a corpus of reports into agencies with stable ids.

Input: one `Sighting` per crawl item (a report page with its attachments): the name the report prints
(cleaned by `agency_names.clean_name` in `meta.extract_meta`), where it came from, the year, the site
and its registry row. Output (`resolve`): for each sighting the agency key, the agencies with their
aliases, kind, level, scope, region and parent, and the issue rows for merges the rules cannot decide.

Rules, in order (docs/NOTES.md "Agencies"):
1. operator file (`normalize/aliases.yaml`): `merge` an alias into a named agency, `keep_apart` names;
2. a name relative to its site (区数据局, 市教育局) is qualified by the page's publisher when that is the
   full name of the same agency, else by the place of the site's region of the same kind (市 -> 青屿市);
   when neither can, the name stays tied to its site (two sites' 区数据局 are never merged);
3. `agency_names.name_key`: regular alias forms share a key (管委会 / 管理委员会 / 党工委管委会,
   人民政府 present or not, 办公室 / 办公厅, widths, spacing); an area summary (全区汇总) has its own key;
4. two spellings with one key are merged only when their reports of the same year do not contradict
   each other (a common printed cell with different values): otherwise the less common spelling stays
   a separate agency and an `agency_merge_undecided` issue is recorded;
5. a name that abbreviates another agency of its site (市数据局 / 青屿市大数据管理局) in years where they
   do not both report is NOT merged: it is recorded as `agency_merge_undecided` for the operator file;
6. one spelling, one year, two crawl items that print different numbers stay one report (a corrected
   re-publication at a new URL is common) with a `report_copies_disagree` issue.

The agency id is `<GB/T 2260 code of the key's place at a fixed reference year, or 000000>-<sha1 of
the key>[:10]`: a function of the key alone, so it survives rebuilds and new spellings.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple, Optional

from .agency_names import base_of, clean_name, is_relative, kind_of, level_of_place, name_key, qualify
from .meta import is_abbreviation, region_of

REFERENCE_YEAR = 2024  # region codes of agency ids are looked up for this year (a fixed year: stable ids)
SOURCE_TRUST = {"operator": 0, "site": 1, "publisher": 2, "channel": 2, "title": 3, "body_title": 4, "signature": 5}
DEFAULT_ALIASES = Path(__file__).with_name("aliases.yaml")


@dataclass(slots=True)
class Sighting:
    item: str  # crawl item key (report page URL)
    name: str  # agency name of the parse (cleaned; a title abbreviation already expanded by its context)
    year: Optional[int]
    source: str = "title"  # title, body_title, signature, publisher, site
    scope: str = "own"
    site_id: Optional[str] = None
    site_region: Optional[str] = None
    site_agency: Optional[str] = None
    site_level: Optional[str] = None
    publisher: Optional[str] = None
    document_id: Optional[str] = None
    url: Optional[str] = None
    cells: dict = field(default_factory=dict)  # (tbl, row, col) -> value, for the contradiction check
    printed: Optional[str] = None  # the name as the title printed it, when context expanded it (区数据局)


@dataclass
class Agency:
    key: str
    name: str
    kind: str
    level: Optional[str]
    scope: str
    region: Optional[str]
    parent_key: Optional[str] = None
    site_ids: list = field(default_factory=list)
    aliases: list = field(default_factory=list)  # Alias: alias, key, source, rule, document_id, site_id, url


class Alias(NamedTuple):
    """One spelling of an agency where it was seen (a row of `agency_aliases`): a tuple, since a build keeps
    one per crawl item of the corpus until the agency tables are written (issue 9). Read like the dict
    it replaces (al["alias"]); `_asdict()` gives that dict."""
    alias: str
    key: str
    source: str
    rule: str
    document_id: Optional[str]
    site_id: Optional[str]
    url: Optional[str]

    def __getitem__(self, k):
        return getattr(self, k) if type(k) is str else tuple.__getitem__(self, k)


def _alias(alias: str, key: str, source: str, rule: str, document_id, site_id, url) -> Alias:
    """An Alias with the strings many crawl items share (names, keys, sources, rules, sites) interned."""
    i = sys.intern
    return Alias(i(alias), i(key), i(source), i(rule), document_id, i(site_id) if site_id else site_id, url)


@dataclass
class Resolution:
    key_of: dict  # sighting.item -> agency key
    agencies: dict  # key -> Agency
    issues: list  # dicts: item, level, rule, message


def load_operator_file(path: Optional[str | Path] = None) -> dict:
    """{'merge': [{alias, agency, site?}], 'keep_apart': [name, ...]} from the operator's YAML file
    (`path`, else $OGI_ALIASES, else normalize/aliases.yaml)."""
    import yaml

    p = Path(path or os.environ.get("OGI_ALIASES") or DEFAULT_ALIASES)
    if not p.exists():
        return {"merge": [], "keep_apart": []}
    data = yaml.safe_load(p.read_text("utf-8")) or {}
    merges = [m for m in (data.get("merge") or []) if isinstance(m, dict) and m.get("alias") and m.get("agency")]
    return {"merge": merges, "keep_apart": [str(x) for x in (data.get("keep_apart") or [])]}


def _contradict(a: dict, b: dict) -> bool:
    common = set(a) & set(b)
    return any(a[k] is not None and b[k] is not None and abs(float(a[k]) - float(b[k])) > 1e-9 for k in common)


def resolve(sightings: list[Sighting], *, operator: Optional[dict] = None,
            registry: Optional[list[dict]] = None) -> Resolution:
    """Agencies of a corpus. `registry`: rows with id, agency, region, level (their agencies become
    aliases (source `site`) or agencies of their own, so that parents can point at them)."""
    operator = operator or {"merge": [], "keep_apart": []}
    registry = registry or []
    keep_apart = set(operator.get("keep_apart") or [])
    issues: list[dict] = []
    key_of: dict[str, str] = {}
    seen: list[tuple[Sighting, str, str, str]] = []  # (sighting, resolved name, key, rule)

    for s in sightings:
        name, rule = s.name, "same_key"
        op = next((m for m in operator.get("merge") or [] if m["alias"] == name
                   and (not m.get("site") or m.get("site") == s.site_id)), None)
        if op:
            name, rule = str(op["agency"]), "operator_alias"
        elif is_relative(name):
            full = clean_name(s.publisher)
            if full and full != name and is_abbreviation(name, full):
                name, rule = full, "abbreviation_of_publisher"
            else:
                q = qualify(name, s.site_region)
                if q:
                    name, rule = q, "relative_to_site_region"
                else:
                    rule = "relative_to_site"
        key = name_key(name, s.scope)
        if rule == "relative_to_site" or s.name in keep_apart:
            key = f"{key}@{s.site_id or ''}" if rule == "relative_to_site" else f"{key}!{s.name}"
        seen.append((s, name, key, rule))

    # rule 4: one key, two spellings, contradicting reports of one year -> the rarer spelling stays apart
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, (_, _, key, _) in enumerate(seen):
        by_key[key].append(i)
    for key, idx in by_key.items():
        spellings = Counter(seen[i][1] for i in idx)
        if len(spellings) < 2:
            continue
        ranked = sorted(spellings, key=lambda n: (-spellings[n], len(n), n))
        main = ranked[0]
        for other in ranked[1:]:
            clash = None
            for i in idx:
                if seen[i][1] != other:
                    continue
                for j in idx:
                    if seen[j][1] == main and seen[j][0].year == seen[i][0].year and _contradict(seen[i][0].cells, seen[j][0].cells):
                        clash = (i, j)
                        break
                if clash:
                    break
            if clash:
                i, j = clash
                for k in idx:
                    if seen[k][1] == other:
                        s, n, _, r = seen[k]
                        seen[k] = (s, n, f"{key}!{other}", r)
                issues.append({"item": seen[i][0].item, "level": "warning", "rule": "agency_merge_undecided",
                               "message": f"「{other}」 and 「{main}」 are spellings of one agency by the rules, but their "
                                          f"{seen[i][0].year} reports print different numbers: kept apart (decide in "
                                          f"normalize/aliases.yaml)"})

    # one spelling, one year, two crawl items that print different numbers: kept as one report (a corrected
    # re-publication at a new URL is common), but said, since two agencies may share a title on one site
    by_key_year: dict[tuple[str, Optional[int]], list[Sighting]] = defaultdict(list)
    for s, _, key, _ in seen:
        by_key_year[(key, s.year)].append(s)
    for (key, year), group in sorted(by_key_year.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        clash = next(((x, y) for i, x in enumerate(group) for y in group[i + 1:] if _contradict(x.cells, y.cells)), None)
        if clash:
            issues.append({"item": clash[1].item, "level": "warning", "rule": "report_copies_disagree",
                           "message": f"{clash[0].url} and {clash[1].url} are one report of 「{clash[0].name}」 {year} by "
                                      f"name but print different numbers: the primary document is chosen by rule; if "
                                      f"they are two agencies, say so in normalize/aliases.yaml"})

    agencies: dict[str, Agency] = {}
    members: dict[str, list[tuple[Sighting, str]]] = defaultdict(list)
    for s, name, key, rule in seen:
        key_of[s.item] = key
        members[key].append((s, name))
        a = agencies.get(key)
        if a is None:
            a = agencies[key] = Agency(key=key, name=name, kind=kind_of(name), level=None, scope=s.scope,
                                       region=None)
        if s.site_id and s.site_id not in a.site_ids:
            a.site_ids.append(s.site_id)
        a.aliases.append(_alias(s.name, name_key(s.name, s.scope), s.source, rule, s.document_id, s.site_id, s.url))
        if s.printed and s.printed != s.name:  # the title's short name, expanded by the page or the registry
            a.aliases.append(_alias(s.printed, name_key(s.printed, s.scope), "title",
                                    f"abbreviation_of_{'site_agency' if s.source == 'site' else 'publisher'}",
                                    s.document_id, s.site_id, s.url))

    # canonical name: the spelling printed most often, then the most trusted source, the longest, lexical
    for key, a in agencies.items():
        names: Counter = Counter()
        trust: dict[str, int] = {}
        for s, name in members[key]:
            names[name] += 1
            trust[name] = min(trust.get(name, 9), SOURCE_TRUST.get(s.source, 9))
        a.name = sorted(names, key=lambda n: (-names[n], trust[n], -len(n), n))[0]
        a.kind = kind_of(a.name)

    # registry agencies: aliases of an agency with their key, else agencies of their own (parents)
    for row in registry:
        nm = clean_name(row.get("agency"))
        if not nm:
            continue
        key = name_key(nm)
        a = agencies.get(key)
        if a is None:
            a = agencies[key] = Agency(key=key, name=nm, kind=kind_of(nm), level=None, scope="own", region=None)
        if row.get("id") and row["id"] not in a.site_ids:
            a.site_ids.append(row["id"])
        a.aliases.append(_alias(nm, key, "site", "registry_row", None, row.get("id"), None))

    # rule 5: abbreviations of another agency of the same site are reported, never merged
    years = {key: {s.year for s, _ in m} for key, m in members.items()}
    by_site: dict[str, list[str]] = defaultdict(list)
    for key, a in agencies.items():
        if a.kind == "department":
            for sid in a.site_ids:
                by_site[sid].append(key)
    reported = set()
    for sid in sorted(by_site):
        keys = by_site[sid]
        for key in keys:
            if not years.get(key):
                continue
            for other in keys:
                a, b = agencies[key], agencies[other]
                if other == key or (key, other) in reported or not is_abbreviation(a.name, b.name):
                    continue
                if years[key] & years.get(other, set()):
                    continue  # both report in one year: two agencies
                reported.add((key, other))
                issues.append({"item": members[key][0][0].item, "level": "warning", "rule": "agency_merge_undecided",
                               "message": f"「{a.name}」 may abbreviate 「{b.name}」 (same site, no common year): not "
                                          f"merged (merge it in normalize/aliases.yaml if they are one agency)"})

    sites = {r.get("id"): r for r in registry}
    for key, a in agencies.items():
        base, gov = base_of(a.name)
        site = next((sites[i] for i in a.site_ids if i in sites), {})
        a.region = region_of(base) or site.get("region")
        a.level = _level(a, base, gov, site)
        a.parent_key = _parent_key(a, key, base, gov, agencies, site)
    for a in agencies.values():  # a department works at the level of the government it belongs to
        if a.kind == "department" and a.parent_key and a.level != "national":
            a.level = agencies[a.parent_key].level or a.level
    return Resolution(key_of=key_of, agencies=agencies, issues=issues)


def _level(a: Agency, base: str, gov: bool, site: dict) -> Optional[str]:
    if re.match(r"^(国务院|中华人民共和国|国家|中国)", a.name) and not a.name.endswith("人民政府"):
        return "national"
    place = region_of(base)
    if gov and a.kind == "development_zone":
        outer = region_of(base)
        lvl = level_of_place(outer) if outer and outer != base else None
        return {"province": "city", "city": "county"}.get(lvl or "", site.get("level") if site.get("level") != "department" else None)
    lvl = level_of_place(place)
    if lvl:
        return lvl
    sl = site.get("level")
    return sl if sl and sl != "department" else None


def _parent_key(a: Agency, key: str, base: str, gov: bool, agencies: dict, site: dict) -> Optional[str]:
    if a.scope == "area_summary":
        own = key.replace("#area", "")
        return own if own in agencies else None
    place = region_of(base) or ""
    if gov:  # a government's parent: the government of the place around it (江源县城关镇 -> 江源县)
        from .meta import PLACE

        parts = [m.group(0) for m in PLACE.finditer(place)]
        outer = "".join(parts[:-1]) if len(parts) > 1 and "".join(parts) == place else ""
        cand = name_key(outer) if outer else None
    else:
        cand = name_key(place) if place else None
    if cand and cand in agencies and cand != key:
        return cand
    site_agency = clean_name(site.get("agency"))
    inside = not place or (site.get("region") and place[:2] in re.sub(r"\s+", "", site.get("region") or ""))
    if site_agency and inside:  # the site's agency, for an agency of the site's own area
        sk = name_key(site_agency)
        if sk != key and sk in agencies and agencies[sk].kind in ("government", "development_zone", "township"):
            return sk
    return None


def agency_ids(agencies: dict, codes: Callable[[list[str]], list[Optional[str]]]) -> dict[str, str]:
    """key -> agency_id; `codes` maps base names to GB/T 2260 codes at REFERENCE_YEAR (or None)."""
    keys = sorted(agencies)
    bases = [re.split(r"[#@!]", k)[0] for k in keys]
    out = {}
    for k, code in zip(keys, codes(bases)):
        out[k] = f"{code or '000000'}-{hashlib.sha1(k.encode('utf-8')).hexdigest()[:10]}"
    return out
