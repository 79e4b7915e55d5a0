"""The panel download is written in batches (bounded memory) and is the same as written in one piece:
CSV rows as csv.writer writes them, Parquet columns typed by their declared types, widened when a value
does not fit (integers then decimals: float64; text among numbers: text)."""
import csv
import io
import sqlite3

import pyarrow as pa
import pyarrow.parquet as pq

from normalize import export_parts, exports


def test_batched_panel_equals_the_panel_written_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(export_parts, "BATCH_ROWS", 7)
    monkeypatch.setattr(export_parts, "ROW_GROUP_ROWS", 20)
    rows = [(i,                                        # integers throughout
             i if i < 30 else i + 0.25,                # integers, then decimals: float64 for the whole column
             None if i < 40 else ("—" if i % 3 else i),  # blank, then text mixed with numbers: text
             None,                                     # blank throughout
             f"青屿市{i}")                              # text
            for i in range(53)]
    conn = sqlite3.connect(":memory:")
    conn.execute("create table t (a INTEGER, b INTEGER, c INTEGER, d TEXT, e TEXT)")  # b and c do not fit
    conn.executemany("insert into t values (?, ?, ?, ?, ?)", rows)
    declared = {r[1]: r[2] for r in conn.execute("pragma table_info(t)")}
    n = exports._write_single(conn, "select * from t", declared, tmp_path / "p.csv", tmp_path / "p.parquet")
    assert n == 53
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["a", "b", "c", "d", "e"])
    w.writerows(rows)
    assert (tmp_path / "p.csv").read_bytes().decode("utf-8-sig") == buf.getvalue()
    got = pq.read_table(tmp_path / "p.parquet")
    want = pa.table({"a": pa.array([r[0] for r in rows], pa.int64()), "b": pa.array([float(r[1]) for r in rows]),
                     "c": pa.array([None if r[2] is None else str(r[2]) for r in rows], pa.string()),
                     "d": pa.array([None] * 53, pa.string()), "e": pa.array([r[4] for r in rows])})
    assert got.equals(want)
    meta = pq.ParquetFile(tmp_path / "p.parquet").metadata
    assert meta.num_row_groups > 1 and all(meta.row_group(i).num_rows <= 20 for i in range(meta.num_row_groups))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "p.parquet"]  # no spill file left
