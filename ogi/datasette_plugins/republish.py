"""Datasette plugin: follow a database file that is republished by atomic rename, without a restart.

`ogi build` publishes by renaming a finished file over the served path. Datasette keeps one SQLite
connection per executor thread, opened on the file it found at start-up; restarting Datasette to see a
new build refused every request for 2–3 s. Instead:

- at start-up every file database is replaced by a `PublishedDatabase` of the same name and path;
- before a request is handled, the served path's (inode, mtime) is compared with the one being served
  (at most every `CHECK_EVERY` seconds); when it changed, a new `PublishedDatabase` of the next
  generation replaces the old one in ``datasette.databases`` — requests that already started finish on
  the connection they have;
- each executor thread keeps one connection tagged with its generation; a thread that next runs a
  query for a newer generation closes its old connection (in that thread, where it is used) and opens
  the file anew. No request is refused or fails during a publish.

The file stays opened ``immutable=1`` (it is never changed in place, only replaced). The build writes
the new table counts (``<db>.inspect.json``, Datasette's ``--inspect-file``) before it renames the
database; they are read again at the swap, so counts are never those of the previous build.
"""
from __future__ import annotations

import copy
import json
import os
import threading
import time
from pathlib import Path

from datasette import hookimpl
from datasette.database import Database
from normalize.exports import inspect_path

CHECK_EVERY = 0.2  # seconds between two looks at the served path
_connections = threading.local()


def _ident(path):
    try:
        st = os.stat(path)
        return st.st_ino, st.st_mtime_ns
    except OSError:
        return None


class PublishedDatabase(Database):
    """A file database whose per-thread connections are renewed when a newer generation is served."""

    def __init__(self, ds, path, *, is_mutable=False, generation=0):
        super().__init__(ds, path=path, is_mutable=is_mutable)
        self.generation = generation
        self.ident = _ident(path)
        self._ogi_schema: dict = {}

    async def execute(self, sql, params=None, truncate=False, custom_time_limit=None, page_size=None,
                      log_sql_errors=True):
        """Row counts of table pages are bounded (ogi/site/counts.py); every other query runs as asked."""
        try:
            from ogi.site import counts
        except ImportError:  # the site package is not installed: plain Datasette
            counts = None
        policy = None
        if counts is not None and sql.startswith("select count(*) from "):
            policy = counts.count_policy(sql, await self._views(), custom_time_limit)
        if policy == "skip":
            from datasette.database import QueryInterrupted

            raise QueryInterrupted(None, sql, params)
        if policy is not None:
            custom_time_limit = policy
        if counts is not None and " as value, count(*) as count from (" in sql and counts.on_table_page():
            from ogi.site.facet_counts import facet_query

            swap = facet_query(sql, params, await self._facet_counts())
            if swap is not None:
                sql, params = swap
        if counts is not None and "escape_fts(:search)" in sql and counts.on_table_page():
            from ogi.site.fts_pages import bounded, bounded_count

            sql = bounded(sql) or bounded_count(sql) or sql
        schema = not self.is_mutable and _is_schema_sql(sql) and len(self._ogi_schema) < SCHEMA_CACHE_MAX
        key = ("sql", sql, repr(params), truncate, page_size)
        if schema and key in self._ogi_schema:
            return self._ogi_schema[key]
        results = await super().execute(sql, params, truncate=truncate, custom_time_limit=custom_time_limit,
                                        page_size=page_size, log_sql_errors=log_sql_errors)
        if schema:
            self._ogi_schema[key] = results
        return results

    async def _views(self) -> set:
        if getattr(self, "_ogi_views", None) is None:
            self._ogi_views = set(await self.view_names())
        return self._ogi_views

    async def _facet_counts(self) -> set:
        """(table, column) pairs whose facet the build counted (ogi/site/facet_counts.py); none in a
        database made before the table existed."""
        if getattr(self, "_ogi_facet_counts", None) is None:
            counted = set()
            if await self.table_exists("facet_counts"):
                counted = {(r[0], r[1]) for r in await super().execute("select distinct tbl, col from facet_counts")}
            self._ogi_facet_counts = counted
        return self._ogi_facet_counts

    async def execute_fn(self, fn):
        if self.ds.executor is None:
            return await super().execute_fn(fn)

        def in_thread():
            key = f"ogi_{self.name}"
            cached = getattr(_connections, key, None)
            if cached is None or cached[0] < self.generation:
                if cached is not None:
                    cached[1].close()  # the previous build's connection, closed in its own thread
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                cached = (self.generation, conn)
                setattr(_connections, key, cached)
            return fn(cached[1])

        import asyncio

        return await asyncio.get_event_loop().run_in_executor(self.ds.executor, in_thread)


# Schema look-ups of the immutable file: Datasette repeats them on every page (97 small queries for the
# home page, each a round trip through the SQL thread pool: ~100 ms, and a queue with 4 clients). The
# answers cannot change while this generation is served (a new build is a new PublishedDatabase), so
# each is asked once per generation. Rows of tables and views are never kept (no response cache).
SCHEMA_METHODS = ("table_exists", "table_names", "view_names", "hidden_table_names", "table_columns",
                  "table_column_details", "primary_keys", "fts_table", "label_column_for_table",
                  "foreign_keys_for_table", "get_all_foreign_keys", "get_table_definition", "get_view_definition",
                  "attached_databases")
SCHEMA_CACHE_MAX = 2_000  # entries per generation (Datasette asks a few hundred distinct look-ups)


def _is_schema_sql(sql: str) -> bool:
    """A look-up of the schema itself (as Datasette writes them), not a query of rows."""
    low = sql.lstrip().lower()
    if low.startswith("pragma "):
        return True
    return low.startswith("select") and "from sqlite_master" in low and "count(" not in low and \
        "random(" not in low and " join " not in low


def _schema_memo(name):
    async def memo(self, *args):
        if self.is_mutable:
            return await getattr(Database, name)(self, *args)
        key = (name, *args)
        if key not in self._ogi_schema:
            self._ogi_schema[key] = await getattr(Database, name)(self, *args)
        return copy.deepcopy(self._ogi_schema[key])

    memo.__name__ = name
    return memo


for _name in SCHEMA_METHODS:
    setattr(PublishedDatabase, _name, _schema_memo(_name))


class _Follower:
    def __init__(self, datasette):
        self.ds = datasette
        self.checked = 0.0
        self.lock = threading.Lock()

    def check(self):
        now = time.monotonic()
        if now - self.checked < CHECK_EVERY:
            return
        self.checked = now
        with self.lock:
            databases = dict(self.ds.databases)
            changed = False
            for name, db in databases.items():
                if isinstance(db, PublishedDatabase):
                    ident = _ident(db.path)
                    if ident is not None and ident != db.ident:
                        new = PublishedDatabase(self.ds, db.path, is_mutable=db.is_mutable,
                                                generation=db.generation + 1)
                        new.name, new.route = db.name, db.route
                        databases[name] = new
                        changed = True
            if changed:
                self._reload_inspect(databases)
                self.ds.databases = databases  # swapped in one assignment, as Datasette itself does

    def _reload_inspect(self, databases) -> None:
        if not self.ds.inspect_data:
            return  # counted on demand: nothing cached to refresh
        data = dict(self.ds.inspect_data)
        for name, db in databases.items():
            path = inspect_path(Path(db.path)) if db.path else None
            try:
                fresh = json.loads(path.read_text("utf-8")) if path and path.exists() else {}
            except (OSError, ValueError):
                fresh = {}
            if name in fresh:
                data[name] = fresh[name]
            else:
                data.pop(name, None)  # no counts for this build: Datasette counts on demand
        self.ds.inspect_data = data


@hookimpl
def startup(datasette):
    databases = dict(datasette.databases)
    for name, db in databases.items():
        if db.path and not db.is_memory and not isinstance(db, PublishedDatabase):
            new = PublishedDatabase(datasette, db.path, is_mutable=db.is_mutable)
            new.name, new.route = db.name, db.route
            databases[name] = new
    datasette.databases = databases
    datasette._ogi_follower = _Follower(datasette)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def follow(scope, receive, send):
            follower = getattr(datasette, "_ogi_follower", None)
            if follower is not None and scope.get("type") == "http":
                follower.check()
            if scope.get("type") == "http":
                try:
                    from ogi.site.counts import mark_request
                except ImportError:
                    pass
                else:
                    mark_request(scope.get("path", ""))
            await app(scope, receive, send)

        return follow

    return wrap
