"""The layout stays readable: one owner per public name, thin rule scripts, every rule explained and logged."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "src" / "qolreview"
STAGE_ENTRY = re.compile(r"^run(_[a-z_]+)?$")
"""Entry points of the rules: ``run`` in every stage module, ``run_<rule>`` where a stage has several rules."""


def _public_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_") and n not in ("log", "__all__") and not STAGE_ENTRY.match(n)}


def test_no_public_name_is_defined_twice() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for path in sorted(LIBRARY.rglob("*.py")):
        for name in _public_names(path):
            where[name].append(str(path.relative_to(LIBRARY)))
    assert {name: files for name, files in where.items() if len(files) > 1} == {}


def test_each_stage_is_one_package_with_a_stage_module() -> None:
    for stage in ("workbook", "clean", "harmonize", "synthesis", "sensitivity", "figures", "report"):
        assert (LIBRARY / stage / "stage.py").is_file(), stage


def test_rule_scripts_only_open_the_log_and_call_one_stage_entry_point() -> None:
    for script in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        code = [
            line
            for line in script.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith(("#", '"""'))
        ]
        assert len(code) == 4, script.name
        assert re.fullmatch(r"from qolreview\.\w+\.stage import (run\w*)", code[0]), script.name
        assert code[1:3] == ["from qolreview.workflow import logged", "with logged(snakemake.log[0]):"], script.name
        entry = code[0].rsplit(" ", 1)[1]
        assert code[3] == f"    {entry}(snakemake.input, snakemake.output, snakemake.params.settings)", script.name


def test_every_rule_has_a_comment_a_log_and_its_settings() -> None:
    for rules in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        lines = rules.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if line.startswith("rule ") and line != "rule all:":
                assert lines[index - 1].startswith("# "), f"{rules.name}: {line} has no comment above it"
                body = "\n".join(
                    lines[
                        index + 1 : next(
                            (j for j in range(index + 1, len(lines)) if lines[j].startswith("rule ")), len(lines)
                        )
                    ]
                )
                assert "    log:" in body and "        settings=" in body, f"{rules.name}: {line}"


DEFAULT_REVIEW_WORDS = re.compile(r"ketamine|spravato|depress|\bTRD\b|\bMDD\b|cheng", re.IGNORECASE)
"""Words of the embedded default review, which belong to its own files (workbook, config), never to the workflow."""


def test_the_workflow_speaks_of_no_review_in_particular() -> None:
    files = [
        *(p for folder in ("src", "workflow", "report") for p in (ROOT / folder).rglob("*") if p.is_file()),
        ROOT / "config" / "synonyms.yaml",
    ]
    leaks = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        if "__pycache__" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if DEFAULT_REVIEW_WORDS.search(line)
    ]
    assert leaks == []
