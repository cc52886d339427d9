"""The multiverse grid split into Snakemake jobs: contiguous shards covering the grid once, for any split."""

from __future__ import annotations

import pytest

from qolreview.sensitivity import SensitivityConfigError, parse_sensitivity
from qolreview.sensitivity.grid import shard


@pytest.mark.parametrize(("n", "jobs"), [(72, 1), (72, 2), (72, 5), (3, 4), (1, 1), (10_000, 7)])
def test_the_shards_cover_the_grid_once_in_order(n: int, jobs: int) -> None:
    ids = [i for part in range(jobs) for i in shard(n, jobs, part)]
    assert ids == list(range(n))
    sizes = [len(shard(n, jobs, part)) for part in range(jobs)]
    assert max(sizes) - min(sizes) <= 1


def test_a_part_outside_the_split_is_refused() -> None:
    with pytest.raises(ValueError, match=r"part 2 outside 0\.\.1"):
        shard(10, 2, 2)


def test_the_number_of_jobs_is_validated() -> None:
    assert parse_sensitivity({"multiverse": {"jobs": 3}}).jobs == 3
    assert parse_sensitivity({}).jobs == 1
    with pytest.raises(SensitivityConfigError, match=r"sensitivity\.multiverse\.jobs must be a positive integer"):
        parse_sensitivity({"multiverse": {"jobs": 0}})
