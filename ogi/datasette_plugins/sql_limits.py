"""Datasette plugin: arbitrary SQL cannot starve the pages researchers browse.

Datasette runs every query on a small pool of SQL threads (``num_sql_threads``, 3) with one time limit
(``sql_time_limit_ms``, 5 s for the site's own pages and facets). Six concurrent 5-second queries took
every thread and made a table page wait 15 s. Requests that carry SQL written by the visitor
(``?sql=`` on a database, ``?_where=`` on a table) therefore get

- a shorter time limit: ``_timelimit`` is lowered to ``OGI_PUBLIC_SQL_TIME_LIMIT_MS`` (default 1000 ms;
  a visitor can ask for less, never more);
- a concurrency cap: at most ``OGI_PUBLIC_SQL_CONCURRENCY`` (default 1) such requests run at once, so
  the other SQL threads stay free for pages; another one waits up to ``OGI_PUBLIC_SQL_WAIT_S`` (default
  5 s) for its turn and is then answered 429 Too Many Requests with a Retry-After header.

Canned queries (named in metadata.json) and the site's pages are not affected, nor are the dashboard's
own chart and filter queries (the browser sends them as ``?sql=``; exactly the SQL of
ogi/site/dashboards.py with the filters given): they keep the time limit but not the one-at-a-time gate,
which queued every chart of four readers' dashboards behind each other (issue 9).
"""
from __future__ import annotations

import asyncio
import os
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

ARBITRARY = ("sql", "_where")


def _limits() -> tuple[int, int, float]:
    return (int(os.environ.get("OGI_PUBLIC_SQL_TIME_LIMIT_MS", "1000")),
            max(1, int(os.environ.get("OGI_PUBLIC_SQL_CONCURRENCY", "1"))),
            float(os.environ.get("OGI_PUBLIC_SQL_WAIT_S", "5")))


def limited_query_string(query: bytes, limit_ms: int) -> bytes:
    """The query string with ``_timelimit`` at most `limit_ms`."""
    pairs = [(k, v) for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True) if k != "_timelimit"]
    asked = [v for k, v in parse_qsl(query.decode("latin-1")) if k == "_timelimit"]
    try:
        limit = min(limit_ms, int(asked[0])) if asked else limit_ms
    except ValueError:
        limit = limit_ms
    return urlencode(pairs + [("_timelimit", str(max(1, limit)))]).encode("latin-1")


def is_arbitrary(query: bytes) -> bool:
    return any(k in ARBITRARY and v.strip() for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True))


def dashboard_sql() -> frozenset:
    """Every SQL text the site's dashboards send, for every combination of filters given."""
    try:
        from itertools import combinations

        from datasette_dashboards import replace_opts_in_query

        from ogi.site.dashboards import DASHBOARDS
    except ImportError:
        return frozenset()
    out = set()
    for dash in DASHBOARDS.values():
        keys = list(dash.get("filters", {}))
        queries = [c["query"] for c in dash.get("charts", {}).values() if "query" in c]
        queries += [f["query"] for f in dash.get("filters", {}).values() if "query" in f]
        for n in range(len(keys) + 1):
            for given in combinations(keys, n):
                for q in queries:
                    out.add(replace_opts_in_query(q, {k: "x" for k in given}).strip())
    return frozenset(out)


def is_dashboard(query: bytes, known: frozenset) -> bool:
    sql = [v for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True) if k == "sql"]
    return len(sql) == 1 and sql[0].strip() in known and not any(
        k == "_where" for k, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True))


@hookimpl
def asgi_wrapper(datasette):
    limit_ms, concurrency, wait_s = _limits()
    gate = {"sem": None}
    known = dashboard_sql()

    def wrap(app):
        async def limited(scope, receive, send):
            query = scope.get("query_string") or b""
            if scope.get("type") != "http" or not is_arbitrary(query):
                await app(scope, receive, send)
                return
            if is_dashboard(query, known):  # the site's own chart: time-limited, not queued
                await app(dict(scope, query_string=limited_query_string(query, limit_ms)), receive, send)
                return
            if gate["sem"] is None:
                gate["sem"] = asyncio.Semaphore(concurrency)
            try:
                await asyncio.wait_for(gate["sem"].acquire(), wait_s)
            except asyncio.TimeoutError:
                body = (f"Too many SQL queries are running; at most {concurrency} at a time on this site. "
                        f"Try again in a few seconds.").encode()
                await send({"type": "http.response.start", "status": 429,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"5"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            try:
                await app(dict(scope, query_string=limited_query_string(query, limit_ms)), receive, send)
            finally:
                gate["sem"].release()

        return limited

    return wrap
