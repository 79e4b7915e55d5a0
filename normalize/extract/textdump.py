"""Plain-text dumps of Word reports (the `seeds/`), read into a `Document`.

Two dump styles exist; the style is sniffed per document:

cell-per-line (seeds 000, 002, 003, 004)
    Every table cell starts a line with one TAB. A line without a leading TAB that follows a cell
    line directly continues that cell ("\\t本年新" + "制作数量", vertical labels "\\t三、" "本" "年" …);
    continuation lines are joined with "\\n". A blank line ends a table row. A non-blank line without
    a TAB that does not continue a cell is a paragraph and ends the current table.

row-per-line (seed 001)
    One table row per line, cells separated by TABs. Rows may have missing or extra cells and may
    start at the line start instead of after their empty leading cells. Blank lines inside a table are
    ignored. A line without any TAB is a paragraph and ends the current table (so a merged heading row
    such as "第二十条第（五）项" printed without TABs splits table 2 into two blocks; the table parser
    reads tables as one stream of rows and does not care).

Cells are stored stripped of surrounding whitespace only (incl. U+3000 and NBSP); the inner text,
line breaks of split labels included, is kept. Tables are `ragged=True`: the dump cannot know spans.
Word bookmark artefacts ("[bookmark: _GoBack]") are removed from paragraphs.
"""
from __future__ import annotations

import re

from ..document import Document, Paragraph, Table

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")


def _clean(text: str) -> str:
    return (text or "").strip()


def sniff_style(lines: list[str]) -> str:
    """'rows' when most tab lines carry several cells, else 'cells'."""
    internal = single = 0
    for ln in lines:
        if "\t" not in ln:
            continue
        body = ln.lstrip("\t")
        if "\t" in body.rstrip("\t") or (not ln.startswith("\t") and "\t" in ln):
            internal += 1
        elif ln.startswith("\t"):
            single += 1
    return "rows" if internal >= 3 and internal > single else "cells"


def read_textdump(text: str) -> Document:
    """Read a text dump (see module doc) into a Document of Paragraph and ragged Table blocks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    style = sniff_style(lines)
    blocks = _read_rows(lines) if style == "rows" else _read_cells(lines)
    doc = Document(blocks=[], format="text")
    ti = 0
    for b in blocks:
        if isinstance(b, Table):
            if not any(any(c for c in r) for r in b.rows):
                continue  # a table of empty cells only carries nothing
            b.index = ti
            b.row_pages = [None] * len(b.rows)
            ti += 1
        doc.blocks.append(b)
    doc.meta["textdump_style"] = style
    return doc


def _paragraph(line: str):
    t = _clean(_BOOKMARK.sub("", line))
    return Paragraph(t) if t else None


def _read_cells(lines: list[str]) -> list:
    blocks: list = []
    table: list[list[str]] | None = None
    row: list[str] | None = None
    last_was_cell = False  # the previous line was a cell line or its continuation

    def end_row():
        nonlocal row
        if row is not None and table is not None:
            table.append(row)
        row = None

    def end_table():
        nonlocal table
        end_row()
        if table:
            blocks.append(Table(rows=table, ragged=True))
        table = None

    for ln in lines:
        if ln.startswith("\t"):
            if table is None:
                table = []
            if row is None:
                row = []
            parts = ln.split("\t")[1:]
            row.extend(_clean(p) for p in parts)
            last_was_cell = True
        elif not ln.strip():
            end_row()
            last_was_cell = False
        elif last_was_cell and row:
            # continuation of the previous cell (split label, vertical label)
            cont = ln.strip()
            row[-1] = f"{row[-1]}\n{cont}" if row[-1] else cont
        else:
            end_table()
            p = _paragraph(ln)
            if p:
                blocks.append(p)
            last_was_cell = False
    end_table()
    return blocks


def _read_rows(lines: list[str]) -> list:
    blocks: list = []
    table: list[list[str]] | None = None
    for ln in lines:
        if not ln.strip():
            continue
        if "\t" in ln:
            if table is None:
                table = []
            table.append([_clean(c) for c in ln.split("\t")])
        else:
            if table:
                blocks.append(Table(rows=table, ragged=True))
            table = None
            p = _paragraph(ln)
            if p:
                blocks.append(p)
    if table:
        blocks.append(Table(rows=table, ragged=True))
    return blocks
