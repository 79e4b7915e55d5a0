"""Agencies as entities: resolve the agency names of a corpus of reports into agencies with stable ids.

Input: one `Sighting` per crawl item (a report page with its attachments): the name the report prints
(cleaned by `agency_names.clean_name` in `meta.extract_meta`), where it came from, the year, the site
and its registry row. Output (`resolve`): for each sighting the agency key, the agencies with their
aliases, kind, level, scope, region and parent, and the issue rows for merges the rules cannot decide.
The build resolves over a `sightings` table of its spill file (`resolve_stored`: one key's sightings in
memory at a time, aliases and issues written to tables); `resolve` runs the same code over a list.

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
import sqlite3
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple, Optional

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
    aliases: list = field(default_factory=list)  # Alias (filled by `resolve`; `resolve_stored` writes them to a table)


class Alias(NamedTuple):
    """One spelling of an agency where it was seen (a row of `agency_aliases`), on `Agency.aliases` of what
    `resolve` returns (the build keeps them as rows of `agency_alias_rows` instead, issue 9). Read like the
    dict it replaces (al["alias"]); `_asdict()` gives that dict."""
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
    key_of: Optional[dict]  # sighting.item -> agency key (`resolve`; in the `sightings` table for `resolve_stored`)
    agencies: dict  # key -> Agency
    issues: Optional[list]  # dicts: item, level, rule, message (`resolve`; `stored_issues` for `resolve_stored`)


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


# The resolution runs over a `sightings` table (one row per crawl item; the build's spill file, issue 9) in
# passes: the key of each sighting a chunk at a time (rules 1-3), then the rules that compare sightings one
# key at a time over rows read back ORDER BY key (rule 4 by the key before it, rule 6 and the canonical name
# by the final key). Memory: one key's rows at a time and one `Agency` per agency; aliases and issues are
# rows of `agency_alias_rows` / `agency_issues`.
TABLES = """
CREATE TABLE IF NOT EXISTS sightings (
    n INTEGER PRIMARY KEY,  -- the crawl item's number (input order)
    item TEXT, name TEXT, year INTEGER, source TEXT, scope TEXT, site_id TEXT, site_region TEXT,
    publisher TEXT, document_id TEXT, url TEXT, printed TEXT,
    rname TEXT, key0 TEXT, key TEXT, rule TEXT,  -- resolved name, key before and after rule 4, rule
    aid TEXT, rid TEXT);  -- agency id and report id (set by the build's plan)
CREATE TABLE IF NOT EXISTS agency_alias_rows (
    agency_key TEXT, ord INTEGER, alias TEXT, key TEXT, source TEXT, rule TEXT, document_id TEXT, site_id TEXT,
    url TEXT);
CREATE TABLE IF NOT EXISTS agency_issues (phase INTEGER, a, b INTEGER, n INTEGER, level TEXT, rule TEXT, message TEXT);
"""
SIGHTING_COLUMNS = ("n", "item", "name", "year", "source", "scope", "site_id", "site_region", "publisher",
                    "document_id", "url", "printed")
CHUNK = 5_000
REGISTRY_ORD = 1 << 40  # registry aliases come after every sighting's


def create_tables(conn: sqlite3.Connection) -> None:
    conn.executescript(TABLES)


def add_sightings(conn: sqlite3.Connection, sightings: Iterable[tuple[int, Sighting]]) -> None:
    """Rows of `sightings`: (n, sighting) with n the crawl item's number (increasing in input order)."""
    conn.executemany(f"INSERT INTO sightings ({', '.join(SIGHTING_COLUMNS)}) VALUES ({', '.join('?' * len(SIGHTING_COLUMNS))})",
                     ((n, s.item, s.name, s.year, s.source, s.scope, s.site_id, s.site_region, s.publisher,
                       s.document_id, s.url, s.printed) for n, s in sightings))


def resolve(sightings: list[Sighting], *, operator: Optional[dict] = None,
            registry: Optional[list[dict]] = None) -> Resolution:
    """Agencies of a list of sightings (`resolve_stored` over a temporary table): with `key_of`, each
    agency's `aliases` and the issues as dicts."""
    conn = sqlite3.connect("")  # a private temporary file, deleted when closed
    try:
        create_tables(conn)
        add_sightings(conn, enumerate(sightings))
        res = resolve_stored(conn, lambda n: sightings[n].cells, operator=operator, registry=registry)
        res.key_of = dict(conn.execute("SELECT item, key FROM sightings ORDER BY n"))
        for key, *al in conn.execute("SELECT agency_key, alias, key, source, rule, document_id, site_id, url "
                                     "FROM agency_alias_rows ORDER BY agency_key, ord"):
            res.agencies[key].aliases.append(_alias(*al))
        res.issues = [{"item": item, "level": level, "rule": rule, "message": message}
                      for _, item, level, rule, message in stored_issues(conn)]
        return res
    finally:
        conn.close()


def stored_issues(conn: sqlite3.Connection) -> Iterator[tuple]:
    """(n, item, level, rule, message) of the resolution's issues, in the order the rules make them."""
    cur = conn.execute("SELECT i.n, s.item, i.level, i.rule, i.message FROM agency_issues i JOIN sightings s USING (n) "
                       "ORDER BY i.phase, i.a, i.b")
    while rows := cur.fetchmany(1_000):
        yield from rows


def _keys_pass(conn: sqlite3.Connection, operator: dict) -> None:
    """Rules 1-3: the resolved name, key and rule of every sighting, a chunk at a time."""
    merges = operator.get("merge") or []
    keep_apart = set(operator.get("keep_apart") or [])
    last = -1
    while rows := conn.execute("SELECT n, name, scope, site_id, site_region, publisher FROM sightings WHERE n > ? "
                               "ORDER BY n LIMIT ?", (last, CHUNK)).fetchall():
        out = []
        for n, name0, scope, site_id, site_region, publisher in rows:
            name, rule = name0, "same_key"
            op = next((m for m in merges if m["alias"] == name and (not m.get("site") or m.get("site") == site_id)), None)
            if op:
                name, rule = str(op["agency"]), "operator_alias"
            elif is_relative(name):
                full = clean_name(publisher)
                if full and full != name and is_abbreviation(name, full):
                    name, rule = full, "abbreviation_of_publisher"
                else:
                    q = qualify(name, site_region)
                    if q:
                        name, rule = q, "relative_to_site_region"
                    else:
                        rule = "relative_to_site"
            key = name_key(name, scope)
            if rule == "relative_to_site" or name0 in keep_apart:
                key = f"{key}@{site_id or ''}" if rule == "relative_to_site" else f"{key}!{name0}"
            out.append((name, key, key, rule, n))
        conn.executemany("UPDATE sightings SET rname = ?, key0 = ?, key = ?, rule = ? WHERE n = ?", out)
        last = rows[-1][0]


def _spellings_pass(conn: sqlite3.Connection, cells_of: Callable[[int], Mapping], issues: list) -> None:
    """Rule 4: one key, two spellings, contradicting reports of one year -> the rarer spelling stays apart."""
    conn.execute("CREATE INDEX IF NOT EXISTS sightings_key0 ON sightings (key0, n)")
    multi = conn.execute("SELECT key0, min(n) FROM sightings GROUP BY key0 HAVING count(DISTINCT rname) > 1").fetchall()
    for key, first in multi:
        rows = conn.execute("SELECT n, rname, year FROM sightings WHERE key0 = ? ORDER BY n", (key,)).fetchall()
        spellings = Counter(r[1] for r in rows)
        ranked = sorted(spellings, key=lambda n: (-spellings[n], len(n), n))
        main = ranked[0]
        for pos, other in enumerate(ranked[1:]):
            clash = next(((i, j) for i in rows if i[1] == other for j in rows
                          if j[1] == main and j[2] == i[2] and _contradict(cells_of(i[0]), cells_of(j[0]))), None)
            if clash:
                conn.execute("UPDATE sightings SET key = ? WHERE key0 = ? AND rname = ?", (f"{key}!{other}", key, other))
                issues.append((1, first, pos, clash[0][0], "warning", "agency_merge_undecided",
                               f"「{other}」 and 「{main}」 are spellings of one agency by the rules, but their "
                               f"{clash[0][2]} reports print different numbers: kept apart (decide in "
                               f"normalize/aliases.yaml)"))


class _Row(NamedTuple):
    n: int
    item: str
    name: str
    year: Optional[int]
    source: str
    scope: str
    site_id: Optional[str]
    document_id: Optional[str]
    url: Optional[str]
    printed: Optional[str]
    rname: str
    rule: str
    key: str


def _by_key(conn: sqlite3.Connection) -> Iterator[tuple[str, list[_Row]]]:
    """(key, its sightings ORDER BY year, n), key by key in key order."""
    conn.execute("CREATE INDEX IF NOT EXISTS sightings_key ON sightings (key, year, n)")
    cur = conn.execute("SELECT n, item, name, year, source, scope, site_id, document_id, url, printed, rname, rule, key "
                       "FROM sightings ORDER BY key, year, n")
    key, group = None, []
    while rows := cur.fetchmany(CHUNK):
        for r in map(_Row._make, rows):
            if r.key != key:
                if group:
                    yield key, group
                key, group = r.key, []
            group.append(r)
    if group:
        yield key, group


def resolve_stored(conn: sqlite3.Connection, cells_of: Callable[[int], Mapping], *, operator: Optional[dict] = None,
                   registry: Optional[list[dict]] = None) -> Resolution:
    """Agencies of the rows of `sightings` (filled by `add_sightings`): sets each row's `key`, writes the
    aliases to `agency_alias_rows` and the issues to `agency_issues` (`stored_issues`); returns the agencies
    (key_of and issues are None: read them from the tables). `cells_of(n)`: the printed cells of the
    sighting n, for the contradiction checks. `registry`: rows with id, agency, region, level (their
    agencies become aliases (source `site`) or agencies of their own, so that parents can point at them)."""
    operator = operator or {"merge": [], "keep_apart": []}
    registry = registry or []
    issues: list[tuple] = []  # (phase, a, b, n, level, rule, message) of rules 4 and 5
    _keys_pass(conn, operator)
    _spellings_pass(conn, cells_of, issues)

    agencies: dict[str, Agency] = {}
    first_n: dict[str, int] = {}
    first_item: dict[str, str] = {}
    years: dict[str, set] = {}
    aliases: list[tuple] = []
    copies = 0
    for key, group in _by_key(conn):
        # rule 6: one spelling, one year, two crawl items that print different numbers: kept as one report
        # (a corrected re-publication at a new URL is common), but said, since two agencies may share a
        # title on one site
        for year, same in groupby(group, key=attrgetter("year")):
            same = list(same)
            if len(same) < 2:
                continue
            clash = next(((x, y) for i, x in enumerate(same) for y in same[i + 1:]
                          if _contradict(cells_of(x.n), cells_of(y.n))), None)
            if clash:
                copies += 1
                conn.execute("INSERT INTO agency_issues VALUES (2, ?, 0, ?, ?, ?, ?)", (
                    copies, clash[1].n, "warning", "report_copies_disagree",
                    f"{clash[0].url} and {clash[1].url} are one report of 「{clash[0].name}」 {year} by name but "
                    f"print different numbers: the primary document is chosen by rule; if they are two agencies, "
                    f"say so in normalize/aliases.yaml"))
        group.sort(key=attrgetter("n"))
        s0 = group[0]
        a = Agency(key=key, name=s0.rname, kind=kind_of(s0.rname), level=None, scope=s0.scope, region=None)
        names: Counter = Counter()
        trust: dict[str, int] = {}
        for s in group:
            if s.site_id and s.site_id not in a.site_ids:
                a.site_ids.append(s.site_id)
            aliases.append((key, 2 * s.n, s.name, name_key(s.name, s.scope), s.source, s.rule, s.document_id,
                            s.site_id, s.url))
            if s.printed and s.printed != s.name:  # the title's short name, expanded by the page or the registry
                aliases.append((key, 2 * s.n + 1, s.printed, name_key(s.printed, s.scope), "title",
                                f"abbreviation_of_{'site_agency' if s.source == 'site' else 'publisher'}",
                                s.document_id, s.site_id, s.url))
            names[s.rname] += 1
            trust[s.rname] = min(trust.get(s.rname, 9), SOURCE_TRUST.get(s.source, 9))
        # canonical name: the spelling printed most often, then the most trusted source, the longest, lexical
        a.name = sorted(names, key=lambda n: (-names[n], trust[n], -len(n), n))[0]
        a.kind = kind_of(a.name)
        agencies[key] = a
        first_n[key], first_item[key] = s0.n, s0.item
        years[key] = {s.year for s in group}
        if len(aliases) >= CHUNK:
            _insert_aliases(conn, aliases)
    _insert_aliases(conn, aliases)
    agencies = dict(sorted(agencies.items(), key=lambda kv: first_n[kv[0]]))  # in order of first sighting

    # registry agencies: aliases of an agency with their key, else agencies of their own (parents)
    for i, row in enumerate(registry):
        nm = clean_name(row.get("agency"))
        if not nm:
            continue
        key = name_key(nm)
        a = agencies.get(key)
        if a is None:
            a = agencies[key] = Agency(key=key, name=nm, kind=kind_of(nm), level=None, scope="own", region=None)
        if row.get("id") and row["id"] not in a.site_ids:
            a.site_ids.append(row["id"])
        aliases.append((key, REGISTRY_ORD + i, nm, key, "site", "registry_row", None, row.get("id"), None))
    _insert_aliases(conn, aliases)

    # rule 5: abbreviations of another agency of the same site are reported, never merged
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
                issues.append((3, len(issues), 0, first_n[key], "warning", "agency_merge_undecided",
                               f"「{a.name}」 may abbreviate 「{b.name}」 (same site, no common year): not "
                               f"merged (merge it in normalize/aliases.yaml if they are one agency)"))
    conn.executemany("INSERT INTO agency_issues VALUES (?, ?, ?, ?, ?, ?, ?)", issues)
    del years, first_item

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
    return Resolution(key_of=None, agencies=agencies, issues=None)


def _insert_aliases(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    conn.executemany("INSERT INTO agency_alias_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    rows.clear()


def alias_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    """(agency key, alias, key, source, rule, document_id, site_id, url) of every agency, ordered by agency
    key, then where first seen; one row per (alias, source, rule, document_id, site_id) of an agency."""
    cur = conn.execute("SELECT agency_key, alias, key, source, rule, document_id, site_id, url, min(ord) "
                       "FROM agency_alias_rows GROUP BY agency_key, alias, source, rule, document_id, site_id "
                       "ORDER BY agency_key, min(ord)")
    while rows := cur.fetchmany(CHUNK):
        for r in rows:
            yield r[:8]


def alias_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """agency key -> number of distinct alias spellings."""
    return dict(conn.execute("SELECT agency_key, count(DISTINCT alias) FROM agency_alias_rows GROUP BY agency_key"))


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
