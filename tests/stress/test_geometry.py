"""The one fault frame behind fault_unit_vectors, slip_vectors and patch_corners."""

import numpy as np

from skdlies.stress import fault_unit_vectors, patch_corners, slip_vectors
from skdlies.stress._geometry import cos_sin, fault_axes, slip_direction


def test_cos_sin_exact_at_quarter_turns_and_accurate_elsewhere():
    angles = np.array([-270.0, -90.0, 0.0, 90.0, 180.0, 270.0, 360.0, 450.0])
    cos, sin = cos_sin(angles)
    np.testing.assert_array_equal(cos, [0, 0, 1, 0, -1, 0, 1, 0])
    np.testing.assert_array_equal(sin, [1, -1, 0, 1, 0, -1, 0, 1])
    other = np.array([-33.3, 17.0, 123.4])
    cos, sin = cos_sin(other)
    np.testing.assert_allclose(cos, np.cos(np.radians(other)), rtol=0, atol=1e-15)
    np.testing.assert_allclose(sin, np.sin(np.radians(other)), rtol=0, atol=1e-15)


def test_frame_is_right_handed_orthonormal_and_matches_every_user():
    rng = np.random.RandomState(0)
    strike, dip, rake = rng.uniform(0, 360, 50), rng.uniform(0, 90, 50), rng.uniform(-180, 180, 50)
    along, down, normal = fault_axes(strike, dip)
    frame = np.stack([along, down, normal], axis=1)
    gram = frame @ frame.transpose(0, 2, 1)
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(3), gram.shape), atol=1e-14)
    np.testing.assert_allclose(np.cross(down, along), normal, atol=1e-14)
    assert (down[:, 2] <= 0).all() and (normal[:, 2] >= 0).all()
    d = slip_direction(strike, dip, rake)
    np.testing.assert_allclose(slip_vectors(strike, dip, rake, 2.0), 2 * d)
    for k in range(5):  # against the formulas of fault_unit_vectors' docstring, written out
        phi, delta, lam = np.radians([strike[k], dip[k], rake[k]])
        n_k, d_k, _ = fault_unit_vectors(strike[k], dip[k], rake[k])
        np.testing.assert_allclose(n_k, [np.sin(delta) * np.cos(phi), -np.sin(delta) * np.sin(phi),
                                         np.cos(delta)], atol=1e-15)
        np.testing.assert_allclose(d_k, [
            np.cos(lam) * np.sin(phi) - np.cos(delta) * np.sin(lam) * np.cos(phi),
            np.cos(lam) * np.cos(phi) + np.cos(delta) * np.sin(lam) * np.sin(phi),
            np.sin(lam) * np.sin(delta)], atol=1e-15)
        np.testing.assert_array_equal(d_k, d[k])
    corners = patch_corners(0, 0, 0, strike, dip, 2.0, 3.0)
    np.testing.assert_allclose(corners[:, 1] - corners[:, 0], 2 * along, atol=1e-14)
    np.testing.assert_allclose(corners[:, 3] - corners[:, 0], 3 * down, atol=1e-14)


def test_special_orientations_have_exact_zeros():
    # vertical strike-slip on a N-S fault: slip due north, no vertical part
    np.testing.assert_array_equal(slip_vectors(0, 90, 0, 1), [[0, 1, 0]])
    # reverse slip on a 90-striking fault: up dip = north and up
    s = slip_vectors(90, 45, 90, 1)[0]
    assert s[0] == 0 and s[1] > 0 and s[2] > 0
