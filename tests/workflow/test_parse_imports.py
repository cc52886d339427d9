"""What Snakemake imports of the library when it reads the workflow: every run, a dry run and a no-op rerun included,
and every cluster job, which reads the workflow again. The rule files check the configuration with light modules
only; the numerical stack is imported by the jobs that use it. And what each job imports: never ``scipy.stats``
(about a second per job), whose distribution functions the library takes from ``qolreview.meta.distributions``."""

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


def _imported(modules: list[str], watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` are loaded after importing ``modules`` in a fresh interpreter."""
    code = f"import sys\nfor m in {modules!r}: __import__(m)\nprint(sorted(m for m in {watched!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return ast.literal_eval(done.stdout.strip())


def test_the_rule_files_import_no_numerical_library():
    modules = _library_imports()
    assert "qolreview.sensitivity" in modules and "qolreview.review_identity" in modules
    assert _imported(modules, HEAVY) == []


def test_no_job_imports_scipy_stats():
    """The library modules of the rules' scripts (``workflow/scripts/*.py``) load no ``scipy.stats``, nor do the
    figure modules that the figure entry points import when called."""
    modules = set()
    for script in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qolreview."):
                modules.add(node.module)
    assert "qolreview.synthesis.stage" in modules and "qolreview.figures.stage" in modules
    modules.update(f"qolreview.figures.{path.stem}" for path in (ROOT / "src" / "qolreview" / "figures").glob("*.py"))
    assert _imported(sorted(modules), ("scipy.stats", "scipy.optimize")) == []


def test_a_figure_job_loads_only_its_own_family():
    """Importing ``figures.stage`` loads no family's drawing module: each entry point imports its own when called,
    so that the forest job, say, does not load the others."""
    others = ("qolreview.figures.influence", "qolreview.figures.specification_curve", "qolreview.synthesis.diagnostics")
    assert _imported(["qolreview.figures.stage"], ("qolreview.figures.forest", *others)) == []
