"""A database whose recorded migrations are not this code's, position by position, is refused rather than
given the wrong migrations (a file made before migrations were renumbered would skip one silently)."""
import pytest
import sqlite_utils

from normalize.schema import MIGRATIONS, migrate, schema_version


def test_migrate_is_idempotent_and_refuses_another_order(tmp_path):
    db = sqlite_utils.Database(tmp_path / "x.db")
    assert migrate(db) == [name for name, _ in MIGRATIONS]
    assert migrate(db) == []
    assert schema_version(db) == len(MIGRATIONS)
    db.execute("update _migrations set name = 'renumbered_elsewhere' where version = 2")
    db.conn.commit()
    with pytest.raises(ValueError, match="migration 2 of this database is 'renumbered_elsewhere'"):
        migrate(db)
