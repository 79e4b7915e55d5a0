"""Text and grid helpers shared by every extractor.

- `clean_text`: whitespace normalisation that keeps every non-space character (no NFKC: full-width
  punctuation such as （）：stays as printed). NBSP, full-width spaces, tabs and the other Unicode
  spaces become one ASCII space; runs collapse; zero-width characters go. A line break between two CJK
  characters disappears (a browser or Word would not show a space there either).
- `join_pieces`: joins the pieces of one cell (HTML <p>/<br>, Word paragraphs, PDF lines) without a
  separator when both sides of the join are CJK (`商业` + `企业` → `商业企业`, vertical labels written
  one character per line), else with one space.
- `GridBuilder`: places cells with row and column spans into a full grid; a merged cell repeats its
  text in every position it covers. `finish_grid` pads rows and drops all-empty rows and columns, so
  that an HTML table and the same table in Word give the same grid.
- `drop_spanned_columns`: a grid column that starts no cell in any row is a copy of the column before
  it (every row has one cell spanning both). Word tables converted by LibreOffice (and Word's own HTML)
  carry such columns: a 1-twip w:gridCol left by rounding, spanned by a gridSpan=2 in every row. They are
  dropped, so the same table has the same grid whatever made it.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from ..document import ExtractError

_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK punctuation (、。〈〉《》「」【】〔〕)
    (0x3040, 0x30FF),  # kana
    (0x3100, 0x312F),
    (0x31C0, 0x31EF),
    (0x3200, 0x4DBF),  # enclosed, compatibility, ext A
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),  # full-width forms （）：，０-９
    (0x20000, 0x3134F),
)
_CJK_EXTRA = set("“”‘’…—·")


def is_cjk(ch: str) -> bool:
    if not ch:
        return False
    if ch in _CJK_EXTRA:
        return True
    o = ord(ch)
    for lo, hi in _CJK_RANGES:
        if lo <= o <= hi:
            return True
    return False


_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile("[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_SPACE_RUN = re.compile(" {2,}")
_NEWLINE_RUN = re.compile(r"[ ]*(?:\r\n|\r|\n|\u2028|\u2029)[\s]*")


def clean_text(s: Optional[str]) -> str:
    """Normalise whitespace of one paragraph or cell; keep every other character."""
    if not s:
        return ""
    s = _ZERO_WIDTH.sub("", s)
    s = _SPACES.sub(" ", s)
    if "\n" in s or "\r" in s or "\u2028" in s or "\u2029" in s:
        s = _NEWLINE_RUN.sub(_join_newline, s)
    s = s.replace("\x00", "")
    if "  " in s:
        s = _SPACE_RUN.sub(" ", s)
    return s.strip()


def _join_newline(m: re.Match) -> str:
    s, start, end = m.string, m.start(), m.end()
    left = s[start - 1] if start > 0 else ""
    right = s[end] if end < len(s) else ""
    return "" if (is_cjk(left) and is_cjk(right)) or not left or not right else " "


def join_pieces(pieces: Iterable[str]) -> str:
    """Join already-cleaned fragments of one cell (see module doc)."""
    out = ""
    for p in pieces:
        p = p.strip() if p else ""
        if not p:
            continue
        if not out:
            out = p
        elif is_cjk(out[-1]) and is_cjk(p[0]):
            out += p
        else:
            out += " " + p
    return out


def parse_span(value, limits) -> int:
    """HTML/Word span attribute → int in [1, max_span] ('2px', '', 'x', '0' are tolerated)."""
    if value is None:
        return 1
    m = re.match(r"\s*(\d+)", str(value))
    if not m:
        return 1
    n = int(m.group(1)[:7])
    return max(1, min(n, limits.max_span))


class GridBuilder:
    """Place spanning cells row by row (HTML table model)."""

    def __init__(self, limits):
        self.limits = limits
        self.rows: list[dict[int, str]] = []
        self.width = 0
        self._next_row = 0
        self._cells = 0
        self.starts: list[set[int]] = []  # per grid row: columns where a cell (or a rowspan through it) begins

    def _row(self, r: int) -> dict[int, str]:
        while len(self.starts) <= r:
            self.starts.append(set())
        while len(self.rows) <= r:
            self.rows.append({})
        return self.rows[r]

    def add_row(self, cells: list[tuple[str, int, int]], *, nrows_total: Optional[int] = None):
        """Add the next source row. cells: (text, rowspan, colspan) in source order; a cell goes to
        the first free column (positions taken by rowspans from above are skipped); rowspans are
        clipped to nrows_total."""
        r = self._next_row
        self._next_row += 1
        row = self._row(r)
        c = 0
        for text, rowspan, colspan in cells:
            while c in row:
                c += 1
            if nrows_total is not None:
                rowspan = max(1, min(rowspan, nrows_total - r))
            self._cells += rowspan * colspan
            if self._cells > self.limits.max_table_cells:
                raise ExtractError("table_too_large", f"table grid exceeds {self.limits.max_table_cells} cells")
            for dr in range(rowspan):
                target = self._row(r + dr)
                if c not in target:
                    self.starts[r + dr].add(c)
                for dc in range(colspan):
                    target.setdefault(c + dc, text)
            c += colspan
            self.width = max(self.width, c)

    def set(self, r: int, c: int, text: str):
        row = self._row(r)
        row[c] = text
        self.starts[r].add(c)
        self.width = max(self.width, c + 1)

    def grid(self) -> list[list[str]]:
        if len(self.rows) * self.width > 4 * self.limits.max_table_cells:
            raise ExtractError("table_too_large", f"table grid {len(self.rows)}x{self.width} is too large")
        return [[row.get(c, "") for c in range(self.width)] for row in self.rows]

    def spanless_grid(self) -> list[list[str]]:
        """`grid()` without the columns no cell starts in (see `drop_spanned_columns`)."""
        return drop_spanned_columns(self.grid(), self.starts)


def drop_spanned_columns(rows: list[list[str]], starts: list[set[int]]) -> list[list[str]]:
    """Drop grid columns c > 0 at which no cell starts in any row (see module doc).

    rows: the expanded grid; starts: per row, the grid columns where a cell begins (a cell covered by a
    vertical merge from above begins where that merge does). Positions past the end of a row count as
    starts, so ragged rows never lose a column.
    """
    if not rows:
        return rows
    width = max(len(r) for r in rows)
    keep = [0] if width else []
    for c in range(1, width):
        if any(c >= len(r) or c in (starts[i] if i < len(starts) else {c}) for i, r in enumerate(rows)):
            keep.append(c)
    if len(keep) == width:
        return rows
    return [[r[c] for c in keep if c < len(r)] for r in rows]


def finish_grid(rows: list[list[str]], row_pages: Optional[list] = None):
    """Pad to a rectangle; drop all-empty rows and all-empty columns. Returns (rows, row_pages)."""
    width = max((len(r) for r in rows), default=0)
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    if row_pages is None:
        row_pages = [None] * len(rows)
    keep = [i for i, r in enumerate(rows) if any(c.strip() for c in r)]
    rows = [rows[i] for i in keep]
    row_pages = [row_pages[i] for i in keep]
    if rows:
        cols = [c for c in range(width) if any(r[c].strip() for r in rows)]
        if len(cols) < width:
            rows = [[r[c] for c in cols] for r in rows]
    return rows, row_pages
