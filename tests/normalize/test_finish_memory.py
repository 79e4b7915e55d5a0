"""The deferred index sorts of a build run on a connection whose sorts spill to temporary files
(normalize.build.run_sorting, issue 9: pysqlite3-binary keeps every sort in memory)."""
import sqlite3

import sqlite_utils

from normalize.build import SORT_PRAGMAS, run_sorting


def test_the_sorting_sqlite_honours_temp_store_file():
    conn = sqlite3.connect(":memory:")
    try:
        options = {r[0] for r in conn.execute("PRAGMA compile_options")}
        for pragma in SORT_PRAGMAS:
            conn.execute(pragma)
        assert "TEMP_STORE=3" not in options  # 3 = always in memory, whatever the pragma says
        assert conn.execute("PRAGMA temp_store").fetchone()[0] == 1  # FILE
    finally:
        conn.close()


def test_indexes_made_on_the_other_connection_are_seen_and_used_by_the_build_connection(tmp_path):
    db = sqlite_utils.Database(tmp_path / "s.db")
    db.conn.execute("PRAGMA journal_mode=OFF")
    db["cells"].insert_all(({"id": i, "report_id": f"r{i % 97:03d}", "tbl": "t3", "value": i} for i in range(5000)),
                           pk="id")
    db.conn.commit()
    run_sorting(db, ["CREATE INDEX idx_cells_report ON cells (report_id, tbl)"])
    assert "idx_cells_report" in {i.name for i in db["cells"].indexes}
    plan = " ".join(r[-1] for r in db.execute("EXPLAIN QUERY PLAN SELECT id FROM cells WHERE report_id = 'r005'"))
    assert "idx_cells_report" in plan
    got = [r[0] for r in db.execute("SELECT id FROM cells WHERE report_id = 'r005' ORDER BY id")]
    assert got == list(range(5, 5000, 97))
    db.conn.execute("INSERT INTO cells (id, report_id, tbl, value) VALUES (9999, 'r005', 't4', 1)")  # still writable
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_a_database_in_memory_makes_them_on_its_own_connection():
    db = sqlite_utils.Database(memory=True)
    db["t"].insert_all([{"a": 2}, {"a": 1}])
    run_sorting(db, ["CREATE INDEX idx_t_a ON t (a)"])
    assert [i.name for i in db["t"].indexes] == ["idx_t_a"]
