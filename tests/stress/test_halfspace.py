"""The elastic half-space reference engine (cutde triangular dislocations)."""

from __future__ import annotations

import numpy as np
import pytest

from skdlies.stress import (
    SingularPointsWarning,
    coulomb_stress,
    halfspace_stress,
    okada_stress,
    patch_corners,
    slip_vectors,
)

pytest.importorskip("cutde")


def strike_slip_fault(length_km=20.0, top_km=0.0):
    """A vertical right-lateral fault striking North, 10 km wide, 1 m of slip."""
    corners = patch_corners(0, 0, -top_km, strike=0, dip=90, length=length_km, width=10) * 1e3
    return corners, slip_vectors(0, 90, 180, 1.0)


def test_slip_vectors():
    np.testing.assert_allclose(slip_vectors(0, 90, 180, 2.0), [[0, -2, 0]], atol=1e-12)
    # strike East, dipping South: a reverse hanging wall moves up-dip, to the North and up
    np.testing.assert_allclose(slip_vectors(90, 45, 90, 1.0),
                               [[0, np.sqrt(0.5), np.sqrt(0.5)]], atol=1e-12)


def test_stress_lobes_of_a_right_lateral_fault():
    """Beyond the tips, right-lateral receivers are loaded; beside the fault, unloaded."""
    corners, slip = strike_slip_fault()
    points = np.array([[0, 15e3, -5e3], [0, -15e3, -5e3], [8e3, 0, -5e3], [-8e3, 0, -5e3]])
    dcfs = coulomb_stress(halfspace_stress(points, corners, slip), 0, 90, 180, 0.4)
    assert dcfs[0] > 1e5 and dcfs[1] > 1e5
    assert dcfs[2] < -1e5 and dcfs[3] < -1e5
    np.testing.assert_allclose(dcfs[0], dcfs[1], rtol=1e-9)  # symmetric about the centre


def test_superposition_of_two_half_patches():
    whole, slip = strike_slip_fault(length_km=20)
    halves = np.concatenate([
        patch_corners(0, y, 0, strike=0, dip=90, length=10, width=10) * 1e3 for y in (-5, 5)
    ])
    rng = np.random.default_rng(0)
    points = rng.uniform([-40e3, -40e3, -30e3], [40e3, 40e3, -1e3], size=(50, 3))
    expected = halfspace_stress(points, whole, slip)
    got = halfspace_stress(points, halves, np.repeat(slip, 2, axis=0))
    scale = np.abs(expected).max(axis=1, keepdims=True)
    np.testing.assert_allclose(got / scale, expected / scale, atol=1e-8)


def test_far_field_decays_like_a_dislocation():
    corners, slip = strike_slip_fault(length_km=2, top_km=10)
    direction = np.array([1.0, 1.0, -0.5]) / 1.5
    centre = np.array([0, 0, -11e3])
    near, far = (halfspace_stress(centre + r * direction[None], corners, slip)
                 for r in (200e3, 400e3))
    ratio = np.linalg.norm(near) / np.linalg.norm(far)
    assert 6 < ratio < 10  # 1/r^3: 8


def test_dipping_thrust_loads_its_own_updip_extension():
    corners = patch_corners(0, 0, -5, strike=0, dip=30, length=20, width=10) * 1e3
    slip = slip_vectors(0, 30, 90, 1.0)
    updip = np.array([[-4e3, 0, -2.5e3]])  # above the top edge, on the fault's extension
    dcfs = coulomb_stress(halfspace_stress(updip, corners, slip), 0, 30, 90, 0.4)
    assert dcfs[0] > 1e4


def test_points_on_an_edge_are_nan_and_counted():
    corners, slip = strike_slip_fault()
    points = np.array([[0, 0, 0], [5e3, 0, -5e3]])  # the first lies on the top edge
    with pytest.warns(SingularPointsWarning, match="1 of 2 observation points"):
        stress = halfspace_stress(points, corners, slip)
    assert np.isnan(stress[0]).all() and np.isfinite(stress[1]).all()


@pytest.mark.parametrize(
    "points, corners_shape, match",
    [
        (np.zeros((2, 2)), (1, 4, 3), "points must have shape"),
        (np.zeros((2, 3)), (1, 3, 3), "corners must have shape"),
        (np.array([[0, 0, -1.0], [0, 0, 10.0]]), (1, 4, 3), r"z <= 0 .*z=10 m at point 1"),
        (np.array([[0, 0, -1.0], [np.inf, 0, -1]]), (1, 4, 3), r"NaN .*first at point 1"),
    ],
)
def test_bad_input(points, corners_shape, match):
    with pytest.raises(ValueError, match=match):
        halfspace_stress(points, -np.ones(corners_shape), np.zeros((corners_shape[0], 3)))


@pytest.mark.parametrize("dip", [90.0, 30.0])
def test_points_on_a_patch_diagonal_match_okada(dip):
    """Inside a rectangle, on or near the diagonal where its two triangles meet (and at the
    centre, where both diagonals cross), the triangle solutions are unstable: such points
    are evaluated with another split of the rectangle and match Okada's closed form."""
    corners = patch_corners(0, 0, -2, strike=0, dip=dip, length=10, width=5) * 1e3
    slip = slip_vectors(0, dip, 45, 1.0)
    c = corners[0]
    normal = np.cross(c[1] - c[0], c[3] - c[0])
    normal /= np.linalg.norm(normal)
    diagonal = (c[2] - c[0]) / np.linalg.norm(c[2] - c[0])
    across = np.cross(normal, diagonal)  # in the plane, perpendicular to the diagonal
    on_diagonal = c[0] + 0.3 * (c[2] - c[0])
    points = np.array([
        c.mean(axis=0), on_diagonal, on_diagonal + 0.01 * across, on_diagonal + 0.1 * across,
        on_diagonal + 1e-3 * normal, c[1] + 0.7 * (c[3] - c[1]),  # on the other diagonal
    ])
    expected = okada_stress(points, 0, 0, 2, 0, dip, 10, 5, np.sqrt(0.5), np.sqrt(0.5))
    got = halfspace_stress(points, corners, slip)
    scale = np.abs(expected).max(axis=1, keepdims=True)
    np.testing.assert_allclose(got / scale, expected / scale, atol=1e-9)


def test_points_near_a_real_edge_of_a_dipping_patch_are_nan():
    corners = patch_corners(0, 0, -2, strike=0, dip=30, length=10, width=5) * 1e3
    c = corners[0]
    along = (c[1] - c[0]) / np.linalg.norm(c[1] - c[0])
    points = np.array([c[1] + 0.4 * (c[2] - c[1]) + 1e-3 * along,  # 1 mm beyond the end edge
                       c[0] + 0.5 * (c[1] - c[0]),  # on the top edge
                       c.mean(axis=0) + np.array([2e3, 0, -1e3])])
    with pytest.warns(SingularPointsWarning, match="2 of 3 observation points"):
        stress = halfspace_stress(points, corners, slip_vectors(0, 30, 90, 1.0))
    assert np.isnan(stress[:2]).all() and np.isfinite(stress[2]).all()
