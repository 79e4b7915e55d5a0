"""Bounded row counts on table pages (issue 9).

Datasette counts the rows of every filtered table page (`select count(*) from … where …`) and of every
view page, filtered or not: on the national corpus that is 13.7 M cells behind `panel`, 170,000 search
hits behind `sections?_search=诉`, 10 M cells behind `cells?tbl=t3`. Such a count is worth a number on
the page only when it is cheap, so on a table page (`/<db>/<table>`):

* the count of an unfiltered *view* is not taken at all (it is the whole view: seconds at 100,000
  reports); the count of an unfiltered *table* comes from the build's inspect file as before;
* any other count gets `COUNT_TIME_LIMIT_MS`; when it takes longer, the page shows its rows and the
  "next page" link without a total (Datasette's own behaviour for an interrupted count).

Visitors' SQL (`?sql=`), canned queries and the site's own pages are never affected: the mark is set
only for the path of a table page, in the request's own task (a context variable).
"""
from __future__ import annotations

import contextvars
import os
import re
from typing import Optional

COUNT_TIME_LIMIT_MS = int(os.environ.get("OGI_COUNT_TIME_LIMIT_MS", "50"))
TABLE_PAGE = re.compile(r"^/[^/]+/[^/]+$")  # /<database>/<table or view>[.json|.csv]
_table_page: contextvars.ContextVar[bool] = contextvars.ContextVar("ogi_table_page", default=False)

SKIP = "skip"


def mark_request(path: str) -> None:
    """Called for every HTTP request before Datasette routes it."""
    _table_page.set(bool(TABLE_PAGE.match(path or "")))


def on_table_page() -> bool:
    return _table_page.get()


def count_policy(sql: str, views: set[str], given: Optional[int]) -> Optional[object]:
    """None (run as asked), SKIP (do not run), or the time limit in ms for this query."""
    if not _table_page.get() or not sql.startswith("select count(*) from "):
        return None
    rest = sql[len("select count(*) from "):].strip()
    name = rest[1:-1] if rest.startswith("[") and rest.endswith("]") else rest
    if name in views:  # the whole of a view
        return SKIP
    return min(given, COUNT_TIME_LIMIT_MS) if given else COUNT_TIME_LIMIT_MS
