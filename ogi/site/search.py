"""Chinese search of any length over `passages_grams` (one FTS5 token per character).

Every query term becomes a phrase of its characters ("复议" → "复 议"), so 1-, 2- and 3+-character
queries all match exactly where the characters are adjacent in the text. `grams_match` replaces
Datasette's `escape_fts` SQL function (see plugin.prepare_connection), which is what makes the
search box of the `sections` and `passages` tables work for short queries too.
"""
from __future__ import annotations

import functools
import os
import re
from typing import Optional

NOTHING = '"\u2063"'  # a phrase no text contains: a query of punctuation only finds nothing


def grams_match(query: Optional[str]) -> str:
    phrases = []
    for term in (query or "").split():
        chars = [ch for ch in term if ch.isalnum()]
        if chars:
            phrases.append('"' + " ".join(chars) + '"')
    return " ".join(phrases) if phrases else NOTHING


def excerpt(text: str, query: str, width: int = 50) -> tuple[str, str, str]:
    """(before, hit, after) around the first occurrence of the query's first term."""
    text = text or ""
    terms = (query or "").split()
    term = terms[0] if terms else ""
    # match across whitespace the way the index does
    pattern = r"\s*".join(re.escape(ch) for ch in term if not ch.isspace())
    m = re.search(pattern, text) if pattern else None
    if not m:
        return "", "", text[: 2 * width]
    a, b = m.span()
    before = text[max(0, a - width):a]
    return ("…" if a > width else "") + before, text[a:b], text[b:b + width] + ("…" if b + width < len(text) else "")


# Hits come in the index's order (passage id, newest built first), prose before table text, and a
# page reads only as many hits as it shows: FTS5 walks its doclist backwards and the filters are checked
# on the way (issue 9: sorting every hit by year read all ~170,000 passages that hold 诉 at 100,000
# reports). Prose passages keep their section id, table passages are offset by 1,000,000,000
# (normalize.site_tables.TABLE_PASSAGE_OFFSET), so "prose first" is two rowid ranges of the index.
TABLE_IDS = 1_000_000_000
# hits counted exactly up to here; beyond it the page says "more than 1,000" (OGI_SEARCH_COUNT_CAP)
COUNT_CAP = int(os.environ.get("OGI_SEARCH_COUNT_CAP", "1000"))


def hits_sql(columns: str, kind_range: str, limit: str) -> str:
    return (f"select {columns}\n"
            "from passages_grams g join passages p on p.id = g.rowid join reports r on r.id = p.report_id\n"
            f"where passages_grams match ogi_grams(:q) and g.rowid {kind_range}\n"
            "  and (:kind = '' or p.kind = :kind) and (:year = '' or r.year = :year)\n"
            "  and (:level = '' or r.level = :level) and (:province = '' or r.province = :province)\n"
            f"order by g.rowid desc limit {limit}")


def prose_then_tables(columns: str, limit: str) -> str:
    """Prose hits, then table-text hits, each newest passage first, at most `limit` of them."""
    return (f"select * from ({hits_sql(columns, f'< {TABLE_IDS}', limit)})\nunion all\n"
            f"select * from ({hits_sql(columns, f'>= {TABLE_IDS}', limit)})\nlimit {limit}")


HIT_COLUMNS = ("p.id, p.report_id, p.kind, p.code, p.name_zh, p.text, r.agency, r.year, r.level, r.province")


def search_sql(count: bool = False) -> str:
    if count:  # bounded: COUNT_CAP + 1 hits at most are read
        return (f"select count(*) as n, count(distinct report_id) as reports from "
                f"({prose_then_tables('p.id, p.report_id', str(COUNT_CAP + 1))})")
    return f"select * from ({prose_then_tables(HIT_COLUMNS, ':upto')}) limit :limit offset :offset"


# -- a few reports: filter first -----------------------------------------------------------------------
# With year / level / province filters that leave few reports, walking the index's hits for the few that
# pass the filters reads every hit (~100,000 for 复议: 0.8 s at 100,000 reports). Then the filtered
# reports' passages are read by report and their one-token-per-character text is matched here, the way
# FTS5's unicode61 tokenizer matches the index: separators (punctuation) skipped, case folded, every term a
# phrase of adjacent characters. A test checks both ways give the same hits.
FILTER_FIRST_MAX_REPORTS = 2_000
FILTERS = ("year", "level", "province")


SEPARATOR = r"(?: (?:[^\w ]|_))* "  # between two characters: a space, and any punctuation tokens


@functools.lru_cache(maxsize=256)
def _phrase_patterns(query: str) -> tuple:
    """One regular expression per query term over the one-token-per-character text: the term's characters
    with only separator tokens (punctuation) between them, case folded (diacritics are not folded)."""
    pats = []
    for term in query.split():
        chars = [re.escape(ch) for ch in term if ch.isalnum()]
        if chars:
            pats.append(re.compile(SEPARATOR.join(chars), re.I))
    return tuple(pats)


def phrase_match(grams_text: Optional[str], query: Optional[str]) -> int:
    """1 when every term of the query occurs in the text as adjacent characters (SQL function ogi_phrase)."""
    pats = _phrase_patterns(query or "")
    return int(bool(pats) and all(p.search(grams_text or "") for p in pats))


def filters_where(args: dict) -> tuple[str, dict]:
    """SQL conditions on reports r for the filters given (only those: so the indexes apply)."""
    conds = [f"r.{k} = :{k}" for k in FILTERS if args.get(k)]
    return (" and ".join(conds) or "1"), {k: args[k] for k in FILTERS if args.get(k)}


def filtered_reports_sql(args: dict) -> tuple[str, dict]:
    where, params = filters_where(args)
    return f"select count(*) as n from reports r where {where}", params


def filter_first_sql(args: dict) -> str:
    """(id, report_id) of every hit in the filtered reports, in the index's order (prose first, newest
    passage first): one pass of the matcher gives both the exact count and the page."""
    where, _ = filters_where(args)
    return ("select p.id, p.report_id from reports r join passages p on p.report_id = r.id\n"
            f"where {where} and (:kind = '' or p.kind = :kind) and ogi_phrase(p.grams, :q)\n"
            f"order by p.id >= {TABLE_IDS}, p.id desc")


def rows_by_id_sql(n: int) -> str:
    marks = ", ".join(f":id{i}" for i in range(n))
    return f"select {HIT_COLUMNS} from passages p join reports r on r.id = p.report_id where p.id in ({marks})"
