"""The Okada (1992) rectangular-dislocation stress engine against the cutde reference."""

from __future__ import annotations

import numpy as np
import pytest

from skdlies.stress import SingularPointsWarning, halfspace_stress, patch_corners, slip_vectors
from skdlies.stress._okada import _kernel, okada_stress, okada_stress_rake, rake_to_components

pytest.importorskip("cutde")

TOL = 1e-8


def _edge_distance(points: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Distance (m) from each point to the nearest edge of any patch."""
    a = corners.reshape(-1, 3)
    b = np.roll(corners, -1, axis=1).reshape(-1, 3)
    ab = b - a
    t = np.einsum("nkj,kj->nk", points[:, None] - a[None], ab) / np.einsum("kj,kj->k", ab, ab)
    closest = a[None] + np.clip(t, 0, 1)[..., None] * ab[None]
    return np.linalg.norm(points[:, None] - closest, axis=-1).min(axis=1)


def _compare(patches: dict, n: int = 300, box_km: float = 40.0, seed: int = 0) -> float:
    """Max relative Frobenius error of okada vs cutde over points > 100 m from edges."""
    rng = np.random.default_rng(seed)
    corners = patch_corners(patches["x_km"], patches["y_km"], -np.asarray(patches["depth_km"]),
                            patches["strike"], patches["dip"], patches["length_km"],
                            patches["width_km"]) * 1e3
    points = np.column_stack([rng.uniform(-box_km, box_km, n) * 1e3,
                              rng.uniform(-box_km, box_km, n) * 1e3,
                              -rng.uniform(0, box_km / 2, n) * 1e3])
    points[: n // 10, 2] = 0.0  # some on the free surface
    points = points[_edge_distance(points, corners) > 100.0]
    slip = slip_vectors(patches["strike"], patches["dip"], patches["rake"], patches["slip_m"])
    expected = halfspace_stress(points, corners, slip)
    got = okada_stress_rake(points, **patches)
    err = np.linalg.norm(got - expected, axis=1) / np.linalg.norm(expected, axis=1)
    return float(err.max())


def _one(x=0.0, y=0.0, depth=2.0, strike=30.0, dip=90.0, length=10.0, width=5.0, rake=0.0,
         slip=1.0) -> dict:
    return {"x_km": [x], "y_km": [y], "depth_km": [depth], "strike": [strike], "dip": [dip],
            "length_km": [length], "width_km": [width], "rake": [rake], "slip_m": [slip]}


GEOMETRIES = {
    "vertical_strike_slip": _one(strike=30, dip=90, rake=0),
    "right_lateral_vertical": _one(strike=0, dip=90, rake=180, slip=2.0),
    "thrust_dip30": _one(strike=120, dip=30, rake=90),
    "normal_dip60": _one(strike=250, dip=60, rake=-90),
    "buried_deep": _one(depth=12.0, strike=45, dip=45, rake=60),
    "surface_breaking": _one(depth=0.0, strike=200, dip=70, rake=30),
    "surface_breaking_vertical": _one(depth=0.0, strike=10, dip=90, rake=180),
    "oblique": _one(x=1.0, y=-2.0, depth=3.0, strike=77, dip=50, rake=135, slip=2.5),
    "shallow_dip10": _one(depth=1.0, strike=300, dip=10, rake=100),
    "horizontal": _one(depth=4.0, strike=15, dip=0, rake=-120),
}


@pytest.mark.parametrize("name", list(GEOMETRIES))
def test_matches_cutde_single_patch(name):
    assert _compare(GEOMETRIES[name]) <= TOL


def test_matches_cutde_random_model():
    rng = np.random.default_rng(42)
    m = 20
    patches = {
        "x_km": rng.uniform(-15, 15, m), "y_km": rng.uniform(-15, 15, m),
        "depth_km": np.where(rng.random(m) < 0.2, 0.0, rng.uniform(0, 10, m)),
        "strike": rng.uniform(0, 360, m),
        "dip": np.where(rng.random(m) < 0.2, 90.0, rng.uniform(15, 85, m)),
        "length_km": rng.uniform(1, 6, m), "width_km": rng.uniform(1, 5, m),
        "rake": rng.uniform(-180, 180, m), "slip_m": rng.uniform(0.1, 3, m),
    }
    assert _compare(patches, n=200, seed=1) <= TOL


def test_components_and_rake_adapter_agree():
    ss, ds = rake_to_components([0, 90, 180, -90], [1, 2, 3, 4])
    np.testing.assert_allclose(ss, [1, 0, -3, 0], atol=1e-12)
    np.testing.assert_allclose(ds, [0, 2, 0, -4], atol=1e-12)
    points = np.array([[3e3, 4e3, -2e3], [-5e3, 1e3, 0.0]])
    args = ([0.0], [0.0], [1.0], [20.0], [40.0], [6.0], [3.0])
    got = okada_stress_rake(points, *args, [135.0], [2.0])
    expected = okada_stress(points, *args, [-np.sqrt(2)], [np.sqrt(2)])
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())


def test_linear_in_slip_and_additive():
    points = np.array([[3e3, 4e3, -2e3], [-5e3, 1e3, -7e3], [20e3, -3e3, 0.0]])
    one = okada_stress(points, [0], [0], [1], [10], [60], [4], [2], [1.0], [0.5])
    two = okada_stress(points, [0, 0], [0, 0], [1, 1], [10, 10], [60, 60], [4, 4], [2, 2],
                       [0.5, 0.5], [0.25, 0.25])
    np.testing.assert_allclose(two, one, rtol=1e-10, atol=1e-10 * np.abs(one).max())


def test_continuous_towards_vertical_dip():
    """DC3D's near-vertical cancellation is avoided (cutde itself degrades there)."""
    rng = np.random.default_rng(5)
    points = rng.uniform([-3e4, -3e4, -2e4], [3e4, 3e4, 0], size=(100, 3))

    def stress(dip):
        return okada_stress_rake(points, [0], [0], [2], [20], [dip], [10], [5], [45], [1])

    vertical = stress(90.0)
    for offset in (1e-1, 1e-2, 1e-3, 1e-4):  # degrees; the change is ~0.3 offset
        diff = np.linalg.norm(stress(90.0 - offset) - vertical, axis=1)
        assert (diff / np.linalg.norm(vertical, axis=1)).max() < 0.5 * offset


def test_far_field_decays_like_a_dislocation():
    direction = np.array([1.0, 1.0, -0.5]) / 1.5
    centre = np.array([0.0, 0.0, -11e3])
    near, far = (okada_stress(centre + r * direction[None], [0], [0], [10], [0], [90], [2],
                              [2], [1.0], [0.0]) for r in (200e3, 400e3))
    assert 6 < np.linalg.norm(near) / np.linalg.norm(far) < 10  # 1/r^3: 8


def test_points_on_an_edge_are_nan_and_counted():
    points = np.array([[0.0, 0.0, 0.0], [5e3, 0.0, -5e3], [0.0, 5e3, -10e3]])
    with pytest.warns(SingularPointsWarning, match="2 of 3"):
        got = okada_stress(points, [0], [0], [0], [0], [90], [10], [10], [-1.0], [0.0])
    assert np.isnan(got[0]).all() and np.isnan(got[2]).all()
    assert np.isfinite(got[1]).all()


def test_torch_namespace_matches_numpy():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    m = 5
    pts = rng.uniform([-2e4, -2e4, -1e4], [2e4, 2e4, 0], size=(40, 3))
    phi, delta = rng.uniform(0, 6, m), rng.uniform(0.3, 1.4, m)
    pat = [rng.uniform(-5e3, 5e3, m), rng.uniform(-5e3, 5e3, m), rng.uniform(0, 5e3, m),
           np.sin(phi), np.cos(phi), np.sin(delta), np.cos(delta),
           rng.uniform(500, 2e3, m), rng.uniform(500, 2e3, m), rng.normal(size=m),
           rng.normal(size=m), rng.normal(size=(9 * m, 6))]
    ref, _ = _kernel(pts[:, 0:1], pts[:, 1:2], pts[:, 2:3], *pat, 0.6)
    tp = torch.from_numpy(pts)
    got, _ = _kernel(tp[:, 0:1], tp[:, 1:2], tp[:, 2:3], *map(torch.from_numpy, pat), 0.6,
                     xp=torch)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("kwargs, match", [
    ({"points": np.zeros((2, 2))}, "shape"),
    ({"points": np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 1.0]])}, r"z <= 0 .*z=1 at point 1"),
    ({"points": np.array([[0.0, np.nan, -1.0]])}, r"NaN or infinity \(first at point 0\)"),
    ({"depth_km": [-0.5]}, r"depth_km >= 0 .*-0\.5 at patch 0"),
    ({"dip": [-1.0]}, "dip"),
    ({"dip": [91.0]}, "dip"),
    ({"backend": "cuda"}, "backend"),
])
def test_bad_input(kwargs, match):
    args = {"points": np.array([[1e3, 0.0, -1e3]]), "x_km": [0], "y_km": [0], "depth_km": [1],
            "strike": [0], "dip": [45], "length_km": [1], "width_km": [1],
            "strike_slip_m": [1], "dip_slip_m": [0]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        okada_stress(**args)


# -- elastic constants other than the default (mu = lambda) -------------------------------------

_PATCH = ([0.0], [0.0], [2.0], [30.0], [50.0], [10.0], [6.0], [60.0], [1.0])


def _points(z_km, seed=0):
    rng = np.random.default_rng(seed)
    z = np.full(30, 0.0) if z_km == 0 else -rng.uniform(1e3, 15e3, 30)
    return np.column_stack([rng.uniform(-20e3, 20e3, 30), rng.uniform(-20e3, 20e3, 30), z])


@pytest.mark.parametrize(("mu", "lam"), [(3e10, 3e10), (3e10, 6e10), (4e10, 2e10)])
def test_free_surface_carries_no_traction_for_any_lame_constants(mu, lam):
    """sigma_zz, sigma_xz, sigma_yz vanish at z = 0, whatever mu and lambda (with mu = lambda,
    swapping them or taking the wrong Poisson ratio would go unnoticed)."""
    points = _points(0)
    corners = patch_corners(0, 0, -2, 30, 50, 10, 6) * 1e3
    for stress in (
        okada_stress_rake(points, *_PATCH, mu=mu, lam=lam),
        halfspace_stress(points, corners, slip_vectors(30, 50, 60, 1.0), mu=mu, lam=lam),
    ):
        scale = np.abs(stress).max(axis=1)
        assert (np.abs(stress[:, [2, 4, 5]]).max(axis=1) / scale).max() < 1e-9


def test_okada_matches_cutde_for_unequal_lame_constants():
    points = _points(-1)
    corners = patch_corners(0, 0, -2, 30, 50, 10, 6) * 1e3
    okada = okada_stress_rake(points, *_PATCH, mu=3e10, lam=6e10)
    cutde = halfspace_stress(points, corners, slip_vectors(30, 50, 60, 1.0), mu=3e10, lam=6e10)
    error = np.linalg.norm(okada - cutde, axis=1) / np.linalg.norm(cutde, axis=1)
    assert error.max() < 1e-8


def test_long_strike_slip_fault_matches_the_screw_dislocation():
    """A 2,000 km long vertical fault from the surface to W = 10 km with 1 m of left-lateral
    slip: at the surface, sigma_xy = -mu s W / (pi (x^2 + W^2)) (the 2-D screw dislocation,
    Weertman & Weertman 1964; Savage & Burford 1973). Pins the default mu = 3e10 Pa and the
    sign of left-lateral slip."""
    W, mu = 10e3, 3e10
    x = np.array([2e3, 5e3, 10e3, 20e3, -10e3])
    points = np.column_stack([x, np.zeros_like(x), np.zeros_like(x)])
    stress = okada_stress(points, [0.0], [0.0], [0.0], [0.0], [90.0], [2000.0], [10.0], [1.0],
                          [0.0])
    np.testing.assert_allclose(stress[:, 3], -mu * W / (np.pi * (x**2 + W**2)), rtol=1e-3)
    assert np.abs(stress[:, [0, 1, 2, 4, 5]]).max() < 1e-3  # Pa, against ~5e5
