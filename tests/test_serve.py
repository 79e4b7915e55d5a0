import json
from pathlib import Path

from ogi.serve import METADATA, datasette_command, metadata_for


def test_metadata_follows_the_database_file_name(tmp_path):
    assert metadata_for(Path("data/ogi.db")) == METADATA
    other = metadata_for(tmp_path / "snapshot-2026.db")
    data = json.loads(other.read_text("utf-8"))
    assert list(data["databases"]) == ["snapshot-2026"]
    assert data["databases"]["snapshot-2026"] == json.loads(METADATA.read_text("utf-8"))["databases"]["ogi"]


def test_datasette_serves_immutable_with_time_limits():
    cmd = datasette_command(Path("data/ogi.db"), port=8123)
    assert cmd[cmd.index("-i") + 1] == "data/ogi.db"
    assert "sql_time_limit_ms" in cmd and "8123" in cmd
    assert any(a.startswith("ogi-static:") for a in cmd)
