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


def _remember(datasette, method: str, store: str) -> None:
    """Replace `datasette.<method>` by a version that asks the original once per argument list and hands
    out a copy of the answer after that (the answers are kept in `datasette.<store>`)."""
    if getattr(datasette, store, None) is not None or not _static_metadata():
        return
    answers: dict = {}
    setattr(datasette, store, answers)
    plain = getattr(datasette, method)

    def remembered(*args, **kwargs):
        key = (args, tuple(sorted(kwargs.items())))
        if key not in answers:
            answers[key] = plain(*args, **kwargs)
        value = answers[key]
        return value if value is None or isinstance(value, (str, int, float, bool)) else copy.deepcopy(value)

    setattr(datasette, method, remembered)


def remember_plugin_config(datasette) -> None:
    _remember(datasette, "plugin_config", "_ogi_plugin_config")


def remember_table_permissions(datasette) -> None:
    _remember(datasette, "_table_permission_allows", "_ogi_table_allows")


@hookimpl
def startup(datasette):
    remember_plugin_config(datasette)
    remember_table_permissions(datasette)
