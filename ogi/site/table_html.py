"""The rows of a Datasette table page, written in one piece (issue 9).

Datasette 0.65.5's `_table.html` writes each of a page's ~1,400 cells through Jinja's async renderer:
every cell is one chunk handed up through four nested async generators (the included template, the
block, table.html, base.html), which was ~40 % of the `reports` page's Python. `rows_html` writes the
same `<tr><td class="col-… type-…">value</td>…</tr>` markup from Python in one string; the template
(`templates/_table.html`, Datasette's own with its body replaced by this call) stays in charge of the
header and sort links. Values are escaped exactly as Jinja's autoescape does (`markupsafe.escape`: a
Markup value from a render_cell hook is kept as it is).
"""
from __future__ import annotations

from functools import lru_cache

from datasette.utils import to_css_class
from markupsafe import Markup, escape


@lru_cache(maxsize=4096)
def _css(name: str) -> str:
    return str(escape(to_css_class(name)))


def rows_html(display_rows) -> Markup:
    out = []
    for row in display_rows:
        out.append("<tr>")
        for cell in row:
            out.append(f'<td class="col-{_css(str(cell["column"]))} type-{escape(cell["value_type"])}">'
                       f'{escape(cell["value"])}</td>')
        out.append("</tr>\n")
    return Markup("".join(out))
