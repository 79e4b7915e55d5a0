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


PASSAGE_SQL = """
select p.id, p.report_id, p.kind, p.code, p.name_zh, p.text, r.agency, r.year, r.level, r.province
from passages p join reports r on r.id = p.report_id
where p.id in (select rowid from passages_grams where passages_grams match ogi_grams(:q))
  and (:kind = '' or p.kind = :kind)
  and (:year = '' or r.year = :year)
  and (:level = '' or r.level = :level)
  and (:province = '' or r.province = :province)
"""


def search_sql(count: bool = False) -> str:
    if count:
        return f"select count(*) as n, count(distinct report_id) as reports from ({PASSAGE_SQL})"
    # prose first: a word in the flattened table headers of every report must not drown the prose
    return PASSAGE_SQL + " order by p.kind = 'table', r.year desc, r.agency, p.code limit :limit offset :offset"
