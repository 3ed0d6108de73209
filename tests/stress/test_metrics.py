"""Stress metrics against a 30-digit reference, exact special cases, invariance and dCFS signs."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skdlies.stress import (
    COMPONENTS,
    coulomb_stress,
    devries_features,
    fault_unit_vectors,
    max_shear,
    principal_stresses,
    stress_invariants,
    sum_abs_stress,
    von_mises,
)
from skdlies.stress._metrics import _TRIG_TOL, as_components

RTOL = 1e-9  # the required accuracy; the measured one is ~1e-14
IDX = [[0, 3, 4], [3, 1, 5], [4, 5, 2]]  # (n, 6) -> (n, 3, 3)


def full(S6: np.ndarray) -> np.ndarray:
    return np.asarray(S6)[..., IDX]


def six(M: np.ndarray) -> np.ndarray:
    return M[..., [0, 1, 2, 0, 0, 1], [0, 1, 2, 1, 2, 2]]


def random_tensors(n: int, seed: int) -> np.ndarray:
    """Components of random sign and log-uniform magnitude in [1e2, 1e7] Pa."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=(n, 6)) * 10 ** rng.uniform(2, 7, size=(n, 6))


def rotation(q) -> np.ndarray:
    """Rotation matrix of the (normalised) quaternion q = (w, x, y, z)."""
    w, x, y, z = np.asarray(q, dtype=float) / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


def rotate(S6: np.ndarray, R: np.ndarray) -> np.ndarray:
    return six(R @ full(S6) @ R.T)


def mp_eigenvalues(S6: np.ndarray, deviatoric: bool = False) -> list[list]:
    """Descending eigenvalues of each tensor (or its deviator) with 30 significant digits."""
    out = []
    with mpmath.workdps(30):
        for row in full(S6):
            M = mpmath.matrix(row.tolist())
            if deviatoric:
                mean = (M[0, 0] + M[1, 1] + M[2, 2]) / 3
                M = M - mean * mpmath.eye(3)
            out.append(sorted(mpmath.eigsy(M, eigvals_only=True), reverse=True))
    return out


@pytest.fixture(scope="module")
def tensors():
    """Random tensors, a few near-repeated cases, and their 30-digit eigenvalues."""
    rng = np.random.default_rng(7)
    near = [np.diag([1e6, 1e6 * (1 + 1e-9), -3e5]), np.diag([5e4, -2e5, -2e5 * (1 + 1e-12)]),
            np.diag([3e6, 3e6, 3e6 + 1e-3]), np.diag([1e7, 1e2, 1e2])]
    near = np.stack([rotation(rng.normal(size=4)) @ M @ rotation(rng.normal(size=4)).T
                     for M in near])
    S = np.vstack([random_tensors(300, 0), six(near)])
    return S, mp_eigenvalues(S), mp_eigenvalues(S, deviatoric=True)


def spectral_norm(eig) -> np.ndarray:
    return np.array([float(max(abs(v) for v in row)) for row in eig])


# -- accuracy against the 30-digit reference ---------------------------------------------------


def test_reference_covers_the_fallback(tensors):
    """The fixture holds rows of both branches: trigonometric and near-repeated (LAPACK)."""
    _, _, dev = tensors
    r = np.array([float(27 * a * b * c / 2 / (3 * (a * a + b * b + c * c) / 2) ** 1.5)
                  for a, b, c in dev])
    assert (1 - r**2 < _TRIG_TOL).sum() >= 4
    assert (1 - r**2 >= _TRIG_TOL).sum() >= 250


def test_principal_stresses(tensors):
    S, eig, _ = tensors
    ref = np.array(eig, dtype=float)
    err = np.abs(principal_stresses(S) - ref).max(axis=1) / spectral_norm(eig)
    assert err.max() <= 1e-12


def test_principal_stresses_of_full_tensors(tensors):
    S = tensors[0]
    np.testing.assert_array_equal(principal_stresses(full(S)), principal_stresses(S))


def test_max_shear_and_von_mises(tensors):
    S, eig, _ = tensors
    with mpmath.workdps(30):
        tau = [float((a - c) / 2) for a, _, c in eig]
        vm = [float(mpmath.sqrt(((a - b) ** 2 + (b - c) ** 2 + (c - a) ** 2) / 2))
              for a, b, c in eig]
    # relative to their own value: both depend on the deviator only
    np.testing.assert_allclose(max_shear(S), tau, rtol=RTOL, atol=0)
    np.testing.assert_allclose(von_mises(S), vm, rtol=RTOL, atol=0)


@pytest.mark.parametrize("deviatoric", [False, True])
def test_invariants(tensors, deviatoric):
    S, eig, dev = tensors
    ev = dev if deviatoric else eig
    with mpmath.workdps(30):
        ref = np.array([[float(a + b + c), float(a * b + b * c + c * a), float(a * b * c)]
                        for a, b, c in ev])
    scale = spectral_norm(eig)[:, None] ** np.array([1, 2, 3])
    err = np.abs(stress_invariants(S, deviatoric=deviatoric) - ref) / scale
    assert err.max() <= RTOL
    if deviatoric:
        assert np.all(stress_invariants(S, deviatoric=True)[:, 0] == 0)
        np.testing.assert_allclose(-stress_invariants(S, True)[:, 1], von_mises(S) ** 2 / 3,
                                   rtol=1e-14)


def test_sum_abs_and_devries_features():
    S = np.array([[1e6, -2e6, 3e5, -4e4, 0.0, 5e2]])
    assert sum_abs_stress(S)[0] == pytest.approx(1e6 + 2e6 + 3e5 + 4e4 + 5e2, rel=1e-15)
    expected = np.array([[1.0, 2.0, 0.3, 0.04, 0.0, 5e-4, -1.0, -2.0, -0.3, -0.04, 0.0, -5e-4]])
    np.testing.assert_allclose(devries_features(S), expected, rtol=1e-15)
    np.testing.assert_allclose(devries_features(S, scale=1.0), expected * 1e6, rtol=1e-15)


# -- exact special cases -------------------------------------------------------------------------


@pytest.mark.parametrize("diagonal", [
    (0.0, 0.0, 0.0),          # zero tensor
    (3e5, 3e5, 3e5),          # isotropic
    (-1e7 / 3, -1e7 / 3, -1e7 / 3),
    (2e6, 0.0, 0.0),          # uniaxial
    (0.0, 0.0, -7e5),
    (1e6, -5e5, 1e6),         # two equal
])
def test_repeated_eigenvalues_are_exact(diagonal):
    S = np.array([[*diagonal, 0.0, 0.0, 0.0]])
    sigma = principal_stresses(S)[0]
    np.testing.assert_array_equal(sigma, sorted(diagonal, reverse=True))
    assert max_shear(S)[0] == (max(diagonal) - min(diagonal)) / 2
    if len(set(diagonal)) == 1:
        assert von_mises(S)[0] == 0.0
        assert stress_invariants(S, deviatoric=True)[0].tolist() == [0.0, 0.0, 0.0]


def test_non_finite_rows_give_nan_without_spoiling_others():
    S = random_tensors(5, 1)
    S[1, 3], S[3, 0] = np.nan, np.inf
    sigma = principal_stresses(S)
    assert np.isnan(sigma[[1, 3]]).all() and np.isfinite(sigma[[0, 2, 4]]).all()


@pytest.mark.parametrize("component", range(6))
def test_a_nan_component_is_nan_in_every_metric(component):
    # dCFS on a plane that gives the component zero weight used to come out finite
    S = random_tensors(3, 2)
    S[1, component] = np.nan
    outputs = [coulomb_stress(S, strike, dip, 30.0, [0.0, 0.4])
               for strike in (0.0, 90.0) for dip in (90.0, 45.0)]
    outputs += [max_shear(S)[:, None], von_mises(S)[:, None], sum_abs_stress(S)[:, None],
                stress_invariants(S), devries_features(S)]
    for out in outputs:
        assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()


def test_shape_errors_name_the_component_order():
    with pytest.raises(ValueError, match=r"\('xx', 'yy', 'zz', 'xy', 'xz', 'yz'\)"):
        max_shear(np.zeros((3, 5)))
    assert as_components(np.zeros((2, 3, 3))).shape == (2, 6)


# -- properties ---------------------------------------------------------------------------------

components = arrays(np.float64, 6, elements=st.floats(-1e7, 1e7, allow_subnormal=False))
quaternions = arrays(np.float64, 4, elements=st.floats(-1, 1)).filter(
    lambda q: np.linalg.norm(q) > 0.1)


@settings(max_examples=150, deadline=None)
@given(components, quaternions)
def test_invariance_under_rotation(s, q):
    S = s[None, :]
    T = rotate(S, rotation(q))
    norm = np.linalg.norm(full(S)[0], 2)
    if norm == 0:
        return
    for metric, power in [(principal_stresses, 1), (max_shear, 1), (von_mises, 1)]:
        assert np.abs(metric(T) - metric(S)).max() <= RTOL * norm**power
    for deviatoric in (False, True):
        delta = np.abs(stress_invariants(T, deviatoric) - stress_invariants(S, deviatoric))[0]
        assert np.all(delta <= RTOL * norm ** np.array([1, 2, 3]))


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, (4, 6), elements=st.floats(-1e7, 1e7)))
def test_principal_stresses_are_sorted(S):
    sigma = principal_stresses(S)
    assert np.all(sigma[:, 0] >= sigma[:, 1]) and np.all(sigma[:, 1] >= sigma[:, 2])
    assert np.all(max_shear(S) >= 0)


angles = st.tuples(st.floats(0, 360), st.floats(0, 90), st.floats(-180, 180))


@settings(max_examples=100, deadline=None)
@given(components, components, st.floats(-3, 3), st.floats(-3, 3), angles,
       st.sampled_from(["standard", "normal"]))
def test_coulomb_stress_is_linear(s, t, a, b, angle, kind):
    mu = [0.0, 0.4, 0.8]
    lhs = coulomb_stress((a * s + b * t)[None], *angle, mu=mu, kind=kind)
    rhs = a * coulomb_stress(s[None], *angle, mu=mu, kind=kind) + b * coulomb_stress(
        t[None], *angle, mu=mu, kind=kind)
    scale = abs(a) * np.abs(s).max() + abs(b) * np.abs(t).max()
    assert np.abs(lhs - rhs).max() <= 1e-12 * scale


@settings(max_examples=100, deadline=None)
@given(angles)
def test_fault_vectors_are_an_orthonormal_triad(angle):
    n, d, p = fault_unit_vectors(*angle)
    np.testing.assert_allclose(np.array([n, d, p]) @ np.array([n, d, p]).T, np.eye(3),
                               atol=1e-15)
    assert n[2] >= 0  # into the hanging wall: upward unless vertical
    np.testing.assert_allclose(np.cross(n, d), p, atol=1e-15)


# -- Coulomb stress: hand-worked cases ---------------------------------------------------------


def tensor(**components) -> np.ndarray:
    return np.array([[components.get(c, 0.0) for c in COMPONENTS]])


def test_fault_geometry_by_hand():
    n, d, _ = fault_unit_vectors(strike=0, dip=0, rake=0)
    assert n.tolist() == [0, 0, 1] and d.tolist() == [0, 1, 0]
    # strike North, dip 90: the hanging wall is the East side; rake 0 slips it North
    n, d, p = fault_unit_vectors(0, 90, 0)
    assert n.tolist() == [1, 0, 0] and d.tolist() == [0, 1, 0] and p.tolist() == [0, 0, 1]
    # strike North, dip 45 East, rake 90: the hanging wall moves up-dip, i.e. up and West
    n, d, _ = fault_unit_vectors(0, 45, 90)
    np.testing.assert_allclose(n, [2**-0.5, 0, 2**-0.5])
    np.testing.assert_allclose(d, [-(2**-0.5), 0, 2**-0.5])


@pytest.mark.parametrize(("strike", "rake", "sign"), [
    (0, 0, +1),     # North-striking, left-lateral: encouraged
    (0, 180, -1),   # North-striking, right-lateral: discouraged
    (180, 0, +1),   # the same plane described from the other side (hanging wall West)
    (90, 180, +1),  # East-striking, right-lateral: encouraged (conjugate plane)
    (90, 0, -1),
])
def test_pure_shear_on_vertical_strike_slip_faults(strike, rake, sign):
    # sxy = tau > 0 pulls the East face of a cube North and the West face South: the
    # East block moves North relative to the West block, which is left-lateral on a
    # North-striking fault and right-lateral on an East-striking one.
    tau = 2.5e5
    S = tensor(xy=tau)
    assert coulomb_stress(S, strike, 90, rake, mu=0.0)[0] == sign * tau
    assert coulomb_stress(S, strike, 90, rake, mu=1.0, kind="normal")[0] == 0.0
    assert coulomb_stress(S, strike, 90, rake, mu=0.4)[0] == sign * tau


def test_pure_normal_stress_on_a_vertical_fault():
    s = 1.5e5  # East-West tension unclamps a North-striking vertical fault
    S = tensor(xx=s)
    mu = [0.0, 0.4, 0.8]
    np.testing.assert_array_equal(coulomb_stress(S, 0, 90, 0, mu=mu, kind="normal")[0],
                                  [0.0, 0.4 * s, 0.8 * s])
    np.testing.assert_array_equal(coulomb_stress(S, 0, 90, 0, mu=0.0)[0], 0.0)
    np.testing.assert_array_equal(coulomb_stress(S, 0, 90, 0, mu=mu)[0], np.array(mu) * s)
    assert coulomb_stress(S, 0, 90, 0, mu=0.4).shape == (1,)
    assert coulomb_stress(S, 0, 90, 0, mu=[0.4]).shape == (1, 1)


def test_dipping_and_horizontal_faults():
    P, mu = 1e6, 0.6
    # East-West compression on a 45 degree East-dipping thrust: normal = -P/2 (clamping),
    # shear = +P/2 along the up-dip slip, so dCFS = P (1 - mu) / 2.
    S = tensor(xx=-P)
    assert coulomb_stress(S, 0, 45, 90, mu=1.0, kind="normal")[0] == pytest.approx(-P / 2)
    assert coulomb_stress(S, 0, 45, 90, mu=0.0)[0] == pytest.approx(P / 2)
    assert coulomb_stress(S, 0, 45, 90, mu=mu)[0] == pytest.approx(P * (1 - mu) / 2)
    assert coulomb_stress(S, 0, 45, -90, mu=0.0)[0] == pytest.approx(-P / 2)  # normal fault
    # Horizontal fault (dip 0, hanging wall above, n = Up); sxz > 0 drags the top East,
    # against the up-dip (West) slip of rake 90; szz is the normal stress.
    assert coulomb_stress(tensor(xz=3e4, zz=2e4), 0, 0, 90, mu=0.5)[0] == -3e4 + 0.5 * 2e4


def test_total_kinds():
    # strike North, dip 90, rake 0: n = East, d = North, p = Up; t = (sxx, sxy, sxz)
    S = tensor(xx=1e5, xy=-3e5, xz=2e5, yy=7e5, zz=-4e5, yz=9e4)
    mu = [0.0, 0.5]
    got = {kind: coulomb_stress(S, 0, 90, 0, mu=mu, kind=kind)[0]
           for kind in ("standard", "normal", "total_shear", "total")}
    np.testing.assert_array_equal(got["standard"], [-3e5, -3e5 + 0.5e5])
    np.testing.assert_array_equal(got["normal"], [0.0, 0.5e5])
    np.testing.assert_array_equal(got["total_shear"], [5e5, 5e5])
    np.testing.assert_array_equal(got["total"], [5e5, 5e5 + 0.5e5])


def test_coulomb_argument_errors():
    with pytest.raises(ValueError, match="kind"):
        coulomb_stress(tensor(xx=1.0), 0, 90, 0, kind="bogus")
    with pytest.raises(ValueError, match="mu"):
        coulomb_stress(tensor(xx=1.0), 0, 90, 0, mu=[0.2, -0.1])


def test_default_friction_is_0_4():
    """1 MPa of tension across a North-striking vertical plane: dCFS = 0.4 x 1 MPa."""
    from skdlies.stress import CoulombStress

    S = np.array([[1e6, 0, 0, 0, 0, 0.0]])
    assert coulomb_stress(S, 0, 90, 0)[0] == pytest.approx(4e5, rel=1e-12)
    est = CoulombStress(strike=0, dip=90, rake=0).fit(S)
    assert est.get_feature_names_out().tolist() == ["cfs_mu0.4"]
    assert est.transform(S)[0, 0] == pytest.approx(4e5, rel=1e-12)
