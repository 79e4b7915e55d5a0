"""The build collects its documents into the spill file (normalize/collect.py, issue 9): the same documents,
latest pages, parents, image sequences and image pages as the in-memory `collect_documents` +
`image_sequences` on an archive with re-fetched pages (also under a final URL, and a tie), attachments of
known and unknown parents, image attachments and rejected pages; `documents(spill, only=…)` and the item
keys the parse step leaves in the spill's `docs` table."""
import hashlib
import json

from normalize.archive_reader import ArchiveReader
from normalize.build import item_key
from normalize.collect import collect, documents, pack, page_of
from reference_collect import collect_documents, image_sequences
from normalize.result_store import DocStore, Spill

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
BASE = "http://qy.gov.cn/"


def _put(root, n, url, data, role, seen, *, final_url=None, parent=None, status=200, verdict="report", title=None):
    sha = hashlib.sha256(data).hexdigest()
    (root / "blobs" / sha[:2]).mkdir(parents=True, exist_ok=True)
    (root / "blobs" / sha[:2] / sha).write_bytes(data)
    meta = {"role": role, "verdict": verdict, "title": title or f"青屿市财政局{n}号", "listing": "x"}
    if parent:
        meta["parent_url"] = parent
    side = root / "fetches" / sha[:2] / sha
    side.mkdir(parents=True, exist_ok=True)
    (side / f"{n:04d}.json").write_text(json.dumps({
        "sha256": sha, "url": url, "final_url": final_url or url, "status": status, "kind": role, "site": "qy",
        "fetched_at": seen, "last_seen_at": seen, "referrer": BASE, "headers": {"Server": "x"}, "meta": meta,
        "run_ids": ["r1"], "size": len(data)}, ensure_ascii=False), "utf-8")


def _archive(root):
    page = (f'<html><img src="b.png"><img src="{BASE}a.png"></html>').encode()
    _put(root, 1, BASE + "p1.html", b"<html>old</html>", "report_page", "2023-01-01")
    _put(root, 2, BASE + "p1.html", page, "report_page", "2024-01-01", final_url=BASE + "p1b.html")
    _put(root, 3, BASE + "p2.html", b"<html>p2 first</html>", "report_page", "2024-02-01")
    _put(root, 4, BASE + "p2.html", b"<html>p2 tie</html>", "report_page", "2024-02-01")  # a tie: the first wins
    _put(root, 5, BASE + "p3.html", b"<html>p3</html>", "report_page", "2024-03-01", final_url=BASE + "p1b.html")
    _put(root, 6, BASE + "a.png", PNG + b"a", "attachment", "2024-01-02", parent=BASE + "p1.html")
    _put(root, 7, BASE + "b.png", PNG + b"b", "attachment", "2024-01-02", parent=BASE + "p1b.html")
    _put(root, 8, BASE + "c.png", PNG + b"c", "attachment", "2024-01-02", parent=BASE + "p1.html")
    _put(root, 9, BASE + "r.pdf", b"%PDF-1.4 report", "attachment", "2024-01-02", parent=BASE + "p2.html")
    _put(root, 10, BASE + "o.pdf", b"%PDF-1.4 orphan", "attachment", "2024-01-02", parent=BASE + "gone.html")
    _put(root, 11, BASE + "n.pdf", b"%PDF-1.4 none", "attachment", "2024-01-02")
    _put(root, 12, BASE + "neg.html", b"<html>negative</html>", "report_page", "2024-01-03", verdict="negative")
    _put(root, 13, BASE + "404.html", b"<html>404</html>", "report_page", "2024-01-03", status=404)
    _put(root, 14, BASE + "list.html", b"<html>list</html>", "listing", "2024-01-03")
    _put(root, 15, BASE + "d.png", PNG + b"d", "attachment", "2024-01-04", parent=BASE + "p3.html")
    return ArchiveReader(root)


def test_collect_decides_what_collect_documents_decides(tmp_path):
    reader = _archive(tmp_path / "archive")
    docs, pages = collect_documents(reader)
    sequences = image_sequences(reader, docs, pages)
    in_sequence = {(img.url, img.sha256): url for url, imgs in sequences.items() for img in imgs}
    assert sequences and in_sequence  # the archive exercises image sequences

    spill = Spill(tmp_path / "spill.sqlite").open()
    rejected = []
    n = collect(reader, spill, rejected=rejected.append)
    got = list(documents(spill))
    assert n == len(docs) == len(got) == 12
    assert [d.i for d in got] == list(range(n))
    assert [pack(d.fetch) for d in got] == [pack(f) for f in docs]
    assert [r.url for r in rejected] == [BASE + "neg.html"]
    for d, f in zip(got, docs):
        parent = pages.get(f.meta.get("parent_url")) if f.role == "attachment" else None
        assert (d.parent and pack(d.parent)) == (parent and pack(parent)), f.url
        want = sequences.get(f.url) if f.role == "report_page" else None
        assert (d.images and [(i.url, i.sha256) for i in d.images]) == (want and [(i.url, i.sha256) for i in want])
        assert d.with_page == in_sequence.get((f.url, f.sha256)), f.url
    conn = spill._db()
    for url, page in pages.items():
        assert pack(page_of(conn, url)) == pack(page), url
    assert page_of(conn, BASE + "gone.html") is None and page_of(conn, None) is None
    # the latest page, the first on a tie; a final URL shared by two pages goes to the later one
    assert pages[BASE + "p2.html"] is next(f for f in docs if f.url == BASE + "p2.html")  # (sidecar order)
    assert pages[BASE + "p1b.html"].url == BASE + "p3.html"

    conn.execute("CREATE TABLE jobs (i INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO jobs VALUES (?)", [(1,), (5,), (9,)])
    assert [(d.i, pack(d.fetch)) for d in documents(spill, only="jobs")] == [(i, pack(docs[i])) for i in (1, 5, 9)]
    assert [d.i for d in documents(spill, start=7)] == list(range(7, n))
    spill.remove()


def test_item_keys_are_kept_in_the_spill(tmp_path):
    reader = _archive(tmp_path / "archive")
    spill = Spill(tmp_path / "spill.sqlite").open()
    collect(reader, spill)
    store = DocStore(spill)
    got = list(documents(spill))
    for d in reversed(got):  # any order: the keys are read back by index
        store.put(d.i, {"url": d.fetch.url}, item=item_key(d.fetch))
    store.put(0, {"url": "changed"})  # a later put without a key keeps the document's key
    keys = store.item_keys()
    want = [item_key(d.fetch) for d in got]
    assert list(keys) == want and len(keys) == len(want)
    assert [keys[i] for i in (11, 0, 5, -1)] == [want[11], want[0], want[5], want[-1]]
    assert keys[2:4] == want[2:4]
    assert store.get_many([0])[0] == {"url": "changed"}
    by_item = dict(spill._db().execute("SELECT item, group_concat(i) FROM docs GROUP BY item"))
    assert by_item[BASE + "p1.html"] == ",".join(str(i) for i, k in enumerate(want) if k == BASE + "p1.html")
    assert len(by_item[BASE + "p1.html"].split(",")) == 4  # two fetches of the page, two of its images
    spill.remove()


def test_map_in_workers_reads_a_generator_a_window_ahead():
    from normalize.workers import map_in_workers

    pulled = []

    def args():
        for i in range(40):
            pulled.append(i)
            yield (-i,)

    got = []
    for r in map_in_workers(abs, args(), workers=2, on_lost=lambda a, m: None, chunk=3):
        got.append((r, len(pulled)))
    assert [r for r, _ in got] == list(range(40))
    assert all(n <= r + 1 + 6 for r, n in got)  # never more than one window (chunk × workers) ahead
