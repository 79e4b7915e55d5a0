"""The in-memory agency resolution as it was before the plan went on disk (issue 9, branch issue-9n): kept as
a reference, so tests can show that the resolution key by key over the spill file decides the same agencies,
aliases and issues. Not used by the build."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Optional

from normalize.agencies import (SOURCE_TRUST, Agency, Resolution, Sighting, _alias, _contradict, _level,
                                _parent_key)
from normalize.agency_names import base_of, clean_name, is_relative, kind_of, name_key, qualify
from normalize.meta import is_abbreviation, region_of


def resolve_in_memory(sightings: list[Sighting], *, operator: Optional[dict] = None,
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


def agency_rows_in_memory(res: Resolution, ids: dict[str, str], places: dict[str, dict], report_rows: list[dict],
                          province_of_region) -> tuple[list[dict], list[dict]]:
    """Rows of `agencies` and `agency_aliases` from a resolution with its aliases on each Agency (as
    normalize/identity.py made them before)."""
    years: dict[str, list[int]] = defaultdict(list)
    for r in report_rows:
        years[r["agency_id"]].append(r["year"])
    rows, aliases = [], []
    for key in sorted(res.agencies):
        a: Agency = res.agencies[key]
        aid = ids[key]
        place = places.get(key) or {}
        ys = years.get(aid, [])
        distinct = {al["alias"] for al in a.aliases}
        rows.append({
            "agency_id": aid, "name": a.name, "kind": a.kind, "level": a.level, "scope": a.scope,
            "parent_id": ids.get(a.parent_key) if a.parent_key else None,
            "province": place.get("province") or province_of_region(a.region), "city": place.get("city"),
            "county": place.get("county"), "region_code": place.get("region_code"), "region": a.region,
            "reports": len(ys), "first_year": min(ys) if ys else None, "last_year": max(ys) if ys else None,
            "aliases": len(distinct),
        })
        seen = set()
        for al in a.aliases:
            k = (al["alias"], al["source"], al["rule"], al["document_id"], al["site_id"])
            if k in seen:
                continue
            seen.add(k)
            aliases.append(dict(al._asdict(), agency_id=aid))
    return rows, aliases
