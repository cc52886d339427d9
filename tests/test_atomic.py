"""Files under results/ are written atomically with the permissions an ordinary ``open()`` gives them
(``0o666 & ~umask``), not mkstemp's 0600 (``qolreview.atomic``)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qolreview import atomic

#: Writes one file with each writer that puts files under results/ (tables, CSV, figures, captions, the workbook
#: template, the report) into the directory given as the first argument.
WRITERS = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import pandas as pd
    import pandera.pandas as pa
    from pandera.typing import Series
    from qolreview.figures.captions import write_captions
    from qolreview.figures.save import save_figure
    from qolreview.figures.style import new_figure
    from qolreview.parquet_io import write_csv, write_table
    from qolreview.report.data import write_config
    from qolreview.workbook.writer import write_template



    class Table(pa.DataFrameModel):
        a: Series[str]


    out = Path(sys.argv[1])
    table = pd.DataFrame({"a": ["x"]})
    write_table(table, out / "table.parquet")
    write_csv(table, out / "table.csv", Table)
    save_figure(new_figure(1.0, 1.0), out / "figure")
    write_captions({"figure": {"caption": "c", "alt": "a"}}, out / "captions.json")
    write_template(out / "template.xlsx")
    write_config({"a": 1}, out / "config_used.yaml")
    """
)
FILES = ("table.parquet", "table.csv", "figure.svg", "figure.png", "captions.json", "template.xlsx", "config_used.yaml")


def _modes_under_umask(umask: int, out: Path) -> dict[str, int]:
    """Run every writer in a fresh process with ``umask``; return the permission bits of each file written."""
    result = subprocess.run(
        [sys.executable, "-c", WRITERS, str(out)],
        preexec_fn=lambda: os.umask(umask),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {name: stat.S_IMODE((out / name).stat().st_mode) for name in FILES}


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_every_writer_respects_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    assert _modes_under_umask(umask, tmp_path) == dict.fromkeys(FILES, mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)  # no temporary file left behind


def test_the_umask_is_read_without_proc_too(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = os.umask(0o022)
    os.umask(expected)
    monkeypatch.setattr(atomic, "_proc_umask", lambda: None)
    assert atomic._umask.__wrapped__() == expected
    assert os.umask(expected) == expected  # restored


def test_a_failed_write_replaces_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"old")
    with pytest.raises(OSError):
        atomic.write_bytes_atomic({tmp_path / "a.txt": b"new", tmp_path / "a.txt" / "b.txt": b"x"})
    assert (tmp_path / "a.txt").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
