"""The panel download is written in batches (bounded memory) and is the same as written in one piece:
CSV rows as csv.writer writes them, Parquet columns typed as pyarrow infers the whole column."""
import csv
import io
import sqlite3

import pyarrow as pa
import pyarrow.parquet as pq

from normalize import exports


def _whole_column(values: list):
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def test_batched_panel_equals_the_panel_written_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "BATCH_ROWS", 7)
    monkeypatch.setattr(exports, "ROW_GROUP_ROWS", 20)
    rows = [(i,                                        # integers throughout
             i if i < 30 else i + 0.25,                # integers, then decimals: float64 for the whole column
             None if i < 40 else ("—" if i % 3 else i),  # blank, then text mixed with numbers: text
             None,                                     # blank throughout
             f"青屿市{i}")                              # text
            for i in range(53)]
    conn = sqlite3.connect(":memory:")
    conn.execute("create table t (a, b, c, d, e)")
    conn.executemany("insert into t values (?, ?, ?, ?, ?)", rows)
    n = exports.write_csv_and_parquet(conn.execute("select * from t"), tmp_path / "p.csv", tmp_path / "p.parquet")
    assert n == 53
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["a", "b", "c", "d", "e"])
    w.writerows(rows)
    assert (tmp_path / "p.csv").read_bytes().decode("utf-8-sig") == buf.getvalue()
    got = pq.read_table(tmp_path / "p.parquet")
    cols = [_whole_column(list(c)) for c in zip(*rows)]
    cols = [c.cast(pa.string()) if pa.types.is_null(c.type) else c for c in cols]
    assert got.equals(pa.Table.from_arrays(cols, names=["a", "b", "c", "d", "e"]))
    assert [str(t) for t in got.schema.types] == ["int64", "double", "string", "string", "string"]
    meta = pq.ParquetFile(tmp_path / "p.parquet").metadata
    assert meta.num_row_groups > 1 and all(meta.row_group(i).num_rows <= 20 for i in range(meta.num_row_groups))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "p.parquet"]  # no spill file left
