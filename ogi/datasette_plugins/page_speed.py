"""Datasette plugin: per-page Python costs that depend only on the (static) metadata, paid once (issue 9).

* Datasette 0.65.5 answers "may this visitor see table T?" (`_table_permission_allows`, asked for every
  table the home page and the database page list, and on every table page) by deep-copying the whole
  metadata — every table's description and every canned query — each time: ~0.5 ms a question, ~50
  questions a home page. The answer depends only on the metadata and (database, table); it is worked
  out once and a copy handed out after that.
* A table page of 50 rows × 28 columns renders 1,400 cells, and Datasette asks every `render_cell` hook
for each. datasette-render-markdown's hook (installed with datasette-dashboards) asks
`datasette.plugin_config(...)` for every string cell, which re-merges the whole metadata each time:
~20 % of the `reports` page's Python. The metadata of a served database is the file given to
`datasette serve` and no plugin here changes it at run time (no `get_metadata` hook), so a plugin's
config for a (database, table) is looked up once and a copy handed out after that.

When any plugin implements `get_metadata` (metadata that may change per request) nothing is remembered.
"""
from __future__ import annotations

import copy

from datasette import hookimpl
from datasette.plugins import pm


def _static_metadata() -> bool:
    return not pm.hook.get_metadata.get_hookimpls()


def remember_plugin_config(datasette) -> None:
    if getattr(datasette, "_ogi_plugin_config", None) is not None or not _static_metadata():
        return
    looked_up: dict = {}
    datasette._ogi_plugin_config = looked_up
    plain = datasette.plugin_config

    def plugin_config(plugin_name, database=None, table=None, fallback=True):
        key = (plugin_name, database, table, fallback)
        if key not in looked_up:
            looked_up[key] = plain(plugin_name, database=database, table=table, fallback=fallback)
        value = looked_up[key]
        return value if value is None or isinstance(value, (str, int, float, bool)) else copy.deepcopy(value)

    datasette.plugin_config = plugin_config


def remember_table_permissions(datasette) -> None:
    if getattr(datasette, "_ogi_table_allows", None) is not None or not _static_metadata():
        return
    answers: dict = {}
    datasette._ogi_table_allows = answers
    plain = datasette._table_permission_allows

    def table_permission_allows(database, table):
        key = (database, table)
        if key not in answers:
            answers[key] = plain(database, table)
        return copy.deepcopy(answers[key])

    datasette._table_permission_allows = table_permission_allows


@hookimpl
def startup(datasette):
    remember_plugin_config(datasette)
    remember_table_permissions(datasette)
