"""The Datasette plugin of the researchers' site (entry point `ogi_site` in pyproject.toml).

Hooks: routes of the report / compare / search / archive / download pages (ogi/site/pages.py),
`escape_fts` replaced by the per-character phrase of ogi/site/search.py (so the search box of
`sections` and `passages` answers 1- and 2-character queries), links from report ids to the report
page, Chinese labels for coded facet values, and `?_bom=1` on CSV exports for Excel.
"""
from __future__ import annotations

import html
import urllib.parse

from datasette import hookimpl
from markupsafe import Markup

from . import pages
from .labels import label_for
from .search import grams_match, phrase_match
from .table_html import rows_html, year_cells


@hookimpl
def register_routes():
    return [
        (r"^/report/(?P<report_id>[^/]+)$", pages.report_page),
        (r"^/agency$", pages.agency_page),
        (r"^/compare$", pages.compare_page),
        (r"^/search$", pages.search_page),
        (r"^/archive/(?P<sha256>[^/]*)$", pages.archived_document),
        (r"^/downloads/(?P<name>[A-Za-z0-9_.-]+)$", pages.download),
    ]


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, which registers the stock escape_fts
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, grams_match, deterministic=True)
    conn.create_function("ogi_grams", 1, grams_match, deterministic=True)
    conn.create_function("ogi_phrase", 2, phrase_match, deterministic=True)


def report_url(rid) -> str:
    return "/report/" + urllib.parse.quote(str(rid), safe="")


@hookimpl
def render_cell(row, value, column, table, database):
    if value is None:
        return None
    if column == "report_id" or (column == "id" and table == "report_overview") or \
            (column in ("label", "agency") and table in ("reports", "report_overview")):
        if isinstance(value, dict):  # a foreign key expanded to its label (agency and year)
            rid, text = value.get("value"), value.get("label") or value.get("value")
        elif column in ("label", "agency"):
            try:
                rid, text = row["id"], value
            except (KeyError, IndexError, TypeError):
                return None
        else:
            rid, text = value, value
        if rid is None:
            return None
        return Markup(f'<a href="{report_url(rid)}" title="报告页（按印刷版式）">{html.escape(str(text))}</a>')
    if column == "sha256" and table == "documents" and pages.SHA256.match(str(value)):
        return Markup(f'<a href="/archive/{value}" title="存档原件 archived original">{value[:12]}…</a>')
    return None


@hookimpl
def extra_template_vars(template, database, table, datasette, request):
    async def inner():
        db = pages.database(datasette)
        out = {"ogi_report_url": report_url}
        if template in ("index.html",):
            out["ogi_downloads"] = await pages.downloads_list(db)
            counts = await db.table_counts(limit=1000)  # from the inspect file for the immutable database
            out["ogi_counts"] = {t: counts.get(t) for t in ("reports", "documents", "cells")}
        if template in ("table.html", "ogi_report.html", "ogi_search.html", "ogi_agency.html", "ogi_compare.html"):
            labels = await pages.labels(db)
            out["ogi_label"] = lambda column, value: label_for(labels, column, value, table)
        return out
    return inner


@hookimpl
def asgi_wrapper(datasette):
    """`?_bom=1` on a .csv export prefixes a UTF-8 byte order mark, so Excel reads the Chinese."""
    def wrap(app):
        async def with_bom(scope, receive, send):
            if scope.get("type") != "http" or not scope.get("path", "").endswith(".csv") or \
                    "_bom=1" not in (scope.get("query_string") or b"").decode("latin-1"):
                return await app(scope, receive, send)
            started = {"body": False}

            async def send_with_bom(message):
                if message["type"] == "http.response.start":
                    message = dict(message)
                    message["headers"] = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
                elif message["type"] == "http.response.body" and not started["body"]:
                    started["body"] = True
                    message = dict(message, body=b"\xef\xbb\xbf" + message.get("body", b""))
                await send(message)
            return await app(scope, receive, send_with_bom)
        return with_bom
    return wrap


TEMPLATES = __import__("pathlib").Path(__file__).resolve().parent / "templates"


@hookimpl
def prepare_jinja2_environment(env, datasette):
    """The site's templates come after a --template-dir given to `ogi serve` and before Datasette's."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    first = [FileSystemLoader(datasette.template_dir)] if datasette.template_dir else []
    env.loader = ChoiceLoader([*first, FileSystemLoader(str(TEMPLATES)), env.loader])
    env.globals["ogi_rows_html"] = rows_html
    env.globals["ogi_year_cells"] = year_cells



def _print_exception_only_when_raised() -> None:
    """Datasette 0.65.5's error handler prints every exception with rich (locals included: ~1 s a 404);
    for a path no route matches (/archive/../x, /a/b/c/d) the NotFound was never raised, rich refuses to
    print it and the 404 becomes a 500. Print only real errors being handled (they keep their traceback)."""
    import sys

    import datasette.handle_exception as handler
    from datasette.utils.asgi import Base400

    real = handler.rich
    if real is None or getattr(real, "ogi_shim", False):
        return

    class RichWhenRaised:
        ogi_shim = True

        def get_console(self):
            return self

        def print_exception(self, **kwargs):
            exc = sys.exc_info()[1]
            if exc is not None and not isinstance(exc, Base400):  # a 404 is not worth a traceback (~1 s)
                real.get_console().print_exception(**kwargs)

    handler.rich = RichWhenRaised()


_print_exception_only_when_raised()
