"""What Snakemake imports of the library when it reads the workflow: every run, a dry run and a no-op rerun included,
and every cluster job, which reads the workflow again. The rule files check the configuration with light modules
only; the numerical stack is imported by the jobs that use it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "scipy", "pandera", "matplotlib", "openpyxl", "pyarrow")


def _library_imports() -> list[str]:
    """The ``from qolreview... import ...`` modules of the Snakefile and rule files."""
    modules = []
    for path in (ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("from qolreview", "import qolreview")):
                node = ast.parse(line).body[0]
                modules.append(node.module if isinstance(node, ast.ImportFrom) else node.names[0].name)
    return modules


def test_the_rule_files_import_no_numerical_library():
    modules = _library_imports()
    assert "qolreview.sensitivity" in modules and "qolreview.review_identity" in modules
    code = f"import sys\nfor m in {modules!r}: __import__(m)\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
