"""The search box of the `sections` and `passages` table pages reads only the hits it shows (issue 9).

Datasette's `?_search=` page asks
    select … from sections where id in (select rowid from passages_grams where passages_grams match …)
    order by id limit 51
and SQLite materialises every hit of the subquery first (~100,000 passages hold 复议 at 100,000 reports:
70–300 ms). The rows shown are the first hits in id order, and FTS5 returns hits in rowid order by
itself, so the subquery is given the page's own order and limit (and the `_next` bound): the same rows.

That holds only where every FTS rowid before a row of the table is itself a row of the table:
`passages` (every passage is indexed) and `sections` (prose passages keep their section's id; table
passages are offset by 1,000,000,000, after every section id). Any other shape of query — another
filter, another sort — is left exactly as Datasette wrote it.

The page's count (`select count(*) from sections where id in (select rowid from passages_grams where …
match …)`) materialised every hit too and was probed row by row: 175–940 ms at 100,000 reports, so it
always ran into the 50 ms count limit (ogi/site/counts.py) and the page showed no total after spending
those 50 ms. Under the same shape rule it is the number of hits the index holds in the table's rowid
range (`bounded_count`): 2–37 ms, so the total is shown again.
"""
from __future__ import annotations

import re
from typing import Optional

SAFE = {("sections", "passages_grams"), ("passages", "passages_grams")}
# the rowids of the index that are rows of the table: sections are the prose passages (table passages
# are offset by normalize.site_tables.TABLE_PASSAGE_OFFSET), passages are every indexed row
ROWIDS = {"sections": " and rowid < 1000000000", "passages": ""}
PAGE = re.compile(
    r"^select (?P<cols>.+) from (?P<table>\w+) where (?P<pk>\"?id\"?) in "
    r"\(select rowid from (?P<fts>\w+) where (?P=fts) match escape_fts\(:search\)\)"
    r"(?P<next> and \(*(?P=pk) > :(?P<param>p\d+)\)*)? order by (?P=pk) limit (?P<limit>\d+)$",
    re.S)


def bounded(sql: str) -> Optional[str]:
    """The same query with its FTS subquery bounded to the page, or None when it does not apply."""
    m = PAGE.match(sql.strip())
    if not m or (m["table"], m["fts"]) not in SAFE:
        return None
    after = f" and rowid > :{m['param']}" if m["next"] else ""
    inner = (f"(select rowid from {m['fts']} where {m['fts']} match escape_fts(:search){after} "
             f"order by rowid limit {m['limit']})")
    return (f"select {m['cols']} from {m['table']} where {m['pk']} in {inner}{m['next'] or ''} "
            f"order by {m['pk']} limit {m['limit']}")


COUNT = re.compile(
    r"^select count\(\*\) from (?P<table>\w+) where (?P<pk>\"?id\"?) in "
    r"\(select rowid from (?P<fts>\w+) where (?P=fts) match escape_fts\(:search\)\)\s*$")


def bounded_count(sql: str) -> Optional[str]:
    """The count of a search page from the index alone, or None when it does not apply."""
    m = COUNT.match(sql.strip())
    if not m or (m["table"], m["fts"]) not in SAFE:
        return None
    return f"select count(*) from {m['fts']} where {m['fts']} match escape_fts(:search){ROWIDS[m['table']]}"
