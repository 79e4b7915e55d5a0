import json
from pathlib import Path

from ogi.serve import METADATA, datasette_command, metadata_for


def test_metadata_follows_the_database_file_name(tmp_path):
    assert metadata_for(Path("data/ogi.db")) == METADATA
    other = metadata_for(tmp_path / "snapshot-2026.db")
    data = json.loads(other.read_text("utf-8"))
    assert list(data["databases"]) == ["snapshot-2026"]
    assert data["databases"]["snapshot-2026"] == json.loads(METADATA.read_text("utf-8"))["databases"]["ogi"]
    assert metadata_for(tmp_path / "snapshot-2026.db") == other  # a restart rewrites the same file, no pile-up


def test_datasette_serves_immutable_with_time_limits():
    cmd = datasette_command(Path("data/ogi.db"), port=8123)
    assert cmd[cmd.index("-i") + 1] == "data/ogi.db"
    assert "sql_time_limit_ms" in cmd and "8123" in cmd
    assert any(a.startswith("ogi-static:") for a in cmd)


def test_serve_passes_options_through_and_uses_the_inspect_file(tmp_path):
    db = tmp_path / "ogi.db"
    db.write_bytes(b"")
    cmd = datasette_command(db, port=8124, extra=("--setting", "sql_time_limit_ms", "900", "--template-dir", "x"))
    assert "--inspect-file" not in cmd                       # no inspect file next to this database
    assert cmd[-5:] == ["--setting", "sql_time_limit_ms", "900", "--template-dir", "x"]  # last: overrides ours
    i = cmd.index("default_cache_ttl")
    assert cmd[i - 1] == "--setting" and int(cmd[i + 1]) >= 3600  # the file is immutable: cache long
    (tmp_path / "ogi.inspect.json").write_text("{}")
    cmd = datasette_command(db, port=8124)
    assert cmd[cmd.index("--inspect-file") + 1] == str(tmp_path / "ogi.inspect.json")


def test_dashboards_follow_the_database_file_name(tmp_path):
    data = json.loads(metadata_for(tmp_path / "snapshot.db").read_text("utf-8"))
    charts = data["plugins"]["datasette-dashboards"]["overview"]["charts"]
    assert {c["db"] for c in charts.values() if "db" in c} == {"snapshot"}


def test_ogi_serve_cli_collects_the_pass_through_options(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import ogi.serve
    from ogi.cli import main

    seen = {}
    monkeypatch.setattr(ogi.serve, "serve", lambda db, **kw: seen.update(kw) or 0)
    db = tmp_path / "ogi.db"
    db.write_bytes(b"")
    result = CliRunner().invoke(main, ["serve", "--db", str(db), "--template-dir", str(tmp_path), "--plugins-dir",
                                       str(tmp_path), "--setting", "default_cache_ttl", "60", "--setting", "num_sql_threads", "2"])
    assert result.exit_code == 0, result.output
    assert seen["extra"] == ("--template-dir", str(tmp_path), "--plugins-dir", str(tmp_path),
                             "--setting", "default_cache_ttl", "60", "--setting", "num_sql_threads", "2")
