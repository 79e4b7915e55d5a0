"""The indexed lattice finder (normalize/extract/lattice.py) gives pdfplumber's TableFinder results exactly."""
from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pdfplumber.table import TableFinder

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import render_formats as rf  # noqa: E402
from normalize.extract import pdf as P  # noqa: E402
from normalize.extract.lattice import LatticeFinder, edges_to_intersections, intersections_to_cells  # noqa: E402


def _ruled_pages():
    """(name, page no, edges, bbox) of every page with ruling lines of the golden reports rendered by ReportLab."""
    out = []
    for case in rf.load_cases():
        pdf = pdfium.PdfDocument(rf.render_reportlab_pdf(case))
        try:
            for i in range(len(pdf)):
                page = pdf[i]
                w, h = page.get_size()
                edges, _ = P._page_geometry(page, 10**6)
                page.close()
                if sum(e["orientation"] == "v" for e in edges) >= 2 and sum(e["orientation"] == "h" for e in edges) >= 2:
                    out.append((case.name, i + 1, edges, (0, 0, w, h)))
        finally:
            pdf.close()
    return out


@pytest.fixture(scope="module")
def ruled_pages():
    pages = _ruled_pages()
    assert len(pages) >= 10  # every golden report has ruled tables 2-4
    return pages


def test_same_cells_and_tables_as_pdfplumber(ruled_pages):
    for name, page_no, edges, bbox in ruled_pages:
        settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                    "explicit_vertical_lines": [e for e in edges if e["orientation"] == "v"],
                    "explicit_horizontal_lines": [e for e in edges if e["orientation"] == "h"]}
        ours, theirs = LatticeFinder(P._PageShim(bbox), settings), TableFinder(P._PageShim(bbox), settings)
        assert ours.intersections.keys() == theirs.intersections.keys(), (name, page_no)
        assert ours.cells == theirs.cells, (name, page_no)
        assert intersections_to_cells(theirs.intersections) == theirs.cells, (name, page_no)
        tol = (theirs.settings.intersection_x_tolerance, theirs.settings.intersection_y_tolerance)
        assert edges_to_intersections(theirs.edges, *tol) == theirs.intersections, (name, page_no)
        assert [t.bbox for t in ours.tables] == [t.bbox for t in theirs.tables], (name, page_no)
        assert [t.cells for t in ours.tables] == [t.cells for t in theirs.tables], (name, page_no)


def test_cells_to_tables_groups_and_orders_like_pdfplumber():
    """Several grids, cells touching only at corners, lone cells, cells listed in a scrambled order
    (several passes are needed): the same tables, with their cells in the same order."""
    import random

    from pdfplumber.table import cells_to_tables as theirs

    from normalize.extract.lattice import cells_to_tables as ours

    rnd = random.Random(9)
    for _ in range(200):
        cells = set()
        for _grid in range(rnd.randint(1, 4)):
            x0, y0 = rnd.randint(0, 8) * 10, rnd.randint(0, 8) * 10
            for r in range(rnd.randint(1, 4)):
                for c in range(rnd.randint(1, 4)):
                    if rnd.random() < 0.8:
                        cells.add((x0 + 10 * c, y0 + 10 * r, x0 + 10 * c + 10, y0 + 10 * r + 10))
        cells = sorted(cells)
        rnd.shuffle(cells)
        assert ours(cells) == theirs(cells)
