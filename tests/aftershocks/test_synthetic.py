"""Synthetic faults and the rate-and-state aftershock model of the demo."""

from __future__ import annotations

import numpy as np
import pytest

from skdlies.aftershocks._synthetic import (
    SECONDS_PER_YEAR,
    dieterich_expected_count,
    optimal_coulomb_stress,
    random_fault,
)
from skdlies.stress import coulomb_stress


def test_random_fault_releases_its_moment():
    model = random_fault(0)
    p = model.patches
    released = 3e10 * (p.slip_m * p.length_km * p.width_km * 1e6).sum()
    assert released == pytest.approx(model.moment, rel=1e-9)
    assert (p.slip_m >= 0).all() and (p.depth_km >= 0).all()
    assert random_fault(0).patches.equals(p) and not random_fault(1).patches.equals(p)


def test_dieterich_count_without_stress_is_the_background():
    window = (1.0, 365 * 86400.0 - 1.0)
    expected = 0.02 * (window[1] - window[0]) / SECONDS_PER_YEAR
    np.testing.assert_allclose(dieterich_expected_count(np.zeros(3)), expected, rtol=1e-6)


def test_dieterich_count_grows_with_the_stress_step():
    counts = dieterich_expected_count(np.array([-1e6, -1e5, 0, 1e5, 1e6, 1e7]))
    assert np.all(np.diff(counts) > 0) and np.all(np.isfinite(counts))
    assert counts[0] < 1e-6 and counts[-1] > 1


def test_optimal_coulomb_stress_is_the_maximum_over_planes():
    rng = np.random.default_rng(0)
    stress = rng.normal(scale=1e5, size=(5, 6))
    strikes, dips, rakes = np.meshgrid(np.arange(0, 360, 10), np.arange(0, 91, 5),
                                       np.arange(-180, 180, 10))
    best = np.max([coulomb_stress(stress, s, d, r, 0.4)
                   for s, d, r in zip(strikes.ravel(), dips.ravel(), rakes.ravel(),
                                      strict=True)], axis=0)
    optimal = optimal_coulomb_stress(stress, 0.4)
    assert np.all(best <= optimal + 1e-6)
    np.testing.assert_allclose(best, optimal, rtol=0.02)
