"""Deterministic, atomic table files (Parquet, and CSV for R packages) shared by every stage.

The same DataFrame always gives a byte-identical file: the row order is kept as given, the index is
dropped, schema metadata (pandas' own, which is not needed to read the table back) is removed, and the
writer options are fixed. Files are written atomically, with ordinary permissions
(:func:`qolreview.atomic.write_bytes_atomic`). A table written with its contract (:mod:`qolreview.tables`) is
checked against it first, exactly as a reader will see it. Text cells of a CSV file that a spreadsheet would
read as a formula are neutralised (:func:`formula_like`).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qolreview.atomic import write_bytes_atomic

_WRITE_OPTIONS = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "store_schema": False,
}


class TableContract(Protocol):
    """A table's contract: a :class:`qolreview.tables.Contract` model."""

    @classmethod
    def columns(cls) -> tuple[str, ...]: ...

    @classmethod
    def arrow_schema(cls) -> pa.Schema: ...

    @classmethod
    def validate(cls, check_obj: pd.DataFrame, *, lazy: bool = ...) -> Any: ...


class ContractError(ValueError):
    """A table does not meet its contract: a bug in the stage that made it."""


def _validate(df: pd.DataFrame, contract: type[TableContract]) -> None:
    """Raise :class:`ContractError` listing every way ``df`` breaks ``contract``."""
    try:
        contract.validate(df, lazy=True)
    except Exception as error:  # pandera's SchemaErrors lists every failing column and value
        raise ContractError(f"{getattr(contract, '__name__', 'table')} breaks its contract:\n{error}") from error


def _checked(df: pd.DataFrame, contract: type[TableContract]) -> pa.Table:
    """``df`` as an Arrow table of the contract's schema, checked (all failures at once) as read back."""
    expected, actual = list(contract.columns()), [str(c) for c in df.columns]
    if actual != expected:
        raise ContractError(f"{getattr(contract, '__name__', 'table')}: columns {actual} differ from {expected}")
    table = pa.Table.from_pandas(df.reset_index(drop=True), schema=contract.arrow_schema(), preserve_index=False)
    _validate(table.to_pandas(types_mapper=_types), contract)
    return table


def table_bytes(df: pd.DataFrame, schema: pa.Schema | type[TableContract] | None = None) -> bytes:
    """The Parquet encoding of ``df`` as bytes: cast to an Arrow ``schema``, or checked against a contract
    and cast to its schema."""
    if schema is None or isinstance(schema, pa.Schema):
        table = pa.Table.from_pandas(df.reset_index(drop=True), schema=schema, preserve_index=False)
    else:
        table = _checked(df, schema)
    table = table.replace_schema_metadata(None)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **_WRITE_OPTIONS)
    return buffer.getvalue()


def write_table(df: pd.DataFrame, path: str | Path, contract: type[TableContract] | None = None) -> None:
    """Write ``df`` to ``path`` deterministically and atomically, checked against its ``contract``."""
    write_bytes_atomic({path: table_bytes(df, contract)})


def write_csv(df: pd.DataFrame, path: str | Path, contract: type[TableContract]) -> None:
    """Write ``df`` as CSV (UTF-8, ``\\n`` line ends, no index) deterministically and atomically, after checking it
    against its ``contract`` (a contract may leave columns out; those present keep its order). A text cell that
    a spreadsheet would run as a formula (:func:`formula_like`) is written with a leading ``'``, as OWASP
    advises ("CSV Injection"); numbers, and text that is a plain number, are written as they are."""
    _validate(df, contract)
    safe = df.copy()
    for column in safe.columns:
        if pd.api.types.is_object_dtype(safe[column]) or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(_csv_text)
    write_bytes_atomic({path: safe.to_csv(index=False, lineterminator="\n").encode("utf-8")})


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection",
owasp.org/www-community/attacks/CSV_Injection)."""
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula: it starts with one of :data:`FORMULA_TRIGGERS`
    and is not a plain number such as ``-1.5`` (which stays a number)."""
    return text.startswith(FORMULA_TRIGGERS) and _PLAIN_NUMBER.fullmatch(text) is None


def _csv_text(value: object) -> object:
    return f"'{value}" if isinstance(value, str) and formula_like(value) else value


def _types(dtype: pa.DataType) -> object:
    if pa.types.is_integer(dtype):
        return pd.Int64Dtype()
    if pa.types.is_boolean(dtype):
        return pd.BooleanDtype()
    return None


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table`; integer and boolean columns come back nullable."""
    return pq.read_table(path).to_pandas(types_mapper=_types)
