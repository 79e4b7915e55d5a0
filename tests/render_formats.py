"""Re-render golden reports into every format the normalizer reads (test and benchmark fixtures).

Each *case* is a document with a gold file: the five seeds (ogi/portal/documents/seeds/*.txt, gold
tests/golden/seeds/<stem>.json) and the dev reports with a gold (ogi/portal/documents/dev-reports/
pingtan_xzspj_2023.html, gold tests/golden/dev-reports/pingtan_xzspj_2023.json). A case is rendered from

- the document's own paragraphs, in their order (title lines with agency and year, the 统计期限 sentence,
  the six section headings, narrative text, the dated signature), read by the extractor from the
  original; HTML originals get their ArticleTitle as a first paragraph (the portal shows it outside
  the report body);
- the golden cells: every original table is replaced, at its place, by the statistical table(s) it
  held (table 2 split over several original tables is drawn once, where it started), laid out like
  the official 国办 forms with real merged cells:
    table 2  each 第二十条 item heading spans the 4 columns; 2021 single-value items (本年处理决定数量,
             本年收费金额) span 3 columns; 2019 (八)/(九) items have 3 values, the last spanning 2;
    table 3  the 勾稽关系 note spans 3 rows × 3 columns, 申请人情况 spans 7 columns, 自然人 and 总计 span
             2 rows, 法人或其他组织 spans 5 columns; 一/二/四 span the 3 label columns; 三、本年度办理结果
             spans all its rows vertically; （三）（四）（五） and the 2021 （六） span their sub-rows
             vertically; （一）（二）（七） and the 2019 （六） span 2 label columns;
    table 4  三-level header: 行政复议 spans 5 columns, 行政诉讼 10; the five 行政复议 result columns span
             2 rows; 未经复议直接起诉 and 复议后起诉 span 5 columns each.
  A cell shows its golden `raw` text ("" for a printed blank, "4844万元", "5728300（单位：元）").

Formats: `render_html` (a portal article page: TRS_Editor body, rowspan/colspan), `render_docx`
(python-docx, gridSpan/vMerge merges, A4, "Table Grid" borders; byte-stable), and, from that DOCX, the
PDF and the DOC LibreOffice makes (`soffice_convert`: one soffice run per target format for all
documents, the two runs in parallel). A second PDF producer, `render_reportlab_pdf` (format
'pdf_reportlab'), draws the same blocks with the local portal's ReportLab generator (non-embedded
STSong-Light CID font, its own table geometry). `render_all` does everything and caches the files in a
directory.

The expectation of a rendering (`Case.expected`) is the gold: cells (value, raw, unit, remark), template,
t3_rows, year, agency, title, published, section codes.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Iterable, Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from golden_compare import dev_gold_to_cells  # noqa: E402

from normalize import codebook  # noqa: E402
from normalize.document import Paragraph, Table  # noqa: E402

SEEDS = ROOT / "ogi/portal/documents/seeds"
GOLD_SEEDS = ROOT / "tests/golden/seeds"
DEV = ROOT / "ogi/portal/documents/dev-reports"
GOLD_DEV = ROOT / "tests/golden/dev-reports"

FORMATS = ("html", "docx", "pdf", "doc", "pdf_reportlab")
SOFFICE_FORMATS = ("pdf", "doc")  # made by LibreOffice from the DOCX
SUFFIX = {"pdf_reportlab": "reportlab.pdf"}  # file name suffix when it is not the format name
REAL_FORMAT = {"pdf_reportlab": "pdf"}  # what the extractor must sniff
_SOFFICE_FILTER = {"pdf": "pdf:writer_pdf_Export", "doc": "doc:MS Word 97"}


class SofficeMissing(RuntimeError):
    pass


def find_soffice():
    from normalize.extract.office import find_soffice as find

    return find()


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    name: str
    source: Path
    template: str  # table 2 generation
    t3_rows: str  # table 3 row set
    blocks: list  # ("p", text) | ("table", "t2" | "t3" | "t4")
    raws: dict  # (table, row, col) -> printed text
    expected: dict  # cells + meta (see module doc)
    html_meta: dict = field(default_factory=dict)  # <meta name=...> of the HTML rendering


def _original_document(path: Path):
    from normalize.extract import extract_path

    doc = extract_path(path)
    errors = [i for i in doc.issues if i.level == "error"]
    if errors:
        raise RuntimeError(f"{path}: cannot read the original: {errors}")
    return doc


_CAPTION = re.compile(r"^第二十条\s*第?[（(][一二三四五六七八九十]+[）)]项$")


def _blocks(doc, table_of: dict[int, list[str]]) -> list:
    """Paragraphs of the original in order; each original table replaced by the statistical tables it held."""
    out: list = []
    drawn: set[str] = set()
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            if _CAPTION.match(b.text.replace(" ", "")):
                continue  # a table-2 item heading the dump left outside the table: it is drawn inside it
            out.append(("p", b.text))
        elif isinstance(b, Table):
            for t in table_of.get(b.index, []):
                if t not in drawn:
                    drawn.add(t)
                    out.append(("table", t))
    missing = {"t2", "t3", "t4"} - drawn
    if missing:
        raise RuntimeError(f"tables {sorted(missing)} have no place in the original")
    return out


def _tables_by_index(cells: Iterable[dict]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for c in cells:
        lst = out.setdefault(c["table_index"], [])
        if c["table"] not in lst:
            lst.append(c["table"])
    return out


def seed_case(stem: str) -> Case:
    gold = json.loads((GOLD_SEEDS / f"{stem}.json").read_text("utf-8"))
    src = SEEDS / f"{stem}.txt"
    doc = _original_document(src)
    cells = gold["cells"]
    raws = {(c["table"], c["row"], c["col"]): c["raw"] for c in cells}
    expected = {k: gold[k] for k in ("template", "t3_rows", "year", "agency", "title", "published")}
    expected["sections"] = list(gold["sections"])
    expected["cells"] = [{k: c[k] for k in ("table", "row", "col", "value", "raw", "unit", "remark")} for c in cells]
    return Case(stem, src, gold["template"], gold["t3_rows"], _blocks(doc, _tables_by_index(cells)), raws, expected)


def dev_case(name: str) -> Case:
    from normalize.parse import parse_document

    gold = json.loads((GOLD_DEV / f"{name}.json").read_text("utf-8"))
    src = DEV / gold["doc"]
    doc = _original_document(src)
    template = gold["table2"]["format"]
    t3_rows = gold["table3"]["row_set"][:4]
    cells = dev_gold_to_cells(gold, codebook.row_codes("t3", t3_rows))
    for c in cells:
        if c.get("raw") is None:
            c["raw"] = "" if c["value"] is None else str(c["value"])
        if c.get("unit") is None:
            c["unit"] = codebook.unit(c["table"], c["row"], c["col"], template)
        c["remark"] = None
    # where the original keeps each table: from the parse of the original (checked against this gold by
    # tests/normalize/test_parse_golden.py)
    placed = {(c["table"], c["row"], c["col"]): c["table_index"] for c in parse_document(doc)["cells"]}
    table_of: dict[int, list[str]] = {}
    for c in cells:
        ti = placed.get((c["table"], c["row"], c["col"]))
        if ti is not None and c["table"] not in table_of.setdefault(ti, []):
            table_of[ti].append(c["table"])
    blocks = _blocks(doc, table_of)
    title = doc.meta.get("ArticleTitle")
    if title:
        blocks.insert(0, ("p", title))
    raws = {(c["table"], c["row"], c["col"]): c["raw"] for c in cells}
    html_meta = {k: doc.meta[k] for k in ("ArticleTitle", "PubDate", "SiteName", "ColumnName") if doc.meta.get(k)}
    expected = {"template": gold["template"], "t3_rows": t3_rows, "year": gold["report_year"],
                "agency": gold["agency"], "title": title, "published": gold["publish_date"],
                "sections": ["overview", "proactive", "requests", "review_litigation", "problems", "other"],
                "cells": cells}
    return Case(name, src, template, t3_rows, blocks, raws, expected, html_meta)


def seed_stems() -> list[str]:
    return sorted(p.stem for p in SEEDS.glob("*.txt"))


def dev_names() -> list[str]:
    """Dev reports that have a gold file."""
    return sorted(p.stem for p in GOLD_DEV.glob("*.json"))


def load_cases() -> list[Case]:
    return [seed_case(s) for s in seed_stems()] + [dev_case(n) for n in dev_names()]


# --------------------------------------------------------------------------- table layouts
# A layout is a list of source rows; a cell is (text, rowspan, colspan), placed like HTML does it
# (the first column not covered by a rowspan from above).


def _raw(case: Case, table: str, row: str, col: str) -> str:
    return case.raws.get((table, row, col), "")


def layout_t2(case: Case) -> list:
    tpl = case.template
    row_cols = codebook.t2_row_columns(tpl)
    groups: list[tuple[str, list]] = []
    for e in codebook.rows("t2", tpl):
        if not groups or groups[-1][0] != e.group:
            groups.append((e.group, []))
        groups[-1][1].append(e)
    out = []
    for group, entries in groups:
        cols = list(row_cols[entries[0].code])
        spans = [1] * len(cols)
        spans[-1] += 3 - len(cols)  # the last column fills the table's 3 value columns
        out.append([(group, 1, 4)])
        out.append([("信息内容", 1, 1)] + [(codebook.label("t2", "column", c, tpl), 1, s) for c, s in zip(cols, spans)])
        for e in entries:
            out.append([(e.label_zh, 1, 1)] + [(_raw(case, "t2", e.code, c), 1, s) for c, s in zip(cols, spans)])
    return out


T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def layout_t3(case: Case) -> list:
    rows_ = codebook.rows("t3", case.t3_rows)
    cols = codebook.column_codes("t3", case.t3_rows)
    out = [
        [(T3_NOTE, 3, 3), ("申请人情况", 1, 7)],
        [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
        [(codebook.label("t3", "column", c), 1, 1) for c in cols[1:6]],
    ]
    in_three = [e for e in rows_ if e.group == "三、本年度办理结果" or e.group.startswith("（")]
    group_size: dict[str, int] = {}
    for e in rows_:
        if e.group.startswith("（"):
            group_size[e.group] = group_size.get(e.group, 0) + 1
    started: set[str] = set()
    for e in rows_:
        values = [(_raw(case, "t3", e.code, c), 1, 1) for c in cols]
        label: list = []
        if e.group == "三、本年度办理结果" or e.group.startswith("（"):
            if "三" not in started:
                started.add("三")
                label.append(("三、本年度办理结果", len(in_three), 1))
            if e.group.startswith("（"):
                if e.group not in started:
                    started.add(e.group)
                    label.append((e.group, group_size[e.group], 1))
                label.append((e.label_zh, 1, 1))
            else:
                label.append((e.label_zh, 1, 2))
        else:
            label.append((e.label_zh, 1, 3))
        out.append(label + values)
    return out


def layout_t4(case: Case) -> list:
    tpl = case.template
    groups = codebook.rows("t4", tpl)
    cols = codebook.columns("t4", tpl)
    names = [c.label_zh for c in cols]
    return [
        [("行政复议", 1, 5), ("行政诉讼", 1, 10)],
        [(n, 2, 1) for n in names] + [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)],
        [(n, 1, 1) for n in names] * 2,
        [(_raw(case, "t4", g.code, c.code), 1, 1) for g in groups for c in cols],
    ]


LAYOUTS = {"t2": layout_t2, "t3": layout_t3, "t4": layout_t4}


def place(rows: list) -> tuple[int, int, list]:
    """(n_rows, n_cols, [(r, c, rowspan, colspan, text)]) of a layout."""
    taken: set = set()
    placed = []
    ncols = 0
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, rs, cs, text))
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
            c += cs
            ncols = max(ncols, c)
    nrows = max(r for r, _ in taken) + 1
    if len(taken) != nrows * ncols:
        raise ValueError(f"layout does not fill its {nrows}x{ncols} grid")
    return nrows, ncols, placed


# --------------------------------------------------------------------------- HTML


def render_html(case: Case) -> bytes:
    """A portal article page: metas, chrome, the report in a TRS_Editor div, tables with rowspan/colspan."""
    title = case.html_meta.get("ArticleTitle") or case.expected.get("title") or case.name
    metas = "".join(f'<meta name="{escape(k)}" content="{escape(v)}">\n' for k, v in case.html_meta.items())
    parts = [
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n",
        f"<title>{escape(title)}_政府信息公开年报</title>\n{metas}</head><body>\n",
        '<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政府信息公开年报</div>\n',
        '<div class="article"><div class="TRS_Editor">\n',
    ]
    for kind, payload in case.blocks:
        if kind == "p":
            parts.append(f'<p style="text-indent: 2em;">{escape(payload)}</p>\n')
            continue
        parts.append('<table border="1" cellspacing="0" cellpadding="0" width="100%"><tbody>\n')
        for row in LAYOUTS[payload](case):
            parts.append("<tr>")
            for text, rs, cs in row:
                attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
                parts.append(f"<td{attrs}><p>{escape(text)}</p></td>")
            parts.append("</tr>\n")
        parts.append("</tbody></table>\n")
    parts.append('</div></div>\n<div class="footer">主办单位：示例 版权所有</div>\n</body></html>\n')
    return "".join(parts).encode("utf-8")


# --------------------------------------------------------------------------- DOCX

FIXED_DT = datetime(2026, 1, 1)
_COL_CM = {"t2": [4.6, 4.0, 4.0, 4.0], "t3": [1.3, 1.9, 4.2] + [1.37] * 7, "t4": [1.11] * 15}


def _set_cell_width(cell, cm: float) -> None:
    from docx.shared import Cm

    cell.width = Cm(cm)


def _docx_table(d, case: Case, code: str):
    from docx.shared import Cm, Pt

    nrows, ncols, placed = place(LAYOUTS[code](case))
    t = d.add_table(rows=nrows, cols=ncols)
    t.style = "Table Grid"
    t.autofit = False
    widths = _COL_CM[code]
    for i, col in enumerate(t.columns):
        col.width = Cm(widths[i])
    cells = t._cells  # table.cell(r, c) recomputes the grid on every call
    for cell_i, cell in enumerate(cells):
        _set_cell_width(cell, widths[cell_i % ncols])
    for r, c, rs, cs, _text in placed:
        if rs > 1 or cs > 1:
            cells[r * ncols + c].merge(cells[(r + rs - 1) * ncols + c + cs - 1])
    cells = t._cells
    for r, c, rs, cs, text in placed:
        cell = cells[r * ncols + c]
        cell.text = text
        for p in cell.paragraphs:
            p.paragraph_format.space_after = Pt(0)
            for run in p.runs:
                run.font.size = Pt(9)
    return t


def render_docx(case: Case) -> bytes:
    """A Word document: paragraphs and the three tables with real merged cells. Byte-stable."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.0)
    sec.top_margin = sec.bottom_margin = Cm(2.5)
    normal = d.styles["Normal"]
    normal.font.size = Pt(11)
    normal.font.name = "SimSun"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    cp = d.core_properties
    cp.author = cp.last_modified_by = ""
    cp.title = case.name
    cp.created = cp.modified = FIXED_DT
    cp.revision = 1
    for kind, payload in case.blocks:
        if kind == "p":
            d.add_paragraph(payload)
        else:
            _docx_table(d, case, payload)
            d.add_paragraph("")  # Word needs a paragraph between two tables, else they become one
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """python-docx stamps zip members with the current time: rewrite them with a fixed one."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- ReportLab PDF


def render_reportlab_pdf(case: Case) -> bytes:
    """The same document drawn by the local portal's PDF generator (ogi.portal.docs.make_pdf)."""
    from ogi.portal.docs import make_pdf

    blocks = [("p", t) if k == "p" else ("table", LAYOUTS[t](case)) for k, t in case.blocks]
    return make_pdf(case.expected.get("title") or case.name, blocks)


def file_name(name: str, fmt: str) -> str:
    return f"{name}.{SUFFIX.get(fmt, fmt)}"


# --------------------------------------------------------------------------- LibreOffice


def soffice_convert(docx: dict[str, bytes], formats: Iterable[str] = SOFFICE_FORMATS, *, timeout: float = 300.0,
                    workdir: Optional[Path] = None) -> dict[tuple[str, str], bytes]:
    """Convert DOCX files with LibreOffice: one soffice run per target format for all of them, the runs
    in parallel (each with a private profile). Returns {(name, fmt): bytes}. Raises SofficeMissing when
    LibreOffice is not installed, RuntimeError when a conversion fails."""
    from normalize.extract.office import SETUP_HINT, find_soffice

    exe = find_soffice()
    if not exe:
        raise SofficeMissing(SETUP_HINT)
    formats = list(formats)
    with tempfile.TemporaryDirectory(prefix="ogi-render-", dir=workdir) as tmp:
        tmp_path = Path(tmp)
        indir = tmp_path / "in"
        indir.mkdir()
        for name, data in docx.items():
            (indir / f"{name}.docx").write_bytes(data)
        procs = []
        for fmt in formats:
            outdir, profile = tmp_path / f"out-{fmt}", tmp_path / f"profile-{fmt}"
            outdir.mkdir()
            env = dict(os.environ, HOME=str(tmp_path / f"home-{fmt}"), SAL_USE_VCLPLUGIN="svp")
            cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--nologo",
                   "--nodefault", "--nofirststartwizard", "--nolockcheck", "--norestore",
                   "--convert-to", _SOFFICE_FILTER[fmt], "--outdir", str(outdir)]
            cmd += [str(indir / f"{n}.docx") for n in docx]
            procs.append((fmt, subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.PIPE, env=env, start_new_session=True)))
        deadline = time.monotonic() + timeout
        errors = {}
        for fmt, p in procs:
            try:
                _, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
                if p.returncode:
                    errors[fmt] = f"exit {p.returncode}: {err.decode('utf-8', 'replace')[-500:]}"
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                p.wait()
                errors[fmt] = f"timed out after {timeout:.0f} s"
        out = {}
        for fmt in formats:
            for name in docx:
                f = tmp_path / f"out-{fmt}" / f"{name}.{fmt}"
                if f.is_file() and f.stat().st_size:
                    out[(name, fmt)] = f.read_bytes()
                else:
                    errors.setdefault(f"{name}.{fmt}", "no output")
        if errors:
            raise RuntimeError(f"LibreOffice conversion failed: {errors}")
        return out


# --------------------------------------------------------------------------- everything


def _fingerprint(cases: list[Case]) -> str:
    """Hash of everything the renderings depend on (cases, this module, library versions)."""
    import docx as _docx

    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update(getattr(_docx, "__version__", "?").encode())
    for c in cases:
        h.update(json.dumps([c.name, c.template, c.t3_rows, c.blocks, sorted(map(list, c.raws.items())),
                             c.html_meta], ensure_ascii=False, default=str).encode())
    return h.hexdigest()[:16]


def render_all(cases: list[Case], outdir: Path, formats: Iterable[str] = FORMATS) -> dict[tuple[str, str], Path]:
    """Render every case into every format under `outdir` (<name>.<fmt>); returns {(name, fmt): path}.

    Files already there from an identical input set (a `.fingerprint` file records it) are reused, so a
    directory kept between runs (e.g. OGI_RENDER_DIR) skips LibreOffice entirely.
    """
    formats = list(formats)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    fp = _fingerprint(cases)
    stamp = outdir / ".fingerprint"
    paths = {(c.name, f): outdir / file_name(c.name, f) for c in cases for f in formats}
    if stamp.is_file() and stamp.read_text() == fp and all(p.is_file() for p in paths.values()):
        return paths
    stamp.unlink(missing_ok=True)
    docx_bytes = {c.name: render_docx(c) for c in cases}
    for c in cases:
        if "html" in formats:
            (outdir / f"{c.name}.html").write_bytes(render_html(c))
        if "docx" in formats:
            (outdir / f"{c.name}.docx").write_bytes(docx_bytes[c.name])
        if "pdf_reportlab" in formats:
            (outdir / file_name(c.name, "pdf_reportlab")).write_bytes(render_reportlab_pdf(c))
    todo = [f for f in formats if f in SOFFICE_FORMATS]
    if todo:
        for (name, fmt), data in soffice_convert(docx_bytes, todo, workdir=outdir).items():
            (outdir / f"{name}.{fmt}").write_bytes(data)
    stamp.write_text(fp)
    return paths


def main(argv=None) -> int:
    """python tests/render_formats.py OUTDIR: write every rendering (for looking at them)."""
    import argparse

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("outdir", type=Path)
    args = ap.parse_args(argv)
    (args.outdir / ".fingerprint").unlink(missing_ok=True)
    paths = render_all(load_cases(), args.outdir)
    for (name, fmt), p in sorted(paths.items()):
        print(f"{name:28} {fmt:5} {p.stat().st_size:>8}  {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
