"""Chinese search of any length over `passages_grams` (one FTS5 token per character).

Every query term becomes a phrase of its characters ("复议" → "复 议"), so 1-, 2- and 3+-character
queries all match exactly where the characters are adjacent in the text. `grams_match` replaces
Datasette's `escape_fts` SQL function (see plugin.prepare_connection), which is what makes the
search box of the `sections` and `passages` tables work for short queries too.
"""
from __future__ import annotations

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
COUNT_CAP = 1_000  # hits counted exactly up to here; beyond it the page says "more than 1,000"


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
