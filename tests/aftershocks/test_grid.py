"""The DeVries et al. observation grid and patch geometry."""

from __future__ import annotations

import numpy as np
import pytest

from skdlies.aftershocks._grid import grid_cells
from skdlies.stress import patch_corners


def test_vertical_patch_striking_north():
    corners = patch_corners(0, 0, 0, strike=0, dip=90, length=10, width=5)[0]
    np.testing.assert_allclose(corners, [[0, -5, 0], [0, 5, 0], [0, 5, -5], [0, -5, -5]],
                               atol=1e-12)


def test_dipping_patch_goes_down_to_the_right_of_strike():
    # strike East (90): right of strike is South; dip 30 from a buried top edge
    corners = patch_corners(0, 0, -2, strike=90, dip=30, length=4, width=2)[0]
    np.testing.assert_allclose(corners[0], [-2, 0, -2], atol=1e-12)
    np.testing.assert_allclose(corners[2], [2, -np.sqrt(3), -3], atol=1e-12)


def test_one_point_gives_the_cells_inside_its_circle():
    cells = grid_cells([[0.0, 0.0]], cell_km=5, radius_km=12, n_layers=2)
    centres = cells[cells.z == cells.z.max()][["x", "y"]].to_numpy() / 1e3
    # cells whose four corners are within 12 km of the origin: the 4 x 4 block inside
    # +-10 km (corner (10, 5) is 11.2 km away) minus its 4 corner cells ((10, 10): 14.1 km)
    assert len(centres) == 12
    assert np.all(np.abs(centres) <= 7.5)
    assert sorted(set(cells.z)) == [-7500.0, -2500.0]
    assert len(cells) == 24


def test_union_of_circles_of_a_long_fault():
    # corners of a 60 km vertical fault along y: the grid is a stadium around it
    corners = patch_corners(0, 0, 0, strike=0, dip=90, length=60, width=15)
    cells = grid_cells(corners[..., :2].reshape(-1, 2), radius_km=100)
    layer = cells[cells.z == -2500.0][["x", "y"]].to_numpy() / 1e3
    near = np.hypot(layer[:, 0], np.clip(np.abs(layer[:, 1]) - 30, 0, None))
    assert near.max() <= 100 and near.max() > 90
    # area of the stadium (circle of 100 km + 200 x 60 km rectangle), in 25 km^2 cells
    expected = (np.pi * 100**2 + 200 * 60) / 25
    assert 0.93 * expected < len(layer) < expected
    assert len(cells) == 10 * len(layer)


@pytest.mark.parametrize("bad", [np.zeros((0, 2)), np.zeros((3, 3)), [[np.nan, 0.0]]])
def test_bad_corners(bad):
    with pytest.raises(ValueError, match="corners_xy"):
        grid_cells(bad)
