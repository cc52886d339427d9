"""Deterministic, atomic table files (Parquet, and CSV for R packages) shared by every stage.

The same DataFrame always gives a byte-identical file: the row order is kept as given, the index is
dropped, schema metadata (pandas' own, which is not needed to read the table back) is removed, and the
writer options are fixed. A file is written to a temporary name in the target directory and renamed
into place, so a reader never sees a half-written file. A table written with its contract
(:mod:`qolreview.tables`) is checked against it first, exactly as a reader will see it.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

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


def write_bytes_atomic(files: Mapping[str | Path, bytes]) -> None:
    """Write several files so that none is replaced until all were written to temporary files."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, payload in files.items():
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            with os.fdopen(fd, "wb") as stream:
                stream.write(payload)
            staged.append((tmp, target))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def write_table(df: pd.DataFrame, path: str | Path, contract: type[TableContract] | None = None) -> None:
    """Write ``df`` to ``path`` deterministically and atomically, checked against its ``contract``."""
    write_bytes_atomic({path: table_bytes(df, contract)})


def write_csv(df: pd.DataFrame, path: str | Path, contract: type[TableContract]) -> None:
    """Write ``df`` as CSV (UTF-8, ``\\n`` line ends, no index) deterministically and atomically, after checking it
    against its ``contract`` (a contract may leave columns out; those present keep its order)."""
    _validate(df, contract)
    write_bytes_atomic({path: df.to_csv(index=False, lineterminator="\n").encode("utf-8")})


def _types(dtype: pa.DataType) -> object:
    if pa.types.is_integer(dtype):
        return pd.Int64Dtype()
    if pa.types.is_boolean(dtype):
        return pd.BooleanDtype()
    return None


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table`; integer and boolean columns come back nullable."""
    return pq.read_table(path).to_pandas(types_mapper=_types)
