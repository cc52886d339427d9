"""The rows of a table as dicts of Python values, built column by column.

``DataFrame.to_dict("records")`` boxes each value of an Arrow-backed text column on its own, which made it the
largest single cost of the harmonize stage (run again for every sensitivity and multiverse choice). Converting
each column once with ``Series.tolist`` gives the same dicts, several times faster.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from qolreview.formatting import is_missing


def _na(value: object) -> bool:
    return value is pd.NA


def records(frame: pd.DataFrame, *, none_for_missing: bool = False) -> list[dict[str, Any]]:
    """The rows of ``frame`` in order, each a dict keyed by column, equal to ``frame.to_dict("records")`` (which
    gives ``None`` for ``pd.NA``).

    With ``none_for_missing``, every missing value (:func:`~qolreview.formatting.is_missing`: NaN, NaT, NA) is
    ``None``.
    """
    names = list(frame.columns)
    if not names:
        return [{} for _ in range(len(frame))]
    columns = [frame.iloc[:, i].tolist() for i in range(len(names))]
    missing = is_missing if none_for_missing else _na
    columns = [[None if missing(value) else value for value in column] for column in columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
