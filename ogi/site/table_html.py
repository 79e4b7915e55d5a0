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


def year_cells(ind: dict, reports: list) -> Markup:
    """The agency page's cells of one measure across the agency's reports (ogi_agency.html): each year's
    printed value, then its change from the previous year. The page has a few hundred measures × years
    (~18,000 template chunks at 100,000 reports); this writes what the template's loop wrote:

        {% for r in reports %}<td class="ogi-value">{{ raw or '' }}</td>{% if not loop.first %}
        <td class="ogi-delta[ ogi-up| ogi-down]">{{ '%+g'|format(d) if d is not none }}</td>{% endif %}{% endfor %}
    """
    values, changes = ind["values"], ind["changes"]
    out = []
    for i, r in enumerate(reports):
        v = values.get(r["id"])
        raw = v.get("raw") if v else None
        out.append(f'<td class="ogi-value">{escape(raw) if raw is not None else ""}</td>')
        if i:
            d = changes[i]
            cls = " ogi-up" if d is not None and d > 0 else " ogi-down" if d is not None and d < 0 else ""
            out.append(f'<td class="ogi-delta{cls}">{escape("%+g" % d) if d is not None else ""}</td>')
    return Markup("".join(out))
