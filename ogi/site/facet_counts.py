"""Default facets of an unfiltered table page, from counts made at build time (issue 9).

Datasette counts each facet of a table page with

    select <col> as value, count(*) as count from (select <every column> from <table> <where>)
    where <col> is not null group by <col> order by count desc, value limit <facet_size + 1>

On an unfiltered page (`<where>` empty, no parameters) that is a GROUP BY over the whole table on
every request: six of them on `reports` (100,000 rows), three on `checks` (3.9 M rows: they took more
than the 100 ms facet limit, so the page showed none). The build counts the same groups once
(`facet_counts`, filled by normalize/site_tables.py `fill_facet_counts` for the tables and columns of
`site_tables.FACETED`, which are also the metadata's default facets), and this module answers such a
query from that table with the same ORDER BY and LIMIT, so the page shows the same values, counts and
order (tests/test_scale_serving.py compares them with the live GROUP BY).

A filtered page (a `where`), a facet the build did not count, or a database without the table is
answered by Datasette as before. The file is immutable and the counts are written by the same build,
so they cannot be older than the rows.
"""
from __future__ import annotations

import re
from typing import Optional

_NAME = r'(?:[A-Za-z_][A-Za-z0-9_]*|\[[^\]]+\]|"(?:[^"]|"")+")'
FACET_SQL = re.compile(
    r"^\s*select (?P<col>" + _NAME + r") as value, count\(\*\) as count from \(\s*"
    r"select (?P<cols>[^()]*?) from (?P<tbl>" + _NAME + r")\s*\)\s*"
    r"where (?P=col) is not null\s*"
    r"group by (?P=col) order by count desc, value limit (?P<limit>\d+)\s*$", re.S)

COUNTS_SQL = ("select value, n as count from facet_counts where tbl = :ogi_tbl and col = :ogi_col "
              "order by count desc, value limit {limit}")


def _unquote(name: str) -> str:
    if name.startswith("[") and name.endswith("]"):
        return name[1:-1]
    if name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name


def facet_query(sql: str, params, counted: set[tuple[str, str]]) -> Optional[tuple[str, dict]]:
    """The query on `facet_counts` that answers Datasette's facet query `sql`, or None when it must run
    as asked (a filtered page, parameters, or a (table, column) the build did not count)."""
    if params or " as value, count(*) as count from (" not in sql:
        return None
    m = FACET_SQL.match(sql)
    if not m:
        return None
    tbl, col = _unquote(m["tbl"]), _unquote(m["col"])
    if (tbl, col) not in counted:
        return None
    return COUNTS_SQL.format(limit=int(m["limit"])), {"ogi_tbl": tbl, "ogi_col": col}
