"""The multiverse grid split into Snakemake jobs: shards of near-equal size covering the grid once, for any split,
with the specifications that share their harmonization choices kept together."""

from __future__ import annotations

import pandas as pd
import pytest

from qolreview.sensitivity import SensitivityConfigError, parse_sensitivity
from qolreview.sensitivity.choices import primary_choices
from qolreview.sensitivity.factors import HARMONIZE_FACTORS
from qolreview.sensitivity.grid import shard, specification_grid

CONFIG = {
    "harmonize": {"pre_post_r": 0.5, "timepoint_choice": "latest"},
    "synthesis": {"method": "REML", "test": "knha", "multiple_effects": "composite"},
}
#: 2 x 2 x 3 x 2 x 3 = 72 specifications in 2 x 3 = 6 harmonization combinations.
FACTORS = {
    "inclusion": ["all", "confirmed_only"],
    "timepoint_choice": ["latest", "closest_to_target"],
    "pre_post_r": [0.3, 0.5, 0.7],
    "multiple_effects": ["composite", "priority"],
    "method": ["REML", "DL", "PM"],
}


def grid_of(factors: dict) -> pd.DataFrame:
    return specification_grid(parse_sensitivity({"multiverse": {"factors": factors}}), primary_choices(CONFIG))


GRIDS = {
    "harmonize factors": grid_of(FACTORS),
    "no harmonize factor": grid_of({"inclusion": ["all", "confirmed_only"], "method": ["REML", "DL", "PM"]}),
    "harmonize factors only": grid_of({"pre_post_r": [0.3, 0.5, 0.7]}),
    "primary alone": grid_of({}),
}


@pytest.mark.parametrize("name", GRIDS)
@pytest.mark.parametrize("jobs", [1, 2, 4, 5, 7, 100])
def test_the_shards_cover_the_grid_once_in_near_equal_ascending_parts(name: str, jobs: int) -> None:
    grid = GRIDS[name]
    parts = [shard(grid, jobs, part) for part in range(jobs)]
    assert sorted(i for ids in parts for i in ids.tolist()) == list(range(len(grid)))
    assert all((ids[1:] > ids[:-1]).all() for ids in parts)
    sizes = [len(ids) for ids in parts]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize(("jobs", "most"), [(1, 6), (2, 6), (3, 6), (4, 8), (6, 6), (12, 12)])
def test_a_harmonization_combination_is_split_only_where_the_sizes_require(jobs: int, most: int) -> None:
    """Each (shard, combination) pair re-runs the harmonize stage once: at most combinations + jobs - 1 of them."""
    grid = GRIDS["harmonize factors"]
    runs = sum(
        grid.iloc[shard(grid, jobs, part)][list(HARMONIZE_FACTORS)].drop_duplicates().shape[0] for part in range(jobs)
    )
    assert runs == most


def test_a_part_outside_the_split_is_refused() -> None:
    with pytest.raises(ValueError, match=r"part 2 outside 0\.\.1"):
        shard(GRIDS["primary alone"], 2, 2)


def test_the_number_of_jobs_is_validated() -> None:
    assert parse_sensitivity({"multiverse": {"jobs": 3}}).jobs == 3
    assert parse_sensitivity({}).jobs == 1
    with pytest.raises(SensitivityConfigError, match=r"sensitivity\.multiverse\.jobs must be a positive integer"):
        parse_sensitivity({"multiverse": {"jobs": 0}})
