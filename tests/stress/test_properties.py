"""Property tests of the stress metrics and transformers (hypothesis).

Frame invariance: every scalar metric (I1, I2, I3, J2, von Mises, maximum shear,
principal stresses) is unchanged when a batch of tensors is rotated, S -> R S R^T,
through both the functions and the scikit-learn transformers, on (n, 6) and (n, 3, 3)
input; principal stresses are sorted and equal to LAPACK's eigvalsh, also for tensors
built with repeated or nearly repeated principal values; the metrics scale with the
tensor as their physical dimension says; dCFS is linear in the tensor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skdlies.stress import (
    DEVRIES_COLUMNS,
    CoulombStress,
    MaxShear,
    StressInvariants,
    VonMises,
    coulomb_stress,
    max_shear,
    principal_stresses,
    stress_invariants,
    von_mises,
)
from skdlies.stress._base import MIN_PLAUSIBLE_MAX_PA

SETTINGS = settings(max_examples=40, deadline=None)
RTOL = 1e-9  # of the spectral norm (to its power for I2, I3)
IDX = [[0, 3, 4], [3, 1, 5], [4, 5, 2]]


def full(S6: np.ndarray) -> np.ndarray:
    return np.asarray(S6)[..., IDX]


def six(M: np.ndarray) -> np.ndarray:
    return M[..., [0, 1, 2, 0, 0, 1], [0, 1, 2, 1, 2, 2]]


def rotation(q: np.ndarray) -> np.ndarray:
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


# Components of random sign spanning 1 Pa .. 10 MPa (coseismic stress changes), so rows
# mix very different magnitudes; zeros are common (hypothesis likes them).
magnitudes = st.one_of(st.just(0.0), st.floats(-1e7, 1e7, allow_subnormal=False),
                       st.floats(0, 7).map(lambda e: 10.0**e),
                       st.floats(0, 7).map(lambda e: -(10.0**e)))
batches = st.integers(1, 8).flatmap(
    lambda n: arrays(np.float64, (n, 6), elements=magnitudes))
quaternions = arrays(np.float64, 4, elements=st.floats(-1, 1)).filter(
    lambda q: np.linalg.norm(q) > 0.1)


def norms(S: np.ndarray) -> np.ndarray:
    return np.linalg.norm(full(S), ord=2, axis=(1, 2))


def assert_close(a, b, scale, power=1):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    bound = RTOL * (scale ** power).reshape(-1, *([1] * (a.ndim - 1))) + 1e-300
    assert np.all(np.abs(a - b) <= bound), (a, b)


@SETTINGS
@given(batches, quaternions)
def test_rotation_leaves_every_metric_unchanged(S, q):
    R = rotation(q)
    T = six(R @ full(S) @ R.T)
    scale = norms(S)
    assert_close(principal_stresses(T), principal_stresses(S), scale)
    assert_close(max_shear(T), max_shear(S), scale)
    assert_close(von_mises(T), von_mises(S), scale)
    for deviatoric in (False, True):
        a, b = stress_invariants(T, deviatoric), stress_invariants(S, deviatoric)
        for k in range(3):
            assert_close(a[:, k], b[:, k], scale, power=k + 1)
    j2_t, j2_s = -stress_invariants(T, True)[:, 1], -stress_invariants(S, True)[:, 1]
    assert_close(j2_t, j2_s, scale, power=2)
    assert np.all(j2_s >= -RTOL * scale**2)  # J2 is a sum of squares


@SETTINGS
@given(batches, quaternions)
def test_transformers_are_rotation_invariant_on_frames(S, q):
    R = rotation(q)
    T = six(R @ full(S) @ R.T)
    scale = norms(S)
    # below the units-warning threshold (no component of S or T reaches 100): not a Pa input
    if min(np.abs(S).max(), np.abs(T).max()) < MIN_PLAUSIBLE_MAX_PA:
        S, T, scale = S * 1e6, T * 1e6, scale * 1e6
    for transformer, powers in [(MaxShear(), [1]), (VonMises(), [1]),
                                (StressInvariants(), [1, 2, 3]),
                                (StressInvariants("deviatoric"), [1, 2, 3])]:
        a = transformer.fit_transform(pd.DataFrame(S, columns=list(DEVRIES_COLUMNS)))
        b = transformer.fit_transform(T)
        for k, power in enumerate(powers):
            assert_close(a[:, k], b[:, k], scale, power)


@SETTINGS
@given(batches)
def test_principal_stresses_sorted_and_equal_to_eigvalsh(S):
    sigma = principal_stresses(S)
    assert np.all(np.diff(sigma, axis=1) <= 0)
    assert_close(sigma, np.linalg.eigvalsh(full(S))[:, ::-1], norms(S))
    assert_close(principal_stresses(full(S)), sigma, norms(S))  # (n, 3, 3) input
    assert_close(max_shear(S), (sigma[:, 0] - sigma[:, 2]) / 2, norms(S))
    assert_close(von_mises(S) ** 2, 3 * -stress_invariants(S, True)[:, 1], norms(S), 2)


@SETTINGS
@given(st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=3),
       st.sampled_from([(0, 0), (0, 1), (1, 2), (0, 2)]), st.sampled_from([0.0, 1e-12, 1e-9, 1e-6]),
       quaternions)
def test_repeated_principal_values(values, pair, split, q):
    """Tensors R diag(eigs) R^T with two (nearly) equal principal values."""
    eigs = np.array(values)
    eigs[pair[1]] = eigs[pair[0]] * (1 + split)
    R = rotation(q)
    S = six((R @ np.diag(eigs) @ R.T)[None])
    sigma = principal_stresses(S)[0]
    scale = max(np.abs(eigs).max(), 1e-300)
    assert np.all(np.diff(sigma) <= 0)
    assert np.all(np.abs(sigma - np.sort(eigs)[::-1]) <= 1e-9 * scale)


@SETTINGS
@given(batches, st.floats(1e-3, 1e3), quaternions)
def test_metrics_scale_with_the_tensor(S, c, q):
    """Positive homogeneity: sigma_k, tau_max, sigma_vm scale by c; I_k by c**k."""
    scale = norms(S) * c
    assert_close(principal_stresses(c * S), c * principal_stresses(S), scale)
    assert_close(max_shear(c * S), c * max_shear(S), scale)
    assert_close(von_mises(c * S), c * von_mises(S), scale)
    inv_c, inv = stress_invariants(c * S), stress_invariants(S)
    for k in range(3):
        assert_close(inv_c[:, k], c ** (k + 1) * inv[:, k], scale, k + 1)


angles = st.tuples(st.floats(0, 360), st.floats(0, 90), st.floats(-180, 180))
frictions = st.lists(st.floats(0, 1), min_size=1, max_size=3, unique_by=lambda m: f"{m:g}")


@SETTINGS
@given(batches, st.floats(-3, 3), st.floats(-3, 3), angles, frictions,
       st.sampled_from(["standard", "normal"]), st.data())
def test_dcfs_is_linear_in_the_tensor(S, a, b, angle, mu, kind, data):
    T = data.draw(arrays(np.float64, S.shape, elements=magnitudes))
    lhs = coulomb_stress(a * S + b * T, *angle, mu=mu, kind=kind)
    rhs = a * coulomb_stress(S, *angle, mu=mu, kind=kind) + b * coulomb_stress(
        T, *angle, mu=mu, kind=kind)
    scale = abs(a) * norms(S) + abs(b) * norms(T)
    assert_close(lhs, rhs, 10 * scale)  # |dCFS| <= (1 + mu) |S|: a few ulps of it
    # the transformer computes the same function, column by column (a linear map)
    dcfs = CoulombStress(*angle, mu=mu, kind=kind)
    combined = a * S + b * T
    if np.abs(combined).max() >= 100:
        assert_close(dcfs.fit_transform(combined), lhs, 10 * scale)


@SETTINGS
@given(batches, angles, st.floats(0, 1), quaternions)
def test_dcfs_of_rotated_tensor_equals_dcfs_on_rotated_fault(S, angle, mu, q):
    """Rotating the tensor about the vertical by theta is rotating the fault by -theta."""
    theta = float(np.degrees(np.arctan2(q[1], q[0])))
    c, s = np.cos(np.radians(theta)), np.sin(np.radians(theta))
    Rz = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])  # counter-clockwise seen from above
    T = six(Rz @ full(S) @ Rz.T)
    strike, dip, rake = angle
    # a counter-clockwise turn of the tensor by theta == fault strike turned clockwise by -theta
    lhs = coulomb_stress(T, strike - theta, dip, rake, mu=mu)
    rhs = coulomb_stress(S, strike, dip, rake, mu=mu)
    assert_close(lhs, rhs, 10 * norms(S))
