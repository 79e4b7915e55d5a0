"""The build's documents, collected from the archive's sidecars into the build's spill file (issue 9).

What the in-memory collection decided (it was `build.collect_documents` and `image_pages.image_sequences`;
tests/normalize/reference_collect.py keeps them for the tests) — every report page and attachment fetched with status
200 that the crawler did not reject, in sidecar order; the latest fetch of each report page URL (by
`last_seen_at`, the first one on a tie, under its URL and its final URL); an attachment's parent page —
and a report page's archived images in page order, decided here with the per-document data in tables of the spill's SQLite file, so the parse step holds one
document (or one batch) at a time whatever the size of the corpus:

- `fetches (i, parent, data)`: each document's compact sidecar (`build._compact_fetch`), pickled, at
  its input index i; `parent` the attachment's `meta.parent_url`;
- `pages (url, i)`: the latest report page fetch under each URL and final URL;
- `image_atts`, `image_seq`, `in_seq`: image attachments, each page's ordered images, each image's page.

`collect(reader, spill, legacy)` fills them (one pass over the sidecars) and `documents(spill)` yields
every document with its parent page, its images and the page an image is read with, in input order.
"""
from __future__ import annotations

import pickle
import sqlite3
from dataclasses import fields
from typing import Callable, Iterator, NamedTuple, Optional

from .archive_reader import ArchiveReader, Fetch
from .identity import is_rejected

_FIELDS = tuple(f.name for f in fields(Fetch))
_P = pickle.HIGHEST_PROTOCOL
BATCH = 2_000  # documents read back from the spill at a time

TABLES = (
    "CREATE TABLE IF NOT EXISTS fetches (i INTEGER PRIMARY KEY, parent TEXT, data BLOB)",
    "CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, i INTEGER, seen TEXT)",
    "CREATE TABLE IF NOT EXISTS image_atts (i INTEGER PRIMARY KEY, parent TEXT)",
    "CREATE INDEX IF NOT EXISTS image_atts_parent ON image_atts (parent, i)",
    "CREATE TABLE IF NOT EXISTS image_parents (m INTEGER PRIMARY KEY, parent TEXT)",
    # rowid = the order in which a page URL was first given images (a dict's insertion order)
    "CREATE TABLE IF NOT EXISTS image_seq (url TEXT PRIMARY KEY, images BLOB)",
    "CREATE TABLE IF NOT EXISTS in_seq (url TEXT, sha TEXT, page TEXT, PRIMARY KEY (url, sha))",
)


class Img(NamedTuple):
    """An image attachment of a report page, as the build reads it (sequence_key reads `sha256`)."""
    url: str
    sha256: str


class DocInput(NamedTuple):
    i: int
    fetch: Fetch
    parent: Optional[Fetch]  # an attachment's report page (the latest fetch of its parent URL)
    images: Optional[list[Img]]  # a report page's images in page order (image_pages.py), or None
    with_page: Optional[str]  # the page an image attachment is read with (it is not OCR'd on its own)


def pack(f: Fetch) -> bytes:
    return pickle.dumps(tuple(map(f.__getattribute__, _FIELDS)), protocol=_P)


def unpack(data: bytes) -> Fetch:
    return Fetch(*pickle.loads(data))


def _conn(spill) -> sqlite3.Connection:
    conn = spill._db()
    for sql in TABLES:
        conn.execute(sql)
    return conn


def collect(reader: ArchiveReader, spill, legacy=None, rejected: Optional[Callable[[Fetch], None]] = None) -> int:
    """Fill the spill's document tables from the archive's sidecars (see module doc); returns the number of
    documents. rejected: called with each sidecar the crawler rejected (rejected_pages), in the same pass."""
    from .build import _compact_fetch

    conn = _conn(spill)
    n = 0
    rows: list[tuple] = []
    page_rows: list[tuple] = []
    upsert = ("INSERT INTO pages (url, i, seen) VALUES (?, ?, ?) ON CONFLICT (url) DO UPDATE "
              "SET i = excluded.i, seen = excluded.seen WHERE pages.seen < excluded.seen")

    def flush():
        conn.executemany("INSERT INTO fetches VALUES (?, ?, ?)", rows)
        conn.executemany(upsert, page_rows)  # in input order: the latest fetch wins, the first on a tie
        rows.clear()
        page_rows.clear()

    for f in reader.fetches():
        if f.status != 200 or f.role not in ("report_page", "attachment"):
            continue
        if is_rejected(f.meta, f.url, legacy):  # the crawler's verdict (negative, noise): rejected_pages only
            if rejected is not None:
                rejected(f)
            continue
        f = _compact_fetch(f)
        attachment = f.role == "attachment"
        rows.append((n, f.meta.get("parent_url") if attachment else None, pack(f)))
        if not attachment:
            for u in dict.fromkeys((f.url, f.final_url)):
                page_rows.append((u, n, f.last_seen_at))
        n += 1
        if len(rows) >= BATCH:
            flush()
    flush()
    _image_sequences(reader, conn)
    return n


def _fetch(conn: sqlite3.Connection, i: int) -> Fetch:
    return unpack(conn.execute("SELECT data FROM fetches WHERE i = ?", (i,)).fetchone()[0])


def page_of(conn: sqlite3.Connection, url: Optional[str]) -> Optional[Fetch]:
    """The latest report page fetched under this URL or final URL."""
    if url is None:
        return None
    row = conn.execute("SELECT p.data FROM pages g JOIN fetches p ON p.i = g.i WHERE g.url = ?", (url,)).fetchone()
    return unpack(row[0]) if row else None


def _image_sequences(reader: ArchiveReader, conn: sqlite3.Connection) -> None:
    """A report page's images in page order (image_pages.page_order), over the spill's tables: the sequences
    the in-memory version (tests/normalize/reference_collect.py) found, and the same page for each
    image (`in_sequence`: the last page URL, in the order URLs were first given images, that lists it)."""
    from .image_pages import MAX_IMAGES, _is_image, page_order

    last = -1
    while True:  # attachments whose parent page was fetched, in input order, a batch at a time
        got = conn.execute("SELECT f.i, f.data FROM fetches f JOIN pages g ON g.url = f.parent WHERE f.i > ? "
                           "ORDER BY f.i LIMIT ?", (last, BATCH)).fetchall()
        if not got:
            break
        last = got[-1][0]
        found = []
        for i, data in got:
            f = unpack(data)
            if _is_image(reader, f):
                found.append((i, f.meta["parent_url"]))
        conn.executemany("INSERT INTO image_atts VALUES (?, ?)", found)
    conn.execute("INSERT INTO image_parents SELECT min(i), parent FROM image_atts GROUP BY parent")
    upsert = "INSERT INTO image_seq VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET images = excluded.images"
    for m, parent in _paged(conn, "SELECT m, parent FROM image_parents WHERE m > ? ORDER BY m LIMIT ?"):
        page = page_of(conn, parent)
        images = [unpack(d) for (d,) in conn.execute(
            "SELECT f.data FROM image_atts a JOIN fetches f ON f.i = a.i WHERE a.parent = ? ORDER BY a.i", (parent,))]
        try:
            html = reader.read_blob(page.sha256)
        except OSError:
            html = b""
        seq = pickle.dumps([Img(f.url, f.sha256) for f in page_order(html, page, images)[:MAX_IMAGES]], protocol=_P)
        conn.execute(upsert, (page.url, seq))
        if page.final_url and page.final_url != page.url:
            conn.execute(upsert, (page.final_url, seq))
    for rowid, url, data in _paged(conn, "SELECT rowid, url, images FROM image_seq WHERE rowid > ? ORDER BY rowid "
                                         "LIMIT ?"):
        conn.executemany("INSERT OR REPLACE INTO in_seq VALUES (?, ?, ?)",
                         [(img.url, img.sha256, url) for img in pickle.loads(data)])


def _paged(conn: sqlite3.Connection, sql: str) -> Iterator[tuple]:
    """Rows of `sql` (… WHERE <first column> > ? ORDER BY it LIMIT ?) a batch at a time, so the caller may
    write to the same connection between them."""
    last = -1
    while True:
        got = conn.execute(sql, (last, BATCH)).fetchall()
        if not got:
            return
        yield from got
        last = got[-1][0]


def documents(spill, start: int = 0, only: Optional[str] = None) -> Iterator[DocInput]:
    """Every collected document in input order (from index `start`), with its parent page, images and
    image page. only: a table of the spill whose `i` column lists the documents wanted (e.g. `jobs`)."""
    conn = _conn(spill)
    with_images = conn.execute("SELECT 1 FROM image_seq LIMIT 1").fetchone() is not None
    src = f"(SELECT f.* FROM {only} o JOIN fetches f ON f.i = o.i)" if only else "fetches"
    sql = (f"SELECT f.i, f.data, p.data FROM {src} f LEFT JOIN pages g ON g.url = f.parent "
           "LEFT JOIN fetches p ON p.i = g.i WHERE f.i >= ? ORDER BY f.i LIMIT ?")
    while True:
        got = conn.execute(sql, (start, BATCH)).fetchall()
        if not got:
            return
        for i, data, parent in got:
            f = unpack(data)
            images = with_page = None
            if with_images:
                if f.role == "report_page":
                    row = conn.execute("SELECT images FROM image_seq WHERE url = ?", (f.url,)).fetchone()
                    images = pickle.loads(row[0]) if row else None
                row = conn.execute("SELECT page FROM in_seq WHERE url = ? AND sha = ?", (f.url, f.sha256)).fetchone()
                with_page = row[0] if row else None
            yield DocInput(i, f, unpack(parent) if parent is not None else None, images, with_page)
        start = got[-1][0] + 1
