"""Ruling-line tables in page images (scans, photographed or rasterised reports).

Pure functions over a grey page image (numpy uint8, 0 = ink):

- `deskew(gray)` finds the page's skew (under ±2°) from the projection profile of its ink (the angle
  at which the row sums are sharpest: table rules and text lines line up) and rotates it straight.
- `find_grids(gray)` finds ruling lines by morphology (a horizontal / vertical opening keeps ink runs
  much longer than a character), clusters them into tables and returns each table as a `Grid`: its
  row and column boundaries and, per grid position, the id of the cell covering it. Two neighbouring
  positions belong to one merged cell when no rule separates them (the rule between them is inked
  over less than half its length), so rowspan/colspan come out as in every other format.
- `line_mask(...)` is the mask of every rule, so OCR can read the page with the rules painted out
  (a rule next to a digit is read as "¥", "|" or "1").

Everything is in image pixels; `ocr.py` converts to PDF points (72/dpi) so that the PDF extractor's
page assembly (tables continued across pages, furniture, paragraphs) applies unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Grid:
    xs: list[int]  # column boundaries (pixels), ascending
    ys: list[int]  # row boundaries
    cell_of: list[list[int]]  # [row][col] -> cell id
    boxes: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)  # id -> x0, y0, x1, y1

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def rowspan(self, k: int) -> int:
        return sum(1 for row in self.cell_of if k in row)


def binarize(gray: np.ndarray) -> np.ndarray:
    """Ink mask (uint8 0/255): Otsu's threshold, which survives JPEG noise and grey backgrounds."""
    import cv2

    _t, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def skew_angle(gray: np.ndarray, max_angle: float = 2.0, step: float = 0.1) -> float:
    """Degrees to rotate the page counter-clockwise to straighten it (projection-profile method)."""
    import cv2

    ink = binarize(gray)
    h, w = ink.shape
    scale = min(1.0, 1000.0 / max(h, w))
    small = cv2.resize(ink, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape
    centre = (sw / 2, sh / 2)
    best, best_score = 0.0, -1.0
    for a in np.arange(-max_angle, max_angle + step / 2, step):
        m = cv2.getRotationMatrix2D(centre, float(a), 1.0)
        rot = cv2.warpAffine(small, m, (sw, sh), flags=cv2.INTER_NEAREST, borderValue=0)
        prof = rot.sum(axis=1, dtype=np.float64)
        score = float(np.square(np.diff(prof)).sum())
        if score > best_score + 1e-9:
            best, best_score = float(a), score
    return round(best, 2)


def deskew(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """(straightened image, angle applied in degrees)."""
    import cv2

    angle = skew_angle(gray)
    if abs(angle) < 0.05:
        return gray, 0.0
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255), angle


def rule_masks(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal rules, vertical rules) as uint8 masks. A rule is an ink run at least ~2.5 % of the
    page wide (horizontal) or ~0.9 % of the page high (vertical; short pieces must meet horizontal rules at both ends): longer than any character stroke."""
    import cv2

    ink = binarize(gray)
    h, w = ink.shape
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, w // 40), 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(12, h // 110)))
    hor = cv2.morphologyEx(ink, cv2.MORPH_OPEN, hk)
    ver = cv2.morphologyEx(ink, cv2.MORPH_OPEN, vk)
    # a short vertical piece is a rule only where its ink runs without a gap into horizontal rules at
    # both ends (a character's stroke stands clear of them)
    tol = max(4, int(round(min(h, w) / 300)))
    hs = _segments(hor, True)
    n, labels, stats, _c = cv2.connectedComponentsWithStats(ver, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, bw, bh, _a = stats[i]
        xc = x + bw // 2
        keep[i] = bh >= h // 40 or (_joins(ink, hs, xc, y, tol, up=True) and _joins(ink, hs, xc, y + bh - 1, tol, up=False))
    ver = np.where(keep[labels], ver, 0).astype(np.uint8)
    # close one-pixel breaks left by noise and JPEG
    hor = cv2.dilate(hor, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    ver = cv2.dilate(ver, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    return hor, ver


def line_mask(hor: np.ndarray, ver: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.dilate(cv2.bitwise_or(hor, ver), np.ones((5, 5), np.uint8))  # rules and their grey fringe


def _cluster(values: list[float], tol: float) -> list[int]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [int(round(sum(g) / len(g))) for g in out]


def _segments(mask: np.ndarray, horizontal: bool) -> list[tuple[int, int, int]]:
    """Connected rule pieces as (position across, start, end along)."""
    import cv2

    n, _labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if horizontal:
            out.append((y + h // 2, x, x + w))
        else:
            out.append((x + w // 2, y, y + h))
    return out


def find_grids(gray: np.ndarray, hor: np.ndarray | None = None, ver: np.ndarray | None = None,
               max_cells: int = 100_000) -> list[Grid]:
    """Every ruled table on the page, top to bottom."""
    import cv2

    if hor is None or ver is None:
        hor, ver = rule_masks(gray)
    h, w = gray.shape
    both = cv2.bitwise_or(hor, ver)
    n, labels, stats, _c = cv2.connectedComponentsWithStats(both, connectivity=8)
    grids = []
    tol = max(4, int(round(min(h, w) / 300)))
    for i in range(1, n):
        x, y, bw, bh, _a = stats[i]
        if bw < w * 0.15 or bh < tol * 3:
            continue
        region = labels[y:y + bh, x:x + bw] == i
        rh = np.where(region, hor[y:y + bh, x:x + bw], 0).astype(np.uint8)
        rv = np.where(region, ver[y:y + bh, x:x + bw], 0).astype(np.uint8)
        hs = [(p + y, a + x, b + x) for p, a, b in _segments(rh, True) if b - a >= 0.03 * w]
        vs = [(p + x, a + y, b + y) for p, a, b in _segments(rv, False) if b - a >= tol * 2]
        # a short vertical piece is a rule only where it meets horizontal rules at both ends (a
        # character's stroke does not)
        if len(hs) < 2 or len(vs) < 2:
            continue
        ys = _cluster([s[0] for s in hs], tol)
        xs = _cluster([s[0] for s in vs], tol)
        if len(ys) < 2 or len(xs) < 2 or (len(ys) - 1) * (len(xs) - 1) > max_cells:
            continue
        grid = _cells(xs, ys, hor, ver, tol)
        if grid is not None:
            grids.append(grid)
    grids.sort(key=lambda g: g.ys[0])
    return grids


def _joins(ink: np.ndarray, hs: list, x: int, y: int, tol: int, up: bool) -> bool:
    """Is there a horizontal rule within tol of (x, y) whose ink the column at x reaches without a gap?"""
    for p, a, b in hs:
        if abs(p - y) <= tol and a - tol <= x <= b + tol:
            lo, hi = (p, y) if up else (y, p)
            lo, hi = min(lo, hi), max(lo, hi) + 1
            band = ink[lo:hi, max(0, x - 1):x + 2]
            if band.size and bool((band.max(axis=1) > 0).all()):
                return True
    return False


def _meets(hs: list, x: int, y: int, tol: int) -> bool:
    return any(abs(p - y) <= tol and a - tol <= x <= b + tol for p, a, b in hs)


def _inked(mask: np.ndarray, horizontal: bool, pos: int, a: int, b: int, tol: int) -> float:
    """Share of the stretch a..b of the rule at `pos` that is inked."""
    if b <= a:
        return 0.0
    if horizontal:
        band = mask[max(0, pos - tol):pos + tol + 1, a:b]
        return float((band.max(axis=0) > 0).mean()) if band.size else 0.0
    band = mask[a:b, max(0, pos - tol):pos + tol + 1]
    return float((band.max(axis=1) > 0).mean()) if band.size else 0.0


def _cells(xs: list[int], ys: list[int], hor: np.ndarray, ver: np.ndarray, tol: int) -> Grid | None:
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(nr):
        y0, y1 = ys[r], ys[r + 1]
        m = max(1, (y1 - y0) // 5)
        for c in range(nc - 1):
            if _inked(ver, False, xs[c + 1], y0 + m, y1 - m, tol) < 0.5:
                union(r * nc + c, r * nc + c + 1)
    for c in range(nc):
        x0, x1 = xs[c], xs[c + 1]
        m = max(1, (x1 - x0) // 5)
        for r in range(nr - 1):
            if _inked(hor, True, ys[r + 1], x0 + m, x1 - m, tol) < 0.5:
                union(r * nc + c, (r + 1) * nc + c)
    # a row or column of the lattice with no cell of its own edge (e.g. the outer frame only) is kept:
    # a cell id per root, numbered in reading order
    ids: dict[int, int] = {}
    cell_of = [[0] * nc for _ in range(nr)]
    for r in range(nr):
        for c in range(nc):
            root = find(r * nc + c)
            cell_of[r][c] = ids.setdefault(root, len(ids))
    if len(ids) < 2:
        return None
    boxes: dict[int, list[int]] = {}
    for r in range(nr):
        for c in range(nc):
            k = cell_of[r][c]
            b = boxes.setdefault(k, [xs[c], ys[r], xs[c + 1], ys[r + 1]])
            b[0], b[1] = min(b[0], xs[c]), min(b[1], ys[r])
            b[2], b[3] = max(b[2], xs[c + 1]), max(b[3], ys[r + 1])
    return Grid(xs=xs, ys=ys, cell_of=cell_of, boxes={k: tuple(v) for k, v in boxes.items()})


def cell_at(grid: Grid, x: float, y: float) -> int | None:
    """The cell id at a point, or None outside the grid."""
    import bisect

    if not (grid.xs[0] <= x <= grid.xs[-1] and grid.ys[0] <= y <= grid.ys[-1]):
        return None
    c = min(max(bisect.bisect_right(grid.xs, x) - 1, 0), len(grid.xs) - 2)
    r = min(max(bisect.bisect_right(grid.ys, y) - 1, 0), len(grid.ys) - 2)
    return grid.cell_of[r][c]
