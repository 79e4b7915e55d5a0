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
