"""The panel download is written in bounded memory (issue 9): Parquet row groups of `PARQUET_ROWS` rows,
with one column type for the whole file decided from every value (numbers stay numbers, a column that
mixes text and numbers is text, a blank column is text)."""
import csv
import sqlite3

import pyarrow as pa
import pyarrow.parquet as pq

from normalize import exports


def test_panel_parquet_is_written_in_row_groups_with_one_type_per_column(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "PARQUET_ROWS", 2)
    conn = sqlite3.connect(":memory:")
    conn.execute("create table t (n, x, mixed, blank, name)")
    rows = [(1, 1, 1, None, "甲"), (2, 2.5, "3（含）", None, None), (None, None, 4, None, ""), (4, 3, 5.0, None, "丁"),
            (5, 7, None, None, "戊")]
    conn.executemany("insert into t values (?, ?, ?, ?, ?)", rows)
    n = exports.write_csv_and_parquet(conn, "select * from t order by rowid", tmp_path / "p.csv", tmp_path / "p.parquet")
    assert n == 5
    f = pq.ParquetFile(tmp_path / "p.parquet")
    assert f.metadata.num_row_groups == 3
    table = f.read()
    assert [table.schema.field(c).type for c in ("n", "x", "mixed", "blank", "name")] == [
        pa.int64(), pa.float64(), pa.string(), pa.string(), pa.string()]
    assert table.column("n").to_pylist() == [1, 2, None, 4, 5]
    assert table.column("x").to_pylist() == [1.0, 2.5, None, 3.0, 7.0]
    assert table.column("mixed").to_pylist() == ["1", "3（含）", "4", "5.0", None]
    assert table.column("name").to_pylist() == ["甲", None, "", "丁", "戊"]  # blank text is not NULL
    with open(tmp_path / "p.csv", encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh))[1:3] == [["1", "1", "1", "", "甲"], ["2", "2.5", "3（含）", "", ""]]
