"""Compare two ``results/`` trees byte for byte (rule logs left out): the check that a refactoring or a rerun
with other settings (cores, jobs) changed no output.

Usage: ``python tests/compare_results.py RESULTS_A RESULTS_B``; prints the files that differ or exist on one
side only and the count compared, and exits 1 when the trees differ.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Comparison:
    """Files of two trees: identical, different, and present on one side only (relative paths)."""

    identical: list[str]
    different: list[str]
    only_left: list[str]
    only_right: list[str]

    @property
    def same(self) -> bool:
        return not (self.different or self.only_left or self.only_right)


def result_files(results: Path) -> dict[str, Path]:
    """Every file under ``results`` but the rule logs, by relative path."""
    return {
        p.relative_to(results).as_posix(): p
        for p in sorted(results.rglob("*"))
        if p.is_file() and p.relative_to(results).parts[0] != "logs"
    }


def compare(left: Path, right: Path) -> Comparison:
    """Compare the result files of two trees byte for byte."""
    a, b = result_files(left), result_files(right)
    common = sorted(set(a) & set(b))
    different = [name for name in common if a[name].read_bytes() != b[name].read_bytes()]
    return Comparison(
        identical=[name for name in common if name not in different],
        different=different,
        only_left=sorted(set(a) - set(b)),
        only_right=sorted(set(b) - set(a)),
    )


def main(argv: list[str]) -> int:
    left, right = (Path(arg) for arg in argv)
    result = compare(left, right)
    for label, names in (
        ("differs", result.different),
        ("only in " + str(left), result.only_left),
        ("only in " + str(right), result.only_right),
    ):
        for name in names:
            print(f"{label}: {name}")
    print(f"{len(result.identical)} of {len(result_files(left))} files identical")
    return 0 if result.same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
