"""Rows of a query as Arrow record batches with a fixed schema, and as CSV bytes equal to the csv module's.

The bulk downloads (normalize/exports.py) are ~14 M rows at 100,000 reports. Python's csv writer and
pyarrow's per-batch type inference cost about 5 µs a row each; here a batch is typed once and its CSV
text is made by Arrow's vectorised string kernels from the same arrays:

* **Types** come from the columns' declared types (`pragma table_info` of the view): INTEGER → int64,
  REAL/NUMERIC → float64, anything else → string. A batch whose values do not fit (a float or text in
  an INTEGER column, text in a NUMERIC one) raises `Widen`; the caller widens the column
  (int64 → float64 → string) and starts again, so no value is ever truncated or dropped. Text columns
  holding numbers keep them as `str(value)`, as the old inferred Parquet did.
* **CSV** bytes are exactly `csv.writer(fh).writerows(rows)` (QUOTE_MINIMAL, "\\r\\n" line ends, None as
  an empty field, floats by repr): text fields that contain `,` `"` CR or LF are quoted with inner
  quotes doubled; integers are Arrow's decimal text (equal to str); NUMERIC values are written with
  Python's own str (a NUMERIC column holds both int 12 → "12" and float 12.5 → "12.5").
  tests/normalize/test_export_format.py compares both against the csv module on awkward values.
"""
from __future__ import annotations

import csv
import io
from typing import Optional, Sequence

import pyarrow as pa
import pyarrow.compute as pc

NEEDS_QUOTES = (b",", b'"', b"\r", b"\n")  # csv.QUOTE_MINIMAL with the default dialect


class Widen(Exception):
    """A value does not fit its column's type: widen the column and write again."""

    def __init__(self, column: int, to: pa.DataType):
        super().__init__(f"column {column} needs {to}")
        self.column, self.to = column, to


def declared_schema(names: Sequence[str], declared: dict[str, str]) -> pa.Schema:
    """The Arrow schema of a query's columns from their declared SQLite types (name → type text)."""
    def arrow(t: str) -> pa.DataType:
        t = (t or "").upper()
        if "INT" in t:
            return pa.int64()
        if any(k in t for k in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
            return pa.float64()
        return pa.string()
    return pa.schema([pa.field(n, arrow(declared.get(n, ""))) for n in names])


def widened(schema: pa.Schema, w: Widen) -> pa.Schema:
    return schema.set(w.column, pa.field(schema.field(w.column).name, w.to))


def _strings(values: Sequence) -> pa.Array:
    return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _inferred(values: Sequence) -> Optional[pa.Array]:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None  # mixed types


def arrow_column(values: Sequence, target: pa.DataType, index: int) -> tuple[pa.Array, pa.Array]:
    """(the typed column, its CSV text) for one batch of one column."""
    arr = _inferred(values)
    if pa.types.is_string(target):
        if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_null(arr.type)):
            arr = _strings(values)  # numbers (or bytes) in a text column: str(v), as the csv module writes them
        elif pa.types.is_null(arr.type):
            arr = arr.cast(pa.string())
        return arr, quote_minimal(arr)
    if arr is None or not (pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_null(arr.type)):
        raise Widen(index, pa.string())
    if pa.types.is_integer(target):
        if pa.types.is_floating(arr.type):
            raise Widen(index, pa.float64())
        typed = arr.cast(pa.int64())
        return typed, typed.cast(pa.string()).fill_null("")
    # float64 (NUMERIC): ints and floats; the text is Python's own (int → "12", float → repr)
    typed = arr.cast(pa.float64())
    if pa.types.is_floating(arr.type):
        text = pa.array(["" if v is None else str(v) for v in values], type=pa.string())
    else:
        text = arr.cast(pa.string()).fill_null("")
    return typed, text


def quote_minimal(arr: pa.Array) -> pa.Array:
    """A text column as csv.QUOTE_MINIMAL writes it (null → empty)."""
    arr = arr.fill_null("")
    data = arr.buffers()[2]
    raw = b"" if data is None else data.to_pybytes()  # a copy; may hold bytes beyond a slice: at worst a needless check
    if not any(ch in raw for ch in NEEDS_QUOTES):
        return arr
    need = pc.match_substring_regex(arr, '[,"\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(need, quoted, arr)


def batch(rows: list[tuple], schema: pa.Schema) -> tuple[pa.RecordBatch, bytes]:
    """(record batch, CSV bytes of its rows) — raises Widen when a value does not fit the schema."""
    return batch_columns(list(zip(*rows)) if rows else [()] * len(schema), schema, len(rows))


def batch_columns(cols: list, schema: pa.Schema, n: int) -> tuple[pa.RecordBatch, bytes]:
    """As `batch` from columns: each a sequence of Python values or an already made
    (typed array, CSV text array) pair (`arrow_column`'s result, e.g. taken from per-report values)."""
    typed, text = [], []
    for i, (values, field) in enumerate(zip(cols, schema)):
        a, t = values if isinstance(values, tuple) and len(values) == 2 and isinstance(values[0], pa.Array) \
            else arrow_column(values, field.type, i)
        typed.append(a)
        text.append(t)
    rb = pa.RecordBatch.from_arrays(typed, schema=schema)
    if not n:
        return rb, b""
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*text, ","), "", "\r\n")
    return rb, _string_bytes(lines)


def _string_bytes(arr: pa.Array) -> bytes:
    """The concatenated values of a string array without nulls."""
    off = memoryview(arr.buffers()[1]).cast("i")  # int32 offsets (string, not large_string)
    start, end = off[arr.offset], off[arr.offset + len(arr)]
    return arr.buffers()[2][start:end].to_pybytes()


def header(names: Sequence[str]) -> bytes:
    """BOM + the header line, as csv.writer writes it into a utf-8-sig file."""
    buf = io.StringIO(newline="")
    csv.writer(buf).writerow(names)
    return buf.getvalue().encode("utf-8-sig")
