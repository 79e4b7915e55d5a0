"""The build's write path: secondary indexes of the bulk tables are made after the rows and are exactly
the schema's; VACUUM runs only when the file has free pages."""
import sqlite3

import sqlite_utils

from normalize.build import BULK_TABLES, finish_database, open_database, vacuum_if_needed
from normalize.schema import migrate


def _indexes(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return {name: (tbl, sql) for name, tbl, sql in conn.execute(
            "select name, tbl_name, sql from sqlite_master where type = 'index' and sql is not null")}
    finally:
        conn.close()


def test_indexes_deferred_while_writing_are_all_there_after_the_finish(tmp_path):
    schema = sqlite_utils.Database(tmp_path / "schema.db")
    migrate(schema)
    schema.close()
    expected = _indexes(tmp_path / "schema.db")
    bulk = {n for n, (tbl, _) in expected.items() if tbl in BULK_TABLES}
    assert {"idx_cells_tbl_row_code_col_code", "idx_checks_report_id"} <= bulk

    db = open_database(tmp_path / "built.db")
    while_writing = set(_indexes(tmp_path / "built.db"))
    assert not (bulk & while_writing)  # written without them
    finish_database(db)
    db.close()
    assert _indexes(tmp_path / "built.db") == expected


def test_vacuum_runs_only_when_pages_are_free(tmp_path):
    db = sqlite_utils.Database(tmp_path / "v.db")
    db["t"].insert_all(({"id": i, "text": "x" * 1000} for i in range(3000)), pk="id")
    assert vacuum_if_needed(db) is False  # written once: nothing to give back
    db.execute("delete from t where id < 2000")
    db.conn.commit()
    assert db.execute("PRAGMA freelist_count").fetchone()[0] > 0
    assert vacuum_if_needed(db) is True
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_rows_written_without_binding_nulls_equal_sqlite_utils_insert_all(tmp_path):
    """_insert_rows / _Inserter leave None columns out of the statement (pysqlite3 binds a None slowly):
    the stored rows, their rowids and types equal sqlite-utils' insert_all, including a column with a
    DEFAULT (bound, so an explicit None stays NULL), Decimal, dict/list (JSON) and bool values, and rows
    whose None columns change from row to row."""
    from decimal import Decimal

    from normalize.build import _insert_rows

    ddl = ("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b NUMERIC, c INTEGER, d TEXT DEFAULT 'dflt', "
           "e REAL, f TEXT)")
    rows = [{"a": "x", "b": 1, "c": None, "d": None, "e": 1.5, "f": None},
            {"a": None, "b": None, "c": 2, "d": "y", "e": None, "f": None},
            {"a": "z", "b": Decimal("2.50"), "c": True, "d": None, "e": None, "f": {"k": ["中", 1]}},
            {"a": None, "b": None, "c": None, "d": None, "e": None, "f": None},
            {"a": "w", "b": 7, "c": 3, "d": "v", "e": 2.0, "f": [1, 2]},
            {"a": "w", "b": 8, "c": 4, "d": "u", "e": 3.0, "f": "plain"}]
    got, want = sqlite_utils.Database(tmp_path / "got.db"), sqlite_utils.Database(tmp_path / "want.db")
    for db in (got, want):
        db.execute(ddl)
    _insert_rows(got, "t", rows)
    want["t"].insert_all(rows)
    q = "select id, a, typeof(a), b, typeof(b), c, typeof(c), d, typeof(d), e, typeof(e), f from t order by id"
    assert got.execute(q).fetchall() == want.execute(q).fetchall()
    assert got.execute("select count(*) from t where d is null").fetchone()[0] == 3  # None stays NULL, not 'dflt'
