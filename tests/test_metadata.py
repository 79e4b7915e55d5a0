"""metadata.json is current and documents every table and column of the schema in Chinese and English."""
import json
import re
from pathlib import Path

import sqlite_utils

from normalize.schema import MIGRATIONS, migrate, schema_version
from ogi.metadata_source import build_metadata

REPO = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_metadata_json_is_generated_from_source():
    assert json.loads((REPO / "metadata.json").read_text("utf-8")) == build_metadata(), \
        "metadata.json is stale: run `python -m ogi.metadata_source`"


def test_every_table_and_column_is_described_in_chinese_and_english(tmp_path):
    db = sqlite_utils.Database(tmp_path / "x.db")
    migrate(db)
    tables = build_metadata()["databases"]["ogi"]["tables"]
    missing = []
    fts = [r[0] for r in db.execute("select name from sqlite_master where sql like 'CREATE VIRTUAL TABLE%'")]
    assert {"sections_fts", "passages_fts", "passages_grams"} <= set(fts)
    for name in db.table_names() + db.view_names():
        if any(name == f or name.startswith(f + "_") for f in fts):  # full-text indexes and their shadow tables
            assert name not in fts or tables.get(name, {}).get("hidden"), f"{name} should be hidden"
            continue
        meta = tables.get(name)
        if not meta or not CJK.search(meta.get("description", "")) or not re.search(r"[A-Za-z]", meta["description"]):
            missing.append(name)
            continue
        for col in db[name].columns_dict:
            desc = meta.get("columns", {}).get(col, "")
            if not (CJK.search(desc) and re.search(r"[A-Za-z]", desc)):
                missing.append(f"{name}.{col}")
    assert missing == []


def test_migrations_are_versioned_and_idempotent(tmp_path):
    db = sqlite_utils.Database(tmp_path / "x.db")
    assert migrate(db) == [name for name, _ in MIGRATIONS]
    assert migrate(db) == []
    assert schema_version(db) == len(MIGRATIONS)


def test_canned_queries_reference_existing_tables(tmp_path):
    db = sqlite_utils.Database(tmp_path / "x.db")
    migrate(db)
    for name, q in build_metadata()["databases"]["ogi"]["queries"].items():
        params = {p: "x" for p in re.findall(r":(\w+)", q["sql"])}
        db.execute(q["sql"], params).fetchall()  # raises on a missing table or column


def test_headline_measures_file_matches_the_indicators_wide_columns(tmp_path):
    import csv

    from normalize.schema import HEADLINE_MEASURES_005

    with open(REPO / "normalize" / "headline_measures.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(r["measure"] for r in rows) == HEADLINE_MEASURES_005
    assert all(r["label_zh"] and r["label_en"] and r["unit"] for r in rows)
    db = sqlite_utils.Database(tmp_path / "x.db")
    migrate(db)
    assert set(HEADLINE_MEASURES_005) <= set(db["indicators_wide"].columns_dict)
