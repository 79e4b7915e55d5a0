"""The bulk downloads' fast writer (normalize/export_format.py) gives csv.writer's bytes and loses no value.

CSV text is made by Arrow kernels from typed batches; every awkward case is compared with what Python's
csv module writes for the same rows: quotes, commas, CR/LF, empty strings and None, non-ASCII text,
numbers in a text column, ints and floats in a NUMERIC column (repr), bytes. A value that does not fit
its declared type widens the column instead of being truncated."""
import csv
import io
import math
import random
import sqlite3

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from normalize import export_format, exports

NAMES = ["id", "name", "year", "value", "note", "page"]
DECLARED = {"id": "TEXT", "name": "TEXT", "year": "INTEGER", "value": "NUMERIC", "note": "", "page": "INTEGER"}


def csv_module(rows, header=None) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    if header:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def awkward_rows():
    rnd = random.Random(7)
    texts = ["", "plain", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", "crlf\r\n", "中文，逗号", "制表\t符",
             " lead", "trail ", '"', ",", "\u2028", "x" * 300, "NUL\x00in"]
    floats = [0.1, 12.5, -3.25, 1e16, 1.5e-7, 123456789.123, 2.0 ** 60 + 0.5, -0.0, 1 / 3, 1e300, 5e-324,
              float("inf"), float("-inf")]
    rows = []
    for i in range(3000):
        value = rnd.choice([None, rnd.randint(-10**12, 10**12), rnd.choice(floats), rnd.random() * 10**rnd.randint(-6, 18)])
        note = rnd.choice([None, rnd.choice(texts), rnd.randint(0, 99), 2.5])  # text column holding numbers too
        rows.append((f"r-{i}", rnd.choice(texts + [None]), rnd.choice([None, 2019 + i % 6]), value, note,
                     rnd.choice([None, i % 40])))
    return rows


def test_batches_write_the_csv_modules_bytes():
    rows = awkward_rows()
    schema = export_format.declared_schema(NAMES, DECLARED)
    assert [str(f.type) for f in schema] == ["string", "string", "int64", "double", "string", "int64"]
    got = b"".join(export_format.batch(rows[i:i + 700], schema)[1] for i in range(0, len(rows), 700))
    assert got == csv_module(rows)
    assert export_format.header(NAMES) == b"\xef\xbb\xbf" + csv_module([], NAMES)


def test_typed_columns_keep_every_value():
    rows = awkward_rows()
    schema = export_format.declared_schema(NAMES, DECLARED)
    rb, _ = export_format.batch(rows, schema)
    cols = rb.to_pydict()
    for i, r in enumerate(rows):
        assert cols["id"][i] == r[0] and cols["name"][i] == r[1] and cols["year"][i] == r[2] and cols["page"][i] == r[5]
        v = cols["value"][i]
        assert (v is None and r[3] is None) or v == float(r[3]) or (math.isnan(v) and math.isnan(r[3]))
        assert cols["note"][i] == (None if r[4] is None else str(r[4]))  # numbers in a text column: str


@pytest.mark.parametrize("values, to", [([1, 2, 2.5], pa.float64()), ([1, "x"], pa.string()), ([1.5, "y"], pa.string())])
def test_a_value_that_does_not_fit_widens_its_column(values, to):
    schema = export_format.declared_schema(["n"], {"n": "INTEGER" if to == pa.float64() or values[0] == 1 else "REAL"})
    with pytest.raises(export_format.Widen) as e:
        export_format.batch([(v,) for v in values], schema)
    wider = export_format.widened(schema, e.value)
    assert wider.field(0).type == to
    rb, text = export_format.batch([(v,) for v in values], wider)
    assert text == csv_module([(v,) for v in values])
    assert rb.column(0).to_pylist() == [v if to == pa.float64() else str(v) for v in values]  # nothing truncated


def _fallback_db(path) -> None:
    """A database without the panel view (reports and cells only): integers, decimals and text in `value`."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        create table reports (id text primary key, agency text, year integer, level text, province text, city text,
          county text, region_code text, template text);
        create table cells (id integer primary key, report_id text, tbl text, row_code text, col_code text,
          value numeric, raw text, unit text, page integer);
    """)
    conn.executemany("insert into reports values (?,?,?,?,?,?,?,?,?)",
                     [(f"r{i}", f"机关{i},甲", 2020 + i, "city", "省", None, None, "110000", "2021") for i in range(3)])
    conn.executemany("insert into cells (report_id, tbl, row_code, col_code, value, raw, unit, page) values (?,?,?,?,?,?,?,?)",
                     [(f"r{i % 3}", "t3", f"row{i}", "total", [i, i + 0.5, "见附件"][i % 3], f'"{i}"', "件", i) for i in range(9)])
    conn.commit()
    conn.close()

def test_a_source_without_the_panel_is_written_whole_and_widened(tmp_path):
    """An old database without the panel view: one CSV and one Parquet from the fallback query."""
    db = tmp_path / "old.db"
    _fallback_db(db)
    conn = sqlite3.connect(db)
    want_rows = conn.execute(exports.FALLBACK_PANEL_SQL).fetchall()
    names = [d[0] for d in conn.execute(exports.FALLBACK_PANEL_SQL).description]
    conn.close()
    out = {r["format"]: r for r in exports.write_downloads(db, tmp_path / "downloads")}
    data = (tmp_path / "downloads" / out["csv"]["file"]).read_bytes()
    assert data == b"\xef\xbb\xbf" + csv_module(want_rows, names) and out["csv"]["rows"] == 9
    table = pq.read_table(tmp_path / "downloads" / out["parquet"]["file"])
    assert table.column("value").type == pa.string()  # text among the numbers: the column is text, nothing dropped
    assert table.column("value").to_pylist() == [str(r[names.index("value")]) for r in want_rows]


def test_parts_are_ranges_of_agencies_cut_where_an_id_hashes_to_zero(tmp_path, monkeypatch):
    """Content-defined parts: a new agency changes only its own part's key; reports of no agency are cut
    by report id, so no part holds the whole corpus."""
    from normalize import export_parts

    monkeypatch.setattr(export_parts, "PART_AGENCIES", 4)
    db = tmp_path / "p.db"
    conn = sqlite3.connect(db)
    conn.executescript("""create table reports (id text primary key, agency_id text, year integer, status text);
        create table _build_state (agency_id text primary key, signature text);
        create table _build_info (key text primary key, value text);
        insert into _build_info values ('parser_version', 'x');""")
    agencies = [f"a{i:03d}" for i in range(60)]
    conn.executemany("insert into reports values (?,?,?,?)", [(f"{a}-{y}", a, y, "current") for a in agencies for y in (2020, 2021)]
                     + [(f"none-{i}", None, 2020, "current") for i in range(200)])
    conn.executemany("insert into _build_state values (?,?)", [(a, "sig-" + a) for a in agencies])
    conn.commit()
    schema = export_format.declared_schema(["report_id"], {})
    before = export_parts.plan_parts(conn, schema)
    no_agency = [p for p in before if p.agencies == [""]]
    assert len(no_agency) > 10 and all(p.key is None for p in no_agency)  # cut by report, never reused
    keyed = [p for p in before if "" not in p.agencies]
    assert all(p.key for p in keyed) and [a for p in keyed for a in p.agencies] == agencies
    assert all(export_parts.boundary(p.agencies[-1]) for p in keyed[:-1])
    conn.executemany("insert into reports values (?,?,?,?)", [("a0305-2020", "a0305", 2020, "current")])
    conn.execute("insert into _build_state values ('a0305', 'sig-new')")
    conn.execute("update reports set status = 'removed' where id = 'a050-2021'")
    after = export_parts.plan_parts(conn, schema)
    changed = {tuple(p.agencies) for p in after if p.key not in {q.key for q in before}}
    assert len(changed) == 2 and any("a0305" in c for c in changed) and any("a050" in c for c in changed)


def test_the_builds_export_in_a_spawned_process_writes_what_the_export_writes_here(tmp_path):
    """The build exports in a fresh process (its peak is the export's own, issue 9): same rows, bytes and
    sha256 as the export run in this process; the counts come back; an error in the child is raised here."""
    db = tmp_path / "p.db"
    _fallback_db(db)
    here = {r["name"]: r for r in exports.write_downloads(db, tmp_path / "here")}
    stats: dict = {}
    apart = {r["name"]: r for r in exports.write_downloads_apart(db, tmp_path / "apart", stats=stats)}
    for name in ("panel.csv", "panel.parquet"):
        assert {k: apart[name][k] for k in ("file", "rows", "bytes", "sha256")} == \
               {k: here[name][k] for k in ("file", "rows", "bytes", "sha256")}
        assert (tmp_path / "apart" / apart[name]["file"]).read_bytes() == (tmp_path / "here" / here[name]["file"]).read_bytes()
    assert stats == {"parts": 1, "written": 1, "reused": 0}
    with pytest.raises(sqlite3.Error):
        exports.write_downloads_apart(tmp_path / "missing" / "no.db", tmp_path / "x")
